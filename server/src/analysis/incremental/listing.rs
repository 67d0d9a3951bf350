//! The units of the new tree, listed for an incremental analysis piece by piece.
//!
//! Walking every statement of a 20,000-line file to list its units took about 0.4 ms of each
//! keystroke, whatever the edit. A piece the edits only shifted keeps its stamp
//! ([`ModuleTree::stamped_roots`]), and its units are then those the cache holds under that
//! stamp, shifted with it: they are copied from there without a walk. Only the pieces parsed
//! again are walked. The node of a copied unit is found when the analysis reads it
//! ([`Listing::units`]): the units it collects or analyses again, a handful per keystroke.

use tree_sitter::Node;

use super::CachedUnit;
use crate::analysis::units::{Lister, Unit, UnitKind};
use crate::parse::ModuleTree;

/// Why an analysis went the full way when a copied unit was not found again in its piece: never,
/// while stamps mean what they say (the property tests check that it does not happen).
pub const OUT_OF_STEP: &str = "a copied unit is not in its piece";

/// One unit of the new tree: where it is and what it is, and its node if its piece was walked.
#[derive(Debug, Clone, Copy)]
pub(super) struct Slot<'t> {
    pub start: usize,
    pub end: usize,
    /// Where the unit's node ends: for a class header, the end of the whole class.
    pub node_end: usize,
    pub kind: UnitKind,
    pub node_kind: u16,
    pub top_level: bool,
    /// The stamp of the piece holding the unit.
    pub stamp: u64,
    /// The index of that piece.
    piece: usize,
    /// The unit's place among the units of its piece.
    nth: usize,
    node: Option<Node<'t>>,
}

impl Slot<'_> {
    pub fn range(&self) -> std::ops::Range<usize> {
        self.start..self.end
    }
}

/// The units of a tree, in document order, as [`crate::analysis::units::units`] lists them.
pub(super) struct Listing<'t> {
    pub slots: Vec<Slot<'t>>,
    /// The root of each piece.
    roots: Vec<Node<'t>>,
}

