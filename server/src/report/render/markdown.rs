//! The Markdown report: verdict, checklist, the four levels by category and rule, effort, order
//! of work and how the score was computed.

use std::fmt::Write as _;

use super::{grouped, LISTED_EVIDENCE, LISTED_PER_RULE};
use crate::report::effort::format_minutes;
use crate::report::model::{CheckItem, Evidence, Level, Report, Status};
use crate::report::score::{CHECKLIST_POINTS, FINDINGS_POINTS};

fn evidence_list(evidence: &[Evidence]) -> String {
    let mut parts: Vec<String> = evidence
        .iter()
        .take(LISTED_EVIDENCE)
        .map(|e| format!("`{}:{}` {}", e.path, e.line, e.note))
        .collect();
    if evidence.len() > LISTED_EVIDENCE {
        parts.push(format!("… and {} more", evidence.len() - LISTED_EVIDENCE));
    }
    parts.join("; ")
}

fn checklist_line(out: &mut String, c: &CheckItem) {
    let state = match c.status {
        Status::Missing if c.covered_by_findings => {
            format!("missing ({}; see the findings below)", c.level.as_str())
        }
        Status::Missing => format!(
            "missing ({}, ~{})",
            c.level.as_str(),
            format_minutes(c.effort_minutes)
        ),
        s => s.word().to_string(),
    };
    let _ = write!(
        out,
        "- {} **{}** — {state}. {}",
        c.status.mark(),
        c.title,
        c.detail
    );
    if !c.evidence.is_empty() {
        let _ = write!(out, " Evidence: {}.", evidence_list(&c.evidence));
    }
    out.push('\n');
}

/// Renders the Markdown report.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Production readiness: {}\n", report.project);
    let _ = writeln!(
        out,
        "**{}** · readiness score **{}/100** · estimated effort **{}** · {} Python files, {} lines\n",
        report.verdict,
        report.score.value,
        format_minutes(report.total_effort_minutes),
        report.files_analysed,
        report.lines_analysed
    );
    if !report.skipped_files.is_empty() {
        let _ = writeln!(out, "Not analysed:\n");
        for s in &report.skipped_files {
            let _ = writeln!(out, "- `{}`: {}", s.path, s.reason);
        }
        out.push('\n');
    }

    let _ = writeln!(out, "## Sign-off checklist\n");
    let present = report
        .checklist
        .iter()
        .filter(|c| c.status == Status::Present)
        .count();
    let applicable = report
        .checklist
        .iter()
        .filter(|c| c.status != Status::NotApplicable)
        .count();
    let _ = writeln!(
        out,
        "{present} of {applicable} applicable items present (`[x]` present, `[ ]` missing, `[-]` not applicable).\n"
    );
    for c in &report.checklist {
        checklist_line(&mut out, c);
    }
    out.push('\n');

    for level in Level::ALL {
        level_section(&mut out, report, level);
    }

    let _ = writeln!(out, "## Effort\n");
    let _ = writeln!(out, "| Level | Items | Effort |\n|---|---:|---:|");
    for e in &report.effort {
        let _ = writeln!(
            out,
            "| {} | {} | {} |",
            e.level.title(),
            e.items,
            format_minutes(e.minutes)
        );
    }
    let _ = writeln!(
        out,
        "| **Total** | **{}** | **{}** |\n",
        report.counts.total(),
        format_minutes(report.total_effort_minutes)
    );
    let _ = writeln!(
        out,
        "Minutes per finding come from each rule's estimate; a finding `preflight check --fix` \
         repairs costs the review of its diff. Adjust them in `[report.effort]` of the \
         configuration.\n"
    );

    let _ = writeln!(out, "## Order of work\n");
    if report.phases.is_empty() {
        let _ = writeln!(out, "Nothing to do.");
    }
    for (i, phase) in report.phases.iter().enumerate() {
        let _ = writeln!(
            out,
            "{}. **Phase {}: {}** — {} item{}, ~{}: {}.",
            i + 1,
            i + 1,
            phase.name,
            phase.items,
            if phase.items == 1 { "" } else { "s" },
            format_minutes(phase.minutes),
            phase.scope
        );
    }
    out.push('\n');

    let s = &report.score;
    let _ = writeln!(out, "## Readiness score: {}/100\n", s.value);
    let parts: Vec<String> = s
        .deductions
        .iter()
        .filter(|d| d.findings > 0)
        .map(|d| {
            format!(
                "{} {} × {} = {} (cap {})",
                d.findings,
                d.level.as_str(),
                d.weight,
                round1(d.findings as f64 * d.weight),
                d.cap
            )
        })
        .collect();
    let deductions = if parts.is_empty() {
        "no findings".to_string()
    } else {
        parts.join("; ")
    };
    let _ = writeln!(
        out,
        "- Findings: **{}/{FINDINGS_POINTS}** ({deductions}).",
        s.findings_points
    );
    let _ = writeln!(
        out,
        "- Checklist: **{}/{CHECKLIST_POINTS}** ({present} of {applicable} applicable items present).",
        s.checklist_points
    );
    let _ = writeln!(
        out,
        "\nWeights and caps are documented in the README (\"Readiness score\"); `preflight report --fail-under N` fails below N."
    );
    out
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

