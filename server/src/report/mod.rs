//! `preflight report`: the production-readiness review of a whole project, written from the
//! findings of the same engine as `check` and from project-level checks.
//!
//! The flow: the CLI (`cli/report.rs`) runs the `check` pipeline over the project, collecting
//! each Python file's [`facts::PyFacts`] from its tree in the same pass, and the PF601 findings of
//! the requirements files; [`scan`] reads the other project files; [`build`] turns all of that
//! into a [`model::Report`] — levels ([`levels`]), effort ([`effort`]), checklist ([`checks`]),
//! score ([`score`]) and phases — and [`render`] writes it as Markdown, HTML or JSON.
//!
//! *Invariant:* the report is a pure function of its input: no clock, no absolute paths, so the
//! same project gives the same bytes (the golden tests rely on it).

pub mod checks;
pub mod docker;
pub mod effort;
pub mod facts;
pub mod levels;
pub mod model;
pub mod render;
pub mod scan;
pub mod score;

use std::collections::BTreeMap;

use crate::analysis::{Finding, Safety};
use crate::rules::RuleMeta;
use crate::text::position::{LineIndex, PositionEncoding};
use effort::Effort;
use facts::PyFacts;
use model::{
    CheckItem, Counts, Item, Level, LevelEffort, Phase, Report, RuleInfo, Skipped, Status,
};
use scan::ProjectFiles;

/// One analysed file: Python source with its facts, or a requirements file (no facts).
pub struct SourceFile {
    /// Relative to the project root, `/`-separated.
    pub path: String,
    pub text: String,
    pub findings: Vec<Finding>,
    pub facts: Option<PyFacts>,
}

/// Everything a report is built from.
pub struct Input {
    /// The project's name (its folder).
    pub project: String,
    pub files: Vec<SourceFile>,
    pub project_files: ProjectFiles,
    /// Files that could not be analysed: path and reason.
    pub skipped: Vec<(String, String)>,
    pub effort: Effort,
}

/// The text of a `## Heading` section of a rule's doc, up to the next heading.
fn doc_section(doc: &str, heading: &str) -> Option<String> {
    let start = doc.find(&format!("## {heading}\n"))? + heading.len() + 4;
    let rest = &doc[start..];
    let end = rest.find("\n## ").unwrap_or(rest.len());
    let text = rest[..end].trim();
    (!text.is_empty()).then(|| text.to_string())
}

