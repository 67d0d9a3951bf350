//! What one file's analysis is configured with: which rules run, at which severity, and the
//! values fixes insert. Plain values; `config` builds them from files and editor settings.

use std::collections::{HashMap, HashSet};

use super::Severity;
use crate::rules::user::UserRules;

/// Values the fixes insert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleOptions {
    /// Seconds `timeout=` gets from the missing-timeout fix.
    pub timeout_seconds: u32,
    /// Seconds LLM clients get (their answers take much longer than an HTTP round trip).
    pub llm_timeout_seconds: u32,
    /// The name of the module logger fixes create (an existing logger is always reused).
    pub logger_name: String,
    /// The environment variable the CORS fix reads the allowed origins from.
    pub cors_origins_env: String,
}

impl Default for RuleOptions {
    fn default() -> Self {
        RuleOptions {
            timeout_seconds: 10,
            llm_timeout_seconds: 60,
            logger_name: "logger".into(),
            cors_origins_env: "CORS_ALLOWED_ORIGINS".into(),
        }
    }
}

/// The effective configuration for one file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileSettings {
    /// Codes of rules that do not run for this file.
    pub disabled: HashSet<&'static str>,
    /// Severity overrides by code.
    pub severity: HashMap<&'static str, Severity>,
    pub options: RuleOptions,
    /// The project's own query rules, run after the built-in ones.
    pub user_rules: UserRules,
}

impl FileSettings {
    /// Whether `code` names a rule, built-in or the project's own.
    pub fn knows(&self, code: &str) -> bool {
        crate::rules::registry().find(code).is_some()
            || self
                .user_rules
                .0
                .iter()
                .any(|r| r.meta.code.eq_ignore_ascii_case(code))
    }

    /// Whether a rule runs.
    pub fn enabled(&self, code: &str) -> bool {
        !self.disabled.contains(code)
    }
}
