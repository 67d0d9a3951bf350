//! What a module is to the web rules: which functions handle requests (Flask/FastAPI/Starlette
//! routes, Django views), whether it serves requests at all, whether it is a settings module.
//!
//! Whether a function handles requests is decided per function, from its decorators (or its
//! Django shape) and the file's imports ([`Context::handler_kind`](super::Context::handler_kind));
//! the module-wide answers are part of the file's facts (`facts.rs`, [`Context::web`]).
//!
//! [`Context::web`]: super::Context::web

use tree_sitter::Node;

use super::facts::FileFacts;
use super::kinds::Field;
use super::scope::{decorators, parameter_names};
use super::semantic::string_literal_value;
use super::Context;

/// Top-level packages whose import makes a decorated `x.get("/path")` a route.
pub const FRAMEWORKS: &[&str] = &[
    "flask",
    "fastapi",
    "starlette",
    "quart",
    "sanic",
    "litestar",
    "bottle",
    "aiohttp",
    "django",
    "rest_framework",
    "ninja",
];

/// Decorator methods that register a route.
pub const ROUTE_METHODS: &[&str] = &[
    "route",
    "get",
    "post",
    "put",
    "patch",
    "delete",
    "head",
    "options",
    "api_route",
    "websocket",
];

/// Class-based view methods that handle one HTTP method.
const VIEW_METHODS: &[&str] = &["get", "post", "put", "patch", "delete", "head", "options"];

/// Settings names that together mark a Django (or Flask `from_pyfile`) settings module.
pub const SETTINGS_NAMES: &[&str] = &[
    "INSTALLED_APPS",
    "MIDDLEWARE",
    "ROOT_URLCONF",
    "DATABASES",
    "ALLOWED_HOSTS",
    "SECRET_KEY",
    "DEBUG",
    "TEMPLATES",
    "WSGI_APPLICATION",
    "STATIC_URL",
];

/// How a request handler was recognised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandlerKind {
    /// Registered by a decorator (`@app.route`, `@router.get`).
    Route,
    /// A Django view function or class-based view method (takes `request`).
    DjangoView,
}

/// How `function` (a `function_definition`) handles requests, if it does. Only modules that
/// import a web framework have handlers.
pub fn handler_kind_of(facts: &FileFacts, source: &str, function: Node) -> Option<HandlerKind> {
    if !facts.imports_framework || function.kind() != "function_definition" {
        return None;
    }
    if decorators(function)
        .into_iter()
        .any(|d| is_route_decorator(source, d))
    {
        return Some(HandlerKind::Route);
    }
    let text = source.get(function.byte_range()).unwrap_or("");
    (facts.imports_django && is_django_view(function, source) && builds_response(text))
        .then_some(HandlerKind::DjangoView)
}

/// Whether `object` is a Flask (or Quart) application: a name bound to `Flask(...)` in this file,
/// or `app`/`application` in a module that imports Flask or Quart (apps made by a factory).
pub fn is_flask_app(ctx: &Context, object: Node) -> bool {
    if object.kind() != "identifier" {
        return false;
    }
    let name = ctx.text(object);
    ctx.web().binds_flask_app(name)
        || (matches!(name, "app" | "application")
            && (ctx.imports_module("flask") || ctx.imports_module("quart")))
}

/// Application classes whose `run()` starts a development server.
pub const FLASK_APPS: &[&str] = &["flask.Flask", "quart.Quart"];

/// Whether `node` is inside `if __name__ == "__main__":`.
pub fn under_main_guard(ctx: &Context, node: Node) -> bool {
    let mut current = node.parent();
    while let Some(n) = current {
        if n.kind() == "if_statement" {
            let condition = n.field("condition").map(|c| ctx.text(c));
            if condition.is_some_and(|c| c.contains("__name__") && c.contains("__main__")) {
                return true;
            }
        }
        current = n.parent();
    }
    false
}

