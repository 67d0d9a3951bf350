//! The file-level facts rules share (imports, request handlers, Flask apps, sessions, settings
//! names), built from per-unit facts.
//!
//! Each [`Unit`] contributes a [`UnitFacts`]; [`FileFacts`] is their merge. After an edit only the
//! touched units are collected again; if the merge comes out equal to the previous one, every other
//! unit's findings still hold (see `incremental`). A rule that reads anything outside its own unit
//! must read it through these facts, or from `Code` units, whose whole text is part of the facts.

use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::ops::Range;
use std::sync::LazyLock;

use memchr::memmem;
use tree_sitter::Node;

use super::kinds::{Field, KindSet};
use super::semantic::{collect_import_bindings, module_assignments_of, Imports, ModuleAssignment};
use super::units::{Unit, UnitKind};
use super::web::{self, FRAMEWORKS, SETTINGS_NAMES};

/// Substrings rules ask about anywhere in the file ([`FileFacts::mentions`]).
pub const WATCHED: &[&str] = &[
    "MAX_CONTENT_LENGTH",
    ".config.from_",
    "CORS_ORIGINS",
    "CORS_RESOURCES",
    "_mkstemp_fd",
    "CERT_NONE",
];

static FINDERS: LazyLock<Vec<memmem::Finder<'static>>> =
    LazyLock::new(|| WATCHED.iter().map(memmem::Finder::new).collect());
static MOUNT: LazyLock<memmem::Finder<'static>> = LazyLock::new(|| memmem::Finder::new(".mount("));

/// Calls that make a `requests` session (for PF201's "session without a default timeout").
pub const SESSION_FACTORIES: &[&str] = &[
    "requests.Session",
    "requests.session",
    "requests.sessions.Session",
];

/// What one unit contributes to the file's facts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnitFacts {
    /// `import` bindings, in document order.
    pub imports: Vec<(String, String)>,
    /// Module-level names bound by assignment, `def` or `class` (they shadow imports).
    pub shadowed: Vec<String>,
    /// Module-level names bound by a plain `name = value` assignment: what fixes read to decide
    /// whether a logger can be added or reused (`semantic::module_assignments`).
    pub assigned: Vec<String>,
    /// Module-level names bound to a new logger (`logger = logging.getLogger(__name__)`): the
    /// fixes that log reuse them.
    pub loggers: Vec<String>,
    /// For a module-level `def` or class header, a hash of what runs where it stands (decorators,
    /// parameters and defaults, bases: everything but the body); flows through module-level code
    /// read it.
    pub signature: u64,
    /// Well-known settings names assigned at module level.
    pub settings_names: u32,
    /// A top-level `def test_*`.
    pub test_function: bool,
    /// Which of [`WATCHED`] occur in the unit, as bits.
    pub mentions: u32,
    /// The text (up to 128 bytes) before each `.mount(` in the unit.
    pub mount_prefixes: Vec<String>,
    /// Whether the unit defines a request handler.
    pub has_handler: bool,
    /// Names bound to `Flask(...)`/`Quart(...)`.
    pub flask_apps: Vec<String>,
    /// Names (identifiers or `self.x`) bound to a requests session.
    pub sessions: Vec<String>,
    /// Hashes of names bound to anything else (a name bound both ways is not a session).
    pub other_bindings: Vec<u64>,
}

/// What the analysis keeps per unit besides its facts.
#[derive(Debug, Clone, Default)]
pub struct UnitData {
    pub facts: UnitFacts,
    /// Comments holding a suppression directive, relative to the unit's start.
    pub directive_comments: Vec<Range<usize>>,
}

/// The merged facts of a file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileFacts {
    pub imports: Imports,
    pub imports_framework: bool,
    pub imports_django: bool,
    serves_requests: bool,
    pub is_settings_module: bool,
    pub has_test_function: bool,
    mentions: u32,
    flask_apps: HashSet<String>,
    sessions: HashSet<String>,
    /// Every name bound by a module-level `name = value`, each with whether that binding makes a
    /// logger (a name bound both ways is there twice): fixes decide from them whether a logger can
    /// be added or reused, so a cached fix must not outlive them. `def` and `class` names are not
    /// here: no fix reads them (and error recovery flattens a class's methods into module level).
    bound: BTreeSet<(String, bool)>,
    /// Hash of the signatures of module-level definitions, in order.
    pub signatures: u64,
}

