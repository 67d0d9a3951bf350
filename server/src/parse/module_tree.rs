//! A module's syntax as one tree-sitter tree per run of top-level statements, kept in step with
//! edits.
//!
//! tree-sitter-python cannot reuse the nodes that group a module's statements, so an incremental
//! reparse of one tree revisits every top-level statement: 4–7 ms per keystroke on a 20,000-line
//! file, whatever the edit (BENCHMARKS.md). Here a few statements, with the comments and blank
//! lines below them, make a *piece* parsed on its own with tree-sitter's included ranges, so
//! positions stay those of the whole text. An edit reparses the pieces it touches; the others
//! only shift.
//!
//! Where pieces start is a function of the text alone ([`super::split`]). After an edit the split
//! is redone from the last piece start the edit cannot have moved, until it meets the start of an
//! untouched piece again: the pieces are then exactly those a parse of the new text from scratch
//! would make, and so are their trees.

use std::ops::{ControlFlow, Range};
use std::sync::Arc;
use std::time::Instant;

use tree_sitter::{InputEdit, Node, Point, Tree, TreeCursor};

use super::split::{piece_starts_after, pieces};
use super::{parse_piece, ParseError};

/// The syntax of one module.
#[derive(Clone)]
pub struct ModuleTree {
    /// In document order, tiling the text: each ends where the next starts.
    pieces: Vec<Piece>,
}

#[derive(Clone)]
struct Piece {
    start: usize,
    end: usize,
    /// The row of `start` (tree-sitter's points need it).
    row: usize,
    /// Where the first line ends (its line break, or `end`): an edit there may undo the start.
    line_end: usize,
    /// How far past `end` the split read to place the piece's cuts (0: not past it): an edit
    /// before it may move them ([`super::split::statement_starts`]).
    reach: usize,
    /// Shared with the snapshots analyses hold; copied only when an edit must shift it.
    tree: Arc<Tree>,
    /// See [`ModuleTree::stamped_roots`].
    stamp: u64,
}

/// Where stamps come from: unique within the process, so a stamp never names two parses.
static NEXT_STAMP: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

impl ModuleTree {
    /// Parses `text` from scratch, giving up at `deadline`.
    pub fn parse(text: &str, deadline: Option<Instant>) -> Result<Self, ParseError> {
        let cuts = pieces(text.as_bytes());
        let mut rows = Rows::new(text, 0, 0);
        let mut parsed = Vec::with_capacity(cuts.len());
        for (i, &(start, reach)) in cuts.iter().enumerate() {
            let end = cuts.get(i + 1).map_or(text.len(), |&(next, _)| next);
            parsed.push(Piece::parse(
                text, start, end, reach, &mut rows, None, deadline,
            )?);
        }
        Ok(ModuleTree { pieces: parsed })
    }

    /// The tree of `text`, the text of this tree after `edits` (in order, each in the coordinates
    /// left by the one before), reusing what the edits left alone; with the byte ranges of the new
    /// text whose syntax changed beyond the edited bytes.
    pub fn reparse(
        &self,
        edits: &[InputEdit],
        text: &str,
        deadline: Option<Instant>,
    ) -> Result<(Self, Vec<Range<usize>>), ParseError> {
        let mut pieces = self.pieces.clone();
        let mut dirty = vec![false; pieces.len()];
        for edit in edits {
            apply_edit(&mut pieces, &mut dirty, edit);
        }
        let mut out = Vec::with_capacity(pieces.len());
        let mut changed = Vec::new();
        let mut i = 0;
        while i < pieces.len() {
            if !dirty[i] {
                out.push(pieces[i].clone());
                i += 1;
                continue;
            }
            // A run of dirty pieces: split again from its first start, which no edit moved,
            // until a start meets that of a clean piece after the run.
            let run_end = (i..pieces.len())
                .find(|&k| !dirty[k])
                .unwrap_or(pieces.len());
            let dirty_until = pieces[run_end - 1].end;
            // Each new piece's start and reach.
            let mut cuts = vec![(pieces[i].start, 0)];
            let mut next = run_end;
            let mut resync = None;
            piece_starts_after(text.as_bytes(), pieces[i].start, |at, reach| {
                if let Some(last) = cuts.last_mut() {
                    last.1 = reach;
                }
                if at >= dirty_until {
                    while next < pieces.len() && pieces[next].start < at {
                        next += 1;
                    }
                    if next < pieces.len() && pieces[next].start == at && !dirty[next] {
                        resync = Some(next);
                        return ControlFlow::Break(());
                    }
                }
                cuts.push((at, 0));
                ControlFlow::Continue(())
            });
            let replaced = resync.unwrap_or(pieces.len());
            let until = pieces.get(replaced).map_or(text.len(), |p| p.start);
            let mut rows = Rows::new(text, pieces[i].start, pieces[i].row);
            let mut olds = pieces[i..replaced].iter().peekable();
            for (k, &(start, reach)) in cuts.iter().enumerate() {
                let end = cuts.get(k + 1).map_or(until, |&(next, _)| next);
                // An old piece starting here is the best guess at the new one's nodes (both lists
                // are in order).
                while olds.next_if(|p| p.start < start).is_some() {}
                let old = olds.next_if(|p| p.start == start);
                let piece = Piece::parse(text, start, end, reach, &mut rows, old, deadline)?;
                match old {
                    // A statement that does not parse as a module (its root is `ERROR`) is
                    // regrouped by error recovery from one keystroke to the next in ways the
                    // changed ranges do not follow: all of it changed.
                    Some(old) if is_module(&old.tree) && is_module(&piece.tree) => changed.extend(
                        old.tree
                            .changed_ranges(&piece.tree)
                            .map(|r| r.start_byte..r.end_byte),
                    ),
                    _ => changed.push(start..end),
                }
                out.push(piece);
            }
            i = replaced;
        }
        Ok((ModuleTree { pieces: out }, changed))
    }