fn level_section(out: &mut String, report: &Report, level: Level) {
    let gaps: Vec<&CheckItem> = report
        .checklist
        .iter()
        .filter(|c| c.status == Status::Missing && !c.covered_by_findings && c.level == level)
        .collect();
    let effort = report
        .effort
        .iter()
        .find(|e| e.level == level)
        .map_or(0, |e| e.minutes);
    let count = report.counts.get(level);
    let _ = writeln!(
        out,
        "## {} — {} item{}, ~{}\n",
        level.title(),
        count,
        if count == 1 { "" } else { "s" },
        format_minutes(effort)
    );
    if count == 0 {
        let _ = writeln!(out, "None.\n");
        return;
    }
    if !gaps.is_empty() {
        let _ = writeln!(out, "### Checklist gaps\n");
        for g in gaps {
            let _ = writeln!(
                out,
                "- **{}** (~{}): {} Fix: {}",
                g.title,
                format_minutes(g.effort_minutes),
                g.detail,
                g.fix
            );
        }
        out.push('\n');
    }
    for (category, groups) in grouped(report, level) {
        let _ = writeln!(out, "### {category}\n");
        for group in groups {
            let Some(info) = report.rules.iter().find(|r| r.code == group.code) else {
                continue;
            };
            let minutes: u32 = group.items.iter().map(|i| i.effort_minutes).sum();
            let auto = group.items.iter().filter(|i| i.autofix).count();
            let _ = writeln!(
                out,
                "#### {} {} — {} item{}, ~{}\n",
                info.code,
                info.name,
                group.items.len(),
                if group.items.len() == 1 { "" } else { "s" },
                format_minutes(minutes)
            );
            let _ = writeln!(out, "**Why it matters:** {}\n", info.why);
            let _ = writeln!(out, "**Fix:**\n\n{}\n", info.fix);
            // Marks only tell something when some instances are fixed automatically and some not.
            let mark_auto = auto > 0 && auto < group.items.len();
            if auto > 0 {
                let _ = writeln!(
                    out,
                    "`preflight check --fix` fixes {} automatically.\n",
                    if mark_auto {
                        format!("{auto} of {} (marked *auto-fix*)", group.items.len())
                    } else if group.items.len() == 1 {
                        "this".to_string()
                    } else {
                        format!("all {}", group.items.len())
                    }
                );
            }
            match group.shared_message() {
                Some(message) => {
                    let _ = writeln!(out, "**What is wrong:** {message}\n");
                    for (path, items) in group.by_file() {
                        let lines: Vec<String> = items
                            .iter()
                            .map(|i| {
                                let mark = if i.autofix && mark_auto {
                                    " *(auto-fix)*"
                                } else {
                                    ""
                                };
                                format!("{}{mark}", i.line)
                            })
                            .collect();
                        let word = if items.len() == 1 { "line" } else { "lines" };
                        let _ = writeln!(out, "- `{path}` {word} {}", lines.join(", "));
                    }
                }
                None => {
                    for item in group.items.iter().take(LISTED_PER_RULE) {
                        let mark = if item.autofix && mark_auto {
                            " *(auto-fix)*"
                        } else {
                            ""
                        };
                        let _ = writeln!(
                            out,
                            "- `{}:{}` — {}{mark}",
                            item.path, item.line, item.message
                        );
                    }
                }
            }
            if group.items.len() > LISTED_PER_RULE {
                let _ = writeln!(
                    out,
                    "- … and {} more (`--format json` lists every item)",
                    group.items.len() - LISTED_PER_RULE
                );
            }
            out.push('\n');
        }
    }
}
