//! Web facts: routes and their paths (decorators, `add_url_rule`, Django URL patterns), rate
//! limiters, CORS origins, request body limits, health-check apps and prints in handlers.

use tree_sitter::Node;

use super::{fact, line, PyFacts, Route, Source};
use crate::analysis::kinds::Field;
use crate::analysis::scope::{decorators, enclosing_function};
use crate::analysis::semantic::{
    method_call, module_assignments, string_literal_value, walk, CallArgs,
};
use crate::analysis::web::ROUTE_METHODS;
use crate::analysis::Context;

/// Calls that register a route with the path first: Flask `add_url_rule`, FastAPI/Starlette
/// `add_api_route`/`add_route`, aiohttp `add_get`/`add_post`/….
const ROUTE_CALLS: &[&str] = &[
    "add_url_rule",
    "add_api_route",
    "add_route",
    "add_get",
    "add_post",
    "add_put",
    "add_patch",
    "add_delete",
];

/// Django URL pattern functions.
const DJANGO_URL_FUNCTIONS: &[&str] = &[
    "django.urls.path",
    "django.urls.re_path",
    "django.conf.urls.url",
];

/// Starlette's `Route("/path", endpoint)`.
const ROUTE_CLASSES: &[&str] = &[
    "starlette.routing.Route",
    "starlette.routing.WebSocketRoute",
];

/// Calls that build a web application object.
const APP_CONSTRUCTORS: &[&str] = &[
    "flask.Flask",
    "quart.Quart",
    "fastapi.FastAPI",
    "starlette.applications.Starlette",
    "sanic.Sanic",
    "litestar.Litestar",
    "bottle.Bottle",
    "aiohttp.web.Application",
    "django.core.wsgi.get_wsgi_application",
    "django.core.asgi.get_asgi_application",
];

/// Rate-limiting packages: importing one and constructing its limiter is the evidence.
const LIMITER_CALLS: &[&str] = &[
    "slowapi.Limiter",
    "flask_limiter.Limiter",
    "fastapi_limiter.FastAPILimiter.init",
    "fastapi_limiter.depends.RateLimiter",
    "django_ratelimit.decorators.ratelimit",
    "ratelimit.decorators.ratelimit",
    "limits.strategies.MovingWindowRateLimiter",
    "limits.strategies.FixedWindowRateLimiter",
];

/// Middleware classes that cap request bodies, by the words their names contain.
const SIZE_LIMIT_WORDS: &[&str] = &[
    "contentsizelimit",
    "bodysizelimit",
    "requestsizelimit",
    "maxbodysize",
    "limituploadsize",
    "contentlengthlimit",
    "maxcontentsize",
];

/// CORS middleware classes.
const CORS_MIDDLEWARE: &[&str] = &[
    "starlette.middleware.cors.CORSMiddleware",
    "fastapi.middleware.cors.CORSMiddleware",
];

/// Django (django-cors-headers) and Flask-CORS settings that set the allowed origins.
const CORS_SETTINGS: &[&str] = &[
    "CORS_ALLOWED_ORIGINS",
    "CORS_ORIGIN_WHITELIST",
    "CORS_ALLOWED_ORIGIN_REGEXES",
    "CORS_ALLOW_ALL_ORIGINS",
    "CORS_ORIGIN_ALLOW_ALL",
    "CORS_ORIGINS",
];

/// Collects the web facts of a module.
pub fn collect(ctx: &Context, facts: &mut PyFacts) {
    if ctx.web().imports_framework {
        decorated_routes(ctx, facts);
    }
    for call in ctx.resolved_calls() {
        let q = call.qualified.as_str();
        if APP_CONSTRUCTORS.contains(&q) && builds_the_app(ctx, call.call) {
            facts
                .app_instances
                .push(fact(call.call, format!("`{q}()`")));
        }
        if DJANGO_URL_FUNCTIONS.contains(&q) || ROUTE_CLASSES.contains(&q) {
            url_pattern(ctx, call.call, facts);
        }
        if LIMITER_CALLS.contains(&q) {
            facts.rate_limiters.push(fact(call.call, format!("`{q}`")));
            let args = CallArgs::of(call.call, ctx.source);
            if args.keyword("default_limits").is_some()
                || args.keyword("application_limits").is_some()
            {
                facts
                    .global_rate_limits
                    .push(fact(call.call, "default limits for every route"));
            }
        }
        if q == "flask_cors.CORS" || q == "flask_cors.cross_origin" {
            flask_cors(ctx, call.call, facts);
        }
    }
    ctx.walk_module(|n| match n.kind() {
        "call" => {
            route_call(ctx, n, facts);
            middleware(ctx, n, facts);
            print_in_handler(ctx, n, facts);
        }
        "identifier" | "string_content" => size_limit_mention(ctx, n, facts),
        _ => {}
    });
    settings(ctx, facts);
}