    /// The root of each piece, in document order: every top-level statement is a child of one.
    pub fn roots(&self) -> impl Iterator<Item = Node<'_>> + Clone + '_ {
        self.pieces.iter().map(|p| p.tree.root_node())
    }

    /// The root of each piece with its stamp: a number given to each parse of a piece, which
    /// the piece keeps while edits only shift it. A stamp seen before therefore means the same
    /// syntax as then, moved by the edits since: what was derived from that tree still holds,
    /// shifted the same way (the analysis keeps each piece's units so).
    pub fn stamped_roots(&self) -> impl Iterator<Item = (u64, Node<'_>)> + '_ {
        self.pieces.iter().map(|p| (p.stamp, p.tree.root_node()))
    }

    /// The top-level statements (and comments), in document order.
    pub fn statements(&self) -> impl Iterator<Item = Node<'_>> + '_ {
        children_of(self.roots())
    }

    /// The root of the piece holding `byte` (the last piece for the end of the text).
    pub fn root_at(&self, byte: usize) -> Option<Node<'_>> {
        let i = self
            .pieces
            .partition_point(|p| p.start <= byte)
            .checked_sub(1)?;
        Some(self.pieces[i].tree.root_node())
    }

    /// Whether some piece holds a syntax error.
    pub fn has_error(&self) -> bool {
        self.roots().any(|r| r.has_error())
    }

    /// The bytes each piece spans.
    pub fn piece_ranges(&self) -> impl Iterator<Item = Range<usize>> + '_ {
        self.pieces.iter().map(|p| p.start..p.end)
    }

    /// The pieces' trees as S-expressions, one per line (for tests and debugging).
    pub fn to_sexp(&self) -> String {
        self.roots()
            .map(|r| r.to_sexp())
            .collect::<Vec<_>>()
            .join("\n")
    }
}

impl Piece {
    fn parse(
        text: &str,
        start: usize,
        end: usize,
        reach: usize,
        rows: &mut Rows,
        old: Option<&Piece>,
        deadline: Option<Instant>,
    ) -> Result<Piece, ParseError> {
        // tree-sitter asks for progress every few hundred tokens, which a small piece never
        // reaches: the budget is checked between pieces too.
        if deadline.is_some_and(|d| Instant::now() > d) {
            return Err(ParseError("the parse ran out of time".into()));
        }
        let start_point = rows.point(start);
        let end_point = rows.point(end);
        let range = tree_sitter::Range {
            start_byte: start,
            end_byte: end,
            start_point,
            end_point,
        };
        let tree = parse_piece(text, range, old.map(|p| &*p.tree), deadline)?;
        let line_end =
            memchr::memchr(b'\n', &text.as_bytes()[start..end]).map_or(end, |n| start + n);
        Ok(Piece {
            start,
            end,
            row: start_point.row,
            line_end,
            reach,
            tree: Arc::new(tree),
            stamp: NEXT_STAMP.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        })
    }
}

