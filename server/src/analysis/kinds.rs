//! Node kinds as small integers, so that hot loops filter nodes without asking the parser.
//!
//! `Node::kind()` crosses into C, reads the subtree, looks the name up and checks it is UTF-8:
//! about 20 ns, which a rule pays for each of the ~150,000 nodes of a 20,000-line file. The walk
//! shared by all rules records each node's kind id once; a rule then asks for the kinds it wants
//! as a [`KindSet`] and the filter is a bit test.

use std::sync::LazyLock;

use tree_sitter::Node;

/// The grammar, kept for the life of the process: kind and field names live in its static
/// tables, and the binding API ties them to a `Language` value.
static LANGUAGE: LazyLock<tree_sitter::Language> = LazyLock::new(crate::parse::language);

/// The name of every kind id of the Python grammar, indexed by id.
static NAMES: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
    let language: &'static tree_sitter::Language = &LANGUAGE;
    let mut names = Vec::new();
    for id in 0..language.node_kind_count() {
        let name = u16::try_from(id)
            .ok()
            .and_then(|id| language.node_kind_for_id(id));
        names.push(name.unwrap_or(""));
    }
    names
});

/// The ids of every kind name: several for a name that is a kind and its aliases, or a keyword
/// spelled like a named kind.
static IDS: LazyLock<std::collections::HashMap<&'static str, Vec<u16>>> = LazyLock::new(|| {
    let mut ids: std::collections::HashMap<&'static str, Vec<u16>> =
        std::collections::HashMap::new();
    for (id, name) in NAMES.iter().enumerate() {
        if let Ok(id) = u16::try_from(id) {
            ids.entry(*name).or_default().push(id);
        }
    }
    ids
});

/// A set of node kinds, by name. A name may stand for several ids (a kind and its aliases, or a
/// keyword spelled like a named kind), and the set holds all of them, so that membership means
/// exactly `node.kind() == name` for one of the names.
#[derive(Debug, Clone)]
pub struct KindSet {
    bits: Vec<u64>,
}

impl KindSet {
    /// The kinds named `names`.
    pub fn of(names: &[&str]) -> KindSet {
        // Rules build their sets on every analysis, a keystroke's included: a lookup per name
        // rather than a comparison with each of the grammar's ~280 names.
        let mut bits = vec![0u64; NAMES.len().div_ceil(64)];
        for id in names.iter().filter_map(|n| IDS.get(n)).flatten() {
            let id = usize::from(*id);
            bits[id / 64] |= 1 << (id % 64);
        }
        KindSet { bits }
    }

    /// Whether the kind id is in the set.
    pub fn contains_id(&self, id: u16) -> bool {
        let id = usize::from(id);
        self.bits
            .get(id / 64)
            .is_some_and(|word| word & (1 << (id % 64)) != 0)
    }

    /// Whether the node's kind is in the set.
    pub fn contains(&self, node: Node) -> bool {
        self.contains_id(node.kind_id())
    }
}

/// Whether the grammar has a named node kind called `name`.
pub fn is_named_kind(name: &str) -> bool {
    LANGUAGE.id_for_node_kind(name, true) != 0
}

/// Buckets of [`FIELDS`]; a power of two several times the grammar's ~40 fields, so that
/// buckets mostly hold one name.
const FIELD_BUCKETS: usize = 256;

/// Every field of the grammar with its id, hashed by name into [`FIELD_BUCKETS`] buckets, for
/// [`Field::field`].
static FIELDS: LazyLock<Vec<Vec<(&'static str, std::num::NonZeroU16)>>> = LazyLock::new(|| {
    let language: &'static tree_sitter::Language = &LANGUAGE;
    let mut buckets = vec![Vec::new(); FIELD_BUCKETS];
    for id in 1..=language.field_count() {
        let Some(id) = u16::try_from(id).ok().and_then(std::num::NonZeroU16::new) else {
            continue;
        };
        if let Some(name) = language.field_name_for_id(id.get()) {
            buckets[field_bucket(name)].push((name, id));
        }
    }
    buckets
});

/// The bucket of a field name, from its length and its first and last bytes: three loads. The
/// weights put each of the 32 fields of tree-sitter-python 0.25 in a bucket of its own; a test
/// checks that no bucket holds more than two with the grammar built in.
fn field_bucket(name: &str) -> usize {
    let bytes = name.as_bytes();
    let (first, last) = (bytes.first().copied(), bytes.last().copied());
    let mix =
        bytes.len() + usize::from(first.unwrap_or(0)) * 8 + usize::from(last.unwrap_or(0)) * 13;
    mix % FIELD_BUCKETS
}

/// Children by field name, without tree-sitter's name lookup.
///
/// `Node::child_by_field_name` finds the field's id by comparing the name with each field name of
/// the grammar in C, on every call; rules call it for most nodes they look at. Here the id comes
/// from a hash table built once (a binary search over the sorted names was 4% of a whole-project
/// check).
pub trait Field<'t> {
    /// The child in field `name` (`function` of a `call`), like `child_by_field_name`.
    fn field(&self, name: &str) -> Option<Node<'t>>;
}

impl<'t> Field<'t> for Node<'t> {
    fn field(&self, name: &str) -> Option<Node<'t>> {
        let (_, id) = FIELDS[field_bucket(name)]
            .iter()
            .find(|(field, _)| *field == name)?;
        self.child_by_field_id(id.get())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_set_matches_exactly_the_nodes_of_its_names() {
        let source = "try:\n    f(x)\nexcept ValueError:\n    pass\n";
        let tree = crate::parse::parse_str(source).expect("parses");
        let set = KindSet::of(&["call", "except_clause", "identifier"]);
        let mut seen = 0;
        crate::analysis::semantic::walk(tree.root_node(), |n| {
            let expected = matches!(n.kind(), "call" | "except_clause" | "identifier");
            assert_eq!(set.contains(n), expected, "{}", n.kind());
            seen += usize::from(expected);
        });
        assert_eq!(seen, 5, "call, f, x, except_clause, ValueError");
    }

    #[test]
    fn field_finds_the_same_child_as_tree_sitter() {
        let source =
            "import a as b\nx: int = f(y, k=1)\nclass C(B):\n    def m(self): return self.v[0]\n";
        let tree = crate::parse::parse_str(source).expect("parses");
        let language = crate::parse::language();
        let mut checked = 0;
        crate::analysis::semantic::walk(tree.root_node(), |n| {
            for id in 1..=language.field_count() {
                let name = language.field_name_for_id(id as u16).expect("a field name");
                assert_eq!(
                    n.field(name),
                    n.child_by_field_name(name),
                    "{name} of {}",
                    n.kind()
                );
                checked += usize::from(n.field(name).is_some());
            }
        });
        assert!(checked >= 20, "only {checked} fields found");
        // The lookup stays a load and a compare or two.
        let fullest = FIELDS.iter().map(Vec::len).max();
        assert!(fullest <= Some(2), "a field bucket holds {fullest:?} names");
        assert_eq!(tree.root_node().field("no_such_field"), None);
    }
}