impl FileFacts {
    /// Whether the module defines request handlers: its code runs once per request, in a server.
    pub fn serves_requests(&self) -> bool {
        self.serves_requests
    }

    /// Whether one of [`WATCHED`] occurs anywhere in the file.
    pub fn mentions(&self, watched: &str) -> bool {
        WATCHED
            .iter()
            .position(|w| *w == watched)
            .is_some_and(|i| self.mentions & (1 << i) != 0)
    }

    /// Whether `name` is bound to a Flask or Quart application somewhere in the file.
    pub fn binds_flask_app(&self, name: &str) -> bool {
        self.flask_apps.contains(name)
    }

    /// The names module-level `name = value` statements bind, each with whether that binding
    /// makes a logger (a name bound both ways comes twice), in no particular order.
    pub fn module_bindings(&self) -> impl Iterator<Item = (&str, bool)> + '_ {
        self.bound
            .iter()
            .map(|(name, logger)| (name.as_str(), *logger))
    }

    /// Whether an analysis made with `other` holds for these facts: they are equal, except for
    /// module-level names no fix can reuse or collide with (typing an assignment changes them at
    /// every keystroke). A fix that logs reads the names bound to a logger and the names a
    /// logger usually goes by, with `logger_name`, the configured name of a new logger.
    ///
    /// The import bindings are not compared here: the incremental analysis compares them itself
    /// and re-reads what a changed binding can affect.
    pub fn same_as(&self, other: &FileFacts, logger_name: &str) -> bool {
        // A name bound to something else as well as to a logger is no logger to reuse.
        let relevant_in = |facts: &FileFacts| -> Vec<(String, bool)> {
            let loggers: HashSet<&str> = facts
                .bound
                .iter()
                .filter(|(_, logger)| *logger)
                .map(|(name, _)| name.as_str())
                .collect();
            facts
                .bound
                .iter()
                .filter(|(name, logger)| {
                    *logger
                        || loggers.contains(name.as_str())
                        || name == logger_name
                        || crate::fix::imports::LOGGER_NAMES.contains(&name.as_str())
                })
                .cloned()
                .collect()
        };
        let FileFacts {
            imports: _,
            imports_framework,
            imports_django,
            serves_requests,
            is_settings_module,
            has_test_function,
            mentions,
            flask_apps,
            sessions,
            bound,
            signatures: _,
        } = self;
        *imports_framework == other.imports_framework
            && *imports_django == other.imports_django
            && *serves_requests == other.serves_requests
            && *is_settings_module == other.is_settings_module
            && *has_test_function == other.has_test_function
            && *mentions == other.mentions
            && *flask_apps == other.flask_apps
            && *sessions == other.sessions
            && (bound == &other.bound || relevant_in(self) == relevant_in(other))
    }

    /// Names bound only to requests sessions that have no adapter mounted.
    pub fn sessions(&self) -> &HashSet<String> {
        &self.sessions
    }

    /// The imports alone: what the second phase of collection resolves names with.
    pub fn from_imports(imports: Imports) -> FileFacts {
        let imports_framework = imports.qualified_names().any(|q| {
            let top = q.split('.').next().unwrap_or(q);
            FRAMEWORKS.contains(&top)
        });
        let imports_django = imports
            .qualified_names()
            .any(|q| q.starts_with("django.") || q.starts_with("rest_framework"));
        FileFacts {
            imports,
            imports_framework,
            imports_django,
            ..FileFacts::default()
        }
    }

    /// Merges the facts of every unit, in document order.
    pub fn merge<'a>(units: impl Iterator<Item = &'a UnitFacts> + Clone) -> FileFacts {
        let mut facts = FileFacts::from_imports(merge_imports(units.clone()));
        let mut signatures = DefaultHasher::new();
        let mut settings = 0;
        let mut mounts = Vec::new();
        for u in units.clone() {
            facts.serves_requests |= u.has_handler;
            facts.has_test_function |= u.test_function;
            facts.mentions |= u.mentions;
            settings += u.settings_names;
            if u.signature != 0 {
                u.signature.hash(&mut signatures);
            }
            for name in &u.assigned {
                facts.bound.insert((name.clone(), u.loggers.contains(name)));
            }
            facts.flask_apps.extend(u.flask_apps.iter().cloned());
            facts.sessions.extend(u.sessions.iter().cloned());
            mounts.extend(u.mount_prefixes.iter());
        }
        facts.is_settings_module = settings >= 2;
        facts.signatures = signatures.finish();

        // Every unit's other bindings (locals included) only matter to a session: gathered when
        // there is one, as merging them took most of a merge (an import typed in a large file
        // merges the facts twice per keystroke).
        if facts.sessions.is_empty() {
            return facts;
        }
        let others: HashSet<u64> = units
            .flat_map(|u| u.other_bindings.iter().copied())
            .collect();
        facts.sessions.retain(|name| {
            !others.contains(&hash_str(name))
                && !mounts.iter().any(|prefix| prefix.ends_with(name.as_str()))
        });
        facts
    }
}

