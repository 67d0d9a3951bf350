//! Applying edits to text, and fix-all: apply every chosen fix, re-analyse, repeat until stable.

use crate::analysis::{self, Edit, FileSettings, Finding, Safety};

/// Two edits of one batch touch the same text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverlapError;

/// Applies edits (byte ranges into `source`) and returns the new text.
///
/// Insertions at the same offset are applied in the order given; overlapping ranges are an error.
pub fn apply_edits(source: &str, edits: &[Edit]) -> Result<String, OverlapError> {
    let mut sorted: Vec<&Edit> = edits.iter().collect();
    sorted.sort_by_key(|e| (e.range.start, e.range.end));
    let mut out = String::with_capacity(source.len() + 64);
    let mut last = 0;
    for edit in sorted {
        if edit.range.start < last
            || edit.range.end > source.len()
            || !source.is_char_boundary(edit.range.start)
            || !source.is_char_boundary(edit.range.end)
        {
            return Err(OverlapError);
        }
        out.push_str(&source[last..edit.range.start]);
        out.push_str(&edit.new_text);
        last = edit.range.end;
    }
    out.push_str(&source[last..]);
    Ok(out)
}

/// Whether two edits from different fixes can be applied together.
fn conflicts(a: &Edit, b: &Edit) -> bool {
    if a == b {
        return false;
    }
    let (a, b) = (&a.range, &b.range);
    (a.start < b.end && b.start < a.end) || (a.is_empty() && b.is_empty() && a.start == b.start)
}

/// Which fixes fix-all applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FixMode {
    /// Only fixes marked safe (`check --fix`, `source.fixAll`).
    SafeOnly,
    /// Every fix (used by tests to exercise unsafe fixers too).
    All,
}

/// The result of fix-all on one text.
#[derive(Debug, Clone)]
pub struct FixAllResult {
    pub text: String,
    /// How many fixes were applied.
    pub applied: usize,
}

/// Applies every fix of the selected findings, re-analysing between rounds so that fixes which
/// share edits (two handlers that both add `import logging`) or overlap are applied one after the
/// other. Stops when a round applies nothing, after at most ten rounds.
pub fn fix_all(
    source: &str,
    mode: FixMode,
    settings: &FileSettings,
    select: impl Fn(&Finding) -> bool,
) -> FixAllResult {
    let mut text = source.to_string();
    let mut applied = 0;
    for _round in 0..10 {
        let Ok(findings) = analysis::analyze_str_with(&text, settings) else {
            break;
        };
        let mut accepted: Vec<Edit> = Vec::new();
        let mut round = 0;
        for finding in findings.iter().filter(|f| select(f)) {
            let Some(fix) = &finding.fix else { continue };
            if mode == FixMode::SafeOnly && fix.safety != Safety::Safe {
                continue;
            }
            if fix
                .edits
                .iter()
                .any(|e| accepted.iter().any(|a| conflicts(a, e)))
            {
                continue;
            }
            for edit in &fix.edits {
                if !accepted.contains(edit) {
                    accepted.push(edit.clone());
                }
            }
            round += 1;
        }
        if round == 0 {
            break;
        }
        match apply_edits(&text, &accepted) {
            Ok(new_text) => {
                text = new_text;
                applied += round;
            }
            Err(OverlapError) => {
                tracing::error!("fix-all produced overlapping edits; stopping");
                break;
            }
        }
    }
    FixAllResult { text, applied }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn applies_sorted_edits_and_rejects_overlaps() {
        let src = "abcdef";
        let edits = vec![
            Edit::replace(4..6, "XY"),
            Edit::insert(0, ">"),
            Edit::replace(1..2, "B"),
        ];
        assert_eq!(apply_edits(src, &edits).unwrap(), ">aBcdXY");
        assert!(apply_edits(src, &[Edit::replace(0..3, ""), Edit::replace(2..4, "")]).is_err());
        assert!(
            apply_edits("é", &[Edit::replace(1..2, "")]).is_err(),
            "inside a character"
        );
    }

    #[test]
    fn identical_edits_from_two_fixes_do_not_conflict() {
        let a = Edit::insert(0, "import logging\n");
        assert!(!conflicts(&a, &a.clone()));
        assert!(conflicts(&a, &Edit::insert(0, "import os\n")));
        assert!(!conflicts(
            &Edit::replace(0..2, "x"),
            &Edit::replace(2..3, "y")
        ));
    }
}
