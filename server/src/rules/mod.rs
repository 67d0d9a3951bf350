//! The rule registry: every rule's metadata and the code that checks it.
//!
//! A rule is either a tree-sitter query (`queries/<name>.scm`, embedded at build time) or a Rust
//! module named after the rule, for checks that need scope or flow. Both kinds carry the same
//! metadata and docs and are run the same way by the analysis driver.

mod allowed_hosts_wildcard;
mod assert_for_validation;
mod blocking_call_in_async;
mod broad_exception_ignored;
mod client_per_request;
mod dangling_task;
mod debug_enabled;
mod dev_server_exposed;
mod engine_without_pre_ping;
mod error_handler_without_logging;
mod error_without_traceback;
mod event_loop_per_request;
mod exception_details_leaked;
mod handler_missing_return;
mod hardcoded_secret;
mod hardcoded_secret_key;
mod in_memory_state;
mod insecure_secret_default;
mod insecure_temp_file;
mod jwt_without_verification;
mod missing_request_size_limit;
mod missing_timeout;
mod permissive_cors;
mod print_in_service;
pub mod query;
mod raise_without_cause;
mod shell_injection;
mod sql_string_building;
mod tls_verification_disabled;
mod unsafe_deserialization;
mod unsanitized_upload_filename;
pub mod unused_suppression;
mod use_after_close;
pub mod user;

use std::sync::LazyLock;

use crate::analysis::{Context, Finding, Severity};

/// What a rule is, independent of how it is checked.
#[derive(Debug, Clone)]
pub struct RuleMeta {
    /// Stable code, `PF` and three digits; never reused.
    pub code: &'static str,
    /// Kebab-case name.
    pub name: &'static str,
    /// The review section the rule belongs to (`error-handling`, `network`, …).
    pub category: &'static str,
    pub severity: Severity,
    /// One line: what is wrong.
    pub summary: &'static str,
    /// Markdown: What it does / Why is this bad? / Example / Use instead / Fix / Related.
    pub doc: &'static str,
    /// Whether the rule ever offers a fix.
    pub fixable: bool,
    /// The same rule in ruff or bandit (`S113`, `B113`): `# noqa:`/`# nosec` naming one silences it.
    pub twins: &'static [&'static str],
}

/// The checking half of a rule.
pub enum Check {
    Query(query::QueryRule),
    Native(fn(&Context, &'static RuleMeta, &mut Vec<Finding>)),
    /// Findings made by the analysis driver itself after the other rules ran (PF001, from
    /// `analysis::suppression`); the rule exists so it can be listed, explained and selected.
    Driver,
}

/// A rule: metadata plus its check.
pub struct Rule {
    pub meta: &'static RuleMeta,
    pub check: Check,
}

/// Native rules whose findings in one unit depend on what other units hold beyond the file's
/// facts: they run over the whole file on every analysis. PF307 reports a module-level container
/// when any handler mutates it.
const WHOLE_FILE: &[&str] = &["PF307"];

/// Native rules that follow values from one module-level statement to the next: PF301 reads the
/// module's other CORS settings, PF401 a `close()` before a use, PF503 SQL built before it is
/// executed. When module code changes they run over all of it again; every other rule's findings
/// in one unit depend only on that unit and the file's facts.
const MODULE_FLOW: &[&str] = &["PF301", "PF401", "PF503"];

/// Whether the rule with this code follows values across module-level statements (user rules
/// cannot take `PF` codes).
pub fn is_module_flow(code: &str) -> bool {
    MODULE_FLOW.contains(&code)
}

impl Rule {
    /// Whether the rule must see the whole file (otherwise it may run over the units an edit
    /// touched, with the file's facts).
    pub fn whole_file(&self) -> bool {
        match &self.check {
            Check::Query(q) => q.spans_units(),
            Check::Native(_) => WHOLE_FILE.contains(&self.meta.code),
            Check::Driver => false,
        }
    }

    /// Whether the rule follows values across module-level statements ([`MODULE_FLOW`]), so that
    /// a change to one of them can move its findings in the others.
    pub fn module_flow(&self) -> bool {
        matches!(self.check, Check::Native(_)) && is_module_flow(self.meta.code)
    }

    /// Appends this rule's findings for one file.
    pub fn check(&self, ctx: &Context, out: &mut Vec<Finding>) {
        match &self.check {
            Check::Query(q) => q.run(ctx, self.meta, out),
            Check::Native(f) => f(ctx, self.meta, out),
            Check::Driver => {}
        }
    }
}

/// Every built-in rule, sorted by code.
pub struct Registry {
    rules: Vec<Rule>,
}

impl Registry {
    /// All rules, sorted by code.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// Looks a rule up by code (`PF101`) or name (`swallowed-exception`), ignoring case.
    pub fn find(&self, key: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| {
            r.meta.code.eq_ignore_ascii_case(key) || r.meta.name.eq_ignore_ascii_case(key)
        })
    }
}

static REGISTRY: LazyLock<Registry> = LazyLock::new(build_registry);

/// The built-in rules, compiled once per process.
pub fn registry() -> &'static Registry {
    &REGISTRY
}

