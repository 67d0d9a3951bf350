//! Suppression comments, applied after every rule has run.
//!
//! - `# preflight: ignore[PF101, PF201]` at the end of a line silences those codes on that line,
//!   `# preflight: ignore` silences every code there;
//! - `# preflight: ignore-file[PF101]` (or `ignore-file` alone) anywhere in the file silences the file;
//! - `# noqa: S113` and `# nosec B113` silence a rule whose ruff or bandit twin is named, so
//!   existing suppressions keep working.
//!
//! A finding belongs to the line it starts on, except when a comment cannot go there: a line that
//! ends inside a multi-line string belongs to the line where the string ends, and a line ending in
//! a `\` continuation to the next. Unused or unknown codes in Preflight's own directives are
//! reported as PF001.

use std::ops::Range;

use super::{Context, Edit, Finding, Fix, Safety};
use crate::fix::imports::line_start;
use crate::rules;

// Lines are named by the byte they start at (`line_start`): suppression only asks whether two
// positions are on the same line, and finding a line's start is a short scan back, where
// numbering lines would index the whole file on every analysis (every keystroke).

/// The end of the line starting at `start`, before its line break.
fn line_end(source: &str, start: usize) -> usize {
    let rest = source.as_bytes().get(start..).unwrap_or_default();
    memchr::memchr2(b'\n', b'\r', rest).map_or(source.len(), |i| start + i)
}

/// The start of the line after the one ending at `end` (`end` itself at the end of the text).
fn next_line(source: &str, end: usize) -> usize {
    match source.as_bytes().get(end..end + 2) {
        Some(b"\r\n") => end + 2,
        _ => (end + 1).min(source.len()),
    }
}

/// What a directive silences.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// `# preflight: ignore…` on one line.
    Line,
    /// `# preflight: ignore-file…`.
    File,
    /// `# noqa: …` / `# nosec …`: codes of other tools, matched against each rule's twins.
    Twin,
}

/// One suppression comment.
#[derive(Debug, Clone)]
pub struct Directive {
    pub scope: Scope,
    /// The line the comment is on, named by the byte it starts at.
    pub line: usize,
    /// The codes it names; `None` silences every code.
    pub codes: Option<Vec<String>>,
    /// Bytes of the `# preflight: …` part (with the white space before it), for rewriting.
    pub span: Range<usize>,
}

fn parse_codes(list: &str) -> Vec<String> {
    list.split([',', ' ', '\t'])
        .map(|c| c.trim().to_ascii_uppercase())
        .filter(|c| !c.is_empty())
        .collect()
}

/// Reads the directives of one comment (`text` starts with `#`, at byte `start` of the file).
fn parse_comment(text: &str, start: usize, line: usize, out: &mut Vec<Directive>) {
    if let Some(at) = text.find("preflight:") {
        let rest = text[at + "preflight:".len()..].trim_start();
        let (scope, rest) = if let Some(r) = rest.strip_prefix("ignore-file") {
            (Scope::File, r)
        } else if let Some(r) = rest.strip_prefix("ignore") {
            (Scope::Line, r)
        } else {
            return;
        };
        let (codes, consumed) = match rest
            .strip_prefix('[')
            .and_then(|r| r.find(']').map(|end| (r, end)))
        {
            Some((r, end)) => (
                Some(parse_codes(&r[..end])),
                text.len() - rest.len() + end + 2,
            ),
            None => (None, text.len() - rest.len()),
        };
        // The span starts at the `#` that introduces the directive, with the white space before it.
        let hash = text[..at].rfind('#').unwrap_or(0);
        let lead = text[..hash].len() - text[..hash].trim_end().len();
        out.push(Directive {
            scope,
            line,
            codes,
            span: start + hash - lead..start + consumed,
        });
    }
    let lower = text.to_ascii_lowercase();
    for keyword in ["noqa", "nosec"] {
        let Some(at) = lower.find(keyword) else {
            continue;
        };
        let rest = &text[at + keyword.len()..];
        let rest = rest.strip_prefix(':').unwrap_or(rest);
        // Codes run until the next `#` (another comment's text may follow).
        let rest = rest.split('#').next().unwrap_or("");
        let codes: Vec<String> = parse_codes(rest)
            .into_iter()
            .take_while(|c| {
                c.chars().next().is_some_and(|f| f.is_ascii_alphabetic())
                    && c.chars().any(|d| d.is_ascii_digit())
            })
            .collect();
        // A bare `# noqa` speaks to flake8-style tools, not to Preflight.
        if !codes.is_empty() {
            out.push(Directive {
                scope: Scope::Twin,
                line,
                codes: Some(codes),
                span: start..start + text.len(),
            });
        }
    }
}

