//! Writing a [`Report`]: Markdown (for people and pull requests), HTML (one self-contained file
//! with inline SVG charts), JSON (for tools). All three print the same data in the same order.

mod html;
mod markdown;
mod svg;

use super::model::{Item, Report};

/// How many instances of one rule the Markdown and HTML reports list before "… and N more"
/// (JSON lists all).
pub const LISTED_PER_RULE: usize = 20;

/// How many evidence lines a checklist item shows in Markdown and HTML.
pub const LISTED_EVIDENCE: usize = 5;

/// Output formats of `preflight report`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Markdown,
    Html,
    Json,
}

/// Renders a report.
pub fn render(report: &Report, format: Format) -> String {
    match format {
        Format::Markdown => markdown::render(report),
        Format::Html => html::render(report),
        Format::Json => json(report),
    }
}

/// The JSON form: the report with a format version for tools to check.
fn json(report: &Report) -> String {
    let value = serde_json::json!({
        "format_version": 1,
        "report": report,
    });
    let mut text = serde_json::to_string_pretty(&value).unwrap_or_else(|_| "{}".into());
    text.push('\n');
    text
}

/// The items of one rule within a level and category, in report order.
pub(super) struct RuleGroup<'a> {
    pub code: &'static str,
    pub items: Vec<&'a Item>,
}

impl<'a> RuleGroup<'a> {
    /// The message every item shares, when they all say the same (then the report writes it once
    /// and lists only the lines).
    pub fn shared_message(&self) -> Option<&'a str> {
        let first = self.items.first()?;
        (self.items.len() > 1 && self.items.iter().all(|i| i.message == first.message))
            .then_some(first.message.as_str())
    }

    /// The listed items (at most [`LISTED_PER_RULE`]) by file, in order: path and items.
    pub fn by_file(&self) -> Vec<(&'a str, Vec<&'a Item>)> {
        let mut out: Vec<(&'a str, Vec<&'a Item>)> = Vec::new();
        for item in self.items.iter().take(LISTED_PER_RULE) {
            match out.last_mut() {
                Some((path, items)) if *path == item.path => items.push(item),
                _ => out.push((item.path.as_str(), vec![item])),
            }
        }
        out
    }
}

/// Groups the items of one level by category (in order of first appearance, which is sorted),
/// then by rule.
pub(super) fn grouped<'a>(
    report: &'a Report,
    level: super::model::Level,
) -> Vec<(&'static str, Vec<RuleGroup<'a>>)> {
    let mut out: Vec<(&'static str, Vec<RuleGroup<'a>>)> = Vec::new();
    for item in report.items.iter().filter(|i| i.level == level) {
        if out.last().is_none_or(|(c, _)| *c != item.category) {
            out.push((item.category, Vec::new()));
        }
        let Some((_, groups)) = out.last_mut() else {
            continue;
        };
        if groups.last().is_none_or(|g| g.code != item.code) {
            groups.push(RuleGroup {
                code: item.code,
                items: Vec::new(),
            });
        }
        if let Some(g) = groups.last_mut() {
            g.items.push(item);
        }
    }
    out
}
