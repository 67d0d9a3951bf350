//! PF103 broad-exception-ignored: a catch-all handler that turns every error into a default value.

use tree_sitter::Node;

use super::RuleMeta;
use crate::analysis::scope::{
    handler_body, handler_is_broad, handler_name, header_end, walk_same_scope,
};
use crate::analysis::{Context, Finding, Fix, Safety, Severity};
use crate::fix::{imports::ensure_logger, insert_statement_before, place_suffix};

pub static META: RuleMeta = RuleMeta {
    code: "PF103",
    name: "broad-exception-ignored",
    category: "error-handling",
    severity: Severity::Info,
    summary: "Every error is turned into a default value without being logged",
    fixable: true,
    twins: &["BLE001"],
    doc: r#"## What it does
Finds `except:`, `except Exception:` and `except BaseException:` handlers whose body neither logs,
re-raises, calls anything nor looks at the exception: they only `return None`, `return False`,
`continue`, `break` or assign a default. (A body of only `pass` is PF101.)

## Why is this bad?
The handler cannot tell a bad input from a bug, a timeout or an outage, and treats them all as
"no result". In production the function quietly returns the default while the real cause — a
renamed column, an expired credential — never reaches a log or an alert.

## Example
```python
def load_profile(user_id):
    try:
        return client.fetch_profile(user_id)
    except Exception:
        return None
```

## Use instead
```python
def load_profile(user_id):
    try:
        return client.fetch_profile(user_id)
    except Exception:
        logger.exception("Could not load profile %s", user_id)
        return None
```
Better still, catch only the errors that mean "no profile" (`except ProfileNotFound:`).

## Fix
Inserts `logger.exception("Suppressed error in <function>")` as the handler's first statement,
reusing the module's logger or adding one (`import logging`, `logger = logging.getLogger(__name__)`).
Safe: the handler still returns the same value.

## Related
PF101 (empty handler), ruff BLE001, pylint W0718 (broad-exception-caught)."#,
};

/// What the handler does instead of handling, for the message.
fn describe(ctx: &Context, statement: Node) -> &'static str {
    match statement.kind() {
        "return_statement" => match statement.named_child(0) {
            None => "returning",
            Some(v) => match ctx.text(v) {
                "None" => "returning None",
                "False" => "returning False",
                "True" => "returning True",
                _ => "returning a default",
            },
        },
        "continue_statement" => "skipping to the next iteration",
        "break_statement" => "leaving the loop",
        _ => "carrying on with a default",
    }
}

/// Checks one file.
pub fn check(ctx: &Context, meta: &'static RuleMeta, out: &mut Vec<Finding>) {
    ctx.walk(&["except_clause"], |handler| {
        if !handler_is_broad(handler, ctx.source) {
            return;
        }
        let Some(body) = handler_body(handler) else {
            return;
        };
        let mut cursor = body.walk();
        let statements: Vec<Node> = body
            .named_children(&mut cursor)
            .filter(|c| c.kind() != "comment")
            .collect();
        let Some(first) = statements.first().copied() else {
            return;
        };
        let only_placeholders = statements.iter().all(|s| {
            s.kind() == "pass_statement"
                || (s.kind() == "expression_statement"
                    && s.named_child(0).is_some_and(|e| e.kind() == "ellipsis"))
        });
        if only_placeholders {
            return;
        }
        let name = handler_name(handler, ctx.source);
        let mut handles = false;
        walk_same_scope(body, &mut |n| match n.kind() {
            // Any call may log, report or clean up; a `raise` hands the error on; `yield`/`await`
            // give control to code that may; a nested definition may be the handling.
            "call" | "raise_statement" | "yield" | "await" | "function_definition" => {
                handles = true
            }
            "identifier" if Some(ctx.text(n)) == name => handles = true,
            _ => {}
        });
        if handles {
            return;
        }
        let end = header_end(handler);
        let fix = ensure_logger(ctx, first.start_byte()).map(|(logger, mut edits)| {
            edits.push(insert_statement_before(
                ctx,
                first,
                &format!(
                    "{logger}.exception(\"Suppressed error{}\")",
                    place_suffix(ctx, first)
                ),
            ));
            Fix::new(
                format!("Log the exception with `{logger}.exception`"),
                Safety::Safe,
                edits,
            )
        });
        out.push(Finding::new(
            meta,
            handler.start_byte()..end,
            format!(
                "This handler catches every error and hides it by {}: log it, or catch only the \
                 errors you expect",
                describe(ctx, first)
            ),
            fix,
        ));
    });
}
