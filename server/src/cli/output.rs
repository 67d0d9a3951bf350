//! What the CLI prints: findings as text with source excerpts, as JSON, SARIF (`sarif.rs`) or
//! GitHub workflow commands (`github.rs`); the rule list; rule docs.
//!
//! The JSON shape is a documented contract (README, "JSON output"): lines and columns are 1-based
//! and columns count Unicode characters.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::time::Duration;

use serde::Serialize;

use super::{ListFormat, OutputFormat};
use crate::analysis::{Finding, Safety, Severity};
use crate::rules::{Registry, RuleMeta};
use crate::text::position::{LineIndex, PositionEncoding};

/// The findings of one file, with the text they point into.
pub struct FileReport {
    pub path: PathBuf,
    pub source: String,
    pub findings: Vec<Finding>,
    /// Fixes applied by `--fix`.
    pub fixed: usize,
}

/// Colour only for a terminal, and never when `NO_COLOR` is set.
pub fn stdout_wants_color() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

/// A 1-based line and column (Unicode characters), as every machine-readable format writes them.
#[derive(Serialize)]
pub(super) struct JsonPosition {
    pub line: u32,
    pub column: u32,
}

#[derive(Serialize)]
struct JsonEdit {
    start: JsonPosition,
    end: JsonPosition,
    content: String,
}

#[derive(Serialize)]
struct JsonFix {
    title: String,
    safe: bool,
    edits: Vec<JsonEdit>,
}

#[derive(Serialize)]
struct JsonFinding {
    path: String,
    code: &'static str,
    name: &'static str,
    severity: Severity,
    message: String,
    start: JsonPosition,
    end: JsonPosition,
    fix: Option<JsonFix>,
}

/// The 1-based line and column of a byte offset.
pub(super) fn position(index: &LineIndex, source: &str, byte: usize) -> JsonPosition {
    let lc = index.line_col(source, byte, PositionEncoding::Utf32);
    JsonPosition {
        line: lc.line + 1,
        column: lc.col + 1,
    }
}

fn json_findings(reports: &[FileReport]) -> Vec<JsonFinding> {
    let mut out = Vec::new();
    // Files without findings are most of a project: no line index for them.
    for report in reports.iter().filter(|r| !r.findings.is_empty()) {
        let index = LineIndex::new(&report.source);
        let src = report.source.as_str();
        for f in &report.findings {
            out.push(JsonFinding {
                path: report.path.display().to_string(),
                code: f.rule.code,
                name: f.rule.name,
                severity: f.severity,
                message: f.message.clone(),
                start: position(&index, src, f.range.start),
                end: position(&index, src, f.range.end),
                fix: f.fix.as_ref().map(|fix| JsonFix {
                    title: fix.title.clone(),
                    safe: fix.safety == Safety::Safe,
                    edits: fix
                        .edits
                        .iter()
                        .map(|e| JsonEdit {
                            start: position(&index, src, e.range.start),
                            end: position(&index, src, e.range.end),
                            content: e.new_text.clone(),
                        })
                        .collect(),
                }),
            });
        }
    }
    out
}

struct Paint {
    on: bool,
}