/// Every suppression directive in the file.
pub fn directives(ctx: &Context) -> Vec<Directive> {
    let mut comments = Vec::new();
    ctx.walk_module(|n| {
        if n.kind() == "comment" {
            comments.push(n.byte_range());
        }
    });
    directives_in(ctx, &comments)
}

/// The directives of the given comments (byte ranges of `comment` nodes, in order).
pub fn directives_in(ctx: &Context, comments: &[Range<usize>]) -> Vec<Directive> {
    let mut out = Vec::new();
    for comment in comments {
        let Some(text) = ctx.source.get(comment.clone()) else {
            continue;
        };
        let line = line_start(ctx.source, comment.start);
        let first = out.len();
        parse_comment(text, comment.start, line, &mut out);
        // A directive that is the whole comment takes the white space before it along, so
        // removing it leaves no trailing spaces.
        for d in &mut out[first..] {
            if d.scope != Scope::Twin && d.span.start == comment.start {
                let before = &ctx.source[..d.span.start];
                d.span.start -= before.len() - before.trim_end_matches([' ', '\t']).len();
            }
        }
    }
    out
}

/// The line a finding starting at `byte` is suppressed on (see the module doc), by its start.
pub fn suppression_line(ctx: &Context, byte: usize) -> usize {
    let mut line = line_start(ctx.source, byte);
    for _ in 0..10_000 {
        let end = line_end(ctx.source, line);
        // A string token that starts before the line end and goes on after it.
        let before = end.saturating_sub(1);
        let mut node = ctx
            .root_at(before)
            .and_then(|root| root.descendant_for_byte_range(before, end));
        let mut string_end = None;
        while let Some(n) = node {
            if n.kind() == "string" && n.start_byte() < end && n.end_byte() > end {
                string_end = Some(n.end_byte());
                break;
            }
            node = n.parent();
        }
        if let Some(string_end) = string_end {
            line = line_start(ctx.source, string_end);
            continue;
        }
        if ctx.source[line..end].trim_end().ends_with('\\') && end < ctx.source.len() {
            line = next_line(ctx.source, end);
            continue;
        }
        break;
    }
    line
}

