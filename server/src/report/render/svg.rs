//! Inline SVG charts for the HTML report: plain rectangles and text, no script, no external
//! fonts, written as well-formed XML.

use std::fmt::Write as _;

use super::html::escape;
use crate::report::model::{Level, Report, Status};

/// Colours of the levels (also used by the HTML badges).
pub fn level_colour(level: Level) -> &'static str {
    match level {
        Level::Critical => "#b91c1c",
        Level::High => "#ea580c",
        Level::Medium => "#ca8a04",
        Level::Low => "#2563eb",
    }
}

/// Colours of the checklist states.
pub fn status_colour(status: Status) -> &'static str {
    match status {
        Status::Present => "#15803d",
        Status::Missing => "#b91c1c",
        Status::NotApplicable => "#9ca3af",
    }
}

/// One bar segment: value, colour, tooltip.
type Segment = (u32, &'static str, String);
/// One labelled row of segments.
type Row = (String, Vec<Segment>);

fn open(out: &mut String, width: u32, height: u32, label: &str) {
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" aria-label="{}">"#,
        escape(label)
    );
}

/// Horizontal bars: one row per label, each row a stack of coloured segments.
fn stacked_rows(label: &str, rows: &[Row], width: u32) -> String {
    let label_width = 170;
    let row_height = 22;
    let max: u32 = rows
        .iter()
        .map(|(_, segs)| segs.iter().map(|s| s.0).sum::<u32>())
        .max()
        .unwrap_or(0)
        .max(1);
    let bar_space = width - label_width - 40;
    let height = (rows.len() as u32 * row_height).max(row_height) + 4;
    let mut out = String::new();
    open(&mut out, width, height, label);
    if rows.is_empty() {
        let _ = write!(
            out,
            r##"<text x="0" y="16" font-size="12" fill="#6b7280">nothing to show</text>"##
        );
    }
    for (i, (name, segments)) in rows.iter().enumerate() {
        let y = i as u32 * row_height + 2;
        let shown: String = name
            .chars()
            .rev()
            .take(26)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        let shown = if shown.len() < name.len() {
            format!("…{shown}")
        } else {
            shown
        };
        let _ = write!(
            out,
            r##"<text x="{}" y="{}" font-size="12" text-anchor="end" fill="#111827">{}</text>"##,
            label_width - 6,
            y + 14,
            escape(&shown)
        );
        let mut x = label_width;
        let mut total = 0;
        for (value, colour, title) in segments {
            if *value == 0 {
                continue;
            }
            let w = (*value * bar_space / max).max(2);
            let _ = write!(
                out,
                r#"<rect x="{x}" y="{y}" width="{w}" height="{}" fill="{colour}"><title>{}</title></rect>"#,
                row_height - 6,
                escape(title)
            );
            x += w;
            total += value;
        }
        let _ = write!(
            out,
            r##"<text x="{}" y="{}" font-size="12" fill="#374151">{total}</text>"##,
            x + 4,
            y + 14
        );
    }
    out.push_str("</svg>");
    out
}

/// Findings per level, one bar each.
pub fn levels(report: &Report) -> String {
    let rows: Vec<Row> = Level::ALL
        .iter()
        .map(|l| {
            let n = report.items.iter().filter(|i| i.level == *l).count() as u32;
            (
                l.title().to_string(),
                vec![(n, level_colour(*l), format!("{n} {}", l.as_str()))],
            )
        })
        .collect();
    stacked_rows("Findings by level", &rows, 560)
}

/// Findings per category, stacked by level.
pub fn categories(report: &Report) -> String {
    let mut names: Vec<&str> = report.items.iter().map(|i| i.category).collect();
    names.sort_unstable();
    names.dedup();
    let mut rows: Vec<Row> = names
        .iter()
        .map(|c| {
            let segments = Level::ALL
                .iter()
                .map(|l| {
                    let n = report
                        .items
                        .iter()
                        .filter(|i| i.category == *c && i.level == *l)
                        .count() as u32;
                    (n, level_colour(*l), format!("{c}: {n} {}", l.as_str()))
                })
                .collect();
            (c.to_string(), segments)
        })
        .collect();
    rows.sort_by_key(|(_, segs)| std::cmp::Reverse(segs.iter().map(|s| s.0).sum::<u32>()));
    stacked_rows("Findings by category and level", &rows, 560)
}

/// The ten files with most findings, stacked by level.
pub fn top_files(report: &Report) -> String {
    let mut files: Vec<(&str, u32)> = Vec::new();
    for item in &report.items {
        match files.iter_mut().find(|(p, _)| *p == item.path) {
            Some((_, n)) => *n += 1,
            None => files.push((&item.path, 1)),
        }
    }
    files.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let rows: Vec<Row> = files
        .iter()
        .take(10)
        .map(|(path, _)| {
            let segments = Level::ALL
                .iter()
                .map(|l| {
                    let n = report
                        .items
                        .iter()
                        .filter(|i| i.path == *path && i.level == *l)
                        .count() as u32;
                    (n, level_colour(*l), format!("{path}: {n} {}", l.as_str()))
                })
                .collect();
            (path.to_string(), segments)
        })
        .collect();
    stacked_rows("Files with most findings", &rows, 560)
}

/// The checklist as one bar: present, missing, not applicable.
pub fn checklist(report: &Report) -> String {
    let rows: Vec<Row> = [Status::Present, Status::Missing, Status::NotApplicable]
        .iter()
        .map(|s| {
            let n = report.checklist.iter().filter(|c| c.status == *s).count() as u32;
            (
                s.word().to_string(),
                vec![(n, status_colour(*s), format!("{n} {}", s.word()))],
            )
        })
        .collect();
    stacked_rows("Checklist state", &rows, 560)
}

/// The score as a ring.
pub fn score_ring(value: u32) -> String {
    let colour = match value {
        80.. => "#15803d",
        50..=79 => "#ca8a04",
        _ => "#b91c1c",
    };
    // Circumference of r=42 is 263.9; the dash covers the score's share of it.
    let dash = 263.9 * f64::from(value.min(100)) / 100.0;
    let mut out = String::new();
    open(
        &mut out,
        110,
        110,
        &format!("Readiness score {value} of 100"),
    );
    let _ = write!(
        out,
        r##"<circle cx="55" cy="55" r="42" fill="none" stroke="#e5e7eb" stroke-width="12"/><circle cx="55" cy="55" r="42" fill="none" stroke="{colour}" stroke-width="12" stroke-dasharray="{dash:.1} 263.9" transform="rotate(-90 55 55)"/><text x="55" y="62" font-size="24" font-weight="bold" text-anchor="middle" fill="#111827">{value}</text></svg>"##
    );
    out
}
