//! The HTML report: one self-contained file (inline CSS and SVG, no script, no external asset),
//! written as XHTML-compatible markup so that an XML parser accepts it.

use std::fmt::Write as _;

use super::{grouped, svg, LISTED_EVIDENCE, LISTED_PER_RULE};
use crate::report::effort::format_minutes;
use crate::report::model::{CheckItem, Level, Report, Status};

/// Escapes text for element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Characters XML 1.0 forbids (control characters from a hostile file) are dropped.
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\t' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

/// Inline Markdown of the docs and messages: `code` spans and **bold**, everything escaped.
fn inline(text: &str) -> String {
    let mut out = String::new();
    for (i, part) in text.split('`').enumerate() {
        if i % 2 == 1 {
            let _ = write!(out, "<code>{}</code>", escape(part));
        } else {
            let mut bold = false;
            for (j, piece) in escape(part).split("**").enumerate() {
                if j > 0 {
                    out.push_str(if bold { "</strong>" } else { "<strong>" });
                    bold = !bold;
                }
                out.push_str(piece);
            }
            if bold {
                out.push_str("</strong>");
            }
        }
    }
    out
}

/// A doc section: paragraphs, bullet lines and fenced code blocks.
fn block(text: &str) -> String {
    let mut out = String::new();
    let mut in_code = false;
    let mut paragraph: Vec<&str> = Vec::new();
    let flush = |out: &mut String, paragraph: &mut Vec<&str>| {
        if !paragraph.is_empty() {
            let _ = write!(out, "<p>{}</p>", inline(&paragraph.join(" ")));
            paragraph.clear();
        }
    };
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            if in_code {
                out.push_str("</code></pre>");
            } else {
                flush(&mut out, &mut paragraph);
                out.push_str("<pre><code>");
            }
            in_code = !in_code;
            continue;
        }
        if in_code {
            out.push_str(&escape(line));
            out.push('\n');
        } else if line.trim().is_empty() {
            flush(&mut out, &mut paragraph);
        } else {
            paragraph.push(line.trim());
        }
    }
    if in_code {
        out.push_str("</code></pre>");
    }
    flush(&mut out, &mut paragraph);
    out
}

