//! PF105 raise-without-cause: a new exception raised in a handler without `from`.

use super::RuleMeta;
use crate::analysis::kinds::Field;
use crate::analysis::scope::{enclosing_handler, handler_name};
use crate::analysis::{Context, Edit, Finding, Fix, Safety, Severity};

pub static META: RuleMeta = RuleMeta {
    code: "PF105",
    name: "raise-without-cause",
    category: "error-handling",
    severity: Severity::Info,
    summary: "A new exception is raised while handling another, without `from`",
    fixable: true,
    twins: &["B904"],
    doc: r#"## What it does
Finds `raise NewError(...)` inside `except ... as e:` when the `raise` has no `from` clause.
`raise e`, a bare `raise`, `raise ... from None` and control-flow exceptions (`SystemExit`,
`StopIteration`) are left alone.

## Why is this bad?
Without `from e`, Python reports the original error as something that went wrong "during
handling" of the new one, which reads like a bug in the handler; error trackers and log
processors that follow `__cause__` lose the link, and the root cause is easy to miss in an incident.

## Example
```python
try:
    row = db.fetch(order_id)
except DatabaseError as e:
    raise OrderUnavailable(order_id)
```

## Use instead
```python
try:
    row = db.fetch(order_id)
except DatabaseError as e:
    raise OrderUnavailable(order_id) from e
```

## Fix
Appends ` from e` (the handler's name) to the `raise`. Safe: only the exception's `__cause__`
changes.

## Related
ruff B904 (raise-without-from-inside-except), pylint W0707."#,
};

/// Exceptions used for control flow, where a cause means nothing.
const CONTROL_FLOW: &[&str] = &[
    "SystemExit",
    "KeyboardInterrupt",
    "StopIteration",
    "StopAsyncIteration",
    "GeneratorExit",
];

/// Checks one file.
pub fn check(ctx: &Context, meta: &'static RuleMeta, out: &mut Vec<Finding>) {
    ctx.walk(&["raise_statement"], |raise| {
        if raise.field("cause").is_some() {
            return;
        }
        let Some(raised) = raise.named_child(0) else {
            return;
        };
        let Some(handler) = enclosing_handler(raise) else {
            return;
        };
        let Some(name) = handler_name(handler, ctx.source) else {
            return;
        };
        let class = match raised.kind() {
            "call" => raised.field("function").unwrap_or(raised),
            _ => raised,
        };
        let class_text = ctx.text(class);
        let last = class_text.rsplit('.').next().unwrap_or(class_text);
        if ctx.text(raised) == name || CONTROL_FLOW.contains(&last) {
            return;
        }
        // `raise exc_info[1]`-style re-raises and `raise self.retry(exc=e)` name the error: a
        // plain identifier other than the handler's is a new error only if it is a class name.
        if raised.kind() == "identifier" && !last.starts_with(char::is_uppercase) {
            return;
        }
        out.push(Finding::new(
            meta,
            raise.start_byte()..class.end_byte(),
            format!(
                "Raised while handling `{name}` without `from {name}`: the original error will \
                 read as a failure inside this handler. Add `from {name}`"
            ),
            Some(Fix::new(
                format!("Add `from {name}`"),
                Safety::Safe,
                vec![Edit::insert(raised.end_byte(), format!(" from {name}"))],
            )),
        ));
    });
}
