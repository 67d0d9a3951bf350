//! The readiness score: 0–100, computed so that anyone can redo it by hand.
//!
//! - **Findings: 60 points.** Each finding deducts its level's weight ([`WEIGHTS`]); the total
//!   deduction of a level is capped ([`CAPS`]), so a pile of low-level notes can never cost more
//!   than 5 points while four critical findings take all 60.
//! - **Checklist: 40 points**, shared equally by the items that apply (present or missing); a
//!   present item earns its share, a missing one nothing. With no applicable item the 40 points
//!   are earned.
//!
//! `score = round(max(0, 60 − Σ min(cap, count × weight)) + 40 × present / applicable)`.

use super::model::{CheckItem, Counts, Deduction, Level, Score, Status};

/// Points the findings part is worth.
pub const FINDINGS_POINTS: f64 = 60.0;
/// Points the checklist part is worth.
pub const CHECKLIST_POINTS: f64 = 40.0;

/// Points deducted per finding of each level.
pub const WEIGHTS: [(Level, f64); 4] = [
    (Level::Critical, 15.0),
    (Level::High, 5.0),
    (Level::Medium, 1.5),
    (Level::Low, 0.5),
];

/// The most a level can deduct in total.
pub const CAPS: [(Level, f64); 4] = [
    (Level::Critical, 60.0),
    (Level::High, 30.0),
    (Level::Medium, 15.0),
    (Level::Low, 5.0),
];

/// Computes the score from the findings per level (checklist items not included) and the
/// checklist.
pub fn score(findings: &Counts, checklist: &[CheckItem]) -> Score {
    let mut deductions = Vec::new();
    let mut deducted = 0.0;
    for ((level, weight), (_, cap)) in WEIGHTS.iter().zip(CAPS.iter()) {
        let n = findings.get(*level);
        let part = (n as f64 * weight).min(*cap);
        deductions.push(Deduction {
            level: *level,
            findings: n,
            weight: *weight,
            cap: *cap,
            deducted: part,
        });
        deducted += part;
    }
    let findings_points = (FINDINGS_POINTS - deducted).max(0.0);
    let applicable = checklist
        .iter()
        .filter(|c| c.status != Status::NotApplicable)
        .count();
    let present = checklist
        .iter()
        .filter(|c| c.status == Status::Present)
        .count();
    let checklist_points = if applicable == 0 {
        CHECKLIST_POINTS
    } else {
        CHECKLIST_POINTS * present as f64 / applicable as f64
    };
    let value = (findings_points + checklist_points)
        .round()
        .clamp(0.0, 100.0) as u32;
    Score {
        value,
        findings_points: (findings_points * 10.0).round() / 10.0,
        checklist_points: (checklist_points * 10.0).round() / 10.0,
        deductions,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(status: Status) -> CheckItem {
        CheckItem {
            id: "x",
            title: "x",
            category: "configuration",
            status,
            detail: String::new(),
            evidence: Vec::new(),
            level: Level::High,
            fix: "",
            effort_minutes: 0,
            covered_by_findings: false,
        }
    }

    #[test]
    fn a_clean_project_scores_100_and_caps_hold() {
        let clean = score(&Counts::default(), &[item(Status::Present)]);
        assert_eq!(clean.value, 100);
        let noisy = Counts {
            low: 1000,
            ..Counts::default()
        };
        assert_eq!(score(&noisy, &[]).value, 95, "low findings cost at most 5");
        let critical = Counts {
            critical: 4,
            ..Counts::default()
        };
        assert_eq!(score(&critical, &[]).value, 40);
    }

    #[test]
    fn the_checklist_shares_forty_points_among_applicable_items() {
        let items = [
            item(Status::Present),
            item(Status::Missing),
            item(Status::NotApplicable),
            item(Status::Missing),
        ];
        let s = score(&Counts::default(), &items);
        // 60 + 40 × 1/3 = 73.3
        assert_eq!(s.value, 73);
        let mixed = Counts {
            high: 2,
            medium: 3,
            ..Counts::default()
        };
        // 60 − 10 − 4.5 = 45.5, + 13.3 = 58.8
        assert_eq!(score(&mixed, &items).value, 59);
    }
}
