//! PF206 dangling-task: a task whose only reference is dropped at once.

use super::RuleMeta;
use crate::analysis::kinds::Field;
use crate::analysis::{Context, Finding, Severity};

pub static META: RuleMeta = RuleMeta {
    code: "PF206",
    name: "dangling-task",
    category: "reliability",
    severity: Severity::Warning,
    summary: "The task returned by `create_task` is discarded and may be garbage-collected",
    fixable: false,
    twins: &["RUF006"],
    doc: r#"## What it does
Finds `asyncio.create_task(...)`, `asyncio.ensure_future(...)` and
`asyncio.get_running_loop().create_task(...)` used as a statement, so the returned task is not
kept anywhere. (`TaskGroup.create_task` keeps its tasks and is not reported.)

## Why is this bad?
The event loop keeps only a weak reference to tasks. A task nobody holds can be garbage-collected
in the middle of its work — the email is never sent, the audit record never written — and any
exception it raises is reported only as "Task exception was never retrieved", if at all.

## Example
```python
async def checkout(order):
    asyncio.create_task(send_receipt(order))
```

## Use instead
```python
background_tasks = set()

async def checkout(order):
    task = asyncio.create_task(send_receipt(order))
    background_tasks.add(task)
    task.add_done_callback(background_tasks.discard)
```
Or use an `asyncio.TaskGroup`, or a real job queue for work that must survive a restart.

## Fix
None: where the reference should live is the caller's choice.

## Related
ruff RUF006 (asyncio-dangling-task)."#,
};

/// Checks one file.
pub fn check(ctx: &Context, meta: &'static RuleMeta, out: &mut Vec<Finding>) {
    ctx.walk(&["expression_statement"], |statement| {
        if statement.named_child_count() != 1 {
            return;
        }
        let Some(call) = statement.named_child(0).filter(|c| c.kind() == "call") else {
            return;
        };
        let Some(function) = call.field("function") else {
            return;
        };
        let spawns = match ctx.resolve(function).as_deref() {
            Some("asyncio.create_task" | "asyncio.ensure_future") => true,
            Some(_) => false,
            None => {
                // `asyncio.get_running_loop().create_task(...)`, `get_event_loop()` alike.
                function.kind() == "attribute"
                    && function
                        .field("attribute")
                        .is_some_and(|a| ctx.text(a) == "create_task")
                    && function
                        .field("object")
                        .filter(|o| o.kind() == "call")
                        .and_then(|o| o.field("function"))
                        .and_then(|f| ctx.resolve(f))
                        .is_some_and(|q| {
                            q == "asyncio.get_running_loop" || q == "asyncio.get_event_loop"
                        })
            }
        };
        if spawns {
            out.push(Finding::new(
                meta,
                function.byte_range(),
                "The task is not stored anywhere: the event loop holds it only weakly, so it can be \
                 garbage-collected before it finishes and its errors are lost. Keep a reference",
                None,
            ));
        }
    });
}