/// Whether an application constructor call builds *the* application: at module level
/// (`app = Flask(__name__)`, `application = get_wsgi_application()`) or in an app factory
/// (`def create_app():`). A framework calling its own constructor inside a helper (Django's dev
/// server calls `get_wsgi_application()`) does not make it an application.
fn builds_the_app(ctx: &Context, call: Node) -> bool {
    match enclosing_function(call) {
        None => true,
        Some(function) => function
            .field("name")
            .map(|n| ctx.text(n))
            .is_some_and(|name| {
                matches!(
                    name,
                    "create_app" | "make_app" | "build_app" | "app_factory" | "create_application"
                )
            }),
    }
}

/// `@app.get("/path")` and friends on a `def`.
fn decorated_routes(ctx: &Context, facts: &mut PyFacts) {
    ctx.walk_module(|function| {
        if function.kind() != "function_definition" {
            return;
        }
        let decorators = decorators(function);
        let limited = decorators.iter().any(|d| mentions_limit(ctx.text(*d)))
            || function
                .field("parameters")
                .is_some_and(|p| mentions_limit(ctx.text(p)));
        for decorator in &decorators {
            let Some(path) = route_decorator_path(ctx, *decorator) else {
                continue;
            };
            let handler = function
                .field("name")
                .map(|n| ctx.text(n).to_string())
                .unwrap_or_default();
            facts.routes.push(Route {
                line: line(*decorator),
                path,
                handler,
                limited,
            });
        }
    });
}

/// Whether decorator or parameter text names a rate limit (`@limiter.limit`, `@ratelimit`,
/// `Depends(RateLimiter(...))`, `@throttle_classes`).
fn mentions_limit(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    lower.contains("limit(") || lower.contains("ratelimit") || lower.contains("throttle")
}

/// The path of `@x.route("/path")` / `@router.get(path="/p")`, when the decorator is a route.
fn route_decorator_path(ctx: &Context, decorator: Node) -> Option<String> {
    if decorator.kind() != "call" {
        return None;
    }
    let function = decorator.field("function")?;
    if function.kind() != "attribute" {
        return None;
    }
    let method = ctx.text(function.field("attribute")?);
    if !ROUTE_METHODS.contains(&method) {
        return None;
    }
    let args = CallArgs::of(decorator, ctx.source);
    let path = args
        .positional
        .first()
        .copied()
        .or_else(|| args.keyword("path"))
        .or_else(|| args.keyword("rule"))?;
    string_literal_value(path, ctx.source).filter(|s| s.is_empty() || s.starts_with('/'))
}

/// `app.add_url_rule("/health", view_func=health)`, `router.add_get("/health", handler)`.
fn route_call(ctx: &Context, call: Node, facts: &mut PyFacts) {
    if !ctx.web().imports_framework {
        return;
    }
    let Some((_, method)) = method_call(call, ctx.source) else {
        return;
    };
    if !ROUTE_CALLS.contains(&method) {
        return;
    }
    let args = CallArgs::of(call, ctx.source);
    let Some(path) = args
        .positional
        .first()
        .and_then(|p| string_literal_value(*p, ctx.source))
        .filter(|p| p.starts_with('/'))
    else {
        return;
    };
    let handler = args
        .positional
        .get(1)
        .copied()
        .or_else(|| args.keyword("view_func"))
        .or_else(|| args.keyword("endpoint"))
        .map(|h| ctx.text(h).to_string())
        .unwrap_or_default();
    facts.routes.push(Route {
        line: line(call),
        limited: mentions_limit(&handler),
        path,
        handler,
    });
}

