//! Effort estimates: minutes per finding, by rule, and how totals are written.
//!
//! Each rule has the minutes a person needs to fix one instance by hand ([`MINUTES`]: read the
//! code, change it, test it). A finding whose fix `preflight check --fix` applies costs
//! [`AUTO_FIX_MINUTES`] instead (reviewing the diff) — except where the fix is not the end of the
//! work: a credential removed from the code must still be rotated ([`AUTO_FLOOR`]).
//!
//! A project adjusts the numbers in its configuration:
//!
//! ```toml
//! [report]
//! auto-fix-minutes = 1
//! [report.effort]
//! PF201 = 5          # a code
//! security = 45      # or a prefix, a name, a category; the most specific selector wins
//! ```

use crate::config::{selects, ReportConfig};
use crate::rules::RuleMeta;

/// Minutes to fix one instance by hand, by rule. Rules not listed take [`DEFAULT_MINUTES`].
pub const MINUTES: &[(&str, u32)] = &[
    ("PF001", 2),
    ("PF101", 15),
    ("PF102", 5),
    ("PF103", 10),
    ("PF104", 5),
    ("PF105", 5),
    ("PF106", 10),
    ("PF107", 15),
    ("PF108", 5),
    ("PF201", 10),
    ("PF202", 30),
    ("PF203", 30),
    ("PF204", 30),
    ("PF205", 45),
    ("PF206", 15),
    ("PF301", 20),
    ("PF302", 10),
    ("PF303", 30),
    ("PF304", 10),
    ("PF305", 10),
    ("PF306", 10),
    ("PF307", 120),
    ("PF308", 15),
    ("PF309", 30),
    ("PF310", 15),
    ("PF401", 15),
    ("PF402", 10),
    ("PF403", 5),
    ("PF501", 30),
    ("PF502", 15),
    ("PF503", 30),
    ("PF504", 30),
    ("PF505", 60),
    ("PF506", 15),
    ("PF601", 5),
];

/// Minutes for a rule missing from [`MINUTES`] (a project's own query rules).
pub const DEFAULT_MINUTES: u32 = 15;

/// Minutes for a finding `preflight check --fix` repairs: reviewing the diff.
pub const AUTO_FIX_MINUTES: u32 = 2;

/// Rules whose automatic fix leaves work behind, with the minutes that remain: a hardcoded
/// credential moved to the environment is still in the history and must be rotated.
pub const AUTO_FLOOR: &[(&str, u32)] = &[("PF303", 20), ("PF501", 20)];

/// The effort table in force: the built-in minutes with the project's overrides.
#[derive(Debug, Clone, Default)]
pub struct Effort {
    overrides: Vec<(String, u32)>,
    auto_fix_minutes: Option<u32>,
}

/// How specific a selector is for a rule: an exact code or name beats a longer prefix, which
/// beats a shorter one, which beats a category or `ALL`.
fn specificity(selector: &str, meta: &RuleMeta) -> usize {
    if selector.eq_ignore_ascii_case(meta.code) || selector == meta.name {
        100
    } else if meta.code.starts_with(&selector.to_ascii_uppercase()) {
        selector.len() * 10
    } else {
        1
    }
}

impl Effort {
    /// The built-in table with the `[report]` configuration applied.
    pub fn new(config: &ReportConfig) -> Effort {
        Effort {
            overrides: config.effort.clone(),
            auto_fix_minutes: config.auto_fix_minutes,
        }
    }

    /// Minutes to fix one instance of a rule by hand.
    pub fn manual(&self, meta: &RuleMeta) -> u32 {
        let configured = self
            .overrides
            .iter()
            .filter(|(s, _)| selects(s, meta.code, meta.name, meta.category))
            .max_by_key(|(s, _)| specificity(s, meta))
            .map(|(_, m)| *m);
        configured.unwrap_or_else(|| {
            MINUTES
                .iter()
                .find(|(c, _)| *c == meta.code)
                .map_or(DEFAULT_MINUTES, |(_, m)| *m)
        })
    }

    /// Minutes for one finding, fixed automatically or not.
    pub fn minutes(&self, meta: &RuleMeta, autofix: bool) -> u32 {
        let manual = self.manual(meta);
        if !autofix {
            return manual;
        }
        let auto = self.auto_fix_minutes.unwrap_or(AUTO_FIX_MINUTES);
        let floor = AUTO_FLOOR
            .iter()
            .find(|(c, _)| *c == meta.code)
            .map_or(0, |(_, m)| *m);
        auto.max(floor).min(manual.max(auto))
    }
}

/// `45 min`, `1 h`, `2 h 30 min`, `12 h` (whole hours past ten hours).
pub fn format_minutes(minutes: u32) -> String {
    if minutes < 60 {
        return format!("{minutes} min");
    }
    let hours = minutes / 60;
    let rest = minutes % 60;
    if hours >= 10 {
        let rounded = (minutes + 30) / 60;
        return format!("{rounded} h");
    }
    // Quarter hours are precise enough for an estimate.
    let rest = (rest + 7) / 15 * 15;
    match rest {
        0 => format!("{hours} h"),
        60 => format!("{} h", hours + 1),
        r => format!("{hours} h {r} min"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::registry;

    fn meta(code: &str) -> &'static RuleMeta {
        registry().find(code).map(|r| r.meta).unwrap()
    }

    #[test]
    fn the_table_covers_every_rule() {
        for rule in registry().rules() {
            assert!(
                MINUTES.iter().any(|(c, _)| *c == rule.meta.code),
                "{} has no effort estimate",
                rule.meta.code
            );
        }
    }

    #[test]
    fn automatic_fixes_cost_less_except_credentials() {
        let effort = Effort::default();
        assert_eq!(effort.minutes(meta("PF201"), false), 10);
        assert_eq!(effort.minutes(meta("PF201"), true), 2);
        assert_eq!(effort.minutes(meta("PF501"), true), 20, "rotate the secret");
        assert_eq!(effort.minutes(meta("PF001"), true), 2);
    }

    #[test]
    fn the_most_specific_override_wins_regardless_of_order() {
        let config = ReportConfig {
            effort: vec![
                ("PF2".into(), 7),
                ("network".into(), 3),
                ("PF201".into(), 12),
                ("ALL".into(), 1),
            ],
            auto_fix_minutes: Some(0),
        };
        let effort = Effort::new(&config);
        assert_eq!(effort.manual(meta("PF201")), 12);
        assert_eq!(effort.manual(meta("PF202")), 7);
        assert_eq!(effort.manual(meta("PF101")), 1);
        assert_eq!(effort.minutes(meta("PF201"), true), 0);
    }

    #[test]
    fn minutes_read_like_an_estimate() {
        assert_eq!(format_minutes(0), "0 min");
        assert_eq!(format_minutes(45), "45 min");
        assert_eq!(format_minutes(60), "1 h");
        assert_eq!(format_minutes(95), "1 h 30 min");
        assert_eq!(format_minutes(119), "2 h");
        assert_eq!(format_minutes(725), "12 h");
    }
}
