//! An open document: its version, its text as a rope and its syntax tree, kept in step edit by edit.

use std::sync::Arc;
use std::time::{Duration, Instant};

use ropey::Rope;
use tree_sitter::InputEdit;

use super::position::{self, LineCol, PositionEncoding, PositionError};
use crate::parse::ModuleTree;

/// One content change as the client sends it: a range to replace, or the whole text when `range` is `None`.
#[derive(Debug, Clone)]
pub struct TextChange {
    pub range: Option<(LineCol, LineCol)>,
    pub text: String,
}

/// Why a batch of changes was rejected. The document is left exactly as it was.
#[derive(Debug)]
pub enum EditError {
    Position(PositionError),
    ReversedRange { start: LineCol, end: LineCol },
}

impl std::fmt::Display for EditError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EditError::Position(e) => write!(f, "{e}"),
            EditError::ReversedRange { start, end } => write!(
                f,
                "range end {}:{} comes before its start {}:{}",
                end.line, end.col, start.line, start.col
            ),
        }
    }
}

impl std::error::Error for EditError {}

/// How much work one document may cost before Preflight stops analysing it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Larger documents are kept (edits still apply) but not parsed or analysed.
    pub max_bytes: usize,
    /// A parse that takes longer is abandoned and the document is left unanalysed.
    pub parse_budget: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        // 10 MiB is about 250,000 lines of Python; a parse of that takes 2–3 s on a slow machine.
        Limits {
            max_bytes: 10 * 1024 * 1024,
            parse_budget: Duration::from_secs(5),
        }
    }
}

/// Why a document has no tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skipped {
    TooLarge { bytes: usize, limit: usize },
    ParseTimedOut { budget: Duration },
}

impl std::fmt::Display for Skipped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mib = |b: usize| b as f64 / (1024.0 * 1024.0);
        match self {
            Skipped::TooLarge { bytes, limit } => write!(
                f,
                "Preflight skipped this file: {:.1} MiB is over its {:.1} MiB limit (setting `maxFileSize`)",
                mib(*bytes),
                mib(*limit)
            ),
            Skipped::ParseTimedOut { budget } => {
                write!(f, "Preflight skipped this file: parsing took longer than {} ms", budget.as_millis())
            }
        }
    }
}

/// Parses within the limits, reusing `old` (with the edits that led from its text to `text`);
/// `Err` says why there is no tree. With the tree come the byte ranges whose syntax changed beyond
/// the edited bytes (none after a parse from scratch).
fn parse_limited(
    text: &str,
    old: Option<(&ModuleTree, &[InputEdit])>,
    limits: Limits,
) -> Result<(ModuleTree, Vec<std::ops::Range<usize>>), Skipped> {
    if text.len() > limits.max_bytes {
        return Err(Skipped::TooLarge {
            bytes: text.len(),
            limit: limits.max_bytes,
        });
    }
    let deadline = Some(Instant::now() + limits.parse_budget);
    let parsed = match old {
        Some((tree, edits)) => tree.reparse(edits, text, deadline),
        None => ModuleTree::parse(text, deadline).map(|tree| (tree, Vec::new())),
    };
    parsed.map_err(|_| Skipped::ParseTimedOut {
        budget: limits.parse_budget,
    })
}

/// The text of an open file and its syntax tree, which always describe the same version.
///
/// A document over the size limit, or whose parse ran out of time, has no tree (see [`Skipped`]);
/// its rope still follows every edit, and it is parsed again once it fits.
#[derive(Clone)]
pub struct Document {
    pub version: i32,
    pub rope: Rope,
    tree: Option<ModuleTree>,
    skipped: Option<Skipped>,
    limits: Limits,
    /// The text as one string, shared with analyses running on other threads (the split into
    /// statements reads it too). Edited in place when no analysis holds it, rather than rebuilt
    /// from the rope: copying a 20,000-line file took half of a keystroke's edit.
    text: Arc<String>,
}

impl Document {
    /// Creates a document from its full text, with the default limits.
    pub fn new(version: i32, text: &str) -> Self {
        Self::with_limits(version, text, Limits::default())
    }

    /// Creates a document from its full text.
    pub fn with_limits(version: i32, text: &str, limits: Limits) -> Self {
        let rope = Rope::from_str(text);
        let (tree, skipped) = match parse_limited(text, None, limits) {
            Ok((tree, _)) => (Some(tree), None),
            Err(why) => (None, Some(why)),
        };
        Document {
            version,
            rope,
            tree,
            skipped,
            limits,
            text: Arc::new(text.to_owned()),
        }
    }

    /// The syntax tree of the current text, unless the document was skipped.
    pub fn tree(&self) -> Option<&ModuleTree> {
        self.tree.as_ref()
    }

