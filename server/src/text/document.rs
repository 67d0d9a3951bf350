//! An open document: its version, its text as a rope and its syntax tree, kept in step edit by edit.

use std::sync::Arc;

use ropey::Rope;
use tree_sitter::{InputEdit, Tree};

use super::position::{self, LineCol, PositionEncoding, PositionError};
use crate::parse;

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
    Parse(parse::ParseError),
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
            EditError::Parse(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for EditError {}

/// The text of an open file and its syntax tree, which always describe the same version.
#[derive(Clone)]
pub struct Document {
    pub version: i32,
    pub rope: Rope,
    pub tree: Tree,
    /// The text as one string, shared with analyses running on other threads; rebuilt lazily after edits.
    text: Option<Arc<str>>,
}

impl Document {
    /// Creates a document from its full text.
    pub fn new(version: i32, text: &str) -> Result<Self, parse::ParseError> {
        let rope = Rope::from_str(text);
        let tree = parse::parse_rope(&rope, None)?;
        Ok(Document {
            version,
            rope,
            tree,
            text: Some(Arc::from(text)),
        })
    }

    /// The whole text as a shared string.
    pub fn text(&mut self) -> Arc<str> {
        if let Some(text) = &self.text {
            return text.clone();
        }
        let text: Arc<str> = Arc::from(self.rope.to_string());
        self.text = Some(text.clone());
        text
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
    ) -> Result<(), EditError> {
        // Ropes and trees are reference-counted, so the copy that makes this transactional is cheap.
        let mut rope = self.rope.clone();
        let mut tree = self.tree.clone();
        let mut whole_text_replaced = false;
        for change in changes {
            match change.range {
                None => {
                    rope = Rope::from_str(&change.text);
                    whole_text_replaced = true;
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
                    if !whole_text_replaced {
                        tree.edit(&edit);
                    }
                }
            }
        }
        let old = if whole_text_replaced {
            None
        } else {
            Some(&tree)
        };
        let new_tree = parse::parse_rope(&rope, old).map_err(EditError::Parse)?;
        self.rope = rope;
        self.tree = new_tree;
        self.version = version;
        self.text = None;
        Ok(())
    }
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
        let mut doc = Document::new(1, "def f():\n    pass\n").unwrap();
        doc.apply_changes(
            2,
            &[change(1, 4, 1, 8, "return '中文😀'")],
            PositionEncoding::Utf16,
        )
        .unwrap();
        let text = doc.text();
        assert_eq!(&*text, "def f():\n    return '中文😀'\n");
        let fresh = parse::parse_str(&text).unwrap();
        assert_eq!(doc.tree.root_node().to_sexp(), fresh.root_node().to_sexp());
        assert_eq!(doc.version, 2);
    }

    #[test]
    fn a_bad_change_leaves_the_document_untouched() {
        let mut doc = Document::new(1, "x = 1\n").unwrap();
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
    fn full_text_change_replaces_everything() {
        let mut doc = Document::new(1, "x = 1\n").unwrap();
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
