//! `preflight check --output-format sarif`: SARIF 2.1.0, the format GitHub code scanning and other
//! review tools import.
//!
//! One run, the tool's driver listing every built-in rule (and each user rule that produced a
//! finding) with its documentation, one result per finding pointing at its rule by index, and the
//! finding's fix as a SARIF `fix`. Regions are 1-based with an exclusive end column, counted in
//! Unicode code points (`columnKind`), like the JSON output. CI validates the output against the
//! published schema (`editors/ci.sh`).

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

use serde::Serialize;

use super::output::{position, FileReport};
use crate::analysis::{Finding, Safety, Severity};
use crate::rules::{Registry, RuleMeta};
use crate::text::position::LineIndex;

/// The schema the output follows (the OASIS standard's own copy).
const SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

#[derive(Serialize)]
struct Log {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run {
    tool: Tool,
    invocations: Vec<Invocation>,
    column_kind: &'static str,
    results: Vec<SarifResult>,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    semantic_version: &'static str,
    rules: Vec<Rule>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    id: &'static str,
    name: &'static str,
    short_description: Text,
    full_description: Text,
    help: Help,
    default_configuration: Configuration,
    properties: RuleProperties,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties {
    tags: Vec<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tool_execution_notifications: Vec<Notification>,
}

#[derive(Serialize)]
struct Notification {
    level: &'static str,
    message: Text,
    locations: Vec<Location>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: &'static str,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: Vec<Location>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    fixes: Vec<SarifFix>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    physical_location: PhysicalLocation,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Region>,
}

#[derive(Serialize)]
struct ArtifactLocation {
    uri: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
    start_column: u32,
    end_line: u32,
    end_column: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    snippet: Option<Text>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifFix {
    description: Text,
    artifact_changes: Vec<ArtifactChange>,
    properties: FixProperties,
}

#[derive(Serialize)]
struct FixProperties {
    safe: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactChange {
    artifact_location: ArtifactLocation,
    replacements: Vec<Replacement>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Replacement {
    deleted_region: Region,
    inserted_content: Text,
}

/// SARIF's three result levels; information and hints are `note`.
fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info | Severity::Hint => "note",
    }
}

/// Characters a URI path keeps as they are (RFC 3986 unreserved, sub-delims, `:`, `@`, `/`).
fn keeps(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/".contains(&b)
}

fn percent_encode(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if keeps(b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The artifact URI of a checked file: relative paths stay relative (code scanning resolves them
/// against the repository root, so run `check` from there), with `/` separators and no `./`;
/// absolute paths become `file://` URIs.
pub fn artifact_uri(path: &Path) -> String {
    let parts: Vec<String> = path
        .components()
        .filter_map(|c| match c {
            Component::CurDir => None,
            Component::RootDir | Component::Prefix(_) => Some(String::new()),
            other => Some(other.as_os_str().to_string_lossy().into_owned()),
        })
        .collect();
    let joined = parts.join("/");
    if path.is_absolute() {
        // On Windows a prefix (`C:`) makes the first part; `file:///C:/...` is the usual form.
        let joined = if joined.starts_with('/') {
            joined
        } else {
            format!("/{joined}")
        };
        format!("file://{}", percent_encode(&joined))
    } else {
        percent_encode(&joined)
    }
}

fn region(index: &LineIndex, source: &str, range: &std::ops::Range<usize>) -> Region {
    let start = position(index, source, range.start);
    let end = position(index, source, range.end);
    Region {
        start_line: start.line,
        start_column: start.column,
        end_line: end.line,
        end_column: end.column,
        snippet: None,
    }
}

fn rule(meta: &'static RuleMeta) -> Rule {
    // The summary's first sentence is the short description; the whole documentation is the help
    // code scanning shows beside each alert.
    let short = meta.summary.split(": ").next().unwrap_or(meta.summary);
    Rule {
        id: meta.code,
        name: meta.name,
        short_description: Text {
            text: short.to_string(),
        },
        full_description: Text {
            text: meta.summary.to_string(),
        },
        help: Help {
            text: meta.doc.to_string(),
            markdown: meta.doc.to_string(),
        },
        default_configuration: Configuration {
            level: level(meta.severity),
        },
        properties: RuleProperties {
            tags: vec![meta.category],
        },
    }
}

fn result(
    report: &FileReport,
    index: &LineIndex,
    finding: &Finding,
    rule_index: usize,
) -> SarifResult {
    let src = report.source.as_str();
    let uri = artifact_uri(&report.path);
    let mut at = region(index, src, &finding.range);
    at.snippet = src
        .get(finding.range.clone())
        .filter(|s| !s.is_empty())
        .map(|s| Text {
            text: s.to_string(),
        });
    let fixes = finding
        .fix
        .iter()
        .map(|fix| SarifFix {
            description: Text {
                text: fix.title.clone(),
            },
            artifact_changes: vec![ArtifactChange {
                artifact_location: ArtifactLocation { uri: uri.clone() },
                replacements: fix
                    .edits
                    .iter()
                    .map(|e| Replacement {
                        deleted_region: region(index, src, &e.range),
                        inserted_content: Text {
                            text: e.new_text.clone(),
                        },
                    })
                    .collect(),
            }],
            properties: FixProperties {
                safe: fix.safety == Safety::Safe,
            },
        })
        .collect();
    SarifResult {
        rule_id: finding.rule.code,
        rule_index,
        level: level(finding.severity),
        message: Text {
            text: finding.message.clone(),
        },
        locations: vec![Location {
            physical_location: PhysicalLocation {
                artifact_location: ArtifactLocation { uri },
                region: Some(at),
            },
        }],
        fixes,
    }
}

/// The SARIF log of one `check` run, as pretty-printed JSON.
pub fn render(reports: &[FileReport], errors: &[(PathBuf, String)], registry: &Registry) -> String {
    // Every rule `preflight rules` lists, the requirements rule (PF601) included.
    let mut rules: Vec<&'static RuleMeta> = registry
        .rules()
        .iter()
        .map(|r| r.meta)
        .chain(crate::requirements::RULES.iter().copied())
        .collect();
    let mut by_code: HashMap<&'static str, usize> =
        rules.iter().enumerate().map(|(i, m)| (m.code, i)).collect();
    let mut results = Vec::new();
    // Files without findings are most of a project: no line index for them.
    for report in reports.iter().filter(|r| !r.findings.is_empty()) {
        let index = LineIndex::new(&report.source);
        for finding in &report.findings {
            // User rules (`.preflight/queries`) are not in the built-in registry: add those that
            // produced a finding, so every result's `ruleIndex` points at its metadata.
            let rule_index = *by_code.entry(finding.rule.code).or_insert_with(|| {
                rules.push(finding.rule);
                rules.len() - 1
            });
            results.push(result(report, &index, finding, rule_index));
        }
    }
    let notifications = errors
        .iter()
        .map(|(path, message)| Notification {
            level: "error",
            message: Text {
                text: message.clone(),
            },
            locations: vec![Location {
                physical_location: PhysicalLocation {
                    artifact_location: ArtifactLocation {
                        uri: artifact_uri(path),
                    },
                    region: None,
                },
            }],
        })
        .collect::<Vec<_>>();
    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: "Preflight",
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    rules: rules.into_iter().map(rule).collect(),
                },
            },
            invocations: vec![Invocation {
                execution_successful: notifications.is_empty(),
                tool_execution_notifications: notifications,
            }],
            column_kind: "unicodeCodePoints",
            results,
        }],
    };
    serde_json::to_string_pretty(&log).unwrap_or_else(|e| {
        tracing::error!("could not serialise the SARIF log: {e}");
        String::from("{}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn artifact_uris_are_relative_with_slashes_or_file_uris() {
        assert_eq!(artifact_uri(Path::new("./app/main.py")), "app/main.py");
        assert_eq!(
            artifact_uri(Path::new("my app/ünï.py")),
            "my%20app/%C3%BCn%C3%AF.py"
        );
        assert_eq!(artifact_uri(Path::new("a#b?.py")), "a%23b%3F.py");
        #[cfg(unix)]
        assert_eq!(
            artifact_uri(Path::new("/srv/x y/app.py")),
            "file:///srv/x%20y/app.py"
        );
    }

    #[test]
    fn levels_follow_severity() {
        assert_eq!(level(Severity::Error), "error");
        assert_eq!(level(Severity::Warning), "warning");
        assert_eq!(level(Severity::Info), "note");
        assert_eq!(level(Severity::Hint), "note");
    }
}