const STYLE: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:0;color:#111827;background:#f9fafb}\
main{max-width:1100px;margin:0 auto;padding:24px}\
h1{margin:0 0 4px;font-size:26px}h2{margin-top:32px;border-bottom:2px solid #e5e7eb;padding-bottom:4px}\
h3{margin:20px 0 8px;text-transform:capitalize}h4{margin:14px 0 6px}\
.summary{display:flex;gap:24px;align-items:center;background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:16px}\
.verdict{font-size:20px;font-weight:600}.muted{color:#6b7280}\
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(520px,1fr));gap:16px;margin-top:16px}\
.card{background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:12px 16px}\
.card h3{margin:0 0 8px;font-size:15px;text-transform:none}\
table{border-collapse:collapse;width:100%;background:#fff}td,th{border:1px solid #e5e7eb;padding:6px 8px;text-align:left;vertical-align:top;font-size:14px}\
.badge{display:inline-block;border-radius:4px;padding:1px 6px;color:#fff;font-size:12px;font-weight:600}\
.rule{background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:8px 16px;margin:8px 0}\
.rule ul{margin:6px 0;padding-left:20px}code{background:#f3f4f6;padding:0 3px;border-radius:3px}\
pre{background:#f3f4f6;padding:8px;border-radius:6px;overflow-x:auto}pre code{padding:0}\
.auto{color:#15803d;font-size:12px;font-weight:600}";

fn badge(text: &str, colour: &str) -> String {
    format!(
        r#"<span class="badge" style="background:{colour}">{}</span>"#,
        escape(text)
    )
}

fn checklist_row(out: &mut String, c: &CheckItem) {
    let state = match c.status {
        Status::Missing => badge(
            &format!("missing · {}", c.level.as_str()),
            svg::status_colour(c.status),
        ),
        s => badge(s.word(), svg::status_colour(s)),
    };
    let mut evidence: Vec<String> = c
        .evidence
        .iter()
        .take(LISTED_EVIDENCE)
        .map(|e| {
            format!(
                "<code>{}:{}</code> {}",
                escape(&e.path),
                e.line,
                inline(&e.note)
            )
        })
        .collect();
    if c.evidence.len() > LISTED_EVIDENCE {
        evidence.push(format!("… and {} more", c.evidence.len() - LISTED_EVIDENCE));
    }
    let fix = if c.status == Status::Missing {
        format!("<br/><span class=\"muted\">Fix: {}</span>", inline(c.fix))
    } else {
        String::new()
    };
    let effort = if c.effort_minutes > 0 {
        format_minutes(c.effort_minutes)
    } else {
        String::new()
    };
    let _ = write!(
        out,
        "<tr><td>{}</td><td>{state}</td><td>{}{fix}</td><td>{}</td><td>{effort}</td></tr>",
        inline(c.title),
        inline(&c.detail),
        evidence.join("<br/>")
    );
}

/// Renders the HTML report.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    out.push_str("<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n");
    let _ = writeln!(
        out,
        "<title>Production readiness: {}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>",
        escape(&report.project)
    );
    let _ = write!(
        out,
        "<h1>Production readiness: {}</h1>\n<div class=\"summary\">{}<div><div class=\"verdict\">{}</div><div class=\"muted\">readiness score {}/100 · estimated effort {} · {} Python files, {} lines</div></div></div>\n",
        escape(&report.project),
        svg::score_ring(report.score.value),
        escape(&report.verdict),
        report.score.value,
        format_minutes(report.total_effort_minutes),
        report.files_analysed,
        report.lines_analysed
    );
    let _ = write!(
        out,
        "<div class=\"charts\"><div class=\"card\"><h3>Findings by level</h3>{}</div><div class=\"card\"><h3>Checklist</h3>{}</div><div class=\"card\"><h3>Findings by category</h3>{}</div><div class=\"card\"><h3>Files with most findings</h3>{}</div></div>",
        svg::levels(report),
        svg::checklist(report),
        svg::categories(report),
        svg::top_files(report)
    );
    out.push('\n');
    if !report.skipped_files.is_empty() {
        out.push_str("<h2>Not analysed</h2><ul>");
        for s in &report.skipped_files {
            let _ = write!(
                out,
                "<li><code>{}</code>: {}</li>",
                escape(&s.path),
                escape(&s.reason)
            );
        }
        out.push_str("</ul>\n");
    }
    out.push_str("<h2>Sign-off checklist</h2>\n<table><thead><tr><th>Item</th><th>State</th><th>Detail</th><th>Evidence</th><th>Effort</th></tr></thead><tbody>");
    for c in &report.checklist {
        checklist_row(&mut out, c);
    }
    out.push_str("</tbody></table>\n");
    for level in Level::ALL {
        level_section(&mut out, report, level);
    }
    out.push_str("<h2>Effort and order of work</h2>\n<table><thead><tr><th>Level</th><th>Items</th><th>Effort</th></tr></thead><tbody>");
    for e in &report.effort {
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            badge(e.level.title(), svg::level_colour(e.level)),
            e.items,
            format_minutes(e.minutes)
        );
    }
    let _ = write!(
        out,
        "<tr><td><strong>Total</strong></td><td><strong>{}</strong></td><td><strong>{}</strong></td></tr></tbody></table>\n<ol>",
        report.counts.total(),
        format_minutes(report.total_effort_minutes)
    );
    for (i, p) in report.phases.iter().enumerate() {
        let _ = write!(
            out,
            "<li><strong>Phase {}: {}</strong> — {} item{}, ~{}: {}</li>",
            i + 1,
            escape(&p.name),
            p.items,
            if p.items == 1 { "" } else { "s" },
            format_minutes(p.minutes),
            inline(&p.scope)
        );
    }
    let s = &report.score;
    let _ = write!(
        out,
        "</ol>\n<h2>Readiness score: {}/100</h2>\n<p>Findings {}/60 + checklist {}/40. Each finding deducts its level's weight (critical 15, high 5, medium 1.5, low 0.5), each level at most 60/30/15/5; the checklist's 40 points are shared by the applicable items.</p>\n",
        s.value, s.findings_points, s.checklist_points
    );
    out.push_str("<p class=\"muted\">Written by <code>preflight report</code>.</p>\n</main>\n</body>\n</html>\n");
    out
}

fn level_section(out: &mut String, report: &Report, level: Level) {
    let count = report.counts.get(level);
    let minutes = report
        .effort
        .iter()
        .find(|e| e.level == level)
        .map_or(0, |e| e.minutes);
    let _ = writeln!(
        out,
        "<h2>{} {} — {} item{}, ~{}</h2>",
        badge(level.title(), svg::level_colour(level)),
        level.title(),
        count,
        if count == 1 { "" } else { "s" },
        format_minutes(minutes)
    );
    if count == 0 {
        out.push_str("<p class=\"muted\">None.</p>\n");
        return;
    }
    let gaps: Vec<&CheckItem> = report
        .checklist
        .iter()
        .filter(|c| c.status == Status::Missing && !c.covered_by_findings && c.level == level)
        .collect();
    if !gaps.is_empty() {
        out.push_str("<h3>Checklist gaps</h3><div class=\"rule\"><ul>");
        for g in gaps {
            let _ = write!(
                out,
                "<li><strong>{}</strong> (~{}): {} Fix: {}</li>",
                inline(g.title),
                format_minutes(g.effort_minutes),
                inline(&g.detail),
                inline(g.fix)
            );
        }
        out.push_str("</ul></div>\n");
    }
    for (category, groups) in grouped(report, level) {
        let _ = writeln!(out, "<h3>{}</h3>", escape(category));
        for group in groups {
            let Some(info) = report.rules.iter().find(|r| r.code == group.code) else {
                continue;
            };
            let minutes: u32 = group.items.iter().map(|i| i.effort_minutes).sum();
            let _ = write!(
                out,
                "<div class=\"rule\"><h4>{} {} — {} item{}, ~{}</h4><p><strong>Why it matters:</strong> {}</p><div><strong>Fix:</strong>{}</div><ul>",
                info.code,
                escape(info.name),
                group.items.len(),
                if group.items.len() == 1 { "" } else { "s" },
                format_minutes(minutes),
                inline(&info.why),
                block(&info.fix)
            );
            match group.shared_message() {
                Some(message) => {
                    let _ = write!(
                        out,
                        "<li><strong>What is wrong:</strong> {}<ul>",
                        inline(message)
                    );
                    for (path, items) in group.by_file() {
                        let lines: Vec<String> = items
                            .iter()
                            .map(|i| {
                                if i.autofix {
                                    format!("{} <span class=\"auto\">auto-fix</span>", i.line)
                                } else {
                                    i.line.to_string()
                                }
                            })
                            .collect();
                        let _ = write!(
                            out,
                            "<li><code>{}</code> {} {}</li>",
                            escape(path),
                            if items.len() == 1 { "line" } else { "lines" },
                            lines.join(", ")
                        );
                    }
                    out.push_str("</ul></li>");
                }
                None => {
                    for item in group.items.iter().take(LISTED_PER_RULE) {
                        let auto = if item.autofix {
                            " <span class=\"auto\">auto-fix: preflight check --fix</span>"
                        } else {
                            ""
                        };
                        let _ = write!(
                            out,
                            "<li><code>{}:{}</code> — {}{auto}</li>",
                            escape(&item.path),
                            item.line,
                            inline(&item.message)
                        );
                    }
                }
            }
            if group.items.len() > LISTED_PER_RULE {
                let _ = write!(
                    out,
                    "<li>… and {} more (<code>--format json</code> lists every item)</li>",
                    group.items.len() - LISTED_PER_RULE
                );
            }
            out.push_str("</ul></div>\n");
        }
    }
}
