//! PF305 dev-server-exposed: Flask's development server listening on every interface.

use super::RuleMeta;
use crate::analysis::kinds::Field;
use crate::analysis::semantic::{string_literal_value, CallArgs};
use crate::analysis::web::is_flask_app;
use crate::analysis::{Context, Finding, Severity};

pub static META: RuleMeta = RuleMeta {
    code: "PF305",
    name: "dev-server-exposed",
    category: "configuration",
    severity: Severity::Info,
    summary: "The development server listens on every network interface",
    fixable: false,
    twins: &["S104", "B104"],
    doc: r#"## What it does
Finds Flask/Quart `app.run(host="0.0.0.0")` (or `"::"`): the built-in development server bound to
every interface. Information level, since inside a container this is how a port is published.

## Why is this bad?
`app.run` starts Werkzeug's development server: single process, no request timeouts, not
hardened, and "not for production use" by its own warning. Bound to `0.0.0.0` it is reachable from
the network — and if debug mode is also on (PF302), so is the interactive debugger.

## Example
```python
if __name__ == "__main__":
    app.run(host="0.0.0.0", port=8000)
```

## Use instead
Serve with a production server (`gunicorn app:app -b 0.0.0.0:8000`, `waitress-serve`), and keep
`app.run` for local development on `127.0.0.1`.

## Fix
None: the change is how the service is started.

## Related
PF302 (debug enabled), ruff S104, bandit B104."#,
};

/// Checks one file.
pub fn check(ctx: &Context, meta: &'static RuleMeta, out: &mut Vec<Finding>) {
    ctx.walk(&["call"], |call| {
        let Some(function) = call.field("function").filter(|f| f.kind() == "attribute") else {
            return;
        };
        let is_run = function
            .field("attribute")
            .is_some_and(|a| ctx.text(a) == "run")
            && function
                .field("object")
                .is_some_and(|o| is_flask_app(ctx, o));
        if !is_run {
            return;
        }
        let args = CallArgs::of(call, ctx.source);
        let Some(host) = args
            .keyword("host")
            .or_else(|| args.positional.first().copied())
        else {
            return;
        };
        if matches!(
            string_literal_value(host, ctx.source).as_deref(),
            Some("0.0.0.0" | "::")
        ) {
            out.push(Finding::new(
                meta,
                host.byte_range(),
                "The development server is reachable from the network: serve production traffic \
                 with gunicorn, uvicorn or waitress instead",
                None,
            ));
        }
    });
}