    /// Why the document has no tree, if it has none.
    pub fn skipped(&self) -> Option<Skipped> {
        self.skipped
    }

    /// The whole text as a shared string.
    pub fn text(&self) -> Arc<String> {
        self.text.clone()
    }

    /// Applies a batch of changes in order, then reparses incrementally.
    ///
    /// All or nothing: if any change is out of range the document keeps its previous text, tree and
    /// version, so a bad message from the client can never leave rope and tree disagreeing.
    pub fn apply_changes(
        &mut self,
        version: i32,
        changes: &[TextChange],
        enc: PositionEncoding,
    ) -> Result<Applied, EditError> {
        // Ropes are reference-counted, so the copy that makes this transactional is cheap; the
        // tree is only read until the new one replaces it.
        let mut rope = self.rope.clone();
        let mut whole_text_replaced = self.tree.is_none();
        // Set when a change replaces the whole text: the string is then taken from the rope.
        let mut full_replacement = false;
        let mut edits = Vec::new();
        let mut tree_edits = Vec::new();
        for change in changes {
            match change.range {
                None => {
                    rope = Rope::from_str(&change.text);
                    whole_text_replaced = true;
                    full_replacement = true;
                }
                Some((start, end)) => {
                    let start_byte =
                        position::to_byte(&rope, start, enc).map_err(EditError::Position)?;
                    let end_byte =
                        position::to_byte(&rope, end, enc).map_err(EditError::Position)?;
                    if end_byte < start_byte {
                        return Err(EditError::ReversedRange { start, end });
                    }
                    let edit = replace(&mut rope, start_byte, end_byte, &change.text);
                    edits.push(ByteEdit {
                        start: edit.start_byte,
                        old_end: edit.old_end_byte,
                        new_end: edit.new_end_byte,
                    });
                    tree_edits.push(edit);
                }
            }
        }
        let old = match (&self.tree, whole_text_replaced) {
            (Some(tree), false) => Some((tree, tree_edits.as_slice())),
            _ => None,
        };
        // Every change is valid from here on, so the string can follow the rope.
        let mut text = std::mem::take(&mut self.text);
        if full_replacement {
            text = Arc::new(rope.to_string());
        } else {
            // A copy only when an analysis still reads the previous text.
            let string = Arc::make_mut(&mut text);
            for (edit, change) in edits.iter().zip(changes) {
                string.replace_range(edit.start..edit.old_end, &change.text);
            }
        }
        // With the tree comes what changed in the syntax beyond the edited bytes (a quote that
        // turns the rest of the file into a string), for the incremental analysis.
        let (new_tree, skipped, changed) = match parse_limited(&text, old, self.limits) {
            Ok((tree, changed)) => (Some(tree), None, changed),
            Err(why) => (None, Some(why), Vec::new()),
        };
        let applied = Applied {
            edits,
            whole: whole_text_replaced || new_tree.is_none(),
            changed,
        };
        self.rope = rope;
        self.tree = new_tree;
        self.skipped = skipped;
        self.version = version;
        self.text = text;
        Ok(applied)
    }
}

/// One edit in bytes: `start..old_end` of the old text became `start..new_end` of the new one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteEdit {
    pub start: usize,
    pub old_end: usize,
    pub new_end: usize,
}

/// What a batch of changes did, for whoever keeps positions into the text (the analysis cache).
#[derive(Debug, Clone, Default)]
pub struct Applied {
    /// The edits, in the order they were applied (each in the coordinates left by the previous).
    pub edits: Vec<ByteEdit>,
    /// The whole text was replaced (or there is no tree): nothing positional carries over.
    pub whole: bool,
    /// Byte ranges of the new text whose syntax changed (tree-sitter's `changed_ranges`).
    pub changed: Vec<std::ops::Range<usize>>,
}

