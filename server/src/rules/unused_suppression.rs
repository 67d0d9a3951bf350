//! PF001 unused-suppression: a `# preflight: ignore` that silences nothing. The findings are made
//! by `analysis::suppression` after every other rule has run.

use super::RuleMeta;
use crate::analysis::Severity;

pub static META: RuleMeta = RuleMeta {
    code: "PF001",
    name: "unused-suppression",
    category: "suppression",
    severity: Severity::Info,
    summary: "Suppression comment that silences nothing",
    fixable: true,
    twins: &[],
    doc: r#"## What it does
Finds `# preflight: ignore[...]` and `# preflight: ignore-file[...]` comments that name a code which
is not reported where the comment is, a bare `# preflight: ignore` on a line with no finding, and
codes that are not Preflight rules at all.

## Why is this bad?
A stale suppression hides the next real problem on that line: when someone adds a call without a
timeout next to a long-fixed swallowed exception, nobody is told. Unknown codes are usually typos
that silence nothing.

## Example
```python
resp = requests.get(url, timeout=5)  # preflight: ignore[PF201]
```

## Use instead
```python
resp = requests.get(url, timeout=5)
```

## Fix
Removes the unused codes from the comment, or the whole directive when none is used; any other
comment on the line stays. Safe.

## Related
ruff RUF100 (unused `noqa`)."#,
};
