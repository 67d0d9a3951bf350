//! The analysis core: text and tree in, findings out.
//!
//! Nothing here knows about the protocol or does I/O: the CLI and the language server both call
//! [`analyze`] and convert its plain values for their own outputs.

pub mod context;
pub mod facts;
pub mod finding;
pub mod incremental;
pub mod kinds;
pub mod logging;
pub mod probes;
pub mod scope;
pub mod secrets;
pub mod semantic;
pub mod settings;
pub mod suppression;
pub mod units;
pub mod web;

use std::time::Instant;

use crate::parse::ModuleTree;

pub use context::Context;
pub use finding::{Edit, Finding, Fix, Safety, Severity};
pub use settings::{FileSettings, RuleOptions};

/// Runs every rule over one parsed file and returns the findings sorted by position.
///
/// Each rule runs isolated: a rule that panics is logged with its code and skipped, so one bug can
/// never hide the findings of the others or take down the server.
pub fn analyze(source: &str, tree: &ModuleTree) -> Vec<Finding> {
    analyze_until(source, tree, &FileSettings::default(), None).findings
}

/// The result of an analysis that may have been cut short.
#[derive(Debug, Clone)]
pub struct Analysis {
    pub findings: Vec<Finding>,
    /// Codes of the rules that did not run because the deadline passed.
    pub skipped_rules: Vec<&'static str>,
    /// Whether only the units an edit touched were analysed (the rest came from the cache).
    pub incremental: bool,
    /// Why the whole file was analysed, when it was and a previous analysis existed.
    pub full_reason: Option<&'static str>,
}

/// Like [`analyze`], but stops starting rules once `deadline` has passed, so one pathological file
/// cannot hold a worker for long; the rules that did not run are reported.
pub fn analyze_until(
    source: &str,
    tree: &ModuleTree,
    settings: &FileSettings,
    deadline: Option<Instant>,
) -> Analysis {
    incremental::analyze(source, tree, settings, deadline, None).0
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
    let tree = ModuleTree::parse(source, None)?;
    Ok(analyze_until(source, &tree, settings, None).findings)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules;

    #[test]
    fn a_passed_deadline_skips_the_remaining_rules_and_names_them() {
        let source = "import requests\nrequests.get(u)\n";
        let tree = ModuleTree::parse(source, None).unwrap();
        let past = Instant::now() - std::time::Duration::from_millis(1);
        let cut = analyze_until(source, &tree, &FileSettings::default(), Some(past));
        assert!(cut.findings.is_empty());
        assert_eq!(cut.skipped_rules.len(), rules::registry().rules().len());
        let full = analyze_until(source, &tree, &FileSettings::default(), None);
        assert!(full.skipped_rules.is_empty());
        assert_eq!(full.findings.len(), 1);
    }
}
