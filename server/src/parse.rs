//! The Python parser: one tree-sitter `Parser` per thread, reused across files.

use std::cell::RefCell;
use std::ops::ControlFlow;
use std::time::Instant;

use ropey::Rope;
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

/// Parses a string from scratch.
pub fn parse_str(text: &str) -> Result<Tree, ParseError> {
    with_parser(|p| p.parse(text, None))
}

/// Parses a rope like [`parse_rope`], giving up at `deadline`.
pub fn parse_rope_until(
    rope: &Rope,
    old: Option<&Tree>,
    deadline: Instant,
) -> Result<Tree, ParseError> {
    let len = rope.len_bytes();
    let mut read = |byte: usize, _: tree_sitter::Point| -> &[u8] {
        if byte >= len {
            return &[];
        }
        let (chunk, chunk_start, _, _) = rope.chunk_at_byte(byte);
        &chunk.as_bytes()[byte - chunk_start..]
    };
    // Checked every few hundred tokens by tree-sitter, so the cost is negligible.
    let mut progress = |_: &tree_sitter::ParseState| {
        if Instant::now() > deadline {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    };
    with_parser(|p| {
        p.parse_with_options(
            &mut read,
            old,
            Some(ParseOptions::new().progress_callback(&mut progress)),
        )
    })
}
