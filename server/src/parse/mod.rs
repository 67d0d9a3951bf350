//! The Python parser: one tree-sitter `Parser` per thread, reused across files.
//!
//! Files are analysed as a [`ModuleTree`]: one tree per run of a few top-level statements
//! ([`split`] says where each starts), so that an edit reparses a few statements instead of
//! revisiting all of them.

mod module_tree;
pub mod split;

pub use module_tree::{children_of, ModuleTree};

use std::cell::RefCell;
use std::ops::ControlFlow;
use std::time::Instant;

use tree_sitter::{Language, ParseOptions, Parser, Tree};

/// The tree-sitter Python grammar Preflight is built against.
pub fn language() -> Language {
    tree_sitter_python::LANGUAGE.into()
}

thread_local! {
    static PARSER: RefCell<Option<Parser>> = const { RefCell::new(None) };
}

/// Why a parse produced no tree.
#[derive(Debug)]
pub struct ParseError(String);

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ParseError {}

fn with_parser<T>(f: impl FnOnce(&mut Parser) -> Option<T>) -> Result<T, ParseError> {
    PARSER.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            let mut parser = Parser::new();
            parser
                .set_language(&language())
                .map_err(|e| ParseError(format!("incompatible Python grammar: {e}")))?;
            *slot = Some(parser);
        }
        let parser = slot
            .as_mut()
            .ok_or_else(|| ParseError("no parser".into()))?;
        let tree = f(parser);
        if tree.is_none() {
            // A parser that gave up keeps partial state; start the next parse clean.
            parser.reset();
        }
        tree.ok_or_else(|| ParseError("the parser produced no tree".into()))
    })
}

/// Parses a string from scratch as one tree (tests and tools that look at single nodes; the
/// analysis reads a [`ModuleTree`]).
pub fn parse_str(text: &str) -> Result<Tree, ParseError> {
    with_parser(|p| {
        p.set_included_ranges(&[]).ok()?;
        p.parse(text, None)
    })
}

/// Parses the bytes `range` of `text` on their own, reusing `old` (a tree of an earlier version of
/// the same piece, edited to match), giving up at `deadline`. Positions in the tree are those of
/// the whole text.
pub fn parse_piece(
    text: &str,
    range: tree_sitter::Range,
    old: Option<&Tree>,
    deadline: Option<Instant>,
) -> Result<Tree, ParseError> {
    let bytes = text.as_bytes();
    let mut read =
        |byte: usize, _: tree_sitter::Point| -> &[u8] { bytes.get(byte..).unwrap_or(&[]) };
    let mut progress = |_: &tree_sitter::ParseState| {
        if deadline.is_some_and(|d| Instant::now() > d) {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    };
    with_parser(|p| {
        // An empty range would mean "the whole text" to tree-sitter.
        let ranges = if range.start_byte < range.end_byte {
            std::slice::from_ref(&range)
        } else {
            &[]
        };
        p.set_included_ranges(ranges).ok()?;
        p.parse_with_options(
            &mut read,
            old,
            Some(ParseOptions::new().progress_callback(&mut progress)),
        )
    })
}