/// Prose lines joined into one paragraph (the docs wrap at 100 columns).
fn paragraph(text: &str) -> String {
    text.split("\n\n")
        .map(|p| p.lines().map(str::trim).collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// Why a rule matters and how to fix it, from its documentation.
pub fn rule_info(meta: &'static RuleMeta) -> RuleInfo {
    let why = doc_section(meta.doc, "Why is this bad?")
        .map(|w| paragraph(&w))
        .unwrap_or_else(|| meta.summary.to_string());
    // "Fix" says what the automatic fix does; "Use instead" shows the right code.
    let fix = doc_section(meta.doc, "Use instead")
        .or_else(|| doc_section(meta.doc, "Fix"))
        .unwrap_or_else(|| format!("See `preflight explain {}`.", meta.code));
    RuleInfo {
        code: meta.code,
        name: meta.name,
        category: meta.category,
        summary: meta.summary,
        why,
        fix,
    }
}

/// Builds the report.
pub fn build(input: Input) -> Report {
    let mut items = Vec::new();
    let mut metas: BTreeMap<&'static str, &'static RuleMeta> = BTreeMap::new();
    let mut lines_analysed = 0;
    let mut python = Vec::new();
    let mut files_analysed = 0;
    for file in input.files {
        if let Some(facts) = file.facts {
            lines_analysed += file.text.lines().count();
            files_analysed += 1;
            python.push((file.path.clone(), facts));
        }
        let index = LineIndex::new(&file.text);
        for f in &file.findings {
            let at = index.line_col(&file.text, f.range.start, PositionEncoding::Utf32);
            let autofix = f.fix.as_ref().is_some_and(|x| x.safety == Safety::Safe);
            metas.insert(f.rule.code, f.rule);
            items.push(Item {
                code: f.rule.code,
                name: f.rule.name,
                level: levels::level(f.rule.code, f.severity),
                category: f.rule.category,
                path: file.path.clone(),
                line: at.line + 1,
                column: at.col + 1,
                message: f.message.clone(),
                autofix,
                effort_minutes: input.effort.minutes(f.rule, autofix),
            });
        }
    }
    items.sort_by(|a, b| {
        (a.level, a.category, a.code, &a.path, a.line, a.column)
            .cmp(&(b.level, b.category, b.code, &b.path, b.line, b.column))
    });
    let project = checks::Project {
        python: &python,
        files: &input.project_files,
        findings: &items,
    };
    let checklist = checks::checklist(&project);
    let mut findings = Counts::default();
    for item in &items {
        findings.add(item.level);
    }
    let score = score::score(&findings, &checklist);
    let gaps: Vec<&CheckItem> = checklist
        .iter()
        .filter(|c| c.status == Status::Missing && !c.covered_by_findings)
        .collect();
    let mut counts = findings;
    for gap in &gaps {
        counts.add(gap.level);
    }
    let effort = Level::ALL
        .iter()
        .map(|level| LevelEffort {
            level: *level,
            items: counts.get(*level),
            minutes: items
                .iter()
                .filter(|i| i.level == *level)
                .map(|i| i.effort_minutes)
                .chain(
                    gaps.iter()
                        .filter(|g| g.level == *level)
                        .map(|g| g.effort_minutes),
                )
                .sum(),
        })
        .collect::<Vec<_>>();
    let total_effort_minutes = effort.iter().map(|e| e.minutes).sum();
    let phases = phases(&items, &gaps);
    let (readiness, verdict) = verdict(&counts, score.value);
    Report {
        project: input.project,
        verdict,
        readiness,
        score,
        files_analysed,
        lines_analysed,
        skipped_files: input
            .skipped
            .into_iter()
            .map(|(path, reason)| Skipped { path, reason })
            .collect(),
        counts,
        rules: metas.values().map(|m| rule_info(m)).collect(),
        checklist,
        items,
        effort,
        total_effort_minutes,
        phases,
    }
}

/// `Not ready` with any critical item (a blocker, whatever the score); `Ready with reservations`
/// with any high item or a score under 80; else `Ready`. The line lists the non-zero counts.
fn verdict(counts: &Counts, score: u32) -> (&'static str, String) {
    let (key, words) = if counts.critical > 0 {
        ("not_ready", "Not ready")
    } else if counts.high > 0 || score < 80 {
        ("ready_with_reservations", "Ready with reservations")
    } else {
        ("ready", "Ready")
    };
    let parts: Vec<String> = Level::ALL
        .iter()
        .filter(|l| counts.get(**l) > 0)
        .map(|l| format!("{} {}", counts.get(*l), l.as_str()))
        .collect();
    let tail = if parts.is_empty() {
        "nothing to fix".to_string()
    } else {
        parts.join(", ")
    };
    (key, format!("{words}: {tail}"))
}

/// Categories with their item counts, most items first: `security (3), network (1)`.
fn scope<'a>(categories: impl Iterator<Item = &'a str>) -> String {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for c in categories {
        *counts.entry(c).or_default() += 1;
    }
    let mut sorted: Vec<(&str, usize)> = counts.into_iter().collect();
    sorted.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    sorted
        .iter()
        .map(|(c, n)| format!("{c} ({n})"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The suggested order of work: automatic fixes first (minutes for a large share of the items),
/// then the rest level by level, critical first. Empty phases are left out.
fn phases(items: &[Item], gaps: &[&CheckItem]) -> Vec<Phase> {
    let mut out = Vec::new();
    let auto: Vec<&Item> = items.iter().filter(|i| i.autofix).collect();
    if !auto.is_empty() {
        out.push(Phase {
            name: "Automatic fixes".into(),
            scope: format!(
                "run `preflight check --fix` and review the diff: {}",
                scope(auto.iter().map(|i| i.category))
            ),
            items: auto.len(),
            minutes: auto.iter().map(|i| i.effort_minutes).sum(),
        });
    }
    let names = [
        (Level::Critical, "Critical fixes"),
        (Level::High, "High-priority gaps"),
        (Level::Medium, "Medium-priority hardening"),
        (Level::Low, "Low-priority clean-up"),
    ];
    for (level, name) in names {
        let manual: Vec<&Item> = items
            .iter()
            .filter(|i| i.level == level && !i.autofix)
            .collect();
        let level_gaps: Vec<&&CheckItem> = gaps.iter().filter(|g| g.level == level).collect();
        if manual.is_empty() && level_gaps.is_empty() {
            continue;
        }
        let categories = manual
            .iter()
            .map(|i| i.category)
            .chain(level_gaps.iter().map(|g| g.category));
        out.push(Phase {
            name: name.into(),
            scope: scope(categories),
            items: manual.len() + level_gaps.len(),
            minutes: manual.iter().map(|i| i.effort_minutes).sum::<u32>()
                + level_gaps.iter().map(|g| g.effort_minutes).sum::<u32>(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::registry;

    #[test]
    fn rule_docs_give_why_and_fix() {
        let info = rule_info(registry().find("PF201").unwrap().meta);
        assert!(!info.why.contains('\n'), "one paragraph: {}", info.why);
        assert!(info.why.len() > 40);
        assert!(info.fix.contains("timeout"), "{}", info.fix);
        for rule in registry().rules() {
            let info = rule_info(rule.meta);
            assert!(
                !info.why.is_empty() && !info.fix.is_empty(),
                "{}",
                rule.meta.code
            );
        }
    }

    #[test]
    fn verdicts_follow_counts_and_score() {
        let critical = Counts {
            critical: 3,
            high: 11,
            ..Counts::default()
        };
        assert_eq!(
            verdict(&critical, 40),
            ("not_ready", "Not ready: 3 critical, 11 high".to_string())
        );
        let clean = Counts::default();
        assert_eq!(verdict(&clean, 100).1, "Ready: nothing to fix");
        assert_eq!(verdict(&clean, 70).0, "ready_with_reservations");
        assert_eq!(
            verdict(&clean, 20).0,
            "ready_with_reservations",
            "no blocker"
        );
    }
}