/// Replaces `start..end` (bytes) in the rope and returns the matching tree-sitter edit.
fn replace(rope: &mut Rope, start: usize, end: usize, text: &str) -> InputEdit {
    let start_position = position::to_point(rope, start);
    let old_end_position = position::to_point(rope, end);
    let start_char = rope.byte_to_char(start);
    let end_char = rope.byte_to_char(end);
    rope.remove(start_char..end_char);
    rope.insert(start_char, text);
    let new_end_byte = start + text.len();
    InputEdit {
        start_byte: start,
        old_end_byte: end,
        new_end_byte,
        start_position,
        old_end_position,
        new_end_position: position::to_point(rope, new_end_byte),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(l0: u32, c0: u32, l1: u32, c1: u32, text: &str) -> TextChange {
        TextChange {
            range: Some((LineCol { line: l0, col: c0 }, LineCol { line: l1, col: c1 })),
            text: text.into(),
        }
    }

    #[test]
    fn incremental_edit_matches_fresh_parse() {
        let mut doc = Document::new(1, "def f():\n    pass\n");
        doc.apply_changes(
            2,
            &[change(1, 4, 1, 8, "return '中文😀'")],
            PositionEncoding::Utf16,
        )
        .unwrap();
        let text = doc.text();
        assert_eq!(&*text, "def f():\n    return '中文😀'\n");
        let fresh = ModuleTree::parse(&text, None).unwrap();
        assert_eq!(doc.tree().unwrap().to_sexp(), fresh.to_sexp());
        assert_eq!(doc.version, 2);
    }

    #[test]
    fn a_bad_change_leaves_the_document_untouched() {
        let mut doc = Document::new(1, "x = 1\n");
        let err = doc.apply_changes(
            2,
            &[change(0, 0, 0, 1, "y"), change(9, 0, 9, 0, "boom")],
            PositionEncoding::Utf16,
        );
        assert!(err.is_err());
        assert_eq!(&*doc.text(), "x = 1\n");
        assert_eq!(doc.version, 1);
        let reversed = doc.apply_changes(3, &[change(0, 3, 0, 1, "")], PositionEncoding::Utf16);
        assert!(matches!(reversed, Err(EditError::ReversedRange { .. })));
    }

    #[test]
    fn the_string_follows_edits_whether_it_is_shared_or_not() {
        let mut doc = Document::new(1, "x = 1\n");
        // Held by an analysis: the edit copies it, the holder keeps the old text.
        let held = doc.text();
        doc.apply_changes(2, &[change(0, 4, 0, 5, "'é'")], PositionEncoding::Utf16)
            .unwrap();
        assert_eq!(&*held, "x = 1\n");
        assert_eq!(&*doc.text(), "x = 'é'\n");
        drop(held);
        // A batch with the whole text replaced in the middle: the string is the rope's.
        let whole = TextChange {
            range: None,
            text: "def f():\n    pass\n".into(),
        };
        let batch = [
            change(0, 0, 0, 0, "# a\n"),
            whole,
            change(1, 4, 1, 8, "return 中文"),
        ];
        doc.apply_changes(3, &batch, PositionEncoding::Utf16)
            .unwrap();
        assert_eq!(&*doc.text(), "def f():\n    return 中文\n");
        assert_eq!(doc.rope, "def f():\n    return 中文\n");
        // Unshared, several edits in one batch, each in the coordinates the previous one left.
        let batch = [change(1, 11, 1, 13, "'😀'"), change(0, 0, 0, 0, "\n")];
        doc.apply_changes(4, &batch, PositionEncoding::Utf16)
            .unwrap();
        assert_eq!(&*doc.text(), "\ndef f():\n    return '😀'\n");
        assert_eq!(doc.rope, doc.text().as_str());
    }

    #[test]
    fn a_document_over_the_limit_keeps_its_text_and_is_parsed_once_it_fits() {
        let limits = Limits {
            max_bytes: 10,
            ..Limits::default()
        };
        let mut doc = Document::with_limits(1, "x = 1234567890\n", limits);
        assert!(doc.tree().is_none());
        assert_eq!(
            doc.skipped(),
            Some(Skipped::TooLarge {
                bytes: 15,
                limit: 10
            })
        );
        doc.apply_changes(2, &[change(0, 4, 0, 14, "1")], PositionEncoding::Utf8)
            .unwrap();
        assert_eq!(&*doc.text(), "x = 1\n");
        assert!(doc.skipped().is_none());
        let fresh = ModuleTree::parse("x = 1\n", None).unwrap();
        assert_eq!(doc.tree().unwrap().to_sexp(), fresh.to_sexp());
    }

    #[test]
    fn a_parse_out_of_time_leaves_the_document_unanalysed() {
        let limits = Limits {
            parse_budget: std::time::Duration::ZERO,
            ..Limits::default()
        };
        let text = "def f():\n    return [1, 2, 3]\n".repeat(2_000);
        let doc = Document::with_limits(1, &text, limits);
        assert!(doc.tree().is_none());
        assert!(matches!(doc.skipped(), Some(Skipped::ParseTimedOut { .. })));
    }

    #[test]
    fn full_text_change_replaces_everything() {
        let mut doc = Document::new(1, "x = 1\n");
        doc.apply_changes(
            2,
            &[TextChange {
                range: None,
                text: "y = 2\n".into(),
            }],
            PositionEncoding::Utf8,
        )
        .unwrap();
        assert_eq!(&*doc.text(), "y = 2\n");
    }
}
