//! Analysis units: the pieces of a module that are analysed, cached and re-analysed on their own.
//!
//! A unit is a top-level statement, except that a top-level class is split into its header and
//! the statements of its body, so that typing in one method of a 3,000-line class re-analyses that
//! method, not the class. Units never overlap and are listed in document order.

use std::ops::Range;

use tree_sitter::{Node, TreeCursor};

use std::sync::LazyLock;

use super::kinds::{Field, KindSet};

/// Kinds [`units`] tells apart, as bit tests: it runs on every keystroke over every top-level
/// statement, where asking each node for its kind name adds up.
static DECORATED: LazyLock<KindSet> = LazyLock::new(|| KindSet::of(&["decorated_definition"]));
static FUNCTION: LazyLock<KindSet> = LazyLock::new(|| KindSet::of(&["function_definition"]));
static CLASS: LazyLock<KindSet> = LazyLock::new(|| KindSet::of(&["class_definition"]));

/// What a unit holds, which decides how much of it other units may see (see `facts`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnitKind {
    /// A function definition (decorated or not): its body is private to it.
    Def,
    /// A class's decorators and `class X(...):` line, up to its body.
    ClassHeader,
    /// Any other statement (assignments, calls, `if`, `try`, imports, comments): code that runs at
    /// module or class level, which rules may read from anywhere in the file.
    Code,
}

/// One analysis unit.
#[derive(Debug, Clone, Copy)]
pub struct Unit<'t> {
    /// The node to analyse: the statement, or for a class header, the class itself.
    pub node: Node<'t>,
    pub kind: UnitKind,
    /// `node.kind_id()`, read once: pairing a keystroke's units with the cached ones compares it
    /// for every unit of the file.
    pub node_kind: u16,
    /// Whether `node` is a child of the root (not a statement of a class body). Asked here
    /// because `Node::parent` searches down from the root, through every top-level statement.
    pub top_level: bool,
    /// The bytes the unit owns (for a class header, up to the start of the body's first statement).
    pub start: usize,
    pub end: usize,
}

impl Unit<'_> {
    /// The bytes the unit owns.
    pub fn range(&self) -> Range<usize> {
        self.start..self.end
    }
}

/// The units of a module, in document order, from the roots of its pieces (see
/// [`crate::parse::ModuleTree::roots`]).
pub fn units<'t>(roots: impl IntoIterator<Item = Node<'t>>) -> Vec<Unit<'t>> {
    let mut out = Vec::new();
    let mut roots = roots.into_iter().peekable();
    let Some(first) = roots.peek().copied() else {
        return out;
    };
    let mut lister = Lister::new(first);
    for root in roots {
        lister.push_units(root, &mut out);
    }
    out
}

/// Lists units root by root. Its cursors (one for the statements, one for class bodies) move
/// from tree to tree: creating one allocates, and a file has a tree per run of a few statements.
pub struct Lister<'t> {
    cursor: TreeCursor<'t>,
    body_cursor: TreeCursor<'t>,
}

impl<'t> Lister<'t> {
    /// A lister whose cursors start at `any` node.
    pub fn new(any: Node<'t>) -> Self {
        Lister {
            cursor: any.walk(),
            body_cursor: any.walk(),
        }
    }

    /// Appends the units of one root (a piece of a [`crate::parse::ModuleTree`]).
    pub fn push_units(&mut self, root: Node<'t>, out: &mut Vec<Unit<'t>>) {
        for statement in root.children(&mut self.cursor) {
            push_statement(statement, Some(&mut self.body_cursor), out);
        }
    }
}

/// Adds one statement. A child of the root comes with a cursor to walk a class body with: its
/// classes are split into their body's statements.
fn push_statement<'t>(
    statement: Node<'t>,
    body_cursor: Option<&mut TreeCursor<'t>>,
    out: &mut Vec<Unit<'t>>,
) {
    let split = body_cursor.is_some();
    let node_kind = statement.kind_id();
    let definition = if DECORATED.contains_id(node_kind) {
        statement.field("definition").map(|d| (d, d.kind_id()))
    } else {
        Some((statement, node_kind))
    };
    let unit = |kind| Unit {
        node: statement,
        kind,
        node_kind,
        top_level: split,
        start: statement.start_byte(),
        end: statement.end_byte(),
    };
    match definition {
        Some((_, id)) if FUNCTION.contains_id(id) => out.push(unit(UnitKind::Def)),
        Some((d, id)) if CLASS.contains_id(id) && body_cursor.is_some() => {
            let body = d
                .field("body")
                .filter(|b| b.child_count() > 0 && b.start_byte() < statement.end_byte());
            let Some(body) = body else {
                out.push(unit(UnitKind::ClassHeader));
                return;
            };
            out.push(Unit {
                node: statement,
                kind: UnitKind::ClassHeader,
                node_kind,
                top_level: true,
                start: statement.start_byte(),
                end: body.start_byte(),
            });
            if let Some(cursor) = body_cursor {
                for inner in body.children(cursor) {
                    push_statement(inner, None, out);
                }
            }
            // Comments after the body's last statement belong to the class, not to the body.
            if let Some(last) = out.last() {
                if last.end < statement.end_byte() {
                    let end = statement.end_byte();
                    out.push(Unit {
                        node: statement,
                        kind: UnitKind::ClassHeader,
                        node_kind,
                        top_level: true,
                        start: last.end,
                        end,
                    });
                }
            }
        }
        _ => out.push(unit(UnitKind::Code)),
    }
}

/// The index of the unit a byte position belongs to: the unit containing it, or else the first
/// unit after it, or else the last unit. Findings are filed under units this way.
pub fn unit_index(units: &[Range<usize>], byte: usize) -> usize {
    let after = units.partition_point(|u| u.end <= byte);
    after.min(units.len().saturating_sub(1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse_str;

    #[test]
    fn classes_split_into_header_and_body_statements() {
        let src = "import os\n\n@dataclass\nclass A(B):\n    x = 1\n\n    def f(self):\n        pass\n    # end\n\ndef g():\n    pass\n";
        let tree = parse_str(src).unwrap();
        let got: Vec<(UnitKind, &str)> = units([tree.root_node()])
            .iter()
            .map(|u| (u.kind, &src[u.range()]))
            .collect();
        assert_eq!(
            got,
            [
                (UnitKind::Code, "import os"),
                (UnitKind::ClassHeader, "@dataclass\nclass A(B):\n    "),
                (UnitKind::Code, "x = 1"),
                (UnitKind::Def, "def f(self):\n        pass"),
                (UnitKind::Code, "# end"),
                (UnitKind::Def, "def g():\n    pass"),
            ]
        );
        let ranges: Vec<_> = units([tree.root_node()])
            .iter()
            .map(|u| u.range())
            .collect();
        assert_eq!(unit_index(&ranges, 0), 0);
        assert_eq!(
            unit_index(&ranges, 9),
            1,
            "the gap after a unit files under the next"
        );
        assert_eq!(unit_index(&ranges, src.len()), ranges.len() - 1);
    }
}
