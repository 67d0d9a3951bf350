//! What every rule sees for one file: the source, its tree, and facts computed once on demand.

use std::cell::OnceCell;
use std::sync::LazyLock;

use tree_sitter::{Node, Tree};

use super::semantic::{walk, Imports};
use super::settings::{FileSettings, RuleOptions};
use super::web::WebFacts;

static DEFAULT_SETTINGS: LazyLock<FileSettings> = LazyLock::new(FileSettings::default);

/// The file under analysis. Facts that several rules need (the import table) are computed once, lazily.
pub struct Context<'a> {
    pub source: &'a str,
    pub tree: &'a Tree,
    pub settings: &'a FileSettings,
    imports: OnceCell<Imports>,
    web: OnceCell<WebFacts>,
    resolved_calls: OnceCell<Vec<ResolvedCall<'a>>>,
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
    pub fn new(source: &'a str, tree: &'a Tree) -> Self {
        Self::with_settings(source, tree, &DEFAULT_SETTINGS)
    }

    /// Wraps a source and its tree, with the file's settings.
    pub fn with_settings(source: &'a str, tree: &'a Tree, settings: &'a FileSettings) -> Self {
        Context {
            source,
            tree,
            settings,
            imports: OnceCell::new(),
            web: OnceCell::new(),
            resolved_calls: OnceCell::new(),
        }
    }

    /// The values fixes insert (timeouts, names).
    pub fn options(&self) -> &'a RuleOptions {
        &self.settings.options
    }

    /// The module node.
    pub fn root(&self) -> Node<'a> {
        self.tree.root_node()
    }

    /// The source text of a node (empty if the tree and text ever disagreed, rather than panicking).
    pub fn text(&self, node: Node) -> &'a str {
        self.source.get(node.byte_range()).unwrap_or("")
    }

    /// Every name the file binds by `import`, with the fully qualified name it stands for.
    pub fn imports(&self) -> &Imports {
        self.imports
            .get_or_init(|| Imports::collect(self.root(), self.source))
    }

    /// Which functions handle requests, and what kind of module this is (computed once).
    pub fn web(&self) -> &WebFacts {
        self.web.get_or_init(|| WebFacts::collect(self))
    }

    /// Every call of an imported callable, in document order. Many rules start from "calls of
    /// `X`": one walk and one resolution per call serve them all.
    pub fn resolved_calls(&self) -> &[ResolvedCall<'a>] {
        self.resolved_calls.get_or_init(|| {
            let mut calls = Vec::new();
            walk(self.root(), |call| {
                if call.kind() != "call" {
                    return;
                }
                let Some(function) = call.child_by_field_name("function") else {
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
    pub fn imports_module(&self, module: &str) -> bool {
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
