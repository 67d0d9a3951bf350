//! PF204 blocking-call-in-async: synchronous I/O that stalls the event loop.

use super::RuleMeta;
use crate::analysis::scope::{enclosing_function, is_async, walk_up_same_scope};
use crate::analysis::{Context, Edit, Finding, Fix, Safety, Severity};
use crate::fix::imports::ensure_module_import;

pub static META: RuleMeta = RuleMeta {
    code: "PF204",
    name: "blocking-call-in-async",
    category: "performance",
    severity: Severity::Warning,
    summary: "A blocking call inside `async def` stalls every other request on the event loop",
    fixable: true,
    twins: &["ASYNC210", "ASYNC251", "ASYNC220"],
    doc: r#"## What it does
Finds blocking calls made directly in an `async def`: `requests.*`, `httpx.get/post/...` (the
synchronous functions), `urllib.request.urlopen`, `time.sleep`, `subprocess.run/call/check_call/
check_output`, `socket.create_connection`, `smtplib.SMTP`, `psycopg2.connect`.

## Why is this bad?
An event loop runs one thing at a time. While a coroutine sits in a blocking call, no other
request on that worker makes progress: one slow upstream makes every endpoint of the process slow,
health checks time out and the orchestrator restarts healthy instances.

## Example
```python
@app.get("/weather")
async def weather(city: str):
    time.sleep(1)
    return requests.get(f"https://api.example/{city}", timeout=10).json()
```

## Use instead
```python
@app.get("/weather")
async def weather(city: str):
    await asyncio.sleep(1)
    async with httpx.AsyncClient(timeout=10) as client:
        return (await client.get(f"https://api.example/{city}")).json()
```
Or run the blocking call in a thread: `await asyncio.to_thread(requests.get, url, timeout=10)`.

## Fix
`time.sleep(x)` becomes `await asyncio.sleep(x)` (adding `import asyncio` if needed). Safe. The
other calls need an async client or `asyncio.to_thread`, which is left to you.

## Related
ruff ASYNC210, ASYNC220, ASYNC251."#,
};

const BLOCKING: &[&str] = &[
    "requests.get",
    "requests.post",
    "requests.put",
    "requests.patch",
    "requests.delete",
    "requests.head",
    "requests.options",
    "requests.request",
    "httpx.get",
    "httpx.post",
    "httpx.put",
    "httpx.patch",
    "httpx.delete",
    "httpx.head",
    "httpx.options",
    "httpx.request",
    "urllib.request.urlopen",
    "time.sleep",
    "subprocess.run",
    "subprocess.call",
    "subprocess.check_call",
    "subprocess.check_output",
    "socket.create_connection",
    "smtplib.SMTP",
    "psycopg2.connect",
];

/// Checks one file.
pub fn check(ctx: &Context, meta: &'static RuleMeta, out: &mut Vec<Finding>) {
    for resolved in ctx.resolved_calls() {
        let (call, function, qualified) = (resolved.call, resolved.function, &resolved.qualified);
        if !BLOCKING.contains(&qualified.as_str()) {
            continue;
        }
        let Some(def) = enclosing_function(call) else {
            continue;
        };
        if !is_async(def) || !walk_up_same_scope(call, def) {
            continue;
        }
        let fix = (qualified == "time.sleep").then(|| {
            let (asyncio, import) = ensure_module_import(ctx, "asyncio");
            let mut edits: Vec<Edit> = import.into_iter().collect();
            let awaited = call.parent().is_some_and(|p| p.kind() == "await");
            let prefix = if awaited { "" } else { "await " };
            edits.push(Edit::replace(
                function.byte_range(),
                format!("{prefix}{asyncio}.sleep"),
            ));
            Fix::new("Use `await asyncio.sleep`", Safety::Safe, edits)
        });
        out.push(Finding::new(
            meta,
            function.byte_range(),
            format!(
                "`{qualified}` blocks the event loop: while it waits, no other request on this \
                 worker makes progress"
            ),
            fix,
        ));
    }
}
