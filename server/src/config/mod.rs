//! Configuration: `[tool.preflight]` in `pyproject.toml` or a `preflight.toml`, editor settings,
//! and command-line flags, turned into the [`FileSettings`] each file is analysed with.
//!
//! Precedence, lowest first: built-in defaults, editor settings (`initializationOptions` /
//! `workspace/didChangeConfiguration`), the nearest configuration file, command-line flags. A
//! configuration file wins over the editor because it is shared by the whole team and by CI; the
//! editor supplies defaults for projects that have none.

pub mod load;
pub mod resolver;

use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};

use crate::analysis::{FileSettings, RuleOptions, Severity};
use crate::rules::registry;
use crate::rules::user::UserRules;

/// One problem in a configuration, located where possible.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The file, or a description of the source ("editor settings", "--select").
    pub source: String,
    /// One-based line and column in the file, when known.
    pub position: Option<(usize, usize)>,
    /// Byte range in the file, when known.
    pub span: Option<std::ops::Range<usize>>,
    pub message: String,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.position {
            Some((line, col)) => write!(f, "{}:{line}:{col}: {}", self.source, self.message),
            None => write!(f, "{}: {}", self.source, self.message),
        }
    }
}

/// Settings as written in one place; `None` means "not set here".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Partial {
    pub select: Option<Vec<String>>,
    pub extend_select: Option<Vec<String>>,
    pub ignore: Option<Vec<String>>,
    pub per_file_ignores: Option<Vec<(String, Vec<String>)>>,
    pub severity: Option<Vec<(String, Severity)>>,
    pub exclude: Option<Vec<String>>,
    pub timeout_seconds: Option<u32>,
    pub llm_timeout_seconds: Option<u32>,
    pub logger_name: Option<String>,
    pub cors_origins_env: Option<String>,
    /// The folder of the project's own query rules, relative to the configuration file.
    pub queries_dir: Option<String>,
    /// `[report]`: effort estimates of `preflight report`.
    pub report: Option<ReportConfig>,
}

/// The `[report]` table: minutes per finding that `preflight report` estimates.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportConfig {
    /// `[report.effort]`: minutes per instance by selector (code, prefix, name or category).
    pub effort: Vec<(String, u32)>,
    /// `auto-fix-minutes`: what a finding `preflight check --fix` repairs costs (reviewing the diff).
    pub auto_fix_minutes: Option<u32>,
}

impl Partial {
    /// `self` with every key that `over` sets replaced by `over`'s value.
    pub fn overlay(&self, over: &Partial) -> Partial {
        fn pick<T: Clone>(a: &Option<T>, b: &Option<T>) -> Option<T> {
            b.clone().or_else(|| a.clone())
        }
        Partial {
            select: pick(&self.select, &over.select),
            extend_select: pick(&self.extend_select, &over.extend_select),
            ignore: pick(&self.ignore, &over.ignore),
            per_file_ignores: pick(&self.per_file_ignores, &over.per_file_ignores),
            severity: pick(&self.severity, &over.severity),
            exclude: pick(&self.exclude, &over.exclude),
            timeout_seconds: pick(&self.timeout_seconds, &over.timeout_seconds),
            llm_timeout_seconds: pick(&self.llm_timeout_seconds, &over.llm_timeout_seconds),
            logger_name: pick(&self.logger_name, &over.logger_name),
            cors_origins_env: pick(&self.cors_origins_env, &over.cors_origins_env),
            queries_dir: pick(&self.queries_dir, &over.queries_dir),
            report: pick(&self.report, &over.report),
        }
    }
}

/// Whether a selector (`PF201`, `PF2`, `PF`, `ALL`, a rule name, a category) names a rule.
pub fn selects(selector: &str, code: &str, name: &str, category: &str) -> bool {
    selector.eq_ignore_ascii_case("ALL")
        || code.starts_with(&selector.to_ascii_uppercase())
        || selector == name
        || selector == category
}

