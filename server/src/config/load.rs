//! Reading configuration: TOML files (with line and column for every problem), editor settings
//! as JSON, and finding the file that governs a path.

use std::path::{Path, PathBuf};

use toml::de::{DeTable, DeValue};
use toml::Spanned;

use super::{is_known_selector, ConfigError, Partial, ReportConfig};
use crate::analysis::Severity;

/// The keys a configuration may hold, as written in TOML.
pub const KEYS: &[&str] = &[
    "select",
    "extend-select",
    "ignore",
    "per-file-ignores",
    "severity",
    "exclude",
    "timeout-seconds",
    "llm-timeout-seconds",
    "logger-name",
    "cors-origins-env",
    "queries-dir",
    "report",
];

/// A configuration file that was read.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub path: PathBuf,
    pub partial: Partial,
    pub errors: Vec<ConfigError>,
}

/// One-based line and column of a byte offset.
fn line_col(text: &str, byte: usize) -> (usize, usize) {
    let before = &text[..byte.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// A byte range in the configuration file, when the value came from one.
type Span = Option<std::ops::Range<usize>>;

/// A table's entries: key, the key's span, value.
type Entries<'v> = Vec<(String, Span, Value<'v>)>;

/// A value being read, from TOML (with a span) or JSON (without).
enum Value<'a> {
    Toml(&'a Spanned<DeValue<'a>>),
    Json(&'a serde_json::Value),
}

struct Reader<'a> {
    source: String,
    text: Option<&'a str>,
    errors: Vec<ConfigError>,
}

impl<'a> Reader<'a> {
    fn error(&mut self, span: Option<std::ops::Range<usize>>, message: String) {
        let position = match (&span, self.text) {
            (Some(s), Some(text)) => Some(line_col(text, s.start)),
            _ => None,
        };
        self.errors.push(ConfigError {
            source: self.source.clone(),
            position,
            span,
            message,
        });
    }

    fn span(v: &Value) -> Option<std::ops::Range<usize>> {
        match v {
            Value::Toml(s) => Some(s.span()),
            Value::Json(_) => None,
        }
    }

    fn string(&mut self, key: &str, v: &Value) -> Option<String> {
        let s = match v {
            Value::Toml(t) => t.get_ref().as_str().map(str::to_string),
            Value::Json(j) => j.as_str().map(str::to_string),
        };
        if s.is_none() {
            self.error(Self::span(v), format!("`{key}` must be a string"));
        }
        s
    }

    fn seconds(&mut self, key: &str, v: &Value) -> Option<u32> {
        self.whole_number(key, v, 1..=3600, "seconds")
    }

    /// A whole number in `range`, or an error naming the key, the unit and the range.
    fn whole_number(
        &mut self,
        key: &str,
        v: &Value,
        range: std::ops::RangeInclusive<i64>,
        unit: &str,
    ) -> Option<u32> {
        let n = match v {
            Value::Toml(t) => t
                .get_ref()
                .as_integer()
                .and_then(|i| i64::from_str_radix(&i.as_str().replace('_', ""), i.radix()).ok()),
            Value::Json(j) => j.as_i64(),
        };
        match n {
            Some(n) if range.contains(&n) => u32::try_from(n).ok(),
            _ => {
                self.error(
                    Self::span(v),
                    format!(
                        "`{key}` must be a whole number of {unit} from {} to {}",
                        range.start(),
                        range.end()
                    ),
                );
                None
            }
        }
    }

    fn strings(
        &mut self,
        key: &str,
        v: &Value,
    ) -> Option<Vec<(String, Option<std::ops::Range<usize>>)>> {
        let items: Option<Vec<(Option<String>, Span)>> = match v {
            Value::Toml(t) => match t.get_ref() {
                DeValue::Array(a) => Some(
                    a.iter()
                        .map(|i| (i.get_ref().as_str().map(str::to_string), Some(i.span())))
                        .collect(),
                ),
                _ => None,
            },
            Value::Json(j) => j.as_array().map(|a| {
                a.iter()
                    .map(|i| (i.as_str().map(str::to_string), None))
                    .collect()
            }),
        };
        match items {
            Some(items) if items.iter().all(|(s, _)| s.is_some()) => Some(
                items
                    .into_iter()
                    .map(|(s, span)| (s.unwrap_or_default(), span))
                    .collect(),
            ),
            _ => {
                self.error(
                    Self::span(v),
                    format!("`{key}` must be an array of strings"),
                );
                None
            }
        }
    }

