//! PF502 insecure-secret-default: a secret read from the environment with a literal fallback.

use super::RuleMeta;
use crate::analysis::kinds::Field;
use crate::analysis::secrets::{is_secret_name, is_test_module};
use crate::analysis::semantic::{string_literal_value, CallArgs};
use crate::analysis::{Context, Edit, Finding, Fix, Safety, Severity};

pub static META: RuleMeta = RuleMeta {
    code: "PF502",
    name: "insecure-secret-default",
    category: "security",
    severity: Severity::Warning,
    summary: "A secret falls back to a literal when the environment variable is missing",
    fixable: true,
    twins: &[],
    doc: r#"## What it does
Finds `os.getenv("NAME", "...")` and `os.environ.get("NAME", "...")` where `NAME` names a
secret (`SECRET_KEY`, `API_KEY`, `*_PASSWORD`, `*_TOKEN`, …) and the default is a non-empty
string literal.

## Why is this bad?
When the variable is missing — a typo in the deployment, a new environment, a renamed secret —
the service starts anyway, signing sessions with `"dev"` or logging in with `"changeme"`. Nothing
fails, so nobody notices until the weak secret is exploited. A secret should be required.

## Example
```python
SECRET_KEY = os.environ.get("SECRET_KEY", "dev-secret")
```

## Use instead
```python
SECRET_KEY = os.environ["SECRET_KEY"]
```

## Fix
Replaces the call with `os.environ["NAME"]`, which raises `KeyError` at start-up when the
variable is missing. Unsafe: environments that relied on the fallback must now set it.

## Related
PF501 (hardcoded secret), PF303 (hardcoded framework secret key)."#,
};

/// Checks one file.
pub fn check(ctx: &Context, meta: &'static RuleMeta, out: &mut Vec<Finding>) {
    if is_test_module(ctx) {
        return;
    }
    for resolved in ctx.resolved_calls() {
        let (call, function, qualified) = (resolved.call, resolved.function, &resolved.qualified);
        if !matches!(qualified.as_str(), "os.getenv" | "os.environ.get") {
            continue;
        }
        let args = CallArgs::of(call, ctx.source);
        let (Some(name), Some(default)) = (
            args.positional.first(),
            args.positional
                .get(1)
                .copied()
                .or_else(|| args.keyword("default")),
        ) else {
            continue;
        };
        let (Some(name), Some(value)) = (
            string_literal_value(*name, ctx.source),
            string_literal_value(default, ctx.source),
        ) else {
            continue;
        };
        if value.is_empty() || !(name == "SECRET_KEY" || is_secret_name(&name)) {
            continue;
        }
        let environ = match function.field("object") {
            // `os.environ.get` → `os.environ`; `os.getenv` → `os.environ`.
            Some(object) if qualified == "os.environ.get" => ctx.text(object).to_string(),
            Some(object) => format!("{}.environ", ctx.text(object)),
            None => String::new(),
        };
        let fix = (!environ.is_empty()).then(|| {
            Fix::new(
                format!("Require it: `{environ}[\"{name}\"]`"),
                Safety::Unsafe,
                vec![Edit::replace(
                    call.byte_range(),
                    format!("{environ}[\"{name}\"]"),
                )],
            )
        });
        out.push(Finding::new(
            meta,
            default.byte_range(),
            format!(
                "`{name}` falls back to a literal: a deployment that forgets the variable runs with \
                 this known value and nothing fails. Require the variable"
            ),
            fix,
        ));
    }
}