/// Django `path("health/", views.health)` and Starlette `Route("/health", health)`.
fn url_pattern(ctx: &Context, call: Node, facts: &mut PyFacts) {
    let args = CallArgs::of(call, ctx.source);
    let Some(path) = args
        .positional
        .first()
        .copied()
        .or_else(|| args.keyword("route"))
        .or_else(|| args.keyword("path"))
        .and_then(|p| string_literal_value(p, ctx.source))
    else {
        return;
    };
    let view = args
        .positional
        .get(1)
        .copied()
        .or_else(|| args.keyword("view"))
        .or_else(|| args.keyword("endpoint"))
        .map(|v| ctx.text(v).to_string())
        .unwrap_or_default();
    // `include(...)` mounts other patterns; the prefix alone serves nothing.
    if view.starts_with("include(") {
        return;
    }
    facts.routes.push(Route {
        line: line(call),
        limited: mentions_limit(&view),
        path,
        handler: view,
    });
}

/// `app.add_middleware(CORSMiddleware, allow_origins=...)`, `Middleware(CORSMiddleware, ...)`, and
/// body-size middleware.
fn middleware(ctx: &Context, call: Node, facts: &mut PyFacts) {
    let Some(function) = call.field("function") else {
        return;
    };
    let is_add = function.kind() == "attribute"
        && function
            .field("attribute")
            .is_some_and(|a| ctx.text(a) == "add_middleware");
    let is_wrapper = ctx.resolve(function).as_deref() == Some("starlette.middleware.Middleware");
    if !is_add && !is_wrapper {
        return;
    }
    let args = CallArgs::of(call, ctx.source);
    let Some(class) = args.positional.first().copied() else {
        return;
    };
    let class_name = ctx.text(class);
    if ctx
        .resolve(class)
        .is_some_and(|q| CORS_MIDDLEWARE.contains(&q.as_str()))
    {
        let origins = args
            .keyword("allow_origins")
            .or_else(|| args.keyword("allow_origin_regex"));
        let source = match origins {
            Some(value) => classify(ctx, value, 0),
            // Starlette's default is no origin at all: nothing is allowed cross-origin.
            None => return,
        };
        facts
            .cors
            .push((fact(call, format!("`{class_name}` origins")), source));
    }
    let lower = class_name.to_ascii_lowercase().replace('_', "");
    if SIZE_LIMIT_WORDS.iter().any(|w| lower.contains(w)) {
        facts
            .size_limits
            .push(fact(call, format!("`{class_name}` middleware")));
    }
}

/// `CORS(app, origins=...)` / `@cross_origin(origins=...)`; without origins, every origin.
fn flask_cors(ctx: &Context, call: Node, facts: &mut PyFacts) {
    let args = CallArgs::of(call, ctx.source);
    let value = args
        .keyword("origins")
        .or_else(|| args.keyword("resources"));
    let source = match value {
        Some(v) => classify(ctx, v, 0),
        // The module may set `CORS_ORIGINS` in the Flask config instead; `settings` records it.
        None if ctx.source.contains("CORS_ORIGINS") || ctx.source.contains("CORS_RESOURCES") => {
            return
        }
        None if args.has_double_star => Source::Configured,
        None => Source::Literal,
    };
    facts
        .cors
        .push((fact(call, "Flask-CORS origins".to_string()), source));
}

/// Where a value comes from: a literal, or the environment / settings / another module.
pub(super) fn classify(ctx: &Context, value: Node, depth: usize) -> Source {
    match value.kind() {
        "string" | "concatenated_string" | "true" | "false" | "integer" => Source::Literal,
        "list" | "tuple" | "set" | "dictionary" => {
            // A collection of literals is a literal; one environment read inside makes it
            // configured.
            if reads_configuration(ctx, value) {
                Source::Configured
            } else {
                Source::Literal
            }
        }
        "identifier" if depth < 3 => {
            let name = ctx.text(value);
            match module_assignments(ctx.roots())
                .into_iter()
                .rev()
                .find(|a| ctx.text(a.name) == name)
            {
                Some(a) => classify(ctx, a.value, depth + 1),
                // Imported or computed elsewhere.
                None => Source::Configured,
            }
        }
        _ => Source::Configured,
    }
}

/// Whether a subtree reads the environment or a settings object.
pub(super) fn reads_configuration(ctx: &Context, node: Node) -> bool {
    let mut found = false;
    walk(node, |n| {
        if found {
            return;
        }
        match n.kind() {
            "call" => {
                let function = n.field("function");
                found = function.is_some_and(|f| {
                    ctx.resolve(f).is_some_and(|q| {
                        q.starts_with("os.environ")
                            || q == "os.getenv"
                            || q.starts_with("decouple.")
                    }) || matches!(ctx.text(f), "env" | "config" | "env.list" | "env.str")
                });
            }
            "subscript" | "attribute" => {
                let object = n.field("value").or_else(|| n.field("object"));
                found = object.is_some_and(|o| {
                    ctx.resolve(o).as_deref() == Some("os.environ")
                        || matches!(ctx.text(o), "settings" | "config" | "app.config")
                });
            }
            _ => {}
        }
    });
    found
}