/// The children of each of `roots` in turn, through one cursor (a cursor allocates, and a file
/// has a root per statement).
pub fn children_of<'t, I: Iterator<Item = Node<'t>>>(
    mut roots: I,
) -> impl Iterator<Item = Node<'t>> {
    let mut cursor: Option<TreeCursor<'t>> = None;
    std::iter::from_fn(move || loop {
        if let Some(cursor) = cursor.as_mut() {
            // At a root (none of its children, or none left) this fails and the next root comes.
            if cursor.depth() == 1 && cursor.goto_next_sibling() {
                return Some(cursor.node());
            }
        }
        let root = roots.next()?;
        let cursor = cursor.get_or_insert_with(|| root.walk());
        cursor.reset(root);
        if cursor.goto_first_child() {
            return Some(cursor.node());
        }
    })
}

fn is_module(tree: &Tree) -> bool {
    tree.root_node().kind() == "module"
}

/// Marks the pieces `edit` may change dirty, and shifts every piece (and its tree) after it.
fn apply_edit(pieces: &mut [Piece], dirty: &mut [bool], edit: &InputEdit) {
    let (s, old_end) = (edit.start_byte, edit.old_end_byte);
    let holding = |byte: usize| {
        pieces
            .partition_point(|p| p.start <= byte)
            .saturating_sub(1)
    };
    let first_touched = holding(s);
    // An edit on a piece's first line may undo its start (indent it, make it `else:`): the
    // piece before must be split again too.
    let first = if first_touched > 0 && s <= pieces[first_touched].line_end {
        first_touched - 1
    } else {
        first_touched
    };
    let last = holding(old_end.saturating_sub(1).max(s));
    for d in &mut dirty[first..=last.max(first_touched)] {
        *d = true;
    }
    // A piece before them whose split read past the edit's start (rare: a docstring left open).
    for (piece, d) in pieces.iter().zip(dirty.iter_mut()).take(first) {
        if piece.reach > s {
            *d = true;
        }
    }
    let rows = edit.new_end_position.row as isize - edit.old_end_position.row as isize;
    for piece in pieces.iter_mut().skip(first) {
        let start = piece.start;
        piece.start = shift(start, edit);
        piece.end = shift(piece.end, edit);
        piece.line_end = shift(piece.line_end, edit);
        if piece.reach > 0 {
            piece.reach = shift(piece.reach, edit);
        }
        if start >= old_end {
            piece.row = (piece.row as isize + rows).max(0) as usize;
        } else if start > s {
            piece.row = edit.start_position.row;
        }
        Arc::make_mut(&mut piece.tree).edit(edit);
    }
    // The first piece holds whatever comes before the first statement: it starts the text.
    if let Some(piece) = pieces.first_mut() {
        piece.start = 0;
        piece.row = 0;
    }
}

/// Where `byte` moves through `edit`: bytes it replaced collapse to its start.
fn shift(byte: usize, edit: &InputEdit) -> usize {
    if byte < edit.start_byte {
        byte
    } else if byte >= edit.old_end_byte {
        byte - edit.old_end_byte + edit.new_end_byte
    } else {
        edit.start_byte
    }
}

/// Rows of byte offsets met in increasing order, counted from a known one.
struct Rows<'t> {
    text: &'t [u8],
    at: usize,
    row: usize,
    line_start: usize,
}

impl<'t> Rows<'t> {
    fn new(text: &'t str, at: usize, row: usize) -> Self {
        let line_start = memchr::memrchr(b'\n', &text.as_bytes()[..at]).map_or(0, |n| n + 1);
        Rows {
            text: text.as_bytes(),
            at,
            row,
            line_start,
        }
    }

