//! What every rule sees for one file: the source, its tree, the file's shared facts, and the part
//! of the file to analyse (all of it, or after an edit the units it touched).

use std::cell::{OnceCell, RefCell};
use std::collections::HashMap;
use std::sync::LazyLock;

use tree_sitter::Node;

use super::facts::{self, walk_unit, FileFacts};
use super::kinds::{Field, KindSet};
use super::probes::{ImportProbe, Recorder};
use super::semantic::{
    module_assignments, module_assignments_of, walk, walk_named_pruned, Imports, ModuleAssignment,
};
use super::settings::{FileSettings, RuleOptions};
use super::units::{units, Unit};
use super::web::{handler_kind_of, HandlerKind};
use crate::parse::ModuleTree;

static DEFAULT_SETTINGS: LazyLock<FileSettings> = LazyLock::new(FileSettings::default);

/// The file under analysis. Facts that several rules need are computed once, or handed over by
/// the incremental analysis, which keeps them from one version to the next.
pub struct Context<'a> {
    pub source: &'a str,
    pub tree: &'a ModuleTree,
    pub settings: &'a FileSettings,
    given_facts: Option<&'a FileFacts>,
    facts: OnceCell<FileFacts>,
    /// The units to analyse; `None` is the whole file.
    region: Option<Vec<Unit<'a>>>,
    /// Whether all module-level code is under analysis (the whole file, or a region holding every
    /// unit of module-level code), so that flows across module-level statements are checked.
    module_code: bool,
    resolved_calls: OnceCell<Vec<ResolvedCall<'a>>>,
    /// Every node of the region in document order with its kind id, from one tree walk shared
    /// by all rules.
    nodes: OnceCell<Vec<(Node<'a>, u16)>>,
    /// Where each unit's nodes start in `nodes`, when they are listed unit by unit.
    unit_bounds: OnceCell<Vec<usize>>,
    /// Nodes another context listed for some of the same units ([`Context::reuse_walk_of`]).
    walked: RefCell<Option<Walked<'a>>>,
    handler_kinds: RefCell<HashMap<usize, Option<HandlerKind>>>,
    /// The questions about the imports asked not through a name in the code.
    probes: Recorder,
}

/// The nodes a context listed for its units: each unit's start and node, and where its nodes
/// start in `nodes` (one more bound than units).
struct Walked<'a> {
    units: Vec<(usize, Node<'a>)>,
    bounds: Vec<usize>,
    nodes: Vec<(Node<'a>, u16)>,
}

impl<'a> Walked<'a> {
    /// The nodes listed for `unit`, if it is one of the units walked.
    fn nodes_of(&self, unit: &Unit<'a>) -> Option<&[(Node<'a>, u16)]> {
        let k = self
            .units
            .binary_search_by_key(&unit.start, |&(start, _)| start)
            .ok()?;
        if self.units[k].1 != unit.node {
            return None;
        }
        self.nodes.get(self.bounds[k]..*self.bounds.get(k + 1)?)
    }
}

/// A call whose callee resolves through the imports (`r.get(url)` → `requests.get`).
#[derive(Debug, Clone)]
pub struct ResolvedCall<'a> {
    /// The `call` node.
    pub call: Node<'a>,
    /// Its `function` child.
    pub function: Node<'a>,
    /// What the callee is, fully qualified.
    pub qualified: String,
}

impl<'a> Context<'a> {
    /// Wraps a source and its tree, with the default settings.
    pub fn new(source: &'a str, tree: &'a ModuleTree) -> Self {
        Self::with_settings(source, tree, &DEFAULT_SETTINGS)
    }

    /// Wraps a source and its tree, with the file's settings.
    pub fn with_settings(
        source: &'a str,
        tree: &'a ModuleTree,
        settings: &'a FileSettings,
    ) -> Self {
        Context {
            source,
            tree,
            settings,
            given_facts: None,
            facts: OnceCell::new(),
            region: None,
            module_code: true,
            resolved_calls: OnceCell::new(),
            nodes: OnceCell::new(),
            unit_bounds: OnceCell::new(),
            walked: RefCell::new(None),
            handler_kinds: RefCell::default(),
            probes: Recorder::default(),
        }
    }

    /// A context whose facts are already known, analysing only `region` (or the whole file).
    pub fn with_facts(
        source: &'a str,
        tree: &'a ModuleTree,
        settings: &'a FileSettings,
        facts: &'a FileFacts,
        region: Option<Vec<Unit<'a>>>,
    ) -> Self {
        Context {
            given_facts: Some(facts),
            module_code: region.is_none(),
            region,
            ..Self::with_settings(source, tree, settings)
        }
    }

