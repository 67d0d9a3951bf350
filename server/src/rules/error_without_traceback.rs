//! PF104 error-without-traceback: `logger.error(...)` in a catch-all handler logs no traceback.

use super::RuleMeta;
use crate::analysis::kinds::Field;
use crate::analysis::logging::log_method;
use crate::analysis::scope::{enclosing_handler, handler_body, handler_is_broad, walk_same_scope};
use crate::analysis::semantic::CallArgs;
use crate::analysis::{Context, Edit, Finding, Fix, Safety, Severity};

pub static META: RuleMeta = RuleMeta {
    code: "PF104",
    name: "error-without-traceback",
    category: "error-handling",
    severity: Severity::Warning,
    summary: "An error is logged inside an exception handler without its traceback",
    fixable: true,
    twins: &["TRY400"],
    doc: r#"## What it does
Finds `logger.error(...)` and `logging.error(...)` calls inside an `except` handler that pass no
`exc_info`, when the handler catches everything (`except Exception`, bare `except:`): those
errors are the unexpected ones. Narrow handlers (`except FileNotFoundError`) expect their error
and are left alone, and so are handlers that re-raise: the traceback is logged where the error
ends up.

## Why is this bad?
`str(e)` of a `KeyError` is `'user_id'`; of a timeout, often an empty string. Without the
traceback, the log line says that something failed but not where, and the person on call has to
reproduce a production failure to find the line that raised.

## Example
```python
try:
    charge(order)
except Exception as e:
    logger.error(f"Payment failed: {e}")
```

## Use instead
```python
try:
    charge(order)
except Exception:
    logger.exception("Payment failed")
```

## Fix
Replaces `.error(` with `.exception(`, which logs at the same ERROR level and appends the
traceback. Safe.

## Related
ruff TRY400 (error-instead-of-exception), pylint W1201 family."#,
};

/// Checks one file.
pub fn check(ctx: &Context, meta: &'static RuleMeta, out: &mut Vec<Finding>) {
    ctx.walk(&["call"], |call| {
        // The method's name first: whether the object is a logger is the longer question.
        let named_error = call
            .field("function")
            .filter(|f| f.kind() == "attribute")
            .and_then(|f| f.field("attribute"))
            .is_some_and(|a| ctx.text(a) == "error");
        if !named_error || log_method(ctx, call) != Some("error") {
            return;
        }
        let Some(handler) = enclosing_handler(call) else {
            return;
        };
        let args = CallArgs::of(call, ctx.source);
        if args.may_have_keyword("exc_info") || args.keyword("stack_info").is_some() {
            return;
        }
        // A narrow handler (`except FileNotFoundError`) expects its error: the message is the point.
        if !handler_is_broad(handler, ctx.source) {
            return;
        }
        let mut reraises = false;
        if let Some(body) = handler_body(handler) {
            walk_same_scope(body, &mut |n| reraises |= n.kind() == "raise_statement");
        }
        if reraises {
            return;
        }
        let Some(method) = call.field("function").and_then(|f| f.field("attribute")) else {
            return;
        };
        out.push(Finding::new(
            meta,
            method.byte_range(),
            "`error()` here logs the message but not the traceback, so the log will not say where \
             the failure happened: use `exception()`",
            Some(Fix::new(
                "Use `exception()`, which adds the traceback",
                Safety::Safe,
                vec![Edit::replace(method.byte_range(), "exception")],
            )),
        ));
    });
}
