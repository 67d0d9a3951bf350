//! PF401 use-after-close: an object used after its `.close()` in the same block.

use tree_sitter::Node;

use super::RuleMeta;
use crate::analysis::kinds::Field;
use crate::analysis::semantic::{walk_pruned, MethodNames};
use crate::analysis::{Context, Edit, Finding, Fix, Safety, Severity};
use crate::fix::imports::{indentation_at, line_end, line_start};

pub static META: RuleMeta = RuleMeta {
    code: "PF401",
    name: "use-after-close",
    category: "resources",
    severity: Severity::Error,
    summary: "Object used after it was closed",
    fixable: true,
    twins: &[],
    doc: r#"## What it does
Finds a name whose `.close()` is called and which is then read — an I/O method (`read`,
`write`, `seek`, `recv`, `send`, `execute`, `fetchall`, `commit`, `cursor`, `iter_rows`, …), a
subscript, iteration, a workbook view (`sheetnames`, `worksheets`, `active`), or an argument to
`list`/`next`/`len`-like consumers — by a later statement of the same block, with no rebinding in
between. Other attributes and methods (`resp.url`, `f.name`, `transport.get_extra_info()`,
`parser.get_data()`) read in-memory state that stays valid and are not reported. The seed case is a workbook read after `wb.close()`.

To stay precise it only follows straight-line code: a close inside a branch, a use in another
function or in a decorator, or anything after a `return`/`raise`/`break`/`continue` is not
reported. Names bound to an imported module (`plt.close()`), `self` and `cls` are skipped, and so
are uses inside assertions and `assertRaises`/`pytest.raises`, where tests check a closed object
on purpose.

## Why is this bad?
Reading from a closed file, workbook, cursor or connection raises (`ValueError: I/O operation on
closed file`, `InterfaceError`) or silently returns stale data — often only on the code path that
production traffic takes and tests do not.

## Example
```python
wb = load_workbook(path, read_only=True)
wb.close()
names = wb.sheetnames
```

## Use instead
```python
wb = load_workbook(path, read_only=True)
names = wb.sheetnames
wb.close()
```
Better still, use `with` (or `contextlib.closing`) so the close cannot come too early.

## Fix
Moves the `close()` to after the last use in the same block (no fix when that use is a `return` or
`raise`, after which the close could never run). Unsafe: when a use sits inside a
branch that returns early, the moved close may be skipped on that path; review the result.

## Related
pylint has no equivalent; ruff SIM115 asks for a context manager at `open()`."#,
};

/// Methods that read or write the underlying resource (file, socket, cursor, connection,
/// workbook, shelf). Only these count as a use: most other methods and attributes of a closed
/// object are in-memory accessors that stay valid (`resp.url`, `transport.get_extra_info()`,
/// `parser.get_data()` after the feed/close protocol), and a false positive costs more than a miss.
const READ_METHODS: &[&str] = &[
    "read",
    "read1",
    "readline",
    "readlines",
    "readinto",
    "write",
    "writelines",
    "seek",
    "tell",
    "truncate",
    "flush",
    "fileno",
    "recv",
    "recv_into",
    "recvfrom",
    "send",
    "sendall",
    "sendto",
    "execute",
    "executemany",
    "executescript",
    "fetchone",
    "fetchall",
    "fetchmany",
    "commit",
    "rollback",
    "cursor",
    "iter_rows",
    "iter_cols",
    "get_sheet_by_name",
    "sync",
];

/// Attributes that read a closed workbook's contents (openpyxl), flagged even without a call.
const READ_ATTRIBUTES: &[&str] = &["sheetnames", "worksheets", "active", "chartsheets"];

/// Functions that consume their argument, so passing a closed object to them is a read.
const CONSUMERS: &[&str] = &[
    "list",
    "tuple",
    "next",
    "iter",
    "len",
    "sorted",
    "enumerate",
    "zip",
    "set",
    "dict",
];

/// `X.close()` as a whole statement: returns `X`.
fn closed_name<'t>(stmt: Node<'t>, ctx: &Context) -> Option<Node<'t>> {
    if stmt.kind() != "expression_statement" || stmt.named_child_count() != 1 {
        return None;
    }
    let call = stmt.named_child(0).filter(|c| c.kind() == "call")?;
    let args = call.field("arguments")?;
    if args.named_child_count() != 0 {
        return None;
    }
    let function = call.field("function").filter(|f| f.kind() == "attribute")?;
    let object = function
        .field("object")
        .filter(|o| o.kind() == "identifier")?;
    let method = function.field("attribute")?;
    (ctx.text(method) == "close").then_some(object)
}