    /// A context over the whole file whose nodes are listed already ([`list_named`]).
    pub fn with_listed(self, nodes: Vec<(Node<'a>, u16)>) -> Self {
        debug_assert!(self.region.is_none(), "a listing is of the whole file");
        let _ = self.nodes.set(nodes);
        self
    }

    /// Declares that the region holds every unit of module-level code.
    pub fn with_module_code(mut self) -> Self {
        self.module_code = true;
        self
    }

    /// The facts of the whole file.
    pub fn facts(&self) -> &FileFacts {
        match self.given_facts {
            Some(f) => f,
            None => self
                .facts
                .get_or_init(|| facts::collect_all(&units(self.roots()), self.source).1),
        }
    }

    /// Calls `f` on every node of one of the `kinds` in the part of the file under analysis, in
    /// document order. Rules look for their candidates this way, so that after an edit they look
    /// only where it was.
    ///
    /// The tree is walked once per analysis, recording each node's kind id; every rule then
    /// filters the same list by id, which costs a fraction of a cursor walk per rule.
    ///
    /// Only named nodes are listed (punctuation and keywords are about half of a tree): every
    /// kind asked for must be a named kind.
    pub fn walk(&self, kinds: &[&str], mut f: impl FnMut(Node<'a>)) {
        debug_assert!(
            kinds.iter().all(|k| super::kinds::is_named_kind(k)),
            "walk asks for an anonymous kind: {kinds:?}"
        );
        let wanted = KindSet::of(kinds);
        let nodes = self.nodes.get_or_init(|| self.region_nodes());
        for (node, kind) in nodes {
            if wanted.contains_id(*kind) {
                f(*node);
            }
        }
    }

    /// Every named node of the region in document order with its kind id.
    fn region_nodes(&self) -> Vec<(Node<'a>, u16)> {
        let mut nodes = Vec::new();
        match &self.region {
            None => list_named(self.roots(), &mut nodes, &mut Vec::new()),
            Some(units) => {
                if self.module_code {
                    nodes.extend(self.module_scopes().map(|n| (n, n.kind_id())));
                }
                let walked = self.walked.borrow();
                let mut bounds = Vec::with_capacity(units.len() + 1);
                for unit in units {
                    bounds.push(nodes.len());
                    match walked.as_ref().and_then(|w| w.nodes_of(unit)) {
                        Some(listed) => nodes.extend_from_slice(listed),
                        None => push_named(unit, &mut nodes),
                    }
                }
                bounds.push(nodes.len());
                // Units come in document order; the scopes pushed first need putting in
                // place (parents before children: the sort is stable).
                if self.module_code {
                    nodes.sort_by_key(|(n, _)| n.start_byte());
                } else {
                    let _ = self.unit_bounds.set(bounds);
                }
            }
        }
        nodes
    }

    /// The module's pieces and the bodies of top-level classes: with all module code under
    /// analysis, they stand for the flows across their statements, which rules read like a
    /// function body; they are not inside any unit.
    fn module_scopes(&self) -> impl Iterator<Item = Node<'a>> + '_ {
        let bodies = self
            .tree
            .statements()
            .filter(|s| s.is_named())
            .filter_map(|statement| {
                let class = if statement.kind() == "decorated_definition" {
                    statement.field("definition")
                } else {
                    Some(statement)
                };
                class
                    .filter(|c| c.kind() == "class_definition")
                    .and_then(|c| c.field("body"))
            });
        self.roots().chain(bodies)
    }

    /// Like [`Context::walk`], over the parts of the region whose text passes `test`: the units
    /// that do, and with module code the pieces and class bodies that do. For a rule none of whose
    /// findings can start at a node unless the node's text passes (a block whose statements
    /// close something): after an edit to module code, when such rules run over all of it, they
    /// walk the few units that pass instead.
    pub fn walk_where(
        &self,
        kinds: &[&str],
        test: impl Fn(&str) -> bool,
        mut f: impl FnMut(Node<'a>),
    ) {
        let Some(units) = &self.region else {
            return self.walk(kinds, f);
        };
        let wanted = KindSet::of(kinds);
        let text = |start: usize, end: usize| self.source.get(start..end).unwrap_or("");
        let mut nodes = Vec::new();
        if self.module_code {
            nodes.extend(self.module_scopes().filter(|n| {
                wanted.contains_id(n.kind_id()) && test(text(n.start_byte(), n.end_byte()))
            }));
        }
        let walked = self.walked.borrow();
        for unit in units.iter().filter(|u| test(text(u.start, u.end))) {
            match walked.as_ref().and_then(|w| w.nodes_of(unit)) {
                Some(listed) => nodes.extend(
                    listed
                        .iter()
                        .filter(|(_, kind)| wanted.contains_id(*kind))
                        .map(|(n, _)| *n),
                ),
                None => walk_unit(unit, |n| {
                    if wanted.contains_id(n.kind_id()) {
                        nodes.push(n);
                    }
                }),
            }
        }
        // As in `walk`: the scopes pushed first go in place (the sort is stable).
        if self.module_code {
            nodes.sort_by_key(|n| n.start_byte());
        }
        for node in nodes {
            f(node);
        }
    }

    /// Lets this context, when it walks its region, take the nodes of the units it shares with
    /// `inner` from the walk `inner` made, if any. After an edit to module code the flow rules
    /// analyse all of it with the units the other rules analysed, and a walk is most of a unit's
    /// cost.
    pub fn reuse_walk_of(&self, inner: &Context<'a>) {
        let (Some(units), Some(nodes), Some(bounds)) =
            (&inner.region, inner.nodes.get(), inner.unit_bounds.get())
        else {
            return;
        };
        *self.walked.borrow_mut() = Some(Walked {
            units: units.iter().map(|u| (u.start, u.node)).collect(),
            bounds: bounds.clone(),
            nodes: nodes.clone(),
        });
    }

    /// The nodes whose subtrees are under analysis: the module's pieces, or the units an edit
    /// touched.
    pub fn region_roots(&self) -> Vec<Node<'a>> {
        match &self.region {
            None => self.roots().collect(),
            Some(units) => units.iter().map(|u| u.node).collect(),
        }
    }

    /// The module-level `name = value` assignments under analysis: all of them, or after an edit
    /// those among the units it touched. Rules about settings (`DEBUG = True`) start here.
    pub fn module_assignments(&self) -> Vec<ModuleAssignment<'a>> {
        match &self.region {
            None => module_assignments(self.roots()),
            Some(units) => {
                module_assignments_of(units.iter().filter(|u| u.top_level).map(|u| u.node))
            }
        }
    }

    /// Whether every unit of module-level code is under analysis: rules that follow values from
    /// one module-level statement to the next check the module scope only then.
    pub fn covers_module_code(&self) -> bool {
        self.module_code
    }

    /// How `function` handles requests, if it does (memoised: several rules ask).
    pub fn handler_kind(&self, function: Node) -> Option<HandlerKind> {
        if function.kind() != "function_definition" {
            return None;
        }
        *self
            .handler_kinds
            .borrow_mut()
            .entry(function.start_byte())
            .or_insert_with(|| handler_kind_of(self.facts(), self.source, function))
    }

    /// The values fixes insert (timeouts, names).
    pub fn options(&self) -> &'a RuleOptions {
        &self.settings.options
    }

