//! PF107 exception-details-leaked: error text or tracebacks sent back to the client.

use tree_sitter::Node;

use super::RuleMeta;
use crate::analysis::kinds::Field;
use crate::analysis::scope::{
    enclosing_function, handler_body, handler_is_broad, handler_name, parameter_names,
    walk_same_scope,
};
use crate::analysis::{Context, Finding, Severity};

pub static META: RuleMeta = RuleMeta {
    code: "PF107",
    name: "exception-details-leaked",
    category: "security",
    severity: Severity::Warning,
    summary: "Exception text or a traceback is sent to the client",
    fixable: false,
    twins: &[],
    doc: r#"## What it does
In modules that use a web framework, finds exception details — `str(e)`, `repr(e)`, `f"{e}"`,
`traceback.format_exc()` — that reach a response: passed to `jsonify`, `JSONResponse`,
`HTTPException(detail=...)`, `abort`, `HttpResponse`/`JsonResponse`, `make_response`, or returned
from a route, a view or an error handler. Only handlers that catch everything (`except Exception`)
are considered for `str(e)`, since a narrow `except ValueError as e` usually carries a message
written for the client; tracebacks are reported from any handler.

## Why is this bad?
Error text from the database driver, the ORM or an HTTP client carries table and column names,
SQL, internal host names, file paths and sometimes credentials in connection strings. Sending it
to the client hands an attacker a map of the system, and makes the API's error contract depend
on library internals.

## Example
```python
@app.post("/orders")
def create_order():
    try:
        return jsonify(save(request.json))
    except Exception as e:
        return jsonify(error=str(e)), 500
```

## Use instead
```python
    except Exception:
        logger.exception("Could not create order")
        return jsonify(error="Internal error"), 500
```

## Fix
None: what the client may see is a product decision. Log the details and return a generic
message (with a request id, if you have one).

## Related
PF106 (error handler without logging), CWE-209, semgrep's flask stack-trace rules."#,
};

/// Callables whose arguments become a response.
const RESPONSE_CALLS: &[&str] = &[
    "jsonify",
    "make_response",
    "abort",
    "Response",
    "JSONResponse",
    "PlainTextResponse",
    "HTMLResponse",
    "ORJSONResponse",
    "UJSONResponse",
    "HTTPException",
    "WebSocketException",
    "HttpResponse",
    "JsonResponse",
    "HttpResponseServerError",
    "HttpResponseBadRequest",
    "json_response",
];

/// Whether `node` is `str(e)`, `repr(e)`, an f-string interpolating `e`, or a formatted traceback.
fn leak_kind(ctx: &Context, node: Node, name: Option<&str>) -> Option<bool> {
    let is_name = |n: Node| n.kind() == "identifier" && Some(ctx.text(n)) == name;
    match node.kind() {
        "call" => {
            let function = node.field("function")?;
            if let Some(q) = ctx.resolve(function) {
                if q == "traceback.format_exc" || q == "traceback.format_exception" {
                    return Some(true);
                }
            }
            let args = node.field("arguments")?;
            let is_str = matches!(ctx.text(function), "str" | "repr");
            (is_str && args.named_child_count() == 1 && args.named_child(0).is_some_and(is_name))
                .then_some(false)
        }
        "interpolation" => node
            .field("expression")
            .filter(|e| is_name(*e))
            .map(|_| false),
        _ => None,
    }
}

/// Whether the value at `leak` ends up in a response.
fn reaches_response(ctx: &Context, leak: Node) -> bool {
    let mut current = leak.parent();
    while let Some(n) = current {
        match n.kind() {
            "call" => {
                let function = n.field("function");
                let text = function.map(|f| ctx.text(f)).unwrap_or("");
                let last = text.rsplit('.').next().unwrap_or(text);
                if RESPONSE_CALLS.contains(&last) {
                    return true;
                }
                // Logged, printed or otherwise consumed by another call: not this rule's business.
                if !matches!(last, "dict" | "str" | "repr" | "format" | "join") {
                    return false;
                }
            }
            "return_statement" => {
                return enclosing_function(n)
                    .is_some_and(|f| ctx.handler_kind(f).is_some() || is_error_handler(ctx, f));
            }
            "block" | "module" | "function_definition" | "lambda" => return false,
            _ => {}
        }
        current = n.parent();
    }
    false
}

/// Whether the leak sits behind a `DEBUG` check (`format_exc() if settings.DEBUG else "..."`).
fn debug_only(ctx: &Context, node: Node) -> bool {
    let mut current = node.parent();
    while let Some(n) = current {
        let condition = match n.kind() {
            "conditional_expression" => n.named_child(1),
            "if_statement" => n.field("condition"),
            "function_definition" => return false,
            _ => None,
        };
        if condition.is_some_and(|c| ctx.text(c).to_ascii_lowercase().contains("debug")) {
            return true;
        }
        current = n.parent();
    }
    false
}

/// `@app.errorhandler(...)` and `@app.exception_handler(...)` functions.
fn is_error_handler(ctx: &Context, function: Node) -> bool {
    crate::analysis::scope::decorators(function)
        .into_iter()
        .any(|d| {
            let text = ctx.text(d);
            text.contains(".errorhandler(") || text.contains(".exception_handler(")
        })
}

/// Checks one file.
pub fn check(ctx: &Context, meta: &'static RuleMeta, out: &mut Vec<Finding>) {
    if !ctx.web().imports_framework {
        return;
    }
    ctx.walk(&["except_clause", "function_definition"], |node| {
        let (body, name, broad) = match node.kind() {
            "except_clause" => (
                handler_body(node),
                handler_name(node, ctx.source),
                handler_is_broad(node, ctx.source),
            ),
            // An error handler's parameter is the exception, whatever it is named.
            "function_definition" if is_error_handler(ctx, node) => (
                node.field("body"),
                parameter_names(node, ctx.source).last().copied(),
                true,
            ),
            _ => return,
        };
        let Some(body) = body else {
            return;
        };
        walk_same_scope(body, &mut |n| {
            let Some(traceback) = leak_kind(ctx, n, name) else {
                return;
            };
            if !(traceback || broad) || !reaches_response(ctx, n) || debug_only(ctx, n) {
                return;
            }
            let what = if traceback {
                "A traceback"
            } else {
                "The exception's text"
            };
            out.push(Finding::new(
                meta,
                n.byte_range(),
                format!(
                    "{what} is sent to the client: it can reveal SQL, paths, host names and \
                     library internals. Log it and return a generic message"
                ),
                None,
            ));
        });
    });
}