    fn point(&mut self, byte: usize) -> Point {
        let byte = byte.min(self.text.len());
        if byte > self.at {
            for n in memchr::memchr_iter(b'\n', &self.text[self.at..byte]) {
                self.row += 1;
                self.line_start = self.at + n + 1;
            }
            self.at = byte;
        }
        Point {
            row: self.row,
            column: byte - self.line_start,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::split::cut_at_every_statement;

    fn edit_at(text: &str, start: usize, old_end: usize, insert: &str) -> (String, InputEdit) {
        let mut new = text.to_string();
        new.replace_range(start..old_end, insert);
        let point = |t: &str, b: usize| Rows::new(t, 0, 0).point(b);
        let edit = InputEdit {
            start_byte: start,
            old_end_byte: old_end,
            new_end_byte: start + insert.len(),
            start_position: point(text, start),
            old_end_position: point(text, old_end),
            new_end_position: point(&new, start + insert.len()),
        };
        (new, edit)
    }

    fn same_as_fresh(tree: &ModuleTree, text: &str) {
        let fresh = ModuleTree::parse(text, None).unwrap();
        assert_eq!(
            tree.piece_ranges().collect::<Vec<_>>(),
            fresh.piece_ranges().collect::<Vec<_>>(),
            "pieces of {text:?}"
        );
        assert_eq!(tree.to_sexp(), fresh.to_sexp(), "trees of {text:?}");
        for (a, b) in tree.roots().zip(fresh.roots()) {
            assert_eq!(a.byte_range(), b.byte_range());
            assert_eq!(a.start_position(), b.start_position());
            assert_eq!(a.end_position(), b.end_position());
        }
    }

    #[test]
    fn statements_keep_the_nodes_of_a_whole_parse() {
        cut_at_every_statement(true);
        let text = "import os\n\n\ndef f():\n    return 1\n# c\nclass C:\n    x = '中文😀'\nf()\n";
        let tree = ModuleTree::parse(text, None).unwrap();
        let whole = super::super::parse_str(text).unwrap();
        let mut cursor = whole.walk();
        let expected: Vec<String> = whole
            .root_node()
            .children(&mut cursor)
            .map(|n| format!("{:?} {}", n.byte_range(), n.to_sexp()))
            .collect();
        let got: Vec<String> = tree
            .statements()
            .map(|n| format!("{:?} {}", n.byte_range(), n.to_sexp()))
            .collect();
        assert_eq!(got, expected);
        assert_eq!(tree.piece_ranges().count(), 4);
        assert!(!tree.has_error());
    }

    #[test]
    fn closing_a_docstring_left_open_rejoins_the_pieces_it_had_let_go() {
        cut_at_every_statement(true);
        // `f`'s docstring is left open: its quotes pair with those of `g`'s, and the split lets
        // the statements between go. Closing it before `g` takes them back into `f`'s statement:
        // the piece of `f` is split again, though the edit lies two pieces further on.
        let text = "def f():\n    \"\"\"Open\n    x = 1\n\ny = 2\n\nz = 3\n\ndef g():\n    \"\"\"Doc.\"\"\"\n";
        let tree = ModuleTree::parse(text, None).unwrap();
        assert_eq!(tree.piece_ranges().count(), 4);
        let at = text.find("def g").expect("in the text");
        let (new, edit) = edit_at(text, at, at, "\"\"\"\n");
        let (tree, _) = tree.reparse(&[edit], &new, None).unwrap();
        same_as_fresh(&tree, &new);
        assert_eq!(tree.piece_ranges().count(), 2);
        // And opening it again lets them go.
        let (back, edit) = edit_at(&new, at, at + 4, "");
        let (tree, _) = tree.reparse(&[edit], &back, None).unwrap();
        same_as_fresh(&tree, &back);
        assert_eq!(tree.piece_ranges().count(), 4);
    }

    #[test]
    fn a_piece_keeps_its_stamp_until_it_is_parsed_again() {
        cut_at_every_statement(true);
        let text = "x = 1\ndef f():\n    return 1\ny = 2\nz = 3\n";
        let tree = ModuleTree::parse(text, None).unwrap();
        let before: Vec<u64> = tree.stamped_roots().map(|(s, _)| s).collect();
        let (new, edit) = edit_at(text, 20, 20, "+ é");
        let (tree, _) = tree.reparse(&[edit], &new, None).unwrap();
        let after: Vec<u64> = tree.stamped_roots().map(|(s, _)| s).collect();
        // The function's piece is parsed again; the piece before it is untouched and the pieces
        // after it only shift.
        assert_eq!(after.len(), 4);
        assert_eq!(after[0], before[0]);
        assert_ne!(after[1], before[1]);
        assert_eq!(after[2..], before[2..]);
        let again = ModuleTree::parse(&new, None).unwrap();
        assert!(again.stamped_roots().all(|(s, _)| !after.contains(&s)));
    }

    #[test]
    fn edits_reparse_to_what_a_fresh_parse_gives() {
        cut_at_every_statement(true);
        let text = "x = 1\ndef f():\n    return 1\ny = 2\nz = 3\n";
        let cases: &[(usize, usize, &str)] = &[
            (20, 20, "+ é"),                               // inside a function
            (6, 6, " "),                                   // indents a piece's first line
            (5, 6, ""),                                    // joins two statements' lines
            (0, 0, "w = 0\n"),                             // a statement above all
            (31, 31, "("),                                 // an open bracket swallows the rest
            (6, 9, "el"),                                  // a piece becomes `else`-like text
            (2, 30, "= (\n"),                              // a deletion across pieces
            (text.len(), text.len(), "def g():\n    '''"), // a string left open at the end
        ];
        for &(start, end, insert) in cases {
            let tree = ModuleTree::parse(text, None).unwrap();
            let (new, edit) = edit_at(text, start, end, insert);
            let (tree, _) = tree.reparse(&[edit], &new, None).unwrap();
            same_as_fresh(&tree, &new);
        }
    }

    #[test]
    fn a_batch_of_edits_and_a_string_that_opens_and_closes() {
        cut_at_every_statement(true);
        let mut text = "def f():\n    pass\n\ndef g():\n    '''doc'''\n\nh = 1\n".to_string();
        let mut tree = ModuleTree::parse(&text, None).unwrap();
        for (start, end, insert) in [
            (13, 17, "'''"),
            (16, 16, "'''"),
            (9, 9, "x = 1\n"),
            (0, 3, ""),
        ] {
            let (first, e1) = edit_at(&text, start, end, insert);
            let (second, e2) = edit_at(&first, 0, 0, "#\n");
            let (next, changed) = tree.reparse(&[e1, e2], &second, None).unwrap();
            same_as_fresh(&next, &second);
            assert!(changed.iter().all(|r| r.end <= second.len()));
            tree = next;
            text = second;
        }
    }

    #[test]
    fn empty_and_comment_only_texts_have_one_piece() {
        for text in ["", "# only\n", "\n\n"] {
            let tree = ModuleTree::parse(text, None).unwrap();
            let ranges: Vec<_> = tree.piece_ranges().collect();
            assert_eq!(ranges.len(), 1);
            assert_eq!(ranges[0], 0..text.len());
        }
    }

    /// With the cuts of real use (a run of statements per piece), edits that add, remove and
    /// rename statements, and so move cuts, give the pieces and trees of a fresh parse.
    #[test]
    fn runs_of_statements_follow_edits_that_move_their_cuts() {
        let mut text: String = (0..300)
            .map(|i| match i % 3 {
                0 => format!("def f{i}(a):\n    return a + {i}\n\n"),
                1 => format!("v{i} = f{}({i})\n", i - 1),
                _ => format!("class C{i}:\n    x = '中文{i}'\n\n"),
            })
            .collect();
        let mut tree = ModuleTree::parse(&text, None).unwrap();
        let pieces = tree.piece_ranges().count();
        assert!((20..=100).contains(&pieces), "{pieces} pieces");
        let at = |t: &str, needle: &str| t.find(needle).expect("in the text");
        for step in 0..40 {
            let (start, end, insert) = match step % 5 {
                // A statement's first line renamed: its cut may appear or go.
                0 => {
                    let s = at(&text, &format!("v{}", 1 + 3 * step)) + 1;
                    (s, s, "x".to_string())
                }
                // A new statement typed in the middle of a run.
                1 => {
                    let s = at(&text, &format!("def f{}", 3 * step));
                    (s, s, format!("w{step} = 'é😀'\n"))
                }
                // A statement deleted whole.
                2 => {
                    let s = at(&text, &format!("class C{}", 2 + 3 * step));
                    let e = s + text[s..].find("\n\n").expect("blank line") + 2;
                    (s, e, String::new())
                }
                // A function body edited.
                3 => {
                    let s = at(&text, &format!("return a + {}", 3 * step));
                    (s, s + 6, "yield".to_string())
                }
                // A bracket left open, for good: it ends at the next definition.
                _ => {
                    let s = at(&text, &format!("f{}({})", 3 * step, 3 * step + 1));
                    (s, s, "(".to_string())
                }
            };
            let (new, edit) = edit_at(&text, start, end, &insert);
            let (next, _) = tree.reparse(&[edit], &new, None).unwrap();
            same_as_fresh(&next, &new);
            tree = next;
            text = new;
        }
    }
}