/// Code below this node does not run now (a nested scope), or runs expecting the object to be
/// closed (`self.assertRaises(ValueError, f.read)`, `with pytest.raises(ValueError): f.read()`).
/// A definition's decorators are not followed either: they run where it stands, but the
/// analysis of an edit files what is found in them with the definition, which module code
/// does not re-analyse (and a closed object read there is all but unheard of).
fn is_skipped_subtree(node: Node, ctx: &Context) -> bool {
    match node.kind() {
        "function_definition"
        | "class_definition"
        | "decorated_definition"
        | "lambda"
        | "assert_statement" => true,
        // Tests inspect the closed object on purpose: `self.assertTrue(f.closed)`, `m.assert_called()`.
        "call" => node.field("function").is_some_and(|f| {
            let name = ctx.text(f).rsplit('.').next().unwrap_or("");
            expects_raise(ctx.text(f)) || name.starts_with("assert")
        }),
        "with_statement" => node
            .named_child(0)
            .filter(|c| c.kind() == "with_clause")
            .is_some_and(|c| expects_raise(ctx.text(c))),
        _ => false,
    }
}

fn expects_raise(text: &str) -> bool {
    text.to_ascii_lowercase().contains("raises")
}

/// Whether `stmt` (anywhere inside) binds `name`.
fn rebinds(stmt: Node, name: &str, ctx: &Context) -> bool {
    let mut found = false;
    walk_pruned(stmt, |n| {
        if found {
            return false;
        }
        let target = match n.kind() {
            "assignment" | "augmented_assignment" => n.field("left"),
            "for_statement" | "for_in_clause" => n.field("left"),
            "named_expression" => n.field("name"),
            "as_pattern_target" | "delete_statement" | "global_statement"
            | "nonlocal_statement" => Some(n),
            "function_definition" | "class_definition" => n.field("name"),
            "import_statement" | "import_from_statement" => Some(n),
            _ => None,
        };
        if let Some(target) = target {
            found = binds_in_target(target, name, ctx);
        }
        // A nested function or class binds its name here; what its body assigns is bound there.
        !matches!(
            n.kind(),
            "function_definition" | "class_definition" | "lambda"
        )
    });
    found
}

/// Whether an assignment target binds `name` (not `name.attr = …` or `name[i] = …`, which use it).
fn binds_in_target(target: Node, name: &str, ctx: &Context) -> bool {
    match target.kind() {
        "identifier" => ctx.text(target) == name,
        "attribute" | "subscript" => false,
        _ => {
            let mut cursor = target.walk();
            let children: Vec<Node> = target.named_children(&mut cursor).collect();
            children.into_iter().any(|c| binds_in_target(c, name, ctx))
        }
    }
}

/// The first read of `name` inside `stmt` (outside nested functions and lambdas).
fn first_use<'t>(stmt: Node<'t>, name: &str, ctx: &Context) -> Option<Node<'t>> {
    let mut found = None;
    walk_pruned(stmt, |n| {
        if found.is_some() || is_skipped_subtree(n, ctx) {
            return false;
        }
        if n.kind() != "identifier" || ctx.text(n) != name {
            return true;
        }
        let Some(parent) = n.parent() else {
            return true;
        };
        let used = match parent.kind() {
            // A method call reads the resource; a plain attribute is usually in-memory metadata
            // (`resp.url`, `r.request`) that stays valid, except the workbook views in READ_ATTRIBUTES.
            "attribute" => {
                let called = parent
                    .parent()
                    .is_some_and(|p| p.kind() == "call" && p.field("function") == Some(parent));
                parent.field("object") == Some(n)
                    && parent.field("attribute").is_some_and(|a| {
                        let attr = ctx.text(a);
                        if called {
                            READ_METHODS.contains(&attr)
                        } else {
                            READ_ATTRIBUTES.contains(&attr)
                        }
                    })
            }
            "subscript" => parent.field("value") == Some(n),
            "call" => parent.field("function") == Some(n),
            "for_statement" | "for_in_clause" => parent.field("right") == Some(n),
            "argument_list" => parent
                .parent()
                .and_then(|call| call.field("function"))
                .is_some_and(|f| f.kind() == "identifier" && CONSUMERS.contains(&ctx.text(f))),
            _ => false,
        };
        if used {
            found = Some(
                if matches!(parent.kind(), "attribute" | "subscript" | "call") {
                    parent
                } else {
                    n
                },
            );
        }
        true
    });
    found
}