/// `print(...)` directly inside a request handler (not with an explicit `file=`).
fn print_in_handler(ctx: &Context, call: Node, facts: &mut PyFacts) {
    let is_print = call
        .field("function")
        .is_some_and(|f| f.kind() == "identifier" && ctx.text(f) == "print");
    if !is_print || CallArgs::of(call, ctx.source).keyword("file").is_some() {
        return;
    }
    let in_handler = enclosing_function(call).is_some_and(|f| ctx.handler_kind(f).is_some());
    if in_handler {
        facts.prints_in_handlers.push(fact(call, "`print()`"));
    }
}

/// `MAX_CONTENT_LENGTH` set (as a name or a config key) to something other than `None`.
fn size_limit_mention(ctx: &Context, node: Node, facts: &mut PyFacts) {
    let text = ctx.text(node);
    if text != "MAX_CONTENT_LENGTH" && text != "MAX_FORM_MEMORY_SIZE" {
        return;
    }
    // The statement the mention sits in must assign or pass it: `X = n`, `cfg["X"] = n`,
    // `update(X=n)`; a read (`app.config["MAX_CONTENT_LENGTH"]` on the right) does not count.
    let mut current = node.parent();
    while let Some(n) = current {
        match n.kind() {
            "assignment" => {
                let on_left = n
                    .field("left")
                    .is_some_and(|l| l.byte_range().contains(&node.start_byte()));
                let none = n.field("right").is_some_and(|r| r.kind() == "none");
                if on_left && !none {
                    facts.size_limits.push(fact(n, format!("`{text}` set")));
                }
                return;
            }
            "keyword_argument" | "pair" => {
                let value = n.field("value");
                let on_key = n
                    .field("name")
                    .or_else(|| n.field("key"))
                    .is_some_and(|k| k.byte_range().contains(&node.start_byte()));
                if on_key && value.is_some_and(|v| v.kind() != "none") {
                    facts.size_limits.push(fact(n, format!("`{text}` set")));
                }
                return;
            }
            "expression_statement" | "block" | "module" => return,
            _ => current = n.parent(),
        }
    }
}

/// Settings modules: CORS origins, Django's body limit, DRF throttles, health-check apps.
fn settings(ctx: &Context, facts: &mut PyFacts) {
    for a in module_assignments(ctx.roots()) {
        let name = ctx.text(a.name);
        if CORS_SETTINGS.contains(&name) {
            let source = if name.contains("ALLOW_ALL") {
                // `True` is the wildcard; `False` configures nothing by itself.
                if a.value.kind() == "false" {
                    continue;
                }
                classify(ctx, a.value, 0)
            } else {
                classify(ctx, a.value, 0)
            };
            facts
                .cors
                .push((fact(a.statement, format!("`{name}`")), source));
        }
        if name == "DATA_UPLOAD_MAX_MEMORY_SIZE" {
            if a.value.kind() == "none" {
                facts
                    .size_limits_off
                    .push(fact(a.statement, "`DATA_UPLOAD_MAX_MEMORY_SIZE = None`"));
            } else {
                facts
                    .size_limits
                    .push(fact(a.statement, "`DATA_UPLOAD_MAX_MEMORY_SIZE` set"));
            }
        }
        if name == "REST_FRAMEWORK" && ctx.text(a.value).contains("DEFAULT_THROTTLE_CLASSES") {
            facts
                .rate_limiters
                .push(fact(a.statement, "DRF `DEFAULT_THROTTLE_CLASSES`"));
            facts
                .global_rate_limits
                .push(fact(a.statement, "DRF default throttles for every view"));
        }
        if name == "INSTALLED_APPS" {
            let mut found = None;
            walk(a.value, |n| {
                if found.is_none() && n.kind() == "string" {
                    let value = string_literal_value(n, ctx.source).unwrap_or_default();
                    if value == "health_check" || value.starts_with("health_check.") {
                        found = Some(n);
                    }
                }
            });
            if let Some(n) = found {
                facts
                    .health_apps
                    .push(fact(n, "django-health-check in `INSTALLED_APPS`"));
            }
        }
    }
}
