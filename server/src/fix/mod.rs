//! Fixes: the fixers named by query rules, the helpers every fixer shares (imports, the module
//! logger, keyword arguments) and the code that applies edits to text.

pub mod apply;
pub mod arguments;
pub mod imports;

use tree_sitter::Node;

use crate::analysis::{semantic, Context, Edit, Fix, Safety};
use crate::rules::query::Captures;

/// A fixer a query rule names in its `; fix:` header.
pub type QueryFixer = fn(&Context, &Captures) -> Option<Fix>;

/// Looks up a fixer by the name used in query headers.
pub fn query_fixer(name: &str) -> Option<QueryFixer> {
    match name {
        "log-exception" => Some(log_exception),
        "except-exception" => Some(except_exception),
        _ => None,
    }
}

/// Names of every fixer a query may use (for docs and validation).
pub const QUERY_FIXERS: &[&str] = &["log-exception", "except-exception"];

/// Replaces the `pass`/`...` of an empty handler (`@_body`) with `logger.exception(...)`.
fn log_exception(ctx: &Context, captures: &Captures) -> Option<Fix> {
    let body = captures.get("_body")?;
    let mut cursor = body.walk();
    let stmt: Node = body
        .named_children(&mut cursor)
        .find(|c| c.kind() != "comment")?;
    let (logger, mut edits) = imports::ensure_logger(ctx, stmt.start_byte())?;
    let place = match semantic::enclosing_function_name(stmt, ctx.source) {
        Some(function) => format!(" in {function}"),
        None => String::new(),
    };
    edits.push(Edit::replace(
        stmt.byte_range(),
        format!("{logger}.exception(\"Suppressed error{place}\")"),
    ));
    Some(Fix::new(
        format!("Log the exception with `{logger}.exception`"),
        Safety::Safe,
        edits,
    ))
}

/// Turns a bare `except:` (the `except` keyword captured as `@diagnostic`) into `except Exception:`.
fn except_exception(_ctx: &Context, captures: &Captures) -> Option<Fix> {
    let keyword = captures.get("diagnostic")?;
    Some(Fix::new(
        "Catch `Exception` instead of everything",
        Safety::Safe,
        vec![Edit::insert(keyword.end_byte(), " Exception")],
    ))
}

/// The edit that puts `statement` just before `before` (a statement), in the same block: on its
/// own line with the same indentation, or joined with `; ` when `before` shares its line with the
/// clause header (`except Exception: return None`).
pub fn insert_statement_before(ctx: &Context, before: Node, statement: &str) -> Edit {
    let at = before.start_byte();
    let line_start = imports::line_start(ctx.source, at);
    let prefix = ctx.source.get(line_start..at).unwrap_or("");
    if prefix.chars().all(|c| c == ' ' || c == '\t') {
        Edit::insert(at, format!("{statement}\n{prefix}"))
    } else {
        Edit::insert(at, format!("{statement}; "))
    }
}

/// The first statement of a block, skipping comments and a leading docstring.
pub fn first_statement_after_docstring(block: Node) -> Option<Node> {
    let mut cursor = block.walk();
    let mut statements = block
        .named_children(&mut cursor)
        .filter(|c| c.kind() != "comment")
        .peekable();
    let first = *statements.peek()?;
    let is_docstring = first.kind() == "expression_statement"
        && first.named_child_count() == 1
        && first.named_child(0).is_some_and(|n| n.kind() == "string");
    if is_docstring {
        statements.nth(1)
    } else {
        Some(first)
    }
}

/// The message a fix logs: `Suppressed error in handler` plus the function it is in.
pub fn place_suffix(ctx: &Context, node: Node) -> String {
    match semantic::enclosing_function_name(node, ctx.source) {
        Some(function) => format!(" in {function}"),
        None => String::new(),
    }
}

/// A fix that replaces `range` with `os.environ.get("VAR") == "1"` (for a literal `True`) or
/// `os.environ["VAR"]` (for a literal secret), adding `import os` where a person would.
pub fn read_from_env(
    ctx: &Context,
    range: std::ops::Range<usize>,
    var: &str,
    flag: bool,
    safety: Safety,
) -> Fix {
    let (os, import) = imports::ensure_module_import(ctx, "os");
    let expression = if flag {
        format!("{os}.environ.get(\"{var}\") == \"1\"")
    } else {
        format!("{os}.environ[\"{var}\"]")
    };
    let mut edits: Vec<Edit> = import.into_iter().collect();
    edits.push(Edit::replace(range, expression.clone()));
    Fix::new(
        format!("Read it from the environment: `{expression}`"),
        safety,
        edits,
    )
}
