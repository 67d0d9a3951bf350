//! PF302 debug-enabled: debuggers and auto-reload switched on in code.

use std::sync::LazyLock;

use super::RuleMeta;
use crate::analysis::kinds::Field;
use crate::analysis::semantic::{CallArgs, Needles};
use crate::analysis::web::is_flask_app;
use crate::analysis::{Context, Finding, Safety, Severity};
use crate::fix::read_from_env;

pub static META: RuleMeta = RuleMeta {
    code: "PF302",
    name: "debug-enabled",
    category: "configuration",
    severity: Severity::Error,
    summary: "Debug mode or auto-reload is switched on in code",
    fixable: true,
    twins: &["S201", "B201"],
    doc: r#"## What it does
Finds debug mode switched on in code: Flask/Quart `app.run(debug=True)`, `app.debug = True`,
`app.config["DEBUG"] = True`; `DEBUG = True` in a Django settings module; `debug=True` given to
`FastAPI(...)`/`Starlette(...)`; and `uvicorn.run(..., reload=True)`.

## Why is this bad?
Flask's debugger serves an interactive Python console to anyone who can trigger an error: remote
code execution. Django's debug pages print settings, SQL and source code, and `DEBUG = True`
keeps every query in memory. FastAPI/Starlette debug responses carry tracebacks. Auto-reload
watches the file system and restarts workers in the middle of requests.

## Example
```python
app.run(host="127.0.0.1", port=8000, debug=True)
```

## Use instead
```python
app.run(host="127.0.0.1", port=8000, debug=os.environ.get("FLASK_DEBUG") == "1")
```

## Fix
Replaces the literal `True` with `os.environ.get("FLASK_DEBUG") == "1"` (`DJANGO_DEBUG`,
`APP_DEBUG`, `UVICORN_RELOAD` for the others), adding
`import os` if needed. Unsafe: whoever relied on debug mode locally now has to set the variable.

## Related
ruff S201, bandit B201."#,
};

/// The keywords every call this rule reports passes.
static SWITCHES: LazyLock<Needles> = LazyLock::new(|| Needles::new(&["debug", "reload"]));

/// Checks one file.
pub fn check(ctx: &Context, meta: &'static RuleMeta, out: &mut Vec<Finding>) {
    let mut report = |value: tree_sitter::Node, what: &str, var: &str| {
        let fix = read_from_env(ctx, value.byte_range(), var, true, Safety::Unsafe);
        out.push(Finding::new(
            meta,
            value
                .parent()
                .filter(|p| p.kind() == "keyword_argument")
                .map_or(value.byte_range(), |p| p.byte_range()),
            format!("{what}: if this runs in production, {}", consequence(var)),
            Some(fix),
        ));
    };
    if ctx.web().is_settings_module && !ctx.imports_starting_with("flask") {
        for assignment in ctx.module_assignments() {
            if ctx.text(assignment.name) == "DEBUG" && assignment.value.kind() == "true" {
                report(
                    assignment.value,
                    "`DEBUG = True` in a settings module",
                    "DJANGO_DEBUG",
                );
            }
        }
    }
    ctx.walk(&["call", "assignment"], |node| match node.kind() {
        "call" => {
            // Every call reported passes `debug=` or `reload=`: the others are let go before
            // their callee is resolved.
            if !SWITCHES.any_in(ctx.text(node)) {
                return;
            }
            let Some(function) = node.field("function") else {
                return;
            };
            // Arguments are sorted only for the few calls that can matter.
            let args = || CallArgs::of(node, ctx.source);
            let qualified = ctx.resolve(function);
            match qualified.as_deref() {
                Some("uvicorn.run") => {
                    if let Some(v) = args().keyword("reload").filter(|v| v.kind() == "true") {
                        report(v, "`uvicorn.run(reload=True)`", "UVICORN_RELOAD");
                    }
                    return;
                }
                Some("fastapi.FastAPI" | "starlette.applications.Starlette") => {
                    if let Some(v) = args().keyword("debug").filter(|v| v.kind() == "true") {
                        report(v, "`debug=True` on the application", "APP_DEBUG");
                    }
                    return;
                }
                _ => {}
            }
            let is_app_run = function.kind() == "attribute"
                && function
                    .field("attribute")
                    .is_some_and(|a| ctx.text(a) == "run")
                && function
                    .field("object")
                    .is_some_and(|o| is_flask_app(ctx, o));
            if is_app_run {
                if let Some(v) = args().keyword("debug").filter(|v| v.kind() == "true") {
                    report(v, "`app.run(debug=True)`", "FLASK_DEBUG");
                }
            }
        }
        "assignment" => {
            let (Some(left), Some(right)) = (node.field("left"), node.field("right")) else {
                return;
            };
            if right.kind() != "true" {
                return;
            }
            let app = match left.kind() {
                // `app.debug = True`
                "attribute"
                    if left
                        .field("attribute")
                        .is_some_and(|a| ctx.text(a) == "debug") =>
                {
                    left.field("object")
                }
                // `app.config["DEBUG"] = True`
                "subscript"
                    if left.field("subscript").is_some_and(|s| {
                        crate::analysis::semantic::is_string_literal(s, ctx.source, "DEBUG")
                    }) =>
                {
                    left.field("value")
                        .filter(|v| v.kind() == "attribute")
                        .filter(|v| {
                            v.field("attribute")
                                .is_some_and(|a| ctx.text(a) == "config")
                        })
                        .and_then(|v| v.field("object"))
                }
                _ => None,
            };
            if app.is_some_and(|a| is_flask_app(ctx, a)) {
                report(right, "Debug mode switched on for the app", "FLASK_DEBUG");
            }
        }
        _ => {}
    });
}

/// What goes wrong in production, by switch.
fn consequence(var: &str) -> &'static str {
    match var {
        "UVICORN_RELOAD" => "workers restart whenever a file changes, dropping requests in flight",
        "DJANGO_DEBUG" => {
            "error pages show settings, SQL and source code, and every query is kept in memory"
        }
        "APP_DEBUG" => "error responses carry tracebacks to clients",
        _ => "the debugger gives anyone who can trigger an error a Python console on the server",
    }
}