impl Paint {
    fn wrap(&self, code: &str, text: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
}

/// Renders one finding as text: `path:line:col: CODE message` and an excerpt with carets.
fn render_text(report: &FileReport, index: &LineIndex, f: &Finding, paint: &Paint) -> String {
    let src = report.source.as_str();
    let start = index.line_col(src, f.range.start, PositionEncoding::Utf32);
    let end = index.line_col(src, f.range.end, PositionEncoding::Utf32);
    let colour = match f.severity {
        Severity::Error => "1;31",
        Severity::Warning => "1;33",
        Severity::Info | Severity::Hint => "1;34",
    };
    let fixable = match &f.fix {
        Some(fix) if fix.safety == Safety::Safe => " [*]",
        _ => "",
    };
    let mut out = format!(
        "{}:{}:{}: {}{} {}\n",
        paint.wrap("1", &report.path.display().to_string()),
        start.line + 1,
        start.col + 1,
        paint.wrap(colour, f.rule.code),
        fixable,
        f.message
    );
    let line_range = index.line_range(src, start.line as usize);
    let line_text = &src[line_range];
    let number = (start.line + 1).to_string();
    let gutter = " ".repeat(number.len());
    let expanded: String = line_text
        .chars()
        .map(|c| if c == '\t' { ' ' } else { c })
        .collect();
    let width = if end.line == start.line {
        (end.col.saturating_sub(start.col)).max(1) as usize
    } else {
        expanded
            .chars()
            .count()
            .saturating_sub(start.col as usize)
            .max(1)
    };
    out.push_str(&format!("{gutter} |\n{number} | {expanded}\n{gutter} | "));
    out.push_str(&" ".repeat(start.col as usize));
    out.push_str(&paint.wrap(colour, &"^".repeat(width)));
    out.push('\n');
    out
}

/// Prints the result of `preflight check`.
pub fn print_check(
    reports: &[FileReport],
    errors: &[(PathBuf, String)],
    format: OutputFormat,
    color: bool,
    elapsed: Duration,
) {
    for (path, error) in errors {
        eprintln!("preflight: {}: {error}", path.display());
    }
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match format {
        OutputFormat::Json => {
            let json = serde_json::to_string_pretty(&json_findings(reports))
                .unwrap_or_else(|_| "[]".into());
            let _ = writeln!(out, "{json}");
        }
        OutputFormat::Sarif => {
            let log = super::sarif::render(reports, errors, crate::rules::registry());
            let _ = writeln!(out, "{log}");
        }
        OutputFormat::Github => {
            let _ = write!(out, "{}", super::github::render(reports));
        }
        OutputFormat::Text => {
            let paint = Paint { on: color };
            let mut found = 0;
            let mut fixable = 0;
            let mut files_with = 0;
            for report in reports {
                if report.findings.is_empty() {
                    continue;
                }
                files_with += 1;
                let index = LineIndex::new(&report.source);
                for f in &report.findings {
                    found += 1;
                    if f.fix.as_ref().is_some_and(|fix| fix.safety == Safety::Safe) {
                        fixable += 1;
                    }
                    let _ = writeln!(out, "{}", render_text(report, &index, f, &paint));
                }
            }
            let fixed: usize = reports.iter().map(|r| r.fixed).sum();
            if fixed > 0 {
                let _ = writeln!(out, "Fixed {fixed} problem{}.", plural(fixed));
            }
            let checked = reports.len();
            let secs = elapsed.as_secs_f64();
            if found == 0 {
                let _ = writeln!(
                    out,
                    "All checks passed: {checked} file{} in {secs:.2}s.",
                    plural(checked)
                );
            } else {
                let hint = if fixable > 0 {
                    format!(" ({fixable} fixable with `preflight check --fix`)")
                } else {
                    String::new()
                };
                let _ = writeln!(
                    out,
                    "Found {found} problem{}{hint} in {files_with} of {checked} file{} ({secs:.2}s).",
                    plural(found),
                    plural(checked)
                );
            }
        }
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

#[derive(Serialize)]
struct JsonRule {
    code: &'static str,
    name: &'static str,
    category: &'static str,
    severity: Severity,
    fixable: bool,
    summary: &'static str,
}

/// The Python rules, then the rules over other files (requirements), in code order.
fn all_rules(registry: &Registry) -> impl Iterator<Item = &'static RuleMeta> + '_ {
    registry
        .rules()
        .iter()
        .map(|r| r.meta)
        .chain(crate::requirements::RULES.iter().copied())
}

/// Prints `preflight rules`.
pub fn print_rules(registry: &Registry, format: ListFormat) {
    match format {
        ListFormat::Json => {
            let rules: Vec<JsonRule> = all_rules(registry)
                .map(|m| JsonRule {
                    code: m.code,
                    name: m.name,
                    category: m.category,
                    severity: m.severity,
                    fixable: m.fixable,
                    summary: m.summary,
                })
                .collect();
            println!(
                "{}",
                serde_json::to_string_pretty(&rules).unwrap_or_else(|_| "[]".into())
            );
        }
        ListFormat::Text => {
            println!(
                "{:<6} {:<20} {:<15} {:<8} {:<4} summary",
                "code", "name", "category", "severity", "fix"
            );
            for m in all_rules(registry) {
                let fix = if m.fixable { "yes" } else { "no" };
                let summary = m.summary.split(": ").next().unwrap_or(m.summary);
                println!(
                    "{:<6} {:<20} {:<15} {:<8} {:<4} {summary}",
                    m.code,
                    m.name,
                    m.category,
                    m.severity.as_str(),
                    fix
                );
            }
        }
    }
}

/// The text of `preflight explain`.
pub fn explain(meta: &RuleMeta) -> String {
    format!(
        "# {} {}\n\nCategory: {}. Default severity: {}. Fix: {}.\n\n{}\n",
        meta.code,
        meta.name,
        meta.category,
        meta.severity.as_str(),
        if meta.fixable { "available" } else { "none" },
        meta.doc
    )
}