    fn selectors(&mut self, key: &str, v: &Value) -> Option<Vec<String>> {
        let items = self.strings(key, v)?;
        let mut out = Vec::new();
        for (s, span) in items {
            if is_known_selector(&s) {
                out.push(s);
            } else {
                let span = span.or_else(|| Self::span(v));
                self.error(
                    span,
                    format!(
                        "`{s}` in `{key}` is not a rule code, code prefix, rule name or category"
                    ),
                );
            }
        }
        Some(out)
    }

    /// The entries of a table value, as (key, key span, value).
    fn entries<'v>(&mut self, key: &str, v: &Value<'v>) -> Option<Entries<'v>> {
        match v {
            Value::Toml(t) => match (*t).get_ref() {
                DeValue::Table(table) => Some(
                    table
                        .iter()
                        .map(|(k, val)| (k.get_ref().to_string(), Some(k.span()), Value::Toml(val)))
                        .collect(),
                ),
                _ => {
                    self.error(Self::span(v), format!("`{key}` must be a table"));
                    None
                }
            },
            Value::Json(j) => match j.as_object() {
                Some(o) => Some(
                    o.iter()
                        .map(|(k, val)| (k.clone(), None, Value::Json(val)))
                        .collect(),
                ),
                None => {
                    self.error(None, format!("`{key}` must be an object"));
                    None
                }
            },
        }
    }

    /// A whole number of minutes (0 to 6000: a finding that takes longer is a project of its own).
    fn minutes(&mut self, key: &str, v: &Value) -> Option<u32> {
        self.whole_number(key, v, 0..=6000, "minutes")
    }

    /// The `[report]` table: `effort` (selector → minutes) and `auto-fix-minutes`.
    fn report(&mut self, key: &str, v: &Value) -> Option<ReportConfig> {
        let entries = self.entries(key, v)?;
        let mut report = ReportConfig::default();
        for (raw, span, value) in entries {
            match camel_to_kebab(&raw).as_str() {
                "effort" => {
                    let Some(rules) = self.entries("report.effort", &value) else {
                        continue;
                    };
                    for (selector, span, minutes) in rules {
                        if !is_known_selector(&selector) {
                            self.error(
                                span,
                                format!("`{selector}` in `report.effort` is not a rule code, code prefix, rule name or category"),
                            );
                            continue;
                        }
                        if let Some(m) = self.minutes(&format!("report.effort.{selector}"), &minutes)
                        {
                            report.effort.push((selector, m));
                        }
                    }
                }
                "auto-fix-minutes" => {
                    report.auto_fix_minutes = self.minutes("report.auto-fix-minutes", &value)
                }
                _ => self.error(
                    span,
                    format!("unknown key `{raw}` in `report`; expected one of: effort, auto-fix-minutes"),
                ),
            }
        }
        Some(report)
    }

    /// Reads the configuration keys of one table into a `Partial`.
    fn read(
        &mut self,
        entries: Vec<(String, Option<std::ops::Range<usize>>, Value<'_>)>,
    ) -> Partial {
        let mut p = Partial::default();
        for (raw_key, key_span, value) in entries {
            // Editors write camelCase (`extendSelect`); files write kebab-case.
            let key = camel_to_kebab(&raw_key);
            match key.as_str() {
                "select" => p.select = self.selectors(&key, &value),
                "extend-select" => p.extend_select = self.selectors(&key, &value),
                "ignore" => p.ignore = self.selectors(&key, &value),
                "exclude" => {
                    p.exclude = self
                        .strings(&key, &value)
                        .map(|v| v.into_iter().map(|(s, _)| s).collect())
                }
                "timeout-seconds" => p.timeout_seconds = self.seconds(&key, &value),
                "llm-timeout-seconds" => p.llm_timeout_seconds = self.seconds(&key, &value),
                "logger-name" => {
                    p.logger_name = self.string(&key, &value).filter(|n| is_identifier(n));
                    if p.logger_name.is_none() && value_is_string(&value) {
                        self.error(
                            Self::span(&value),
                            "`logger-name` must be a Python identifier".into(),
                        );
                    }
                }
                "cors-origins-env" => p.cors_origins_env = self.string(&key, &value),
                "queries-dir" => p.queries_dir = self.string(&key, &value),
                "report" => p.report = self.report(&key, &value),
                "per-file-ignores" => {
                    let Some(entries) = self.entries(&key, &value) else {
                        continue;
                    };
                    let mut out = Vec::new();
                    for (glob, _, codes) in entries {
                        if let Some(codes) =
                            self.selectors(&format!("per-file-ignores.\"{glob}\""), &codes)
                        {
                            out.push((glob, codes));
                        }
                    }
                    p.per_file_ignores = Some(out);
                }
                "severity" => {
                    let Some(entries) = self.entries(&key, &value) else {
                        continue;
                    };
                    let mut out = Vec::new();
                    for (selector, span, level) in entries {
                        if !is_known_selector(&selector) {
                            self.error(span, format!("`{selector}` in `severity` is not a rule code, code prefix, rule name or category"));
                            continue;
                        }
                        let name = self.string(&format!("severity.{selector}"), &level);
                        match name.as_deref().and_then(Severity::parse) {
                            Some(s) => out.push((selector, s)),
                            None if name.is_some() => self.error(
                                Self::span(&level),
                                format!("severity of `{selector}` must be \"error\", \"warning\", \"info\" or \"hint\""),
                            ),
                            None => {}
                        }
                    }
                    p.severity = Some(out);
                }
                // Editor-only keys of the server live beside these and are read elsewhere.
                _ if EDITOR_ONLY.contains(&raw_key.as_str()) => {}
                _ => self.error(
                    key_span,
                    format!(
                        "unknown key `{raw_key}`; expected one of: {}",
                        KEYS.join(", ")
                    ),
                ),
            }
        }
        p
    }
}

