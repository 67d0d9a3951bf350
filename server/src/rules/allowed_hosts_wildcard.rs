//! PF304 allowed-hosts-wildcard: Django accepting any `Host` header.

use super::RuleMeta;
use crate::analysis::semantic::string_literal_value;
use crate::analysis::{Context, Finding, Fix, Safety, Severity};
use crate::fix::imports::ensure_module_import;

pub static META: RuleMeta = RuleMeta {
    code: "PF304",
    name: "allowed-hosts-wildcard",
    category: "security",
    severity: Severity::Warning,
    summary: "`ALLOWED_HOSTS` accepts any host",
    fixable: true,
    twins: &[],
    doc: r#"## What it does
Finds a module-level `ALLOWED_HOSTS` list or tuple that contains `"*"`.

## Why is this bad?
Django builds absolute URLs — password-reset links, redirects, `request.build_absolute_uri()` —
from the request's `Host` header. Accepting any host lets an attacker send a reset email whose link
points at their own server (host header poisoning) and poison caches keyed by host.

## Example
```python
ALLOWED_HOSTS = ["*"]
```

## Use instead
```python
ALLOWED_HOSTS = os.environ["ALLOWED_HOSTS"].split(",")
```

## Fix
Replaces the list with `os.environ.get("ALLOWED_HOSTS", "").split(",")`, adding `import os` if
needed. Unsafe: the variable must list the real host names.

## Related
Django's `check --deploy`."#,
};

/// Checks one file.
pub fn check(ctx: &Context, meta: &'static RuleMeta, out: &mut Vec<Finding>) {
    for assignment in ctx.module_assignments() {
        if ctx.text(assignment.name) != "ALLOWED_HOSTS"
            || !matches!(assignment.value.kind(), "list" | "tuple")
        {
            continue;
        }
        let mut cursor = assignment.value.walk();
        let wildcard = assignment
            .value
            .named_children(&mut cursor)
            .any(|item| string_literal_value(item, ctx.source).as_deref() == Some("*"));
        if !wildcard {
            continue;
        }
        let (os, import) = ensure_module_import(ctx, "os");
        let mut edits: Vec<_> = import.into_iter().collect();
        let replacement = format!("{os}.environ.get(\"ALLOWED_HOSTS\", \"\").split(\",\")");
        edits.push(crate::analysis::Edit::replace(
            assignment.value.byte_range(),
            replacement,
        ));
        out.push(Finding::new(
            meta,
            assignment.value.byte_range(),
            "`ALLOWED_HOSTS` accepts any `Host` header: password-reset links and redirects can be \
             made to point at another site. List the real host names",
            Some(Fix::new(
                "Read the host names from `ALLOWED_HOSTS` in the environment",
                Safety::Unsafe,
                edits,
            )),
        ));
    }
}
