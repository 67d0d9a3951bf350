//! PF310 handler-missing-return: a request handler that can end without a response.

use tree_sitter::Node;

use super::RuleMeta;
use crate::analysis::kinds::Field;
use crate::analysis::scope::walk_same_scope;
use crate::analysis::semantic::walk;
use crate::analysis::{Context, Finding, Severity};

pub static META: RuleMeta = RuleMeta {
    code: "PF310",
    name: "handler-missing-return",
    category: "reliability",
    severity: Severity::Warning,
    summary: "A request handler returns a response on some paths and falls off the end on others",
    fixable: false,
    twins: &["RET503"],
    doc: r#"## What it does
Finds Flask/FastAPI/Starlette routes and Django views that return a value on some paths but can
reach the end of the function on others (an `if` without `else`, a loop that may not return, a
`try` whose handler does not return). `abort(...)`, `raise` and `sys.exit` end a path.
Generators and handlers that never return a value are left alone.

## Why is this bad?
The forgotten path returns `None`. Flask and Django answer it with a 500 error ("view function
did not return a valid response"); FastAPI answers `200 null`, which clients read as success. The
path is usually the rare one — the error branch, the empty result — so tests miss it.

## Example
```python
@app.get("/orders/<int:order_id>")
def order(order_id):
    found = Order.query.get(order_id)
    if found:
        return jsonify(found.to_dict())
```

## Use instead
```python
    if found:
        return jsonify(found.to_dict())
    abort(404)
```

## Fix
None: what the missing path should answer is yours to decide.

## Related
ruff RET503 (implicit-return), pylint R1710 (inconsistent-return-statements)."#,
};

/// Whether execution can run past the end of `block`.
fn can_complete(ctx: &Context, block: Node, depth: usize) -> bool {
    // Pathologically deep nesting: assume it can complete (no finding) rather than recurse on.
    if depth > 200 {
        return true;
    }
    let mut cursor = block.walk();
    let statements: Vec<Node> = block.named_children(&mut cursor).collect();
    !statements
        .iter()
        .any(|s| !statement_completes(ctx, *s, depth + 1))
}

/// Whether execution can continue after `statement`.
fn statement_completes(ctx: &Context, statement: Node, depth: usize) -> bool {
    let body = |field: &str| statement.field(field);
    match statement.kind() {
        "return_statement" | "raise_statement" => false,
        "expression_statement" => !statement.named_child(0).is_some_and(|e| ends_path(ctx, e)),
        "if_statement" => {
            let mut cursor = statement.walk();
            let alternatives: Vec<Node> = statement
                .children_by_field_name("alternative", &mut cursor)
                .collect();
            let has_else = alternatives.iter().any(|a| a.kind() == "else_clause");
            if !has_else {
                return true;
            }
            body("consequence").is_none_or(|c| can_complete(ctx, c, depth))
                || alternatives.iter().any(|a| {
                    a.field(if a.kind() == "else_clause" {
                        "body"
                    } else {
                        "consequence"
                    })
                    .is_none_or(|b| can_complete(ctx, b, depth))
                })
        }
        "with_statement" => body("body").is_none_or(|b| can_complete(ctx, b, depth)),
        "try_statement" => {
            let mut cursor = statement.walk();
            let parts: Vec<Node> = statement.named_children(&mut cursor).collect();
            let finally_ends = parts.iter().any(|p| {
                p.kind() == "finally_clause"
                    && p.named_children(&mut p.walk())
                        .find(|c| c.kind() == "block")
                        .is_some_and(|b| !can_complete(ctx, b, depth))
            });
            if finally_ends {
                return false;
            }
            let else_block = parts.iter().find(|p| p.kind() == "else_clause");
            let main_completes = body("body").is_none_or(|b| can_complete(ctx, b, depth))
                && else_block
                    .and_then(|e| e.field("body"))
                    .is_none_or(|b| can_complete(ctx, b, depth));
            main_completes
                || parts.iter().any(|p| {
                    matches!(p.kind(), "except_clause" | "except_group_clause")
                        && p.named_children(&mut p.walk())
                            .find(|c| c.kind() == "block")
                            .is_none_or(|b| can_complete(ctx, b, depth))
                })
        }
        // `while True:` without `break` never falls through.
        "while_statement" => {
            let infinite = body("condition").is_some_and(|c| ctx.text(c) == "True");
            !infinite || contains_break(statement)
        }
        "match_statement" => {
            let Some(block) = body("body") else {
                return true;
            };
            let mut cursor = block.walk();
            let cases: Vec<Node> = block.named_children(&mut cursor).collect();
            let has_wildcard = cases.iter().any(|c| {
                let text = ctx.text(*c);
                text.starts_with("case _:") || text.starts_with("case _ :")
            });
            !has_wildcard
                || cases.iter().any(|c| {
                    c.field("consequence")
                        .is_none_or(|b| can_complete(ctx, b, depth))
                })
        }
        _ => true,
    }
}

/// `abort(404)`, `flask.abort(...)`, `sys.exit()`, `os._exit()`: calls that never return.
fn ends_path(ctx: &Context, expression: Node) -> bool {
    if expression.kind() != "call" {
        return false;
    }
    let Some(function) = expression.field("function") else {
        return false;
    };
    let text = ctx.text(function);
    let last = text.rsplit('.').next().unwrap_or(text);
    last == "abort"
        || ctx
            .resolve(function)
            .is_some_and(|q| matches!(q.as_str(), "sys.exit" | "os._exit"))
}

/// Whether a loop's own body has a `break` (not one of a nested loop).
fn contains_break(loop_node: Node) -> bool {
    let mut found = false;
    walk(loop_node, |n| {
        if n.kind() == "break_statement" {
            let mut p = n.parent();
            while let Some(x) = p {
                if matches!(x.kind(), "for_statement" | "while_statement") {
                    found |= x == loop_node;
                    break;
                }
                p = x.parent();
            }
        }
    });
    found
}

/// Checks one file.
pub fn check(ctx: &Context, meta: &'static RuleMeta, out: &mut Vec<Finding>) {
    if !ctx.web().serves_requests() {
        return;
    }
    ctx.walk(&["function_definition"], |function| {
        if ctx.handler_kind(function).is_none() {
            return;
        }
        let Some(body) = function.field("body") else {
            return;
        };
        let mut returns_value = false;
        let mut generator = false;
        walk_same_scope(body, &mut |n| match n.kind() {
            "return_statement" => returns_value |= n.named_child_count() > 0,
            "yield" => generator = true,
            _ => {}
        });
        if !returns_value || generator || !can_complete(ctx, body, 0) {
            return;
        }
        let Some(name) = function.field("name") else {
            return;
        };
        out.push(Finding::new(
            meta,
            name.byte_range(),
            format!(
                "`{}` returns a response on some paths but can also reach its end and return \
                 `None`: the client gets a 500 (Flask, Django) or `200 null` (FastAPI)",
                ctx.text(name)
            ),
            None,
        ));
    });
}
