//! The analysis core: text and tree in, findings out.
//!
//! Nothing here knows about the protocol or does I/O: the CLI and the language server both call
//! [`analyze`] and convert its plain values for their own outputs.

pub mod context;
pub mod finding;
pub mod semantic;

use std::panic::{catch_unwind, AssertUnwindSafe};

use tree_sitter::Tree;

pub use context::Context;
pub use finding::{Edit, Finding, Fix, Safety, Severity};

use crate::rules;

/// Runs every rule over one parsed file and returns the findings sorted by position.
///
/// Each rule runs isolated: a rule that panics is logged with its code and skipped, so one bug can
/// never hide the findings of the others or take down the server.
pub fn analyze(source: &str, tree: &Tree) -> Vec<Finding> {
    let ctx = Context::new(source, tree);
    let mut findings = Vec::new();
    for rule in rules::registry().rules() {
        let mut out = Vec::new();
        let result = catch_unwind(AssertUnwindSafe(|| rule.check(&ctx, &mut out)));
        match result {
            Ok(()) => findings.extend(out),
            Err(panic) => {
                let what = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                tracing::error!(
                    rule = rule.meta.code,
                    "rule panicked and was skipped: {what}"
                );
            }
        }
    }
    findings.sort_by(|a, b| {
        (a.range.start, a.range.end, a.rule.code).cmp(&(b.range.start, b.range.end, b.rule.code))
    });
    // Several query patterns may match the same node (say, each type in an `except (A, B)` tuple).
    findings.dedup_by(|a, b| a.rule.code == b.rule.code && a.range == b.range);
    findings
}

/// Parses and analyses a string in one step (for the CLI and tests, which hold no tree).
pub fn analyze_str(source: &str) -> Result<Vec<Finding>, crate::parse::ParseError> {
    let tree = crate::parse::parse_str(source)?;
    Ok(analyze(source, &tree))
}