/// Drops suppressed findings and adds a PF001 finding for each unused or unknown code.
/// `comments` are the comments that may hold a directive (every comment if the caller does not
/// know them).
pub fn apply(ctx: &Context, findings: Vec<Finding>, comments: &[Range<usize>]) -> Vec<Finding> {
    if comments.is_empty() {
        return findings;
    }
    let directives = directives_in(ctx, comments);
    if directives.is_empty() {
        return findings;
    }
    // For each directive, the codes it actually silenced.
    let mut used: Vec<Vec<&'static str>> = vec![Vec::new(); directives.len()];
    let mut kept = Vec::with_capacity(findings.len());
    for finding in findings {
        let line = suppression_line(ctx, finding.range.start);
        let code = finding.rule.code;
        let hit = directives.iter().position(|d| {
            let names = |c: &str| match &d.codes {
                None => true,
                Some(codes) => codes.iter().any(|x| x == c),
            };
            match d.scope {
                Scope::File => names(code),
                Scope::Line => d.line == line && names(code),
                Scope::Twin => d.line == line && finding.rule.twins.iter().any(|t| names(t)),
            }
        });
        match hit {
            Some(i) => used[i].push(code),
            None => kept.push(finding),
        }
    }
    let Some(meta) = rules::registry().find("PF001").map(|r| r.meta) else {
        return kept;
    };
    if !ctx.settings.enabled(meta.code) {
        return kept;
    }
    for (d, used) in directives.iter().zip(&used) {
        if d.scope == Scope::Twin {
            continue;
        }
        let unused: Vec<String> = match &d.codes {
            None if used.is_empty() => vec!["everything".into()],
            None => Vec::new(),
            // A code of a rule the configuration turned off is not stale: it may be turned back on.
            Some(codes) => codes
                .iter()
                .filter(|c| !used.contains(&c.as_str()))
                .filter(|c| ctx.settings.enabled(c.as_str()))
                .cloned()
                .collect(),
        };
        if unused.is_empty() {
            continue;
        }
        let unknown: Vec<&String> = unused
            .iter()
            .filter(|c| *c != "everything" && !ctx.settings.knows(c))
            .collect();
        let message = if !unknown.is_empty() {
            format!(
                "Unknown rule code in suppression: {}",
                unknown
                    .iter()
                    .map(|c| c.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        } else if d.codes.is_none() {
            "Unused suppression: nothing is reported on this line".to_string()
        } else {
            format!(
                "Unused suppression: {} is not reported {}",
                unused.join(", "),
                if d.scope == Scope::File {
                    "in this file"
                } else {
                    "on this line"
                }
            )
        };
        let keep: Vec<&str> = match &d.codes {
            Some(codes) => codes
                .iter()
                .map(String::as_str)
                .filter(|c| used.contains(c))
                .collect(),
            None => Vec::new(),
        };
        let replacement = if keep.is_empty() {
            String::new()
        } else {
            let word = if d.scope == Scope::File {
                "ignore-file"
            } else {
                "ignore"
            };
            let lead = &ctx.source[d.span.clone()];
            let lead = &lead[..lead.len() - lead.trim_start().len()];
            format!("{lead}# preflight: {word}[{}]", keep.join(", "))
        };
        kept.push(Finding {
            rule: meta,
            range: d.span.start
                + (ctx.source[d.span.clone()].len() - ctx.source[d.span.clone()].trim_start().len())
                ..d.span.end,
            severity: meta.severity,
            message,
            fix: Some(Fix::new(
                "Remove the unused suppression",
                Safety::Safe,
                vec![Edit::replace(d.span.clone(), replacement)],
            )),
        });
    }
    kept.sort_by(|a, b| (a.range.start, a.rule.code).cmp(&(b.range.start, b.rule.code)));
    kept
}

/// The edit behind "Ignore PF### on this line": extends an existing `# preflight: ignore[…]` on the
/// finding's suppression line, or appends a new directive after the line's code and comment.
pub fn ignore_edit(ctx: &Context, finding: &Finding) -> Option<Edit> {
    let line = suppression_line(ctx, finding.range.start);
    let code = finding.rule.code;
    let existing = directives(ctx)
        .into_iter()
        .find(|d| d.scope == Scope::Line && d.line == line);
    if let Some(d) = existing {
        let codes = d.codes?; // a bare `ignore` already silences everything
        let text = &ctx.source[d.span.clone()];
        let close = d.span.start + text.rfind(']')?;
        let sep = if codes.is_empty() { "" } else { ", " };
        return Some(Edit::insert(close, format!("{sep}{code}")));
    }
    let end = line
        + ctx.source[line..line_end(ctx.source, line)]
            .trim_end()
            .len();
    Some(Edit::insert(end, format!("  # preflight: ignore[{code}]")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::analyze_str;
    use crate::fix::apply::apply_edits;
    use crate::parse::ModuleTree;

    fn codes(src: &str) -> Vec<&'static str> {
        analyze_str(src)
            .unwrap()
            .iter()
            .map(|f| f.rule.code)
            .collect()
    }

    const CALL: &str = "import requests\n";

    #[test]
    fn line_file_and_twin_directives_silence_findings() {
        assert_eq!(codes(&format!("{CALL}requests.get(u)\n")), ["PF201"]);
        assert!(codes(&format!(
            "{CALL}requests.get(u)  # preflight: ignore[PF201]\n"
        ))
        .is_empty());
        assert!(codes(&format!("{CALL}requests.get(u)  # preflight: ignore\n")).is_empty());
        assert!(codes(&format!("{CALL}requests.get(u)  # noqa: S113\n")).is_empty());
        assert!(codes(&format!("{CALL}requests.get(u)  # nosec B113\n")).is_empty());
        assert!(codes(&format!(
            "# preflight: ignore-file[PF201]\n{CALL}requests.get(u)\n"
        ))
        .is_empty());
        // A bare noqa is for flake8-style tools; a noqa for another rule does not count.
        assert_eq!(
            codes(&format!("{CALL}requests.get(u)  # noqa\n")),
            ["PF201"]
        );
        assert_eq!(
            codes(&format!("{CALL}requests.get(u)  # noqa: E501\n")),
            ["PF201"]
        );
        // On another line it does nothing (and is itself reported).
        assert_eq!(
            codes(&format!(
                "{CALL}# preflight: ignore[PF201]\nrequests.get(u)\n"
            )),
            ["PF001", "PF201"]
        );
    }

    #[test]
    fn unused_and_unknown_codes_are_reported_with_a_fix() {
        let src = format!("{CALL}requests.get(u)  # preflight: ignore[PF201, PF101]\n");
        let findings = analyze_str(&src).unwrap();
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].rule.code, "PF001");
        assert!(
            findings[0].message.contains("PF101"),
            "{}",
            findings[0].message
        );
        let fixed = apply_edits(&src, &findings[0].fix.as_ref().unwrap().edits).unwrap();
        assert_eq!(
            fixed,
            format!("{CALL}requests.get(u)  # preflight: ignore[PF201]\n")
        );

        let src = "x = 1  # keep  # preflight: ignore[PF999]\n";
        let findings = analyze_str(src).unwrap();
        assert!(
            findings[0].message.contains("Unknown rule code"),
            "{}",
            findings[0].message
        );
        let fixed = apply_edits(src, &findings[0].fix.as_ref().unwrap().edits).unwrap();
        assert_eq!(fixed, "x = 1  # keep\n");
    }

    #[test]
    fn multi_line_strings_and_continuations_move_the_line() {
        let src = format!("{CALL}requests.get(\"\"\"a\nb\"\"\")  # preflight: ignore[PF201]\n");
        assert!(
            codes(&src).is_empty(),
            "the comment after the string's last line counts"
        );
        let src = format!("{CALL}x = requests.get(u) + \\\n    1  # preflight: ignore[PF201]\n");
        assert!(
            codes(&src).is_empty(),
            "the comment after the continuation counts"
        );
    }

    fn ignore(src: &str) -> String {
        let tree = ModuleTree::parse(src, None).unwrap();
        let ctx = Context::new(src, &tree);
        let finding = analyze_str(src)
            .unwrap()
            .into_iter()
            .find(|f| f.rule.code == "PF201")
            .unwrap();
        let edit = ignore_edit(&ctx, &finding).unwrap();
        let out = apply_edits(src, &[edit]).unwrap();
        assert!(
            !codes(&out).contains(&"PF201"),
            "still reported after ignoring:\n{out}"
        );
        out
    }

    #[test]
    fn the_ignore_action_writes_a_correct_comment_everywhere() {
        assert_eq!(
            ignore(&format!("{CALL}requests.get(u)\n")),
            format!("{CALL}requests.get(u)  # preflight: ignore[PF201]\n")
        );
        assert_eq!(
            ignore(&format!("{CALL}requests.get('#')  # why\n")),
            format!("{CALL}requests.get('#')  # why  # preflight: ignore[PF201]\n")
        );
        assert_eq!(
            ignore(&format!("{CALL}requests.get(u)  # noqa: E501\n")),
            format!("{CALL}requests.get(u)  # noqa: E501  # preflight: ignore[PF201]\n")
        );
        assert_eq!(
            ignore(&format!(
                "{CALL}requests.get(u)  # preflight: ignore[PF101]\n"
            )),
            format!("{CALL}requests.get(u)  # preflight: ignore[PF101, PF201]\n")
        );
        assert_eq!(
            ignore(&format!("{CALL}x = requests.get(u) + \\\n    1\n")),
            format!("{CALL}x = requests.get(u) + \\\n    1  # preflight: ignore[PF201]\n")
        );
        assert_eq!(
            ignore(&format!("{CALL}requests.get(\"\"\"a\nb\"\"\")\n")),
            format!("{CALL}requests.get(\"\"\"a\nb\"\"\")  # preflight: ignore[PF201]\n")
        );
    }
}