fn ends_flow(stmt: Node) -> bool {
    matches!(
        stmt.kind(),
        "return_statement" | "raise_statement" | "break_statement" | "continue_statement"
    )
}

/// Checks one block (or the module body).
fn check_block(ctx: &Context, meta: &'static RuleMeta, block: Node, out: &mut Vec<Finding>) {
    let mut cursor = block.walk();
    check_statements(ctx, meta, block.named_children(&mut cursor), out);
}

/// Checks a sequence of statements that run one after the other (a block, or the module's).
fn check_statements<'t>(
    ctx: &Context,
    meta: &'static RuleMeta,
    statements: impl Iterator<Item = Node<'t>>,
    out: &mut Vec<Finding>,
) {
    let statements: Vec<Node> = statements.filter(|n| n.kind() != "comment").collect();
    for (i, stmt) in statements.iter().enumerate() {
        let Some(object) = closed_name(*stmt, ctx) else {
            continue;
        };
        let name = ctx.text(object);
        // `plt.close()`, `os.close` on a module: the module is still usable.
        if ctx.imports().get(name).is_some() || name == "self" || name == "cls" {
            continue;
        }
        let mut first: Option<Node> = None;
        let mut last_using_stmt: Option<Node> = None;
        for later in &statements[i + 1..] {
            if rebinds(*later, name, ctx) {
                break;
            }
            if let Some(use_node) = first_use(*later, name, ctx) {
                first.get_or_insert(use_node);
                last_using_stmt = Some(*later);
            }
            if ends_flow(*later) {
                break;
            }
        }
        let (Some(use_node), Some(last)) = (first, last_using_stmt) else {
            continue;
        };
        // No line number in the message: the close may sit in another analysis unit, and a
        // finding kept from an earlier analysis would quote a line that has since moved.
        out.push(Finding {
            rule: meta,
            range: use_node.byte_range(),
            severity: meta.severity,
            message: format!(
                "`{name}` is used after `{name}.close()` above: reading a closed object raises or returns stale data"
            ),
            fix: move_close_fix(ctx, *stmt, last, name),
        });
    }
}

/// Moves the `close()` statement to after `last`, when both sit alone on their lines.
fn move_close_fix(ctx: &Context, close: Node, last: Node, name: &str) -> Option<Fix> {
    let src = ctx.source;
    let close_line = line_start(src, close.start_byte());
    let close_end = line_end(src, close.end_byte());
    let alone = src[close_line..close.start_byte()].trim().is_empty()
        && src[close.end_byte()..close_end].trim().is_empty();
    let last_end = line_end(src, last.end_byte());
    // A close after `return f.read()` would never run.
    if ends_flow(last)
        || !alone
        || !src[last.end_byte()..last_end].trim().is_empty()
        || last_end <= close_end
    {
        return None;
    }
    let indent = indentation_at(src, close.start_byte());
    let text = ctx.text(close);
    let insertion = if src[..last_end].ends_with('\n') {
        format!("{indent}{text}\n")
    } else {
        format!("\n{indent}{text}")
    };
    Some(Fix::new(
        format!("Move `{name}.close()` after its last use"),
        Safety::Unsafe,
        vec![
            Edit::replace(close_line..close_end, ""),
            Edit::insert(last_end, insertion),
        ],
    ))
}

/// Checks one file.
static CLOSE: std::sync::LazyLock<MethodNames> =
    std::sync::LazyLock::new(|| MethodNames::new(&["close"]));

pub fn check(ctx: &Context, meta: &'static RuleMeta, out: &mut Vec<Finding>) {
    // Every finding follows a `name.close()` statement in the code under analysis: without one,
    // nothing is walked (after an edit to module code, the flows over all of it cost this check).
    if !ctx.region_text_any(|text| CLOSE.may_be_called_in(text)) {
        return;
    }
    if ctx.covers_module_code() {
        check_statements(ctx, meta, ctx.statements().filter(|s| s.is_named()), out);
    }
    // A block's findings follow a `close()` among its own statements: only the units (and class
    // bodies) that call one are walked.
    ctx.walk_where(
        &["block"],
        |text| CLOSE.may_be_called_in(text),
        |n| check_block(ctx, meta, n, out),
    );
}
