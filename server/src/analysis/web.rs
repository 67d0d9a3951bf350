//! What a module is to the web rules: which functions handle requests (Flask/FastAPI/Starlette
//! routes, Django views), whether it serves requests at all, whether it is a settings module.
//!
//! Computed once per file from the syntax tree and the import table; rules ask through
//! [`Context::web`](super::Context::web).

use tree_sitter::Node;

use super::scope::{decorators, parameter_names};
use super::semantic::{module_assignments, string_literal_value, walk};
use super::Context;

/// Top-level packages whose import makes a decorated `x.get("/path")` a route.
const FRAMEWORKS: &[&str] = &[
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
const ROUTE_METHODS: &[&str] = &[
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
const SETTINGS_NAMES: &[&str] = &[
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

/// The web facts of one module.
#[derive(Debug, Default)]
pub struct WebFacts {
    /// Request handlers: the start byte of each `function_definition`, with how it was recognised.
    handlers: Vec<(usize, HandlerKind)>,
    /// Whether the module imports a web framework at all.
    pub imports_framework: bool,
    /// Whether the module assigns at least two well-known settings names at module level.
    pub is_settings_module: bool,
}

impl WebFacts {
    /// Collects the facts of a module.
    pub fn collect(ctx: &Context) -> WebFacts {
        let imports_framework = ctx.imports().qualified_names().any(|q| {
            let top = q.split('.').next().unwrap_or(q);
            FRAMEWORKS.contains(&top)
        });
        let imports_django = ctx
            .imports()
            .qualified_names()
            .any(|q| q.starts_with("django.") || q.starts_with("rest_framework"));
        let mut handlers = Vec::new();
        if imports_framework {
            walk(ctx.root(), |n| {
                if n.kind() != "function_definition" {
                    return;
                }
                if decorators(n)
                    .into_iter()
                    .any(|d| is_route_decorator(ctx, d))
                {
                    handlers.push((n.start_byte(), HandlerKind::Route));
                } else if imports_django
                    && is_django_view(n, ctx.source)
                    && builds_response(ctx.text(n))
                {
                    handlers.push((n.start_byte(), HandlerKind::DjangoView));
                }
            });
        }
        let settings_names = module_assignments(ctx.root())
            .iter()
            .filter(|a| SETTINGS_NAMES.contains(&ctx.text(a.name)))
            .count();
        WebFacts {
            handlers,
            imports_framework,
            is_settings_module: settings_names >= 2,
        }
    }

    /// How `function` handles requests, if it does.
    pub fn handler_kind(&self, function: Node) -> Option<HandlerKind> {
        self.handlers
            .iter()
            .find(|(start, _)| *start == function.start_byte())
            .map(|(_, kind)| *kind)
    }

    /// Whether the module defines request handlers: its code runs once per request, in a server.
    pub fn serves_requests(&self) -> bool {
        !self.handlers.is_empty()
    }
}

/// Whether `object` is a Flask (or Quart) application: a name bound to `Flask(...)` in this file,
/// or `app`/`application` in a module that imports Flask or Quart (apps made by a factory).
pub fn is_flask_app(ctx: &Context, object: Node) -> bool {
    if object.kind() != "identifier" {
        return false;
    }
    let name = ctx.text(object);
    let mut bound_to_app = false;
    walk(ctx.root(), |n| {
        if n.kind() != "assignment" {
            return;
        }
        let (Some(left), Some(right)) = (
            n.child_by_field_name("left"),
            n.child_by_field_name("right"),
        ) else {
            return;
        };
        if left.kind() == "identifier" && ctx.text(left) == name && right.kind() == "call" {
            bound_to_app |= right
                .child_by_field_name("function")
                .and_then(|f| ctx.resolve(f))
                .is_some_and(|q| FLASK_APPS.contains(&q.as_str()));
        }
    });
    bound_to_app
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
            let condition = n.child_by_field_name("condition").map(|c| ctx.text(c));
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
fn is_route_decorator(ctx: &Context, decorator: Node) -> bool {
    if decorator.kind() != "call" {
        return false;
    }
    let Some(function) = decorator.child_by_field_name("function") else {
        return false;
    };
    if function.kind() != "attribute" {
        return false;
    }
    let method = function
        .child_by_field_name("attribute")
        .map(|a| ctx.text(a))
        .unwrap_or("");
    if !ROUTE_METHODS.contains(&method) {
        return false;
    }
    let args = super::semantic::CallArgs::of(decorator, ctx.source);
    let path = args
        .positional
        .first()
        .copied()
        .or_else(|| args.keyword("path"))
        .or_else(|| args.keyword("rule"));
    path.is_some_and(|p| {
        string_literal_value(p, ctx.source).is_some_and(|s| s.is_empty() || s.starts_with('/'))
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
            .child_by_field_name("name")
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
    use crate::parse::parse_str;

    fn facts(src: &str) -> (usize, bool, bool) {
        let tree = parse_str(src).unwrap();
        let ctx = Context::new(src, &tree);
        let facts = WebFacts::collect(&ctx);
        (
            facts.handlers.len(),
            facts.serves_requests(),
            facts.is_settings_module,
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
