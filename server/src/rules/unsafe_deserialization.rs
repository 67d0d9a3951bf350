//! PF505 unsafe-deserialization: YAML and pickle loaders that construct arbitrary objects.

use super::RuleMeta;
use crate::analysis::kinds::Field;
use crate::analysis::semantic::CallArgs;
use crate::analysis::{Context, Edit, Finding, Fix, Safety, Severity};

pub static META: RuleMeta = RuleMeta {
    code: "PF505",
    name: "unsafe-deserialization",
    category: "security",
    severity: Severity::Error,
    summary: "Data is loaded with a deserializer that can run code",
    fixable: true,
    twins: &["S506", "B506", "S301", "B301"],
    doc: r#"## What it does
Finds `yaml.load(...)`/`yaml.load_all(...)` without a safe loader (`Loader=yaml.SafeLoader` or
`CSafeLoader`), `yaml.unsafe_load(...)`, and `pickle.loads`/`pickle.load`/`dill.loads` of request
data (`request.data`, `request.body`, `request.get_data()`, `await request.body()`, uploaded
files).

## Why is this bad?
PyYAML's full and unsafe loaders build arbitrary Python objects from tags such as
`!!python/object/apply:os.system`, and unpickling runs whatever the pickle says. Loading data an
attacker can influence is remote code execution (CWE-502).

## Example
```python
config = yaml.load(request.data)
```

## Use instead
```python
config = yaml.safe_load(request.data)
```
For pickle: accept JSON (or another data-only format) from clients.

## Fix
`yaml.load(x)` without a `Loader` becomes `yaml.safe_load(x)` (and `load_all` → `safe_load_all`).
Safe: PyYAML 6 refuses `yaml.load` without a loader anyway, and plain data loads the same.

## Related
ruff S506 and S301, bandit B506 and B301."#,
};

const SAFE_LOADERS: &[&str] = &["SafeLoader", "CSafeLoader", "BaseLoader", "CBaseLoader"];

/// Checks one file.
pub fn check(ctx: &Context, meta: &'static RuleMeta, out: &mut Vec<Finding>) {
    for resolved in ctx.resolved_calls() {
        let (call, function, qualified) = (resolved.call, resolved.function, &resolved.qualified);
        let args = CallArgs::of(call, ctx.source);
        match qualified.as_str() {
            "yaml.load" | "yaml.load_all" => {
                let loader = args
                    .keyword("Loader")
                    .or_else(|| args.positional.get(1).copied());
                if args.has_double_star {
                    continue;
                }
                let safe = loader.is_some_and(|l| {
                    let text = ctx.text(l);
                    SAFE_LOADERS.contains(&text.rsplit('.').next().unwrap_or(text))
                });
                if safe {
                    continue;
                }
                let fix = loader.is_none().then(|| {
                    let method = function
                        .field("attribute")
                        .filter(|_| function.kind() == "attribute");
                    let (range, text) = match method {
                        Some(m) => (m.byte_range(), format!("safe_{}", ctx.text(m))),
                        None => (function.byte_range(), String::new()),
                    };
                    (!text.is_empty()).then(|| {
                        Fix::new(
                            format!("Use `yaml.{text}`"),
                            Safety::Safe,
                            vec![Edit::replace(range, text.clone())],
                        )
                    })
                });
                out.push(Finding::new(
                    meta,
                    function.byte_range(),
                    "This YAML loader can build arbitrary Python objects from tags in the document: \
                     use `yaml.safe_load`",
                    fix.flatten(),
                ));
            }
            "yaml.unsafe_load" | "yaml.unsafe_load_all" => out.push(Finding::new(
                meta,
                function.byte_range(),
                "`unsafe_load` builds arbitrary Python objects from tags in the document: use \
                 `yaml.safe_load`",
                None,
            )),
            "pickle.loads" | "pickle.load" | "dill.loads" | "dill.load" | "cloudpickle.loads" => {
                let from_request = args.positional.first().is_some_and(|a| {
                    let text = ctx.text(*a);
                    text.contains("request.") || text.contains("request.files")
                });
                if from_request {
                    out.push(Finding::new(
                        meta,
                        function.byte_range(),
                        "Unpickling request data runs whatever code the client put in it: accept \
                         JSON instead",
                        None,
                    ));
                }
            }
            _ => {}
        }
    }
}
