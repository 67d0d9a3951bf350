//! PF203 client-per-request: connection-pooling clients built per request or per iteration.

use super::RuleMeta;
use crate::analysis::scope::{enclosing_function, in_loop};
use crate::analysis::{Context, Finding, Severity};

pub static META: RuleMeta = RuleMeta {
    code: "PF203",
    name: "client-per-request",
    category: "performance",
    severity: Severity::Warning,
    summary: "A pooled client is created for every request or loop iteration",
    fixable: false,
    twins: &[],
    doc: r#"## What it does
Finds clients that keep a connection pool — `OpenAI()`/`AzureOpenAI()`/`Anthropic()`,
`requests.Session()`, `httpx.Client()`/`AsyncClient()`, `aiohttp.ClientSession()`,
`boto3.client()`/`resource()`, `redis.Redis()`/`from_url()`, `pymongo.MongoClient()`,
`sqlalchemy.create_engine()`, `elasticsearch.Elasticsearch()` — created inside a request handler
(a Flask/FastAPI/Starlette route or a Django view) or inside a loop body.

## Why is this bad?
Each new client opens new TCP and TLS connections (often 50–200 ms, and for boto3 a credentials
lookup), never reuses them and leaves them for the garbage collector. Under load this multiplies
latency, exhausts file descriptors and ephemeral ports, and gets the service rate-limited by the
dependency for its connection churn.

## Example
```python
@app.post("/summarise")
def summarise():
    client = OpenAI(timeout=60)
    return client.chat.completions.create(...)
```

## Use instead
```python
client = OpenAI(timeout=60)  # once, at import time or in the app factory

@app.post("/summarise")
def summarise():
    return client.chat.completions.create(...)
```

## Fix
None: where the shared client lives (module, app factory, dependency injection) is a design
choice.

## Related
PF201 (missing timeout)."#,
};

const CLIENTS: &[&str] = &[
    "openai.OpenAI",
    "openai.AzureOpenAI",
    "openai.AsyncOpenAI",
    "openai.AsyncAzureOpenAI",
    "anthropic.Anthropic",
    "anthropic.AsyncAnthropic",
    "requests.Session",
    "requests.session",
    "httpx.Client",
    "httpx.AsyncClient",
    "aiohttp.ClientSession",
    "boto3.client",
    "boto3.resource",
    "redis.Redis",
    "redis.StrictRedis",
    "redis.from_url",
    "redis.asyncio.Redis",
    "redis.asyncio.from_url",
    "pymongo.MongoClient",
    "motor.motor_asyncio.AsyncIOMotorClient",
    "sqlalchemy.create_engine",
    "sqlalchemy.ext.asyncio.create_async_engine",
    "elasticsearch.Elasticsearch",
];

/// Checks one file.
pub fn check(ctx: &Context, meta: &'static RuleMeta, out: &mut Vec<Finding>) {
    for resolved in ctx.resolved_calls() {
        let (call, function, qualified) = (resolved.call, resolved.function, &resolved.qualified);
        if !CLIENTS.contains(&qualified.as_str()) {
            continue;
        }
        let where_ = if in_loop(call) {
            "every iteration of this loop"
        } else if enclosing_function(call).is_some_and(|f| {
            ctx.handler_kind(f).is_some() && crate::analysis::scope::walk_up_same_scope(call, f)
        }) {
            "every request"
        } else {
            continue;
        };
        out.push(Finding::new(
            meta,
            function.byte_range(),
            format!(
                "`{qualified}` builds a new client with its own connection pool on {where_}: \
                 create it once and reuse it"
            ),
            None,
        ));
    }
}
