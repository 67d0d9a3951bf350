//! PF205 event-loop-per-request: `asyncio.run` inside a synchronous request handler.

use super::RuleMeta;
use crate::analysis::scope::{enclosing_function, is_async, walk_up_same_scope};
use crate::analysis::{Context, Finding, Severity};

pub static META: RuleMeta = RuleMeta {
    code: "PF205",
    name: "event-loop-per-request",
    category: "performance",
    severity: Severity::Warning,
    summary: "A new event loop is started for every request",
    fixable: false,
    twins: &[],
    doc: r#"## What it does
Finds `asyncio.run(...)`, `asyncio.new_event_loop()` and `loop.run_until_complete(...)` on a new
loop inside a synchronous request handler (a Flask route, a sync FastAPI route, a Django view).

## Why is this bad?
Each request pays for creating and tearing down an event loop, and anything bound to a loop — an
`httpx.AsyncClient`, an async database pool, a cached OpenAI async client — cannot be shared
across requests, so connections are reopened every time. Under a threaded server, two requests
can also end up fighting over one loop ("This event loop is already running").

## Example
```python
@app.post("/summaries")
def create_summary():
    return asyncio.run(summarise(request.json["text"]))
```

## Use instead
Make the handler `async def` (FastAPI, Quart, Django async views, Flask 2's `async` support) and
`await summarise(...)`; or call a synchronous client from the synchronous handler.

## Fix
None: the change is structural.

## Related
PF203 (client per request), PF204 (blocking call in async)."#,
};

const LOOP_STARTERS: &[&str] = &["asyncio.run", "asyncio.new_event_loop"];

/// Checks one file.
pub fn check(ctx: &Context, meta: &'static RuleMeta, out: &mut Vec<Finding>) {
    if !ctx.web().serves_requests() {
        return;
    }
    for resolved in ctx.resolved_calls() {
        let (call, function, qualified) = (resolved.call, resolved.function, &resolved.qualified);
        if !LOOP_STARTERS.contains(&qualified.as_str()) {
            continue;
        }
        let Some(def) = enclosing_function(call) else {
            continue;
        };
        if is_async(def) || ctx.handler_kind(def).is_none() || !walk_up_same_scope(call, def) {
            continue;
        }
        out.push(Finding::new(
            meta,
            function.byte_range(),
            format!(
                "`{qualified}` in a request handler starts a new event loop for every request: \
                 nothing bound to a loop can be reused. Make the handler `async def`"
            ),
            None,
        ));
    }
}
