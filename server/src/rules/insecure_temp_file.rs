//! PF402 insecure-temp-file: `tempfile.mktemp`, a name that someone else can claim first.

use super::RuleMeta;
use crate::analysis::kinds::Field;
use crate::analysis::{Context, Edit, Finding, Fix, Safety, Severity};
use crate::fix::imports::{ensure_module_import, indentation_at};

pub static META: RuleMeta = RuleMeta {
    code: "PF402",
    name: "insecure-temp-file",
    category: "resources",
    severity: Severity::Warning,
    summary: "`tempfile.mktemp` returns a name another process can create first",
    fixable: true,
    twins: &["S306", "B306"],
    doc: r#"## What it does
Finds calls to `tempfile.mktemp(...)`, deprecated since Python 2.3.

## Why is this bad?
`mktemp` only returns a name; the file is created later by the caller. In between, another
process (or an attacker on a shared host) can create that path — or a symlink at it pointing to a
file the service can write — and the service then writes into it (CWE-377).

## Example
```python
path = tempfile.mktemp(suffix=".csv")
```

## Use instead
```python
fd, path = tempfile.mkstemp(suffix=".csv")
os.close(fd)
```
Or `tempfile.NamedTemporaryFile(...)` / `TemporaryDirectory()` used in a `with`.

## Fix
For `name = tempfile.mktemp(...)` on its own line, rewrites to
`fd, name = tempfile.mkstemp(...)` followed by `os.close(fd)`, adding `import os` if needed: the
file now exists, created safely, and the rest of the code gets the same path. Unsafe: code that
expected the path not to exist yet (to `mkdir` it, say) must change.

## Related
ruff S306, bandit B306."#,
};

/// Checks one file.
pub fn check(ctx: &Context, meta: &'static RuleMeta, out: &mut Vec<Finding>) {
    for resolved in ctx.resolved_calls() {
        let (call, function, qualified) = (resolved.call, resolved.function, &resolved.qualified);
        if qualified != "tempfile.mktemp" {
            continue;
        }
        let fix = (|| {
            let assignment = call.parent().filter(|p| p.kind() == "assignment")?;
            let statement = assignment
                .parent()
                .filter(|s| s.kind() == "expression_statement")?;
            let target = assignment
                .field("left")
                .filter(|l| l.kind() == "identifier")?;
            if function.kind() != "attribute" || ctx.mentions("_mkstemp_fd") {
                return None;
            }
            let method = function.field("attribute")?;
            let (os, import) = ensure_module_import(ctx, "os");
            let indent = indentation_at(ctx.source, statement.start_byte());
            let mut edits: Vec<Edit> = import.into_iter().collect();
            edits.push(Edit::insert(target.start_byte(), "_mkstemp_fd, "));
            edits.push(Edit::replace(method.byte_range(), "mkstemp"));
            edits.push(Edit::insert(
                statement.end_byte(),
                format!("\n{indent}{os}.close(_mkstemp_fd)"),
            ));
            Some(Fix::new(
                "Create the file with `mkstemp`",
                Safety::Unsafe,
                edits,
            ))
        })();
        out.push(Finding::new(
            meta,
            function.byte_range(),
            "`mktemp` returns a name without creating the file: another process can create it \
             (or a symlink) first. Use `mkstemp` or `NamedTemporaryFile`",
            fix,
        ));
    }
}