/// `initializationOptions` keys that are the server's own, not configuration.
const EDITOR_ONLY: &[&str] = &[
    "debounceMs",
    "maxFileSize",
    "parseBudgetMs",
    "analysisBudgetMs",
    "run",
    "path",
    "trace",
];

fn value_is_string(v: &Value) -> bool {
    match v {
        Value::Toml(t) => t.get_ref().as_str().is_some(),
        Value::Json(j) => j.is_string(),
    }
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c == '_' || c.is_alphabetic())
        && chars.all(|c| c == '_' || c.is_alphanumeric())
}

fn camel_to_kebab(key: &str) -> String {
    let mut out = String::new();
    for c in key.chars() {
        if c.is_ascii_uppercase() {
            out.push('-');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// Reads a configuration file's text. `None` for a `pyproject.toml` without `[tool.preflight]`.
pub fn parse_file(path: &Path, text: &str) -> Option<Loaded> {
    let source = path.display().to_string();
    let is_pyproject = path.file_name().is_some_and(|n| n == "pyproject.toml");
    let mut reader = Reader {
        source: source.clone(),
        text: Some(text),
        errors: Vec::new(),
    };
    let doc = match DeTable::parse(text) {
        Ok(doc) => doc,
        Err(e) => {
            if is_pyproject && !text.contains("tool.preflight") {
                return None;
            }
            reader.error(e.span(), format!("invalid TOML: {}", e.message()));
            return Some(Loaded {
                path: path.to_path_buf(),
                partial: Partial::default(),
                errors: reader.errors,
            });
        }
    };
    let table = doc.get_ref();
    let entries: Vec<(String, Option<std::ops::Range<usize>>, Value)> = if is_pyproject {
        let tool = table.iter().find(|(k, _)| k.get_ref() == "tool")?.1;
        let DeValue::Table(tool) = tool.get_ref() else {
            return None;
        };
        let section = tool.iter().find(|(k, _)| k.get_ref() == "preflight")?.1;
        match section.get_ref() {
            DeValue::Table(t) => t
                .iter()
                .map(|(k, v)| (k.get_ref().to_string(), Some(k.span()), Value::Toml(v)))
                .collect(),
            _ => {
                reader.error(
                    Some(section.span()),
                    "`tool.preflight` must be a table".into(),
                );
                Vec::new()
            }
        }
    } else {
        table
            .iter()
            .map(|(k, v)| (k.get_ref().to_string(), Some(k.span()), Value::Toml(v)))
            .collect()
    };
    let partial = reader.read(entries);
    // Tables come back in key order; report in file order.
    let mut errors = reader.errors;
    errors.sort_by_key(|e| e.position);
    Some(Loaded {
        path: path.to_path_buf(),
        partial,
        errors,
    })
}

/// Reads a configuration file from disk.
pub fn load_file(path: &Path) -> Result<Option<Loaded>, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
        source: path.display().to_string(),
        position: None,
        span: None,
        message: format!("cannot read: {e}"),
    })?;
    Ok(parse_file(path, &text))
}

