//! The invariant behind incremental sync, as a checker shared by the property test and the fuzz
//! target: after any sequence of edits, in either position encoding, the document's rope equals
//! the expected text, its incremental tree equals a fresh parse, and its diagnostics equal a fresh
//! analysis. Positions are computed here from the expected text, independently of `position.rs`.

use super::{Document, LineCol, PositionEncoding, TextChange};
use crate::analysis::{analyze, analyze_str, Finding};
use crate::parse::ModuleTree;

/// One edit: replace `len` characters at `start` (both reduced to fit the current text, with
/// `usize::MAX` deleting everything) by `insert`.
#[derive(Debug, Clone)]
pub struct Op {
    pub start: usize,
    pub len: usize,
    pub insert: String,
}

/// The position of a char index, counted from the expected text.
fn position_of(text: &str, char_index: usize, enc: PositionEncoding) -> LineCol {
    let mut line = 0;
    let mut col = 0;
    let mut chars = text.chars().take(char_index).peekable();
    while let Some(c) = chars.next() {
        if c == '\n' || (c == '\r' && chars.peek() != Some(&'\n')) {
            line += 1;
            col = 0;
        } else if c != '\r' {
            col += match enc {
                PositionEncoding::Utf8 => c.len_utf8(),
                PositionEncoding::Utf16 => c.len_utf16(),
                PositionEncoding::Utf32 => 1,
            } as u32;
        }
    }
    LineCol { line, col }
}

/// Every node of every piece, with its bytes.
fn shape(tree: &ModuleTree) -> Vec<(&str, usize, usize)> {
    let mut out = Vec::new();
    for root in tree.roots() {
        crate::analysis::semantic::walk(root, |n| {
            out.push((n.kind(), n.start_byte(), n.end_byte()))
        });
    }
    out
}

type Visible = Vec<(&'static str, std::ops::Range<usize>, String, Option<String>)>;

fn visible(findings: &[Finding]) -> Visible {
    findings
        .iter()
        .map(|f| {
            (
                f.rule.code,
                f.range.clone(),
                f.message.clone(),
                f.fix.as_ref().map(|x| format!("{x:?}")),
            )
        })
        .collect()
}

/// Applies `ops` to a document holding `initial`, `batch` changes per notification, checking the
/// invariant after every notification. Returns the first violation.
pub fn run(initial: &str, ops: &[Op], batch: usize, enc: PositionEncoding) -> Result<(), String> {
    let mut expected = initial.to_string();
    let mut doc = Document::new(1, &expected);
    let mut version = 1;
    for chunk in ops.chunks(batch.max(1)) {
        let mut changes = Vec::new();
        for op in chunk {
            let chars: Vec<char> = expected.chars().collect();
            let mut start = if op.len == usize::MAX {
                0
            } else {
                op.start % (chars.len() + 1)
            };
            // Never split a "\r\n": no protocol position lies between the two.
            if start > 0 && start < chars.len() && chars[start - 1] == '\r' && chars[start] == '\n'
            {
                start -= 1;
            }
            let mut end = start.saturating_add(op.len).min(chars.len());
            if end > 0 && end < chars.len() && chars[end - 1] == '\r' && chars[end] == '\n' {
                end += 1;
            }
            let range = (
                position_of(&expected, start, enc),
                position_of(&expected, end, enc),
            );
            let byte = |i: usize| {
                expected
                    .char_indices()
                    .nth(i)
                    .map_or(expected.len(), |(b, _)| b)
            };
            let (byte_start, byte_end) = (byte(start), byte(end));
            expected.replace_range(byte_start..byte_end, &op.insert);
            changes.push(TextChange {
                range: Some(range),
                text: op.insert.clone(),
            });
        }
        version += 1;
        doc.apply_changes(version, &changes, enc)
            .map_err(|e| format!("edit rejected: {e}"))?;
        if *doc.text() != *expected || doc.rope != expected.as_str() {
            return Err(format!("text drifted after version {version}"));
        }
        let fresh = ModuleTree::parse(&expected, None).map_err(|e| e.to_string())?;
        let tree = doc.tree().ok_or("no tree")?;
        if tree.piece_ranges().ne(fresh.piece_ranges()) {
            return Err(format!(
                "pieces differ from a fresh split after version {version}"
            ));
        }
        if shape(tree) != shape(&fresh) {
            // tree-sitter's error recovery can settle differently when it reuses an old tree
            // (an unterminated `"""` typed into broken code): both trees then describe text that
            // does not parse. Text that parses must give the same tree, always.
            if fresh.has_error() && tree.has_error() {
                continue;
            }
            return Err(format!(
                "incremental tree differs from a fresh parse after version {version}"
            ));
        }
        let fresh_findings = analyze_str(&expected).map_err(|e| e.to_string())?;
        if visible(&analyze(&expected, tree)) != visible(&fresh_findings) {
            return Err(format!(
                "diagnostics differ from a fresh analysis after version {version}"
            ));
        }
    }
    Ok(())
}
