//! PF403 engine-without-pre-ping: a pooled database engine that hands out dead connections.

use super::RuleMeta;
use crate::analysis::semantic::{string_literal_value, CallArgs};
use crate::analysis::{Context, Finding, Fix, Safety, Severity};
use crate::fix::arguments::add_keyword_argument;

pub static META: RuleMeta = RuleMeta {
    code: "PF403",
    name: "engine-without-pre-ping",
    category: "resources",
    severity: Severity::Info,
    summary: "The database engine's pool does not check connections before use",
    fixable: true,
    twins: &[],
    doc: r#"## What it does
Finds `sqlalchemy.create_engine(...)` and `create_async_engine(...)` for a server database
without `pool_pre_ping=True` (SQLite URLs, `poolclass=` and `**kwargs` are left alone).
Information level: `pool_recycle` with a short interval is an alternative.

## Why is this bad?
Pooled connections die quietly — the database restarts, a failover happens, a firewall drops idle
connections after an hour. Without a pre-ping, the next request to get that connection fails with
"server closed the connection unexpectedly" or "MySQL server has gone away", and every worker
fails once per dead connection after each database maintenance window.

## Example
```python
engine = create_engine(os.environ["DATABASE_URL"])
```

## Use instead
```python
engine = create_engine(os.environ["DATABASE_URL"], pool_pre_ping=True)
```

## Fix
Adds `pool_pre_ping=True`. Safe: a cheap `SELECT 1` on checkout, and dead connections are
replaced transparently.

## Related
SQLAlchemy's "Dealing with Disconnects" guide."#,
};

/// Checks one file.
pub fn check(ctx: &Context, meta: &'static RuleMeta, out: &mut Vec<Finding>) {
    for resolved in ctx.resolved_calls() {
        let (call, function, qualified) = (resolved.call, resolved.function, &resolved.qualified);
        if !matches!(
            Some(qualified.as_str()),
            Some("sqlalchemy.create_engine" | "sqlalchemy.ext.asyncio.create_async_engine")
        ) {
            continue;
        }
        let args = CallArgs::of(call, ctx.source);
        if args.has_double_star
            || args.keyword("pool_pre_ping").is_some()
            || args.keyword("poolclass").is_some()
            || args.keyword("pool_recycle").is_some()
        {
            continue;
        }
        let sqlite = args.positional.first().is_some_and(|url| {
            string_literal_value(*url, ctx.source).is_some_and(|u| u.starts_with("sqlite"))
                || ctx.text(*url).contains("sqlite")
        });
        if sqlite || args.positional.is_empty() && args.keyword("url").is_none() {
            continue;
        }
        let fix = add_keyword_argument(ctx, call, "pool_pre_ping=True")
            .map(|edit| Fix::new("Add `pool_pre_ping=True`", Safety::Safe, vec![edit]));
        out.push(Finding::new(
            meta,
            function.byte_range(),
            "The pool hands out connections without checking them: after a database restart or \
             an idle timeout, requests fail on dead connections. Add `pool_pre_ping=True`",
            fix,
        ));
    }
}