/// Whether a selector names at least one built-in rule, or looks like the code of a user rule
/// (letters then digits, not `PF`): user rules load after the configuration, so their codes are
/// taken on trust.
pub fn is_known_selector(selector: &str) -> bool {
    let user_code = selector.len() >= 2
        && !selector.to_ascii_uppercase().starts_with("PF")
        && selector
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_uppercase())
        && selector
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        && selector.chars().any(|c| c.is_ascii_digit());
    user_code
        || registry()
            .rules()
            .iter()
            .map(|r| r.meta)
            .chain(crate::requirements::RULES.iter().copied())
            .any(|m| selects(selector, m.code, m.name, m.category))
}

/// The default folder of user query rules.
pub const DEFAULT_QUERIES_DIR: &str = ".preflight/queries";

/// Settings resolved for one configuration (one project root), ready to produce per-file settings.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The folder globs are relative to.
    pub root: PathBuf,
    select: Vec<String>,
    ignore: Vec<String>,
    per_file_ignores: Vec<(GlobSet, Vec<String>)>,
    severity: Vec<(String, Severity)>,
    exclude: GlobSet,
    options: RuleOptions,
    user_rules: UserRules,
    /// The `[report]` table, for `preflight report`.
    pub report: ReportConfig,
}

fn glob_set(patterns: &[String], errors: &mut Vec<String>) -> GlobSet {
    let mut builder = GlobSetBuilder::new();
    for pattern in patterns {
        // `tests/` style folder patterns cover everything below them.
        let pattern = pattern.trim_end_matches('/');
        for p in [pattern.to_string(), format!("{pattern}/**")] {
            match Glob::new(&p) {
                Ok(g) => {
                    builder.add(g);
                }
                Err(e) => errors.push(format!("invalid glob `{pattern}`: {e}")),
            }
        }
    }
    builder.build().unwrap_or_else(|_| GlobSet::empty())
}

impl Settings {
    /// Resolves a partial configuration (already layered) for a project rooted at `root`.
    /// Problems that only show at this stage (bad globs) are returned as messages.
    pub fn resolve(root: &Path, partial: &Partial) -> (Settings, Vec<String>) {
        Self::resolve_with_rules(root, partial, UserRules::default())
    }

    /// Like [`Settings::resolve`], with the project's own rules.
    pub fn resolve_with_rules(
        root: &Path,
        partial: &Partial,
        user_rules: UserRules,
    ) -> (Settings, Vec<String>) {
        let mut errors = Vec::new();
        let defaults = RuleOptions::default();
        let mut select = partial.select.clone().unwrap_or_else(|| vec!["ALL".into()]);
        select.extend(partial.extend_select.clone().unwrap_or_default());
        let per_file_ignores = partial
            .per_file_ignores
            .clone()
            .unwrap_or_default()
            .into_iter()
            .map(|(glob, codes)| (glob_set(&[glob], &mut errors), codes))
            .collect();
        let settings = Settings {
            root: root.to_path_buf(),
            select,
            ignore: partial.ignore.clone().unwrap_or_default(),
            per_file_ignores,
            severity: partial.severity.clone().unwrap_or_default(),
            exclude: glob_set(&partial.exclude.clone().unwrap_or_default(), &mut errors),
            options: RuleOptions {
                timeout_seconds: partial.timeout_seconds.unwrap_or(defaults.timeout_seconds),
                llm_timeout_seconds: partial
                    .llm_timeout_seconds
                    .unwrap_or(defaults.llm_timeout_seconds),
                logger_name: partial.logger_name.clone().unwrap_or(defaults.logger_name),
                cors_origins_env: partial
                    .cors_origins_env
                    .clone()
                    .unwrap_or(defaults.cors_origins_env),
            },
            user_rules,
            report: partial.report.clone().unwrap_or_default(),
        };
        (settings, errors)
    }