fn merge_imports<'a>(units: impl Iterator<Item = &'a UnitFacts>) -> Imports {
    let mut names = HashMap::new();
    let mut shadowed = Vec::new();
    for u in units {
        for (local, qualified) in &u.imports {
            names.insert(local.clone(), qualified.clone());
        }
        shadowed.extend(u.shadowed.iter());
    }
    for name in shadowed {
        names.remove(name);
    }
    Imports::from_names(names)
}

fn hash_str(s: &str) -> u64 {
    let mut h = DefaultHasher::new();
    s.hash(&mut h);
    h.finish()
}

/// The kinds the facts walk collects.
static FACT_KINDS: LazyLock<KindSet> = LazyLock::new(|| {
    KindSet::of(&[
        "import_statement",
        "import_from_statement",
        "function_definition",
        "assignment",
        "as_pattern",
    ])
});

/// Expression kinds: no statement, definition, import or `with … as` target is ever below one
/// (a walrus is a `named_expression`, not an `assignment`).
static EXPRESSIONS: LazyLock<KindSet> = LazyLock::new(|| {
    KindSet::of(&[
        "argument_list",
        "attribute",
        "await",
        "binary_operator",
        "boolean_operator",
        "call",
        "comparison_operator",
        "concatenated_string",
        "conditional_expression",
        "decorator",
        "dictionary",
        "dictionary_comprehension",
        "generator_expression",
        "keyword_argument",
        "lambda",
        "list",
        "list_comprehension",
        "not_operator",
        "parameters",
        "parenthesized_expression",
        "set",
        "set_comprehension",
        "string",
        "subscript",
        "tuple",
        "unary_operator",
    ])
});

/// The comments of a unit that hold a suppression directive (`preflight:`, `noqa`, `nosec`), as
/// ranges relative to the unit's start. Found from the text: a `#` whose line says one of them
/// and that starts a comment node (not a `#` inside a string).
fn directive_comments(unit: &Unit, text: &str) -> Vec<Range<usize>> {
    let bytes = text.as_bytes();
    let mut found: Vec<Range<usize>> = Vec::new();
    let mut from = 0;
    while let Some(at) = memchr::memchr(b'#', &bytes[from..]).map(|i| from + i) {
        let eol = memchr::memchr(b'\n', &bytes[at..]).map_or(bytes.len(), |i| at + i);
        from = at + 1;
        let line = &bytes[at..eol];
        let says = |needle: &[u8]| {
            line.windows(needle.len())
                .any(|w| w.eq_ignore_ascii_case(needle))
        };
        if !(memmem::find(line, b"preflight:").is_some() || says(b"noqa") || says(b"nosec")) {
            continue;
        }
        let absolute = unit.start + at;
        let Some(comment) = unit
            .node
            .descendant_for_byte_range(absolute, absolute + 1)
            .filter(|n| n.kind() == "comment" && n.start_byte() == absolute)
        else {
            continue;
        };
        found.push(comment.start_byte() - unit.start..comment.end_byte() - unit.start);
        from = from.max(comment.end_byte() - unit.start);
    }
    found
}

