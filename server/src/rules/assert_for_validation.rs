//! PF506 assert-for-validation: request checks written as `assert`.

use super::RuleMeta;
use crate::analysis::scope::{enclosing_function, walk_up_same_scope};
use crate::analysis::{Context, Finding, Severity};

pub static META: RuleMeta = RuleMeta {
    code: "PF506",
    name: "assert-for-validation",
    category: "security",
    severity: Severity::Warning,
    summary: "A request handler validates with `assert`, which `python -O` removes",
    fixable: false,
    twins: &["S101", "B101"],
    doc: r#"## What it does
Finds `assert` statements directly inside request handlers (Flask/FastAPI/Starlette routes and
Django views).

## Why is this bad?
`python -O` (and `PYTHONOPTIMIZE`, set by some container images) strips every `assert`: the check
disappears and the handler goes on with invalid input or an unauthorised user. When the check does
run, a failed assertion is an unhandled `AssertionError` — a 500 instead of a 400 or 403.

## Example
```python
@app.post("/transfer")
def transfer():
    assert current_user.is_admin, "admins only"
```

## Use instead
```python
    if not current_user.is_admin:
        abort(403)
```

## Fix
None: the right status code (400, 403, 422) depends on the check.

## Related
ruff S101, bandit B101."#,
};

/// Checks one file.
pub fn check(ctx: &Context, meta: &'static RuleMeta, out: &mut Vec<Finding>) {
    if !ctx.web().serves_requests() {
        return;
    }
    ctx.walk(&["assert_statement"], |statement| {
        let in_handler = enclosing_function(statement)
            .is_some_and(|f| ctx.handler_kind(f).is_some() && walk_up_same_scope(statement, f));
        if !in_handler {
            return;
        }
        let keyword_end = statement.start_byte() + "assert".len();
        out.push(Finding::new(
            meta,
            statement.start_byte()..keyword_end.min(statement.end_byte()),
            "`assert` is removed under `python -O`, and a failure is a 500: validate with `if` and \
             answer 400/403",
            None,
        ));
    });
}
