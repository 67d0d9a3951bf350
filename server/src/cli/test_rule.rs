//! `preflight test-rule RULE.scm FILE.py`: what one query rule matches in a file, for rule authors.

use std::path::Path;
use std::time::Instant;

use super::output::{self, FileReport};
use super::{OutputFormat, EXIT_CLEAN, EXIT_ERROR};
use crate::analysis::{analyze_str_with, FileSettings};
use crate::rules::query::QueryRule;
use crate::rules::user::UserRules;
use crate::rules::{registry, Check, Rule};

/// Runs the command and returns the exit code.
pub fn run(rule_path: &Path, file: &Path) -> i32 {
    let started = Instant::now();
    let (rule_text, source) = match (
        std::fs::read_to_string(rule_path),
        std::fs::read_to_string(file),
    ) {
        (Ok(r), Ok(s)) => (r, s),
        (Err(e), _) => {
            eprintln!("preflight: {}: {e}", rule_path.display());
            return EXIT_ERROR;
        }
        (_, Err(e)) => {
            eprintln!("preflight: {}: {e}", file.display());
            return EXIT_ERROR;
        }
    };
    let (meta, query) = match QueryRule::from_source(&rule_path.display().to_string(), &rule_text) {
        Ok(loaded) => loaded,
        Err(e) => {
            eprintln!("preflight: {}", e.0);
            return EXIT_ERROR;
        }
    };
    let meta: &'static _ = Box::leak(Box::new(meta));
    // Only this rule runs: every built-in one (and the unused-suppression check) is off.
    let settings = FileSettings {
        disabled: registry().rules().iter().map(|r| r.meta.code).collect(),
        user_rules: UserRules(std::sync::Arc::new(vec![Rule {
            meta,
            check: Check::Query(query),
        }])),
        ..FileSettings::default()
    };
    let findings = match analyze_str_with(&source, &settings) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("preflight: {}: {e}", file.display());
            return EXIT_ERROR;
        }
    };
    println!(
        "{} {}: {} match{} in {}\n",
        meta.code,
        meta.name,
        findings.len(),
        if findings.len() == 1 { "" } else { "es" },
        file.display()
    );
    for f in &findings {
        if let Some(fix) = &f.fix {
            for edit in &fix.edits {
                let old = source.get(edit.range.clone()).unwrap_or("");
                println!(
                    "  {} at {}: `{old}` → `{}`",
                    fix.title, edit.range.start, edit.new_text
                );
            }
        }
    }
    let report = FileReport {
        path: file.to_path_buf(),
        source,
        findings,
        fixed: 0,
    };
    output::print_check(&[report], &[], OutputFormat::Text, false, started.elapsed());
    EXIT_CLEAN
}
