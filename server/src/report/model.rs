//! The report as plain data: what every renderer (Markdown, HTML, JSON) prints. Paths are
//! relative to the project root with `/` separators, so reports are stable across machines.

use serde::Serialize;

/// How urgent an item is before production. Ordered from most to least urgent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Critical,
    High,
    Medium,
    Low,
}

impl Level {
    /// Every level, most urgent first.
    pub const ALL: [Level; 4] = [Level::Critical, Level::High, Level::Medium, Level::Low];

    /// The capitalised name, as section headings print it.
    pub fn title(self) -> &'static str {
        match self {
            Level::Critical => "Critical",
            Level::High => "High",
            Level::Medium => "Medium",
            Level::Low => "Low",
        }
    }

    /// The lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Critical => "critical",
            Level::High => "high",
            Level::Medium => "medium",
            Level::Low => "low",
        }
    }
}

/// The state of one checklist item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Present,
    Missing,
    NotApplicable,
}

impl Status {
    /// How the Markdown checklist marks the item.
    pub fn mark(self) -> &'static str {
        match self {
            Status::Present => "[x]",
            Status::Missing => "[ ]",
            Status::NotApplicable => "[-]",
        }
    }

    /// A word for the state.
    pub fn word(self) -> &'static str {
        match self {
            Status::Present => "present",
            Status::Missing => "missing",
            Status::NotApplicable => "not applicable",
        }
    }
}

/// Where something was seen: `path:line` and what is there.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Evidence {
    pub path: String,
    pub line: usize,
    pub note: String,
}

/// One item of the sign-off checklist.
#[derive(Debug, Clone, Serialize)]
pub struct CheckItem {
    /// Stable identifier (`health-endpoint`).
    pub id: &'static str,
    /// What should be true (`A health or readiness endpoint`).
    pub title: &'static str,
    /// The review section it belongs to (same names as rule categories).
    pub category: &'static str,
    pub status: Status,
    /// Why the status is what it is, in one or two sentences.
    pub detail: String,
    pub evidence: Vec<Evidence>,
    /// How urgent the item is when missing.
    pub level: Level,
    /// What to do when missing.
    pub fix: &'static str,
    /// Minutes to make it present; 0 when present, not applicable, or covered by findings.
    pub effort_minutes: u32,
    /// Missing, and the findings listed in the report are the work (their effort is counted
    /// there, and the item is not counted again in the verdict).
    pub covered_by_findings: bool,
}

/// One finding in the report.
#[derive(Debug, Clone, Serialize)]
pub struct Item {
    pub code: &'static str,
    pub name: &'static str,
    pub level: Level,
    pub category: &'static str,
    pub path: String,
    /// 1-based line and column (Unicode characters).
    pub line: u32,
    pub column: u32,
    pub message: String,
    /// Whether `preflight check --fix` applies the fix.
    pub autofix: bool,
    pub effort_minutes: u32,
}

/// What the report says about a rule once, for all its items.
#[derive(Debug, Clone, Serialize)]
pub struct RuleInfo {
    pub code: &'static str,
    pub name: &'static str,
    pub category: &'static str,
    pub summary: &'static str,
    /// From the rule's "Why is this bad?" section.
    pub why: String,
    /// From the rule's "Fix" (or "Use instead") section.
    pub fix: String,
}

/// Counts per level.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub critical: usize,
    pub high: usize,
    pub medium: usize,
    pub low: usize,
}

impl Counts {
    /// The count of one level.
    pub fn get(&self, level: Level) -> usize {
        match level {
            Level::Critical => self.critical,
            Level::High => self.high,
            Level::Medium => self.medium,
            Level::Low => self.low,
        }
    }

    /// Adds one to a level.
    pub fn add(&mut self, level: Level) {
        match level {
            Level::Critical => self.critical += 1,
            Level::High => self.high += 1,
            Level::Medium => self.medium += 1,
            Level::Low => self.low += 1,
        }
    }

    pub fn total(&self) -> usize {
        self.critical + self.high + self.medium + self.low
    }
}

/// One phase of the suggested order of work.
#[derive(Debug, Clone, Serialize)]
pub struct Phase {
    pub name: String,
    /// What the phase covers, in one line.
    pub scope: String,
    pub items: usize,
    pub minutes: u32,
}

/// The readiness score and how it was reached.
#[derive(Debug, Clone, Serialize)]
pub struct Score {
    /// 0–100.
    pub value: u32,
    /// Points from the findings (out of [`super::score::FINDINGS_POINTS`]).
    pub findings_points: f64,
    /// Points from the checklist (out of [`super::score::CHECKLIST_POINTS`]).
    pub checklist_points: f64,
    /// What each level deducted, for the explanation.
    pub deductions: Vec<Deduction>,
}

/// One level's part of the score.
#[derive(Debug, Clone, Serialize)]
pub struct Deduction {
    pub level: Level,
    pub findings: usize,
    pub weight: f64,
    pub cap: f64,
    /// `min(cap, findings × weight)`.
    pub deducted: f64,
}

/// Effort of one level.
#[derive(Debug, Clone, Serialize)]
pub struct LevelEffort {
    pub level: Level,
    /// Findings and checklist gaps of the level.
    pub items: usize,
    pub minutes: u32,
}

/// A file that could not be analysed.
#[derive(Debug, Clone, Serialize)]
pub struct Skipped {
    pub path: String,
    pub reason: String,
}

/// The whole report.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The project folder's name.
    pub project: String,
    /// One line: `Not ready: 3 critical, 11 high`.
    pub verdict: String,
    /// `not_ready`, `ready_with_reservations`, `ready`.
    pub readiness: &'static str,
    pub score: Score,
    pub files_analysed: usize,
    pub lines_analysed: usize,
    /// Files that could not be analysed, with the reason.
    pub skipped_files: Vec<Skipped>,
    /// Findings per level, checklist items that are missing included.
    pub counts: Counts,
    pub checklist: Vec<CheckItem>,
    /// Findings, most urgent first, then by category, path and line.
    pub items: Vec<Item>,
    /// The rules that have items, by code.
    pub rules: Vec<RuleInfo>,
    /// Effort per level (findings and checklist gaps).
    pub effort: Vec<LevelEffort>,
    pub total_effort_minutes: u32,
    pub phases: Vec<Phase>,
}