    /// The roots of the module's pieces, in document order: each top-level statement is a child
    /// of one (a module node, or `ERROR` for a statement too broken to parse). Rules that read the
    /// module as a block of statements read them all.
    pub fn roots(&self) -> impl Iterator<Item = Node<'a>> + Clone + 'a {
        self.tree.roots()
    }

    /// The top-level statements (and comments), in document order.
    pub fn statements(&self) -> impl Iterator<Item = Node<'a>> + 'a {
        self.tree.statements()
    }

    /// The root of the piece holding `byte`: where to look for the node at a position.
    pub fn root_at(&self, byte: usize) -> Option<Node<'a>> {
        self.tree.root_at(byte)
    }

    /// Calls `f` on every node of the file in document order, the root of each piece included
    /// (the whole file, whatever part is under analysis).
    pub fn walk_module(&self, mut f: impl FnMut(Node<'a>)) {
        for root in self.roots() {
            walk(root, &mut f);
        }
    }

    /// The source text of a node (empty if the tree and text ever disagreed, rather than panicking).
    pub fn text(&self, node: Node) -> &'a str {
        self.source.get(node.byte_range()).unwrap_or("")
    }

    /// Whether `test` holds for the text of some unit under analysis (for the whole file when
    /// all of it is). A rule whose findings need some text in the code it reports on skips its
    /// walk when none holds it.
    pub fn region_text_any(&self, test: impl Fn(&str) -> bool) -> bool {
        match &self.region {
            None => test(self.source),
            Some(units) => units
                .iter()
                .any(|u| test(self.source.get(u.range()).unwrap_or(""))),
        }
    }

    /// Every name the file binds by `import`, with the fully qualified name it stands for.
    ///
    /// Ask it only about names read from the code under analysis (`imports().get(name)` for an
    /// identifier of a call). Questions about the file as a whole go through
    /// [`Context::imports_module`], [`Context::may_import`], [`Context::imports_starting_with`],
    /// [`Context::imported_as`] and [`Context::import_binds`], which record them: an incremental
    /// analysis keeps the findings of code that does not name a changed import only when no such
    /// question can see the change.
    pub fn imports(&self) -> &Imports {
        &self.facts().imports
    }

    /// Whether some import may stand for one of `targets` or a module above one (see
    /// [`Imports::may_resolve_to`]): rules that look for a few callables skip files where none can
    /// occur.
    pub fn may_import(&self, targets: &'static [&'static str]) -> bool {
        for target in targets {
            self.probes.ask(ImportProbe::Module(target));
        }
        self.imports().may_resolve_to(targets)
    }

    /// Whether some import stands for a qualified name starting with `prefix` (`flask` is the
    /// prefix of `flask_cors` too).
    pub fn imports_starting_with(&self, prefix: &'static str) -> bool {
        self.probes.ask(ImportProbe::Prefix(prefix));
        self.imports()
            .qualified_names()
            .any(|q| q.starts_with(prefix))
    }

    /// The local name bound to exactly `qualified`, if one is.
    pub fn imported_as(&self, qualified: &'static str) -> Option<&str> {
        self.probes.ask(ImportProbe::Module(qualified));
        self.imports().local_name_for(qualified)
    }

    /// Whether an import binds `local`, a name not read from the code (a name a fix would add).
    pub fn import_binds(&self, local: &str) -> bool {
        self.probes.ask(ImportProbe::Name(local.to_string()));
        self.imports().get(local).is_some()
    }

    /// The questions about the imports asked so far through this context.
    pub fn import_probes(&self) -> std::collections::BTreeSet<ImportProbe> {
        self.probes.asked()
    }

    /// What kind of module this is to the web rules (see also [`Context::handler_kind`]).
    pub fn web(&self) -> &FileFacts {
        self.facts()
    }

    /// Whether one of [`facts::WATCHED`] occurs anywhere in the file.
    pub fn mentions(&self, watched: &str) -> bool {
        debug_assert!(
            facts::WATCHED.contains(&watched),
            "{watched} is not watched"
        );
        self.facts().mentions(watched)
    }

    /// Every call of an imported callable, in document order. Many rules start from "calls of
    /// `X`": one walk and one resolution per call serve them all.
    pub fn resolved_calls(&self) -> &[ResolvedCall<'a>] {
        self.resolved_calls.get_or_init(|| {
            let mut calls = Vec::new();
            self.walk(&["call"], |call| {
                let Some(function) = call.field("function") else {
                    return;
                };
                if let Some(qualified) = self.resolve(function) {
                    calls.push(ResolvedCall {
                        call,
                        function,
                        qualified,
                    });
                }
            });
            calls
        })
    }

    /// Whether the file imports `module` or anything inside it.
    pub fn imports_module(&self, module: &'static str) -> bool {
        self.probes.ask(ImportProbe::Module(module));
        self.imports().qualified_names().any(|q| {
            q == module || (q.starts_with(module) && q.as_bytes().get(module.len()) == Some(&b'.'))
        })
    }

    /// The fully qualified name an expression refers to through the file's imports
    /// (`r.get` → `requests.get` after `import requests as r`), if it refers to an import at all.
    pub fn resolve(&self, node: Node) -> Option<String> {
        self.imports().resolve(node, self.source)
    }
}

/// Appends every named node under `roots` (the roots included) in document order with its kind
/// id to `nodes`, and its depth below its root to `depths`: the list the rules filter, which the
/// facts read too ([`crate::analysis::facts::collect_all_listed`]).
pub fn list_named<'a>(
    roots: impl IntoIterator<Item = Node<'a>>,
    nodes: &mut Vec<(Node<'a>, u16)>,
    depths: &mut Vec<u32>,
) {
    for root in roots {
        walk_named_pruned(root, |node, depth| {
            nodes.push((node, node.kind_id()));
            depths.push(depth);
            true
        });
    }
}

/// Appends the named nodes of `unit` with their kind ids.
fn push_named<'a>(unit: &Unit<'a>, nodes: &mut Vec<(Node<'a>, u16)>) {
    walk_unit(unit, |n| nodes.push((n, n.kind_id())));
}