/// Reads editor settings (`initializationOptions` or `workspace/didChangeConfiguration`).
pub fn from_json(value: &serde_json::Value, source: &str) -> (Partial, Vec<ConfigError>) {
    let mut reader = Reader {
        source: source.to_string(),
        text: None,
        errors: Vec::new(),
    };
    let Some(object) = value.as_object() else {
        reader.error(None, "settings must be an object".into());
        return (Partial::default(), reader.errors);
    };
    let entries = object
        .iter()
        .map(|(k, v)| (k.clone(), None, Value::Json(v)))
        .collect();
    let partial = reader.read(entries);
    (partial, reader.errors)
}

/// The configuration file that governs files in `dir`: the nearest `preflight.toml`, or
/// `pyproject.toml` with a `[tool.preflight]` table, in `dir` or a parent — never above `stop_at`.
pub fn find_config(dir: &Path, stop_at: Option<&Path>) -> Option<PathBuf> {
    nearest_ancestor(dir, stop_at, |d| {
        let candidate = d.join("preflight.toml");
        if candidate.is_file() {
            return Some(candidate);
        }
        let pyproject = d.join("pyproject.toml");
        let has_table = pyproject.is_file()
            && std::fs::read_to_string(&pyproject).is_ok_and(|t| t.contains("tool.preflight"));
        has_table.then_some(pyproject)
    })
}