    fn relative<'p>(&self, path: &'p Path) -> &'p Path {
        path.strip_prefix(&self.root).unwrap_or(path)
    }

    /// Whether `exclude` covers the file.
    pub fn is_excluded(&self, path: &Path) -> bool {
        self.exclude.is_match(self.relative(path))
    }

    /// The settings one file is analysed with.
    pub fn for_file(&self, path: Option<&Path>) -> FileSettings {
        let mut ignore: Vec<&str> = self.ignore.iter().map(String::as_str).collect();
        if let Some(path) = path {
            let rel = self.relative(path);
            for (globs, codes) in &self.per_file_ignores {
                if globs.is_match(rel) {
                    ignore.extend(codes.iter().map(String::as_str));
                }
            }
        }
        let mut file = FileSettings {
            options: self.options.clone(),
            user_rules: self.user_rules.clone(),
            ..FileSettings::default()
        };
        // Rules over other files (requirements) are selected and overridden the same way.
        let metas = registry()
            .rules()
            .iter()
            .chain(self.user_rules.0.iter())
            .map(|r| r.meta)
            .chain(crate::requirements::RULES.iter().copied());
        for m in metas {
            let chosen = self
                .select
                .iter()
                .any(|s| selects(s, m.code, m.name, m.category));
            let dropped = ignore
                .iter()
                .any(|s| selects(s, m.code, m.name, m.category));
            if !chosen || dropped {
                file.disabled.insert(m.code);
            }
            if let Some((_, severity)) = self
                .severity
                .iter()
                .rev()
                .find(|(s, _)| selects(s, m.code, m.name, m.category))
            {
                file.severity.insert(m.code, *severity);
            }
        }
        file
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn partial(select: &[&str], ignore: &[&str]) -> Partial {
        Partial {
            select: (!select.is_empty()).then(|| select.iter().map(|s| s.to_string()).collect()),
            ignore: Some(ignore.iter().map(|s| s.to_string()).collect()),
            ..Partial::default()
        }
    }

    #[test]
    fn selectors_match_codes_prefixes_names_and_categories() {
        assert!(selects("PF201", "PF201", "missing-timeout", "network"));
        assert!(selects("PF2", "PF201", "missing-timeout", "network"));
        assert!(selects("pf2", "PF201", "missing-timeout", "network"));
        assert!(selects(
            "missing-timeout",
            "PF201",
            "missing-timeout",
            "network"
        ));
        assert!(selects("network", "PF201", "missing-timeout", "network"));
        assert!(!selects("PF1", "PF201", "missing-timeout", "network"));
        assert!(
            is_known_selector("error-handling")
                && !is_known_selector("PF9")
                && !is_known_selector("nope")
        );
    }

    #[test]
    fn select_ignore_and_per_file_ignores_combine() {
        let root = Path::new("/project");
        let (s, errors) = Settings::resolve(root, &partial(&["PF1", "PF201"], &["PF102"]));
        assert!(errors.is_empty());
        let f = s.for_file(Some(Path::new("/project/app.py")));
        assert!(f.enabled("PF101") && f.enabled("PF201"));
        assert!(!f.enabled("PF102") && !f.enabled("PF301"));

        let mut p = partial(&[], &[]);
        p.per_file_ignores = Some(vec![("tests/**".into(), vec!["PF201".into()])]);
        p.severity = Some(vec![("PF201".into(), Severity::Error)]);
        p.exclude = Some(vec!["build/".into()]);
        let (s, _) = Settings::resolve(root, &p);
        assert!(!s
            .for_file(Some(Path::new("/project/tests/test_api.py")))
            .enabled("PF201"));
        let app = s.for_file(Some(Path::new("/project/app.py")));
        assert!(app.enabled("PF201"));
        assert_eq!(app.severity.get("PF201"), Some(&Severity::Error));
        assert!(s.is_excluded(Path::new("/project/build/gen.py")));
        assert!(!s.is_excluded(Path::new("/project/app.py")));
    }

    #[test]
    fn overlay_takes_each_key_from_the_higher_layer() {
        let editor = Partial {
            timeout_seconds: Some(5),
            logger_name: Some("log".into()),
            ..Partial::default()
        };
        let file = Partial {
            timeout_seconds: Some(30),
            ..Partial::default()
        };
        let merged = editor.overlay(&file);
        assert_eq!(merged.timeout_seconds, Some(30));
        assert_eq!(merged.logger_name.as_deref(), Some("log"));
    }
}