fn build_registry() -> Registry {
    let mut rules = Vec::new();
    for (file, text) in query::EMBEDDED {
        // The embedded queries are part of the binary and checked by a test, so a failure here is a
        // build defect; log it and keep the other rules rather than refusing to start.
        match query::QueryRule::from_source(file, text) {
            Ok((meta, rule)) => rules.push(Rule {
                meta: Box::leak(Box::new(meta)),
                check: Check::Query(rule),
            }),
            Err(e) => tracing::error!("built-in query {file} is invalid: {e}"),
        }
    }
    for (meta, check) in [
        (
            &missing_timeout::META,
            missing_timeout::check as fn(&Context, &'static RuleMeta, &mut Vec<Finding>),
        ),
        (&permissive_cors::META, permissive_cors::check),
        (&use_after_close::META, use_after_close::check),
        (
            &broad_exception_ignored::META,
            broad_exception_ignored::check,
        ),
        (
            &error_without_traceback::META,
            error_without_traceback::check,
        ),
        (&raise_without_cause::META, raise_without_cause::check),
        (
            &error_handler_without_logging::META,
            error_handler_without_logging::check,
        ),
        (
            &exception_details_leaked::META,
            exception_details_leaked::check,
        ),
        (&print_in_service::META, print_in_service::check),
        (
            &tls_verification_disabled::META,
            tls_verification_disabled::check,
        ),
        (&client_per_request::META, client_per_request::check),
        (&blocking_call_in_async::META, blocking_call_in_async::check),
        (&event_loop_per_request::META, event_loop_per_request::check),
        (&dangling_task::META, dangling_task::check),
        (&debug_enabled::META, debug_enabled::check),
        (&hardcoded_secret_key::META, hardcoded_secret_key::check),
        (&hardcoded_secret::META, hardcoded_secret::check),
        (&allowed_hosts_wildcard::META, allowed_hosts_wildcard::check),
        (&dev_server_exposed::META, dev_server_exposed::check),
        (
            &missing_request_size_limit::META,
            missing_request_size_limit::check,
        ),
        (&in_memory_state::META, in_memory_state::check),
        (
            &unsanitized_upload_filename::META,
            unsanitized_upload_filename::check,
        ),
        (
            &jwt_without_verification::META,
            jwt_without_verification::check,
        ),
        (&handler_missing_return::META, handler_missing_return::check),
        (&sql_string_building::META, sql_string_building::check),
        (&shell_injection::META, shell_injection::check),
        (&unsafe_deserialization::META, unsafe_deserialization::check),
        (&assert_for_validation::META, assert_for_validation::check),
        (&insecure_temp_file::META, insecure_temp_file::check),
        (
            &engine_without_pre_ping::META,
            engine_without_pre_ping::check,
        ),
        (
            &insecure_secret_default::META,
            insecure_secret_default::check,
        ),
    ] {
        rules.push(Rule {
            meta,
            check: Check::Native(check),
        });
    }
    rules.push(Rule {
        meta: &unused_suppression::META,
        check: Check::Driver,
    });
    rules.sort_by_key(|r| r.meta.code);
    Registry { rules }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_names_are_unique_and_well_formed() {
        let rules = registry().rules();
        assert!(rules.len() >= 5, "every built-in rule loads");
        let mut codes: Vec<_> = rules.iter().map(|r| r.meta.code).collect();
        codes.dedup();
        assert_eq!(codes.len(), rules.len(), "duplicate code");
        let mut names: Vec<_> = rules.iter().map(|r| r.meta.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), rules.len(), "duplicate name");
        for r in rules {
            let m = r.meta;
            assert!(m.code.len() == 5 && m.code.starts_with("PF"), "{}", m.code);
            assert!(
                m.code[2..].chars().all(|c| c.is_ascii_digit()),
                "{}",
                m.code
            );
            assert!(
                m.name.chars().all(|c| c.is_ascii_lowercase() || c == '-')
                    && !m.name.starts_with('-'),
                "{} is not kebab-case",
                m.name
            );
            for heading in [
                "## What it does",
                "## Why is this bad?",
                "## Example",
                "## Use instead",
            ] {
                assert!(m.doc.contains(heading), "{} doc lacks {heading}", m.code);
            }
            if m.fixable {
                assert!(m.doc.contains("## Fix"), "{} doc lacks ## Fix", m.code);
            }
        }
    }
}