/// The first answer of `found` for `dir` and then each parent, never going above `stop_at`.
pub fn nearest_ancestor<T>(
    dir: &Path,
    stop_at: Option<&Path>,
    mut found: impl FnMut(&Path) -> Option<T>,
) -> Option<T> {
    let mut current = Some(dir);
    while let Some(d) = current {
        if let Some(hit) = found(d) {
            return Some(hit);
        }
        if stop_at.is_some_and(|s| d == s) {
            return None;
        }
        current = d.parent();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_key_from_pyproject() {
        let text = r#"
[project]
name = "svc"

[tool.preflight]
select = ["PF1", "network"]
extend-select = ["PF401"]
ignore = ["PF102"]
exclude = ["migrations/"]
timeout-seconds = 5
llm-timeout-seconds = 120
logger-name = "log"
cors-origins-env = "ALLOWED_ORIGINS"

[tool.preflight.per-file-ignores]
"tests/**" = ["PF201"]

[tool.preflight.severity]
PF201 = "error"
"#;
        let loaded = parse_file(Path::new("/p/pyproject.toml"), text).unwrap();
        assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
        let p = loaded.partial;
        assert_eq!(
            p.select,
            Some(vec!["PF1".to_string(), "network".to_string()])
        );
        assert_eq!(p.timeout_seconds, Some(5));
        assert_eq!(p.llm_timeout_seconds, Some(120));
        assert_eq!(p.logger_name.as_deref(), Some("log"));
        assert_eq!(
            p.per_file_ignores,
            Some(vec![("tests/**".into(), vec!["PF201".into()])])
        );
        assert_eq!(p.severity, Some(vec![("PF201".into(), Severity::Error)]));
    }

    #[test]
    fn reads_the_report_table_and_locates_its_errors() {
        let text = "[report]\nauto-fix-minutes = 1\nbogus = 2\n\n[report.effort]\nPF201 = 20\nnetwork = 7\nPF999 = 3\nPF101 = -1\nPF601 = 4\n";
        let loaded = parse_file(Path::new("/p/preflight.toml"), text).unwrap();
        let report = loaded.partial.report.unwrap();
        assert_eq!(report.auto_fix_minutes, Some(1));
        // Tables come back in key order; the report resolves by specificity, not order.
        let mut effort = report.effort;
        effort.sort();
        assert_eq!(
            effort,
            [
                ("PF201".to_string(), 20),
                ("PF601".to_string(), 4),
                ("network".to_string(), 7)
            ]
        );
        let messages: Vec<String> = loaded.errors.iter().map(|e| e.to_string()).collect();
        assert_eq!(messages.len(), 3, "{messages:#?}");
        assert!(
            messages[0].contains(":3:1: unknown key `bogus` in `report`"),
            "{}",
            messages[0]
        );
        assert!(
            messages[1].contains(":8:1: `PF999` in `report.effort`"),
            "{}",
            messages[1]
        );
        assert!(
            messages[2].contains(":9:9: `report.effort.PF101` must be a whole number of minutes"),
            "{}",
            messages[2]
        );
    }

    #[test]
    fn a_pyproject_without_the_table_is_not_a_configuration() {
        assert!(parse_file(Path::new("/p/pyproject.toml"), "[project]\nname = \"x\"\n").is_none());
    }

    #[test]
    fn errors_say_file_line_column_and_what_was_expected_and_the_rest_applies() {
        let text = "select = [\"PF1\", \"PF999\"]\ntimeout = 5\ntimeout-seconds = \"ten\"\nignore = \"PF101\"\n\n[severity]\nPF201 = \"loud\"\n";
        let loaded = parse_file(Path::new("/p/preflight.toml"), text).unwrap();
        let messages: Vec<String> = loaded.errors.iter().map(|e| e.to_string()).collect();
        assert_eq!(messages.len(), 5, "{messages:#?}");
        assert!(
            messages[0]
                .starts_with("/p/preflight.toml:1:18: `PF999` in `select` is not a rule code"),
            "{}",
            messages[0]
        );
        assert!(
            messages[1].starts_with(
                "/p/preflight.toml:2:1: unknown key `timeout`; expected one of: select"
            ),
            "{}",
            messages[1]
        );
        assert!(
            messages[2].contains(":3:19: `timeout-seconds` must be a whole number"),
            "{}",
            messages[2]
        );
        assert!(
            messages[3].contains(":4:10: `ignore` must be an array of strings"),
            "{}",
            messages[3]
        );
        assert!(
            messages[4].contains(":7:9: severity of `PF201` must be"),
            "{}",
            messages[4]
        );
        // The valid part still applies.
        assert_eq!(loaded.partial.select, Some(vec!["PF1".to_string()]));
    }

    #[test]
    fn invalid_toml_is_reported_with_its_position() {
        let loaded = parse_file(Path::new("/p/preflight.toml"), "select = [\n").unwrap();
        assert_eq!(loaded.errors.len(), 1);
        assert!(
            loaded.errors[0].to_string().contains("invalid TOML"),
            "{}",
            loaded.errors[0]
        );
        assert!(loaded.errors[0].position.is_some());
    }

    #[test]
    fn editor_settings_accept_camel_case_and_report_without_positions() {
        let (p, errors) = from_json(
            &serde_json::json!({"extendSelect": ["PF401"], "timeoutSeconds": 7, "debounceMs": 0, "bogus": 1}),
            "editor settings",
        );
        assert_eq!(p.extend_select, Some(vec!["PF401".to_string()]));
        assert_eq!(p.timeout_seconds, Some(7));
        assert_eq!(errors.len(), 1);
        assert!(
            errors[0]
                .to_string()
                .starts_with("editor settings: unknown key `bogus`"),
            "{}",
            errors[0]
        );
    }
}
