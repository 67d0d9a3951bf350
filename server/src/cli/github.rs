//! `preflight check --output-format github`: GitHub Actions workflow commands, which the runner
//! turns into annotations on the pull request's diff.
//!
//! One line per finding: `::warning file=…,line=…,col=…,endLine=…,endColumn=…,title=PF201
//! missing-timeout::message`. Error severity becomes `::error`, warnings `::warning`, information
//! and hints `::notice`. Lines and columns are 1-based, the end column exclusive, columns in
//! Unicode characters, as in the JSON output.

use std::fmt::Write;

use super::output::{position, FileReport};
use crate::analysis::Severity;
use crate::text::position::LineIndex;

fn command(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info | Severity::Hint => "notice",
    }
}

/// Escapes a command's message: the runner decodes `%25`, `%0D` and `%0A`.
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value, where `:` and `,` also end the value.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// The workflow commands for every finding, one per line.
pub fn render(reports: &[FileReport]) -> String {
    let mut out = String::new();
    // Files without findings are most of a project: no line index for them.
    for report in reports.iter().filter(|r| !r.findings.is_empty()) {
        let index = LineIndex::new(&report.source);
        let src = report.source.as_str();
        // The runner matches `file` against the checkout, so the path is written with `/`.
        let file = report.path.display().to_string().replace('\\', "/");
        let file = file.strip_prefix("./").unwrap_or(&file);
        for f in &report.findings {
            let start = position(&index, src, f.range.start);
            let end = position(&index, src, f.range.end);
            let _ = writeln!(
                out,
                "::{} file={},line={},col={},endLine={},endColumn={},title={}::{}",
                command(f.severity),
                escape_property(file),
                start.line,
                start.column,
                end.line,
                end.column,
                escape_property(&format!("{} {}", f.rule.code, f.rule.name)),
                escape_data(&f.message),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_what_the_runner_decodes() {
        assert_eq!(escape_data("50% off\r\nnext"), "50%25 off%0D%0Anext");
        assert_eq!(escape_property("a,b:c"), "a%2Cb%3Ac");
    }

    #[test]
    fn severities_map_to_commands() {
        assert_eq!(command(Severity::Error), "error");
        assert_eq!(command(Severity::Warning), "warning");
        assert_eq!(command(Severity::Info), "notice");
        assert_eq!(command(Severity::Hint), "notice");
    }
}
