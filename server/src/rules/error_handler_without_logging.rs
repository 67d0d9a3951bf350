//! PF106 error-handler-without-logging: a catch-all error handler that answers without logging.

use tree_sitter::Node;

use super::RuleMeta;
use crate::analysis::kinds::Field;
use crate::analysis::logging::is_logging_call;
use crate::analysis::scope::{decorators, parameter_names, walk_same_scope};
use crate::analysis::semantic::CallArgs;
use crate::analysis::{Context, Finding, Fix, Safety, Severity};
use crate::fix::{
    first_statement_after_docstring, imports::ensure_logger, insert_statement_before,
};

pub static META: RuleMeta = RuleMeta {
    code: "PF106",
    name: "error-handler-without-logging",
    category: "error-handling",
    severity: Severity::Warning,
    summary: "A catch-all error handler answers the client but never logs the error",
    fixable: true,
    twins: &[],
    doc: r#"## What it does
Finds catch-all error handlers — Flask/Quart `@app.errorhandler(Exception)` or
`@app.errorhandler(500)`, FastAPI/Starlette `@app.exception_handler(Exception)` — whose body never
logs (no logger call, no `sentry_sdk.capture_exception`) and never re-raises.

## Why is this bad?
Registering a handler for `Exception` replaces the framework's own logging of unhandled errors.
Every crash now becomes a friendly 500 page and nothing else: no traceback in the logs, nothing for
the error tracker, and the team learns about the bug from users.

## Example
```python
@app.errorhandler(Exception)
def handle_error(error):
    return jsonify(error="Internal error"), 500
```

## Use instead
```python
@app.errorhandler(Exception)
def handle_error(error):
    logger.exception("Unhandled error", exc_info=error)
    return jsonify(error="Internal error"), 500
```

## Fix
Inserts `logger.exception("Unhandled error in <handler>", exc_info=<error parameter>)` as the
first statement (after a docstring), reusing or adding the module logger. Safe: the response is
unchanged.

## Related
PF107 (exception details leaked to clients)."#,
};

/// Whether a decorator registers a handler for every error.
fn is_catch_all(ctx: &Context, decorator: Node) -> bool {
    if decorator.kind() != "call" {
        return false;
    }
    let Some(method) = decorator
        .field("function")
        .filter(|f| f.kind() == "attribute")
        .and_then(|f| f.field("attribute"))
    else {
        return false;
    };
    let method = ctx.text(method);
    if method != "errorhandler" && method != "exception_handler" {
        return false;
    }
    let args = CallArgs::of(decorator, ctx.source);
    args.positional.first().is_some_and(|a| {
        let text = ctx.text(*a);
        let last = text.rsplit('.').next().unwrap_or(text);
        matches!(last, "Exception" | "BaseException" | "InternalServerError")
            || (method == "errorhandler" && text == "500")
    })
}

/// Checks one file.
pub fn check(ctx: &Context, meta: &'static RuleMeta, out: &mut Vec<Finding>) {
    if !ctx.web().imports_framework {
        return;
    }
    ctx.walk(&["function_definition"], |function| {
        if !decorators(function)
            .into_iter()
            .any(|d| is_catch_all(ctx, d))
        {
            return;
        }
        let Some(body) = function.field("body") else {
            return;
        };
        let mut logs = false;
        walk_same_scope(body, &mut |n| {
            logs |= n.kind() == "raise_statement" || (n.kind() == "call" && is_logging_call(ctx, n))
        });
        if logs {
            return;
        }
        let Some(name) = function.field("name") else {
            return;
        };
        let params = parameter_names(function, ctx.source);
        // Starlette handlers take (request, exc); Flask's take (error).
        let error_param = params
            .last()
            .copied()
            .filter(|p| *p != "request" && *p != "self");
        let fix = first_statement_after_docstring(body).and_then(|first| {
            let (logger, mut edits) = ensure_logger(ctx, first.start_byte())?;
            let exc_info = error_param
                .map(|p| format!(", exc_info={p}"))
                .unwrap_or_default();
            edits.push(insert_statement_before(
                ctx,
                first,
                &format!(
                    "{logger}.exception(\"Unhandled error in {}\"{exc_info})",
                    ctx.text(name)
                ),
            ));
            Some(Fix::new(
                format!("Log the error with `{logger}.exception`"),
                Safety::Safe,
                edits,
            ))
        });
        out.push(Finding::new(
            meta,
            name.byte_range(),
            format!(
                "`{}` handles every unhandled error but never logs it: crashes will reach users \
                 and leave no traceback. Log the exception",
                ctx.text(name)
            ),
            fix,
        ));
    });
}