impl<'t> Listing<'t> {
    /// Lists the units of `tree`, copying those of the pieces `cached` holds under the same stamp.
    pub fn of(tree: &'t ModuleTree, cached: &[CachedUnit]) -> Listing<'t> {
        let mut slots = Vec::with_capacity(cached.len() + 8);
        let mut roots = Vec::new();
        let mut lister: Option<Lister<'t>> = None;
        let mut walked = Vec::new();
        let mut c = 0;
        for (piece, (stamp, root)) in tree.stamped_roots().enumerate() {
            roots.push(root);
            // Cached units before this piece's belong to pieces before it (or gone): their ranges
            // are in front of it. A dirty unit's range stopped following the edits: passed over.
            let from = root.start_byte();
            while c < cached.len()
                && cached[c].piece != stamp
                && (cached[c].dirty || cached[c].range.start < from)
            {
                c += 1;
            }
            if let Some(run) = Self::run(cached, c, stamp) {
                slots.extend(cached[run.clone()].iter().enumerate().map(|(nth, u)| Slot {
                    start: u.range.start,
                    end: u.range.end,
                    node_end: u.node_end,
                    kind: u.kind,
                    node_kind: u.node_kind,
                    top_level: u.top_level,
                    stamp,
                    piece,
                    nth,
                    node: None,
                }));
                c = run.end;
                continue;
            }
            let lister = lister.get_or_insert_with(|| Lister::new(root));
            walked.clear();
            lister.push_units(root, &mut walked);
            slots.extend(walked.iter().enumerate().map(|(nth, u)| Slot {
                start: u.start,
                end: u.end,
                node_end: u.node.end_byte(),
                kind: u.kind,
                node_kind: u.node_kind,
                top_level: u.top_level,
                stamp,
                piece,
                nth,
                node: Some(u.node),
            }));
        }
        Listing { slots, roots }
    }

    /// The cached units of the piece stamped `stamp`, if they start at `at` and all still hold:
    /// the whole run (the unit before it is of another piece), none dirty.
    fn run(cached: &[CachedUnit], at: usize, stamp: u64) -> Option<std::ops::Range<usize>> {
        if cached.get(at)?.piece != stamp || at > 0 && cached[at - 1].piece == stamp {
            return None;
        }
        let len = cached[at..].iter().take_while(|u| u.piece == stamp).count();
        let run = at..at + len;
        cached[run.clone()].iter().all(|u| !u.dirty).then_some(run)
    }

    /// The units at `indices` (in increasing order), with their nodes: a copied unit's piece is
    /// walked to find it. `Err` if the walk does not give back the unit copied (it always does
    /// while stamps hold; the caller then analyses the whole file).
    pub fn units(&self, indices: &[usize]) -> Result<Vec<Unit<'t>>, &'static str> {
        let mut out = Vec::with_capacity(indices.len());
        let mut lister: Option<Lister<'t>> = None;
        // The last piece walked, with its units: indices come in order, so a piece is walked once.
        let mut walked: Option<(usize, Vec<Unit<'t>>)> = None;
        for &i in indices {
            let slot = self.slots.get(i).ok_or(OUT_OF_STEP)?;
            let unit = match slot.node {
                Some(node) => Unit {
                    node,
                    kind: slot.kind,
                    node_kind: slot.node_kind,
                    top_level: slot.top_level,
                    start: slot.start,
                    end: slot.end,
                },
                None => {
                    if walked.as_ref().is_none_or(|(p, _)| *p != slot.piece) {
                        let root = *self.roots.get(slot.piece).ok_or(OUT_OF_STEP)?;
                        let lister = lister.get_or_insert_with(|| Lister::new(root));
                        let mut units = Vec::new();
                        lister.push_units(root, &mut units);
                        walked = Some((slot.piece, units));
                    }
                    let unit = walked
                        .as_ref()
                        .and_then(|(_, units)| units.get(slot.nth))
                        .copied()
                        .ok_or(OUT_OF_STEP)?;
                    let same = unit.range() == slot.range()
                        && unit.kind == slot.kind
                        && unit.node_kind == slot.node_kind
                        && unit.node.end_byte() == slot.node_end;
                    if !same {
                        return Err(OUT_OF_STEP);
                    }
                    unit
                }
            };
            out.push(unit);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::incremental::{analyze, Cache};
    use crate::analysis::units::units;
    use crate::analysis::FileSettings;
    use crate::text::{Document, LineCol, PositionEncoding, TextChange};

    const SOURCE: &str = "import os\n\n\nclass A:\n    x = 1\n\n    def f(self):\n        return 1\n    # end\n\n\ndef g():\n    pass\n\n\n@app.route('/')\ndef h():\n    return 'é中文😀'\n\n\nY = 2\n";

    /// Applies one change at (`line`, `col`) and lets `cache` follow it.
    fn edit(doc: &mut Document, cache: &mut Cache, line: u32, col: u32, text: &str) {
        let at = LineCol { line, col };
        let change = TextChange {
            range: Some((at, at)),
            text: text.into(),
        };
        let applied = doc
            .apply_changes(doc.version + 1, &[change], PositionEncoding::Utf16)
            .expect("applies");
        assert!(cache.follow(&applied));
    }

    /// The listing equals a walk of every piece, and every unit's node is found.
    fn assert_lists_like_a_walk(doc: &Document, cache: &Cache) -> usize {
        let tree = doc.tree().expect("parses");
        let listing = Listing::of(tree, &cache.units);
        let walked = units(tree.roots());
        let listed: Vec<_> = listing
            .slots
            .iter()
            .map(|s| (s.range(), s.kind, s.node_kind, s.node_end, s.top_level))
            .collect();
        let want: Vec<_> = walked
            .iter()
            .map(|u| {
                (
                    u.range(),
                    u.kind,
                    u.node_kind,
                    u.node.end_byte(),
                    u.top_level,
                )
            })
            .collect();
        assert_eq!(listed, want);
        let all: Vec<usize> = (0..listing.slots.len()).collect();
        let found = listing.units(&all).expect("every unit is found");
        for (a, b) in found.iter().zip(&walked) {
            assert_eq!(a.node, b.node);
        }
        listing.slots.iter().filter(|s| s.node.is_none()).count()
    }

    #[test]
    fn shifted_pieces_are_copied_and_equal_a_walk() {
        // A piece per statement, so that this small text has many.
        crate::parse::split::cut_at_every_statement(true);
        let mut doc = Document::new(1, SOURCE);
        let settings = FileSettings::default();
        let text = doc.text();
        let tree = doc.tree().expect("parses");
        let mut cache = analyze(&text, tree, &settings, None, None)
            .1
            .expect("cache");
        // Typing in the method: the class's piece is walked again, the pieces after it are
        // copied though they moved (a line and some bytes down).
        edit(&mut doc, &mut cache, 7, 16, "2 + \n        ");
        let copied = assert_lists_like_a_walk(&doc, &cache);
        let total = units(doc.tree().expect("parses").roots()).len();
        assert!(copied > 0 && copied < total, "{copied} of {total} copied");
        // Non-ASCII text and a new statement at the top, before every piece.
        edit(&mut doc, &mut cache, 0, 0, "Z = 'é'\n");
        assert_lists_like_a_walk(&doc, &cache);
        // A second edit before the cache is renewed by an analysis: the stamps follow both.
        edit(&mut doc, &mut cache, 12, 4, "x = '中文'\n    ");
        assert!(assert_lists_like_a_walk(&doc, &cache) > 0);
    }
}