/// `@x.route("/path")`, `@router.get("/items/{id}")`: a call of a route method whose first
/// argument (or `path=`/`rule=`) is a string.
fn is_route_decorator(source: &str, decorator: Node) -> bool {
    if decorator.kind() != "call" {
        return false;
    }
    let Some(function) = decorator.field("function") else {
        return false;
    };
    if function.kind() != "attribute" {
        return false;
    }
    let method = function
        .field("attribute")
        .and_then(|a| source.get(a.byte_range()))
        .unwrap_or("");
    if !ROUTE_METHODS.contains(&method) {
        return false;
    }
    let args = super::semantic::CallArgs::of(decorator, source);
    let path = args
        .positional
        .first()
        .copied()
        .or_else(|| args.keyword("path"))
        .or_else(|| args.keyword("rule"));
    path.is_some_and(|p| {
        string_literal_value(p, source).is_some_and(|s| s.is_empty() || s.starts_with('/'))
    })
}

/// Whether a function's text builds an HTTP response (what tells a view from a helper that takes
/// a request, such as `authenticate(request, ...)`).
fn builds_response(text: &str) -> bool {
    [
        "render(",
        "redirect(",
        "Response(",
        "HttpResponse",
        "JsonResponse",
        "render_to_response(",
    ]
    .iter()
    .any(|w| text.contains(w))
}

/// A module-level function whose first parameter is `request`, or a `get`/`post`/… method whose
/// second is.
fn is_django_view(function: Node, source: &str) -> bool {
    let params = parameter_names(function, source);
    // The node the `def` (or its decorated form) sits in: a class body's block, or the module.
    let container = function.parent().and_then(|p| {
        if p.kind() == "decorated_definition" {
            p.parent()
        } else {
            Some(p)
        }
    });
    let in_class = container
        .filter(|b| b.kind() == "block")
        .and_then(|b| b.parent())
        .is_some_and(|c| c.kind() == "class_definition");
    if in_class {
        let name = function
            .field("name")
            .and_then(|n| source.get(n.byte_range()))
            .unwrap_or("");
        VIEW_METHODS.contains(&name) && params.get(1) == Some(&"request")
    } else {
        let at_module_level = container.is_some_and(|m| m.kind() == "module");
        at_module_level && params.first() == Some(&"request")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::ModuleTree;

    fn facts(src: &str) -> (usize, bool, bool) {
        let tree = ModuleTree::parse(src, None).unwrap();
        let ctx = Context::new(src, &tree);
        let mut handlers = 0;
        ctx.walk_module(|n| {
            handlers += usize::from(ctx.handler_kind(n).is_some());
        });
        (
            handlers,
            ctx.web().serves_requests(),
            ctx.web().is_settings_module,
        )
    }

    #[test]
    fn recognises_routes_and_views() {
        let flask = "from flask import Flask\napp = Flask(__name__)\n@app.route('/')\ndef index():\n    return 'hi'\n";
        assert_eq!(facts(flask), (1, true, false));
        let fastapi = "from fastapi import APIRouter\nr = APIRouter()\n@r.get('/items/{id}')\nasync def item(id: int):\n    return {}\n";
        assert_eq!(facts(fastapi).0, 1);
        let django = "from django.http import HttpResponse\ndef index(request):\n    return HttpResponse('x')\nclass V(View):\n    def get(self, request):\n        return HttpResponse('x')\n";
        assert_eq!(facts(django).0, 2);
    }

    #[test]
    fn look_alikes_are_not_routes() {
        // A cache's `get` decorator, and a framework-free module.
        let cache = "from flask import Flask\n@cache.get(timeout=5)\ndef f():\n    pass\n";
        assert_eq!(facts(cache).0, 0);
        let plain =
            "@app.route('/')\ndef index():\n    return 'hi'\ndef view(request):\n    pass\n";
        assert_eq!(facts(plain).0, 0);
        let settings = "DEBUG = True\nALLOWED_HOSTS = []\n";
        assert!(facts(settings).2);
    }
}
