//! The analysis core: text and tree in, findings out.
//!
//! Nothing here knows about the protocol or does I/O: the CLI and the language server both call
//! [`analyze`] and convert its plain values for their own outputs.

pub mod context;
pub mod finding;
pub mod logging;
pub mod scope;
pub mod secrets;
pub mod semantic;
pub mod settings;
pub mod suppression;
pub mod web;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Instant;

use tree_sitter::Tree;

pub use context::Context;
pub use finding::{Edit, Finding, Fix, Safety, Severity};
pub use settings::{FileSettings, RuleOptions};

use crate::rules;

/// Runs every rule over one parsed file and returns the findings sorted by position.
///
/// Each rule runs isolated: a rule that panics is logged with its code and skipped, so one bug can
/// never hide the findings of the others or take down the server.
pub fn analyze(source: &str, tree: &Tree) -> Vec<Finding> {
    analyze_until(source, tree, &FileSettings::default(), None).findings
}

/// The result of an analysis that may have been cut short.
#[derive(Debug, Clone)]
pub struct Analysis {
    pub findings: Vec<Finding>,
    /// Codes of the rules that did not run because the deadline passed.
    pub skipped_rules: Vec<&'static str>,
}

/// Like [`analyze`], but stops starting rules once `deadline` has passed, so one pathological file
/// cannot hold a worker for long; the rules that did not run are reported.
pub fn analyze_until(
    source: &str,
    tree: &Tree,
    settings: &FileSettings,
    deadline: Option<Instant>,
) -> Analysis {
    let ctx = Context::with_settings(source, tree, settings);
    let mut findings = Vec::new();
    let mut skipped_rules = Vec::new();
    for rule in rules::registry()
        .rules()
        .iter()
        .chain(settings.user_rules.0.iter())
    {
        if !settings.enabled(rule.meta.code) {
            continue;
        }
        if deadline.is_some_and(|d| Instant::now() > d) {
            skipped_rules.push(rule.meta.code);
            continue;
        }
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
    let mut findings = suppression::apply(&ctx, findings);
    for f in &mut findings {
        if let Some(severity) = settings.severity.get(f.rule.code) {
            f.severity = *severity;
        }
    }
    Analysis {
        findings,
        skipped_rules,
    }
}

/// Parses and analyses a string in one step (for the CLI and tests, which hold no tree).
pub fn analyze_str(source: &str) -> Result<Vec<Finding>, crate::parse::ParseError> {
    analyze_str_with(source, &FileSettings::default())
}

/// Parses and analyses a string with the file's settings.
pub fn analyze_str_with(
    source: &str,
    settings: &FileSettings,
) -> Result<Vec<Finding>, crate::parse::ParseError> {
    let tree = crate::parse::parse_str(source)?;
    Ok(analyze_until(source, &tree, settings, None).findings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_passed_deadline_skips_the_remaining_rules_and_names_them() {
        let source = "import requests\nrequests.get(u)\n";
        let tree = crate::parse::parse_str(source).unwrap();
        let past = Instant::now() - std::time::Duration::from_millis(1);
        let cut = analyze_until(source, &tree, &FileSettings::default(), Some(past));
        assert!(cut.findings.is_empty());
        assert_eq!(cut.skipped_rules.len(), rules::registry().rules().len());
        let full = analyze_until(source, &tree, &FileSettings::default(), None);
        assert!(full.skipped_rules.is_empty());
        assert_eq!(full.findings.len(), 1);
    }
}
