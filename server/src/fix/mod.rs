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