/// Calls `f` on every named node of a unit, in document order; a class header skips the class
/// body.
pub fn walk_unit<'t>(unit: &Unit<'t>, mut f: impl FnMut(Node<'t>)) {
    // Below the root every node is named; the root may be a token error recovery left.
    walk_unit_where(
        unit,
        |_| true,
        |node| {
            if node != unit.node || node.is_named() {
                f(node)
            }
        },
    );
}

/// Calls `f` on the unit's node and on the named nodes of the unit below it, in document order,
/// going below only the nodes `descend` accepts (and always below the unit's node).
fn walk_unit_where<'t>(
    unit: &Unit<'t>,
    mut descend: impl FnMut(Node<'t>) -> bool,
    mut f: impl FnMut(Node<'t>),
) {
    let root = unit.node;
    super::semantic::walk_named_pruned(root, |node, _| {
        if node == root {
            f(node);
            return true;
        }
        let inside = in_unit(unit, node);
        if inside {
            f(node);
        }
        inside && descend(node)
    });
}

/// Whether `node`, below a unit's own node, is part of the unit: a class header holds the class's
/// decorators and `class` line, not its body.
fn in_unit(unit: &Unit, node: Node) -> bool {
    node.end_byte() > unit.start && node.start_byte() < unit.end
        || node.start_byte() == node.end_byte() && node.start_byte() == unit.start
}

/// Calls `f` on the nodes of a unit that may hold facts: its named nodes, going below only those
/// inside the unit that are not expressions. Only statements hold what the facts collect, and
/// expressions are most of the nodes; comments, which can be anywhere, are found from the text.
/// Below the unit's node only named nodes are walked (unnamed ones are leaves), so that a listing
/// of the named nodes ([`listed_statements`]) gives the same nodes.
fn walk_statements<'t>(unit: &Unit<'t>, f: &mut dyn FnMut(Node<'t>)) {
    walk_unit_where(unit, |node| !EXPRESSIONS.contains(node), f);
}

/// [`walk_statements`] over a listing of the unit's node and its named descendants, in document
/// order with their depths: a node the walk would not go below skips the deeper nodes after it,
/// which are exactly its descendants.
fn listed_statements<'t>(
    unit: &Unit<'t>,
    nodes: &[(Node<'t>, u16)],
    depths: &[u32],
    f: &mut dyn FnMut(Node<'t>),
) {
    let mut listed = nodes.iter().zip(depths);
    let Some(((root, _), _)) = listed.next() else {
        return;
    };
    f(*root);
    let mut skip_below = None;
    for (&(node, kind), &depth) in listed {
        match skip_below {
            Some(d) if depth > d => continue,
            _ => skip_below = None,
        }
        let inside = in_unit(unit, node);
        if inside {
            f(node);
        }
        if !inside || EXPRESSIONS.contains_id(kind) {
            skip_below = Some(depth);
        }
    }
}

/// Where `node` and its named descendants are in a listing ([`collect_all_listed`]).
fn subtree_of(node: Node, nodes: &[(Node, u16)], depths: &[u32]) -> Option<Range<usize>> {
    let start = node.start_byte();
    let first = nodes.partition_point(|(n, _)| n.start_byte() < start);
    let at = first
        + nodes[first..]
            .iter()
            .take_while(|(n, _)| n.start_byte() == start)
            .position(|(n, _)| *n == node)?;
    let depth = *depths.get(at)?;
    let end = at + 1 + depths[at + 1..].iter().take_while(|&&d| d > depth).count();
    Some(at..end)
}

/// The first phase of one unit: everything that does not need the file's imports, plus the nodes
/// the second phase resolves.
struct Raw<'t> {
    data: UnitData,
    functions: Vec<Node<'t>>,
    bindings: Vec<(Node<'t>, Node<'t>)>,
    /// A module-level `name = value`, whose value may make a logger.
    module_assignment: Option<(Node<'t>, Node<'t>)>,
}

/// `statements` calls its argument on the nodes the walk below reads ([`walk_statements`], or
/// [`listed_statements`] when the analysis listed every node already).
fn first_phase<'t>(
    unit: &Unit<'t>,
    source: &str,
    statements: impl FnOnce(&mut dyn FnMut(Node<'t>)),
) -> Raw<'t> {
    let text = source.get(unit.range()).unwrap_or("");
    let mut data = UnitData::default();
    let facts = &mut data.facts;
    // A child of the root, whatever the root's kind: when the file does not parse as a module,
    // tree-sitter's root is an `ERROR` node, and fixes still read its statements.
    let at_module_level = unit.top_level;
    let mut module_assignment = None;
    for (i, finder) in FINDERS.iter().enumerate() {
        if finder.find(text.as_bytes()).is_some() {
            facts.mentions |= 1 << i;
        }
    }
    for at in MOUNT.find_iter(text.as_bytes()) {
        let mut from = at.saturating_sub(128);
        while !text.is_char_boundary(from) {
            from += 1;
        }
        facts.mount_prefixes.push(text[from..at].to_string());
    }
    if at_module_level && unit.kind != UnitKind::Code {
        let definition = if unit.node.kind() == "decorated_definition" {
            unit.node.field("definition")
        } else {
            Some(unit.node)
        };
        let body = definition.and_then(|d| d.field("body"));
        let end = body.map_or(unit.end, |b| b.start_byte()).min(unit.end);
        facts.signature = hash_str(source.get(unit.start..end).unwrap_or("")) | 1;
    }
    if at_module_level {
        let definition = if unit.node.kind() == "decorated_definition" {
            unit.node.field("definition")
        } else {
            Some(unit.node)
        };
        if let Some(d) = definition {
            let name = d.field("name").and_then(|n| source.get(n.byte_range()));
            match (d.kind(), name) {
                ("function_definition", Some(name)) => {
                    facts.test_function = name.starts_with("test_");
                    facts.shadowed.push(name.to_string());
                }
                ("class_definition", Some(name))
                    if unit.kind == UnitKind::ClassHeader
                        && unit.start == unit.node.start_byte() =>
                {
                    facts.shadowed.push(name.to_string());
                }
                _ => {
                    // The assignments fixes and settings rules read, by the same definition
                    // (`x: T` without a value binds nothing; error recovery may leave the
                    // assignment directly under an `ERROR` statement).
                    let assignment = module_assignments_of(std::iter::once(d)).into_iter().next();
                    if let Some(ModuleAssignment { name, value, .. }) = assignment {
                        let text = source.get(name.byte_range()).unwrap_or("");
                        facts.shadowed.push(text.to_string());
                        facts.assigned.push(text.to_string());
                        module_assignment = Some((name, value));
                        if SETTINGS_NAMES.contains(&text) {
                            facts.settings_names += 1;
                        }
                    }
                }
            }
        }
    }
    let mut functions = Vec::new();
    let mut bindings = Vec::new();
    data.directive_comments = directive_comments(unit, text);
    statements(&mut |n| {
        if !FACT_KINDS.contains(n) {
            return;
        }
        match n.kind() {
            "import_statement" | "import_from_statement" => {
                collect_import_bindings(n, source, &mut data.facts.imports)
            }
            "function_definition" => functions.push(n),
            "assignment" => {
                if let (Some(left), Some(right)) = (n.field("left"), n.field("right")) {
                    bindings.push((left, right));
                }
            }
            "as_pattern" if n.parent().is_some_and(|p| p.kind() == "with_item") => {
                if let (Some(alias), Some(value)) = (
                    n.field("alias").and_then(|a| a.named_child(0)),
                    n.named_child(0),
                ) {
                    bindings.push((alias, value));
                }
            }
            _ => {}
        }
    });
    Raw {
        data,
        functions,
        bindings,
        module_assignment,
    }
}

/// The second phase: what needs the file's imports (handlers, Flask apps, sessions).
fn second_phase(raw: Raw, facts: &FileFacts, source: &str) -> UnitData {
    let Raw {
        mut data,
        functions,
        bindings,
        module_assignment,
    } = raw;
    if facts.imports_framework {
        data.facts.has_handler = functions
            .iter()
            .any(|f| web::handler_kind_of(facts, source, *f).is_some());
    }
    let text = |n: Node| source.get(n.byte_range()).unwrap_or("");
    if let Some((name, value)) = module_assignment {
        let makes_logger = (value.kind() == "call")
            .then(|| value.field("function"))
            .flatten()
            .and_then(|f| facts.imports.resolve(f, source))
            .is_some_and(|q| crate::fix::imports::LOGGER_FACTORIES.contains(&q.as_str()));
        if makes_logger {
            data.facts.loggers.push(text(name).to_string());
        }
    }
    for (target, value) in bindings {
        let callee = (value.kind() == "call")
            .then(|| value.field("function"))
            .flatten()
            .and_then(|f| facts.imports.resolve(f, source));
        if target.kind() == "identifier"
            && callee
                .as_deref()
                .is_some_and(|q| web::FLASK_APPS.contains(&q))
        {
            data.facts.flask_apps.push(text(target).to_string());
        }
        if !matches!(target.kind(), "identifier" | "attribute") {
            continue;
        }
        if callee
            .as_deref()
            .is_some_and(|q| SESSION_FACTORIES.contains(&q))
        {
            data.facts.sessions.push(text(target).to_string());
        } else {
            data.facts.other_bindings.push(hash_str(text(target)));
        }
    }
    data
}

/// Collects every unit of a file and merges the facts (a full analysis).
pub fn collect_all(units: &[Unit], source: &str) -> (Vec<UnitData>, FileFacts) {
    let raws = units
        .iter()
        .map(|u| first_phase(u, source, |f| walk_statements(u, f)))
        .collect();
    merge(raws, source)
}

/// [`collect_all`] from a listing of every named node of the file in document order, with the
/// depth of each below the root of its piece ([`crate::analysis::context::list_named`]): the
/// rules walk the whole tree anyway, and a second walk for the facts was 6% of a whole-project
/// check.
pub fn collect_all_listed<'t>(
    units: &[Unit<'t>],
    source: &str,
    nodes: &[(Node<'t>, u16)],
    depths: &[u32],
) -> (Vec<UnitData>, FileFacts) {
    let raws = units
        .iter()
        .map(|u| match subtree_of(u.node, nodes, depths) {
            Some(range) => first_phase(u, source, |f| {
                listed_statements(u, &nodes[range.clone()], &depths[range], f)
            }),
            // A token that error recovery left at the top level is not listed: the walk's turn.
            None => first_phase(u, source, |f| walk_statements(u, f)),
        })
        .collect();
    merge(raws, source)
}

/// The second phase of every unit, and the file's facts.
fn merge(raws: Vec<Raw>, source: &str) -> (Vec<UnitData>, FileFacts) {
    let imports = merge_imports(raws.iter().map(|r| &r.data.facts));
    let context = FileFacts::from_imports(imports);
    let data: Vec<UnitData> = raws
        .into_iter()
        .map(|r| second_phase(r, &context, source))
        .collect();
    let facts = FileFacts::merge(data.iter().map(|d| &d.facts));
    (data, facts)
}

/// Collects one unit, resolving names with facts already known for the file (after an edit, the
/// previous facts; the caller checks that the merge comes out the same).
pub fn collect_with(unit: &Unit, source: &str, facts: &FileFacts) -> UnitData {
    second_phase(
        first_phase(unit, source, |f| walk_statements(unit, f)),
        facts,
        source,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::units::units;

    fn facts(src: &str) -> FileFacts {
        let tree = crate::parse::ModuleTree::parse(src, None).unwrap();
        collect_all(&units(tree.roots()), src).1
    }

    #[test]
    fn merges_units_into_file_facts() {
        let f = facts("import requests as r\nfrom flask import Flask\napp = Flask(__name__)\ns = r.Session()\n@app.route('/')\ndef index():\n    return 'x'\n");
        assert_eq!(f.imports.get("r"), Some("requests"));
        assert!(f.binds_flask_app("app"));
        assert!(f.sessions().contains("s"));
        assert!(f.serves_requests());
        let g = facts("import requests\ns = requests.Session()\ns.mount('https://', A())\n");
        assert!(
            g.sessions().is_empty(),
            "a mounted adapter may set a timeout"
        );
        let h = facts(
            "import requests\ndef f():\n    s = requests.Session()\ndef g():\n    s = None\n",
        );
        assert!(h.sessions().is_empty(), "bound to something else elsewhere");
    }

    #[test]
    fn typing_inside_a_function_leaves_the_facts_alone() {
        let before = facts("import os\ndef f():\n    x = 1\n");
        let after = facts("import os\ndef f():\n    x = 1\n    total = os.getcwd()\n");
        assert_eq!(before, after);
        let renamed = facts("import os\ndef os():\n    pass\n");
        assert_ne!(before, renamed, "a def named like an import shadows it");
        let code = facts("import os\nX = 1\ndef f():\n    x = 1\n");
        assert_ne!(before, code, "module-level names are part of the facts");
        let logger = facts("import logging\nlogger = logging.getLogger(__name__)\n");
        let other = facts("import logging\nlogger = logging.getLogger\n");
        assert_ne!(
            logger, other,
            "a fix reuses a module logger, not any `logger`"
        );
    }

    #[test]
    fn the_listing_gives_the_nodes_the_walk_gives() {
        let sources = [
            "import requests as r\n\n@app.route('/')\nclass A(B, metaclass=M):\n    '''Doc.'''\n    s = r.Session()\n\n    @property\n    def f(self):\n        with open(p) as fh, lock:\n            x = [y for y in fh]\n        return x\n    # end\n\ndef g(a=lambda: (b := 1)):\n    import os\n    from . import m as n\n    try:\n        q: int = f(x, k=1)\n    except E as e:\n        pass\n",
            // Error recovery: unclosed brackets, stray indentation, a class without a body.
            "class C(:\n    def m(self:\n        x = (1,\n  y = 2\nclass D:\n",
            "def f(:\n    import a.b as\n    with x as (y, z):\n        w = v = u = 3\nif x:\n    from m import (a,\n",
        ];
        for source in sources {
            let tree = crate::parse::ModuleTree::parse(source, None).unwrap();
            let units = units(tree.roots());
            let (mut nodes, mut depths) = (Vec::new(), Vec::new());
            crate::analysis::context::list_named(tree.roots(), &mut nodes, &mut depths);
            let mut compared = 0;
            for unit in &units {
                let mut walked = Vec::new();
                walk_statements(unit, &mut |n| {
                    if n.is_named() {
                        walked.push(n)
                    }
                });
                let Some(range) = subtree_of(unit.node, &nodes, &depths) else {
                    // A token recovery left at the top level is no named node: the walk's turn.
                    assert!(!unit.node.is_named(), "{:?} of {source:?}", unit.range());
                    continue;
                };
                let mut listed = Vec::new();
                listed_statements(unit, &nodes[range.clone()], &depths[range], &mut |n| {
                    listed.push(n)
                });
                assert_eq!(listed, walked, "{:?} of {source:?}", unit.range());
                compared += walked.len();
            }
            assert!(compared > 10, "{source:?}");
            let (walked_data, walked_facts) = collect_all(&units, source);
            let (listed_data, listed_facts) = collect_all_listed(&units, source, &nodes, &depths);
            assert_eq!(listed_facts, walked_facts, "{source:?}");
            let unit_facts = |d: &[UnitData]| d.iter().map(|u| u.facts.clone()).collect::<Vec<_>>();
            assert_eq!(unit_facts(&listed_data), unit_facts(&walked_data));
        }
    }
}
