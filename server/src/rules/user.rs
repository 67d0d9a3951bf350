//! User-defined rules: `.scm` files in a project's queries folder (`.preflight/queries` unless the
//! configuration's `queries-dir` says otherwise), in the same format as the built-in `queries/`.
//!
//! A user query can only match the tree and use the engine's predicates, so it can neither read
//! files nor run anything. A query that does not load is reported with its position and left out;
//! the other rules keep running.

use std::path::Path;
use std::sync::Arc;

use super::query::QueryRule;
use super::{registry, Check, Rule};
use crate::config::ConfigError;

/// The user rules of one project, shared by every file's settings.
#[derive(Clone, Default)]
pub struct UserRules(pub Arc<Vec<Rule>>);

impl std::fmt::Debug for UserRules {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let codes: Vec<&str> = self.0.iter().map(|r| r.meta.code).collect();
        f.debug_tuple("UserRules").field(&codes).finish()
    }
}

impl PartialEq for UserRules {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for UserRules {}

/// Loads every `*.scm` file of a folder (a missing folder holds no rules).
pub fn load_dir(dir: &Path) -> (UserRules, Vec<ConfigError>) {
    let mut rules: Vec<Rule> = Vec::new();
    let mut errors = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return (UserRules::default(), errors);
    };
    let mut files: Vec<_> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "scm"))
        .collect();
    files.sort();
    for path in files {
        let source = path.display().to_string();
        let error = |message: String, position| ConfigError {
            source: source.clone(),
            position,
            span: None,
            message,
        };
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => {
                errors.push(error(format!("cannot read: {e}"), None));
                continue;
            }
        };
        match QueryRule::from_source(&source, &text) {
            Ok((meta, rule)) => {
                let taken = registry().find(meta.code).is_some()
                    || rules.iter().any(|r| r.meta.code == meta.code);
                if taken || meta.code.starts_with("PF") {
                    errors.push(error(
                        format!("code `{}` is taken or reserved (built-in rules use PF###); this rule is not loaded", meta.code),
                        Some((1, 1)),
                    ));
                    continue;
                }
                rules.push(Rule {
                    meta: Box::leak(Box::new(meta)),
                    check: Check::Query(rule),
                });
            }
            Err(e) => {
                errors.push(error(e.bare_message(&source), e.1));
            }
        }
    }
    (UserRules(Arc::new(rules)), errors)
}
