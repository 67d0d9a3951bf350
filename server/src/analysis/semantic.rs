//! Name resolution through imports, and the small syntax helpers rules share (call arguments,
//! enclosing scopes, statement walking).

use std::collections::HashMap;

use tree_sitter::{Node, TreeCursor};

use super::kinds::Field;

/// The names a file binds through `import` statements, mapped to what they refer to.
///
/// Imports anywhere in the file count (a function-level `import requests` still means requests);
/// a name that the module also binds some other way (assignment, `def`, `class`) is dropped, since
/// it may no longer be the module.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Imports {
    names: HashMap<String, String>,
}

impl Imports {
    /// An import table from its bindings (local name → qualified name).
    pub fn from_names(names: HashMap<String, String>) -> Imports {
        Imports { names }
    }

    /// Every qualified name the file imports (`requests`, `flask.Flask`).
    ///
    /// The questions by module (this one, [`Imports::may_resolve_to`], [`Imports::local_name_for`])
    /// are private to the analysis: rules ask them through [`crate::analysis::Context`], which
    /// records them so that an incremental analysis knows which import changes they can see.
    pub(in crate::analysis) fn qualified_names(&self) -> impl Iterator<Item = &str> {
        self.names.values().map(String::as_str)
    }

    /// Whether a call or name may resolve to one of `targets` (qualified names): some import
    /// binds one of them or a module or package above one. Rules that only look for a few
    /// imported callables skip files where none of them can occur.
    pub(in crate::analysis) fn may_resolve_to(&self, targets: &[&str]) -> bool {
        self.names.values().any(|q| {
            targets.iter().any(|t| {
                t.strip_prefix(q.as_str())
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
            })
        })
    }

    /// What a local name was imported as, if it was.
    pub fn get(&self, local: &str) -> Option<&str> {
        self.names.get(local).map(String::as_str)
    }

    /// The local name bound to exactly `qualified` (`os` for `import os`, `_os` for `import os as _os`).
    pub(in crate::analysis) fn local_name_for(&self, qualified: &str) -> Option<&str> {
        let mut found: Vec<&str> = self
            .names
            .iter()
            .filter(|(_, q)| q.as_str() == qualified)
            .map(|(l, _)| l.as_str())
            .collect();
        found.sort_unstable();
        found.first().copied()
    }

    /// The local names bound differently here and in `other`, each with what it stands for in
    /// `other` and here (`None`: not bound), in name order.
    pub fn changes_from<'a>(&'a self, other: &'a Imports) -> Vec<ImportChange<'a>> {
        let mut changes: Vec<ImportChange> = self
            .names
            .iter()
            .filter(|(local, q)| other.names.get(*local) != Some(*q))
            .map(|(local, q)| ImportChange {
                local,
                before: other.get(local),
                after: Some(q),
            })
            .chain(
                other
                    .names
                    .iter()
                    .filter(|(local, _)| !self.names.contains_key(*local))
                    .map(|(local, q)| ImportChange {
                        local,
                        before: Some(q),
                        after: None,
                    }),
            )
            .collect();
        changes.sort_unstable_by_key(|c| c.local);
        changes
    }

    /// Resolves an identifier or dotted attribute chain to a qualified name.
    pub fn resolve(&self, node: Node, source: &str) -> Option<String> {
        match node.kind() {
            "identifier" => self.names.get(text(node, source)).cloned(),
            "attribute" => {
                let object = node.field("object")?;
                let attr = node.field("attribute")?;
                let base = self.resolve(object, source)?;
                Some(format!("{base}.{}", text(attr, source)))
            }
            _ => None,
        }
    }
}

/// One local name whose import binding changed (see [`Imports::changes_from`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportChange<'a> {
    pub local: &'a str,
    pub before: Option<&'a str>,
    pub after: Option<&'a str>,
}

impl ImportChange<'_> {
    /// The qualified names involved: what the name stood for and what it stands for now.
    pub fn qualified(&self) -> impl Iterator<Item = &str> {
        self.before.into_iter().chain(self.after)
    }
}

fn text<'s>(node: Node, source: &'s str) -> &'s str {
    source.get(node.byte_range()).unwrap_or("")
}

/// Appends the bindings of one `import` or `from … import` statement, in order.
pub fn collect_import_bindings(node: Node, source: &str, out: &mut Vec<(String, String)>) {
    match node.kind() {
        "import_statement" => collect_import(node, source, out),
        "import_from_statement" => collect_from_import(node, source, out),
        _ => {}
    }
}

fn collect_import(node: Node, source: &str, names: &mut Vec<(String, String)>) {
    let mut cursor = node.walk();
    for child in node.children_by_field_name("name", &mut cursor) {
        match child.kind() {
            // `import a.b.c` binds `a`, which refers to the package `a`.
            "dotted_name" => {
                let full = text(child, source);
                let first = full.split('.').next().unwrap_or(full).trim();
                names.push((first.to_string(), first.to_string()));
            }
            "aliased_import" => {
                if let (Some(name), Some(alias)) = (child.field("name"), child.field("alias")) {
                    names.push((text(alias, source).to_string(), compact(text(name, source))));
                }
            }
            _ => {}
        }
    }
}

fn collect_from_import(node: Node, source: &str, names: &mut Vec<(String, String)>) {
    let Some(module) = node.field("module_name") else {
        return;
    };
    // Relative imports name the project's own modules, never the libraries rules look for.
    if module.kind() == "relative_import" {
        return;
    }
    let module = compact(text(module, source));
    let mut cursor = node.walk();
    for child in node.children_by_field_name("name", &mut cursor) {
        match child.kind() {
            "dotted_name" => {
                let name = compact(text(child, source));
                names.push((name.clone(), format!("{module}.{name}")));
            }
            "aliased_import" => {
                if let (Some(name), Some(alias)) = (child.field("name"), child.field("alias")) {
                    names.push((
                        text(alias, source).to_string(),
                        format!("{module}.{}", compact(text(name, source))),
                    ));
                }
            }
            _ => {}
        }
    }
}

/// Removes white space inside a dotted name (`a . b` is legal Python).
fn compact(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Substrings searched for together, with finders built once: rules use them to skip code whose
/// text cannot hold what they look for.
pub struct Needles(Vec<memchr::memmem::Finder<'static>>);

impl Needles {
    /// Finders for each of `needles`.
    pub fn new(needles: &[&'static str]) -> Needles {
        Needles(
            needles
                .iter()
                .map(|n| memchr::memmem::Finder::new(n.as_bytes()))
                .collect(),
        )
    }

    /// Whether any of the needles occurs in `text`.
    pub fn any_in(&self, text: &str) -> bool {
        self.0.iter().any(|f| f.find(text.as_bytes()).is_some())
    }
}

/// Whether `text` may hold a call of a method named one of `names` (`wb.close()`): a name that
/// is a whole word, with a `.` before it and a `(` after it, blanks aside. A line break, a `\`
/// or a comment on either side answers yes too (inside brackets a call may run over lines), so
/// the answer is never no for such a call. Rules ask it before walking code for the call.
pub fn may_call_method(text: &str, names: &[&str]) -> bool {
    names.iter().any(|name| {
        let finder = memchr::memmem::Finder::new(name.as_bytes());
        may_call(text, &finder)
    })
}

/// Method names asked about as in [`may_call_method`], with their finders built once: a rule
/// that asks for every unit of a region would otherwise build them per unit.
pub struct MethodNames(Vec<memchr::memmem::Finder<'static>>);

impl MethodNames {
    /// Finders for each of `names`.
    pub fn new(names: &[&'static str]) -> MethodNames {
        MethodNames(
            names
                .iter()
                .map(|n| memchr::memmem::Finder::new(n.as_bytes()))
                .collect(),
        )
    }

    /// [`may_call_method`] with these names.
    pub fn may_be_called_in(&self, text: &str) -> bool {
        self.0.iter().any(|finder| may_call(text, finder))
    }
}

/// Whether `text` may hold a call of the method `finder` looks for (see [`may_call_method`]).
fn may_call(text: &str, finder: &memchr::memmem::Finder) -> bool {
    let bytes = text.as_bytes();
    let name = finder.needle();
    // Non-ASCII bytes outside strings and comments belong to identifiers.
    let in_word = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80;
    let blank = |b: &&u8| !matches!(**b, b' ' | b'\t' | b'\x0c');
    finder.find_iter(bytes).any(|at| {
        let end = at + name.len();
        if at > 0 && in_word(bytes[at - 1]) || bytes.get(end).is_some_and(|&b| in_word(b)) {
            return false;
        }
        let before = bytes[..at].iter().rev().find(blank);
        let after = bytes[end..].iter().find(blank);
        matches!(before, Some(b'.' | b'\n' | b'\r' | b'\\'))
            && matches!(after, Some(b'(' | b'\n' | b'\r' | b'\\' | b'#'))
    })
}

/// The arguments of a call, sorted by kind.
#[derive(Debug, Default)]
pub struct CallArgs<'t> {
    pub positional: Vec<Node<'t>>,
    pub keywords: Vec<(&'t str, Node<'t>)>,
    /// `*args` somewhere in the call: positional arguments cannot be counted.
    pub has_star: bool,
    /// `**kwargs` somewhere in the call: any keyword may be present.
    pub has_double_star: bool,
    /// The `argument_list` node itself (absent for a call with a bare generator argument).
    pub list: Option<Node<'t>>,
}

impl<'t> CallArgs<'t> {
    /// Sorts the arguments of a `call` node.
    pub fn of(call: Node<'t>, source: &'t str) -> CallArgs<'t> {
        let mut args = CallArgs::default();
        let Some(list) = call.field("arguments") else {
            return args;
        };
        if list.kind() != "argument_list" {
            args.positional.push(list);
            return args;
        }
        args.list = Some(list);
        let mut cursor = list.walk();
        for arg in list.named_children(&mut cursor) {
            match arg.kind() {
                "keyword_argument" => {
                    if let (Some(name), Some(value)) = (arg.field("name"), arg.field("value")) {
                        args.keywords.push((text(name, source), value));
                    }
                }
                "list_splat" => args.has_star = true,
                "dictionary_splat" => args.has_double_star = true,
                "comment" => {}
                _ => args.positional.push(arg),
            }
        }
        args
    }

    /// The value of a keyword argument.
    pub fn keyword(&self, name: &str) -> Option<Node<'t>> {
        self.keywords
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| *v)
    }

    /// Whether the keyword may be present: given explicitly, or possibly inside `**kwargs`.
    pub fn may_have_keyword(&self, name: &str) -> bool {
        self.has_double_star || self.keyword(name).is_some()
    }
}

/// A module-level `name = value` statement.
#[derive(Debug, Clone, Copy)]
pub struct ModuleAssignment<'t> {
    /// The whole statement.
    pub statement: Node<'t>,
    /// The `name = value` assignment inside it.
    pub assignment: Node<'t>,
    /// The target, always a plain identifier.
    pub name: Node<'t>,
    pub value: Node<'t>,
}

/// Every top-level assignment to a plain name, in order (`x = 1`, not `a.b = 1` or `x: int`).
pub fn module_assignments<'t>(
    roots: impl IntoIterator<Item = Node<'t>>,
) -> Vec<ModuleAssignment<'t>> {
    module_assignments_of(crate::parse::children_of(roots.into_iter()).filter(|n| n.is_named()))
}

/// The `name = value` assignments among the given module-level statements.
pub fn module_assignments_of<'t>(
    statements: impl Iterator<Item = Node<'t>>,
) -> Vec<ModuleAssignment<'t>> {
    statements
        .filter_map(|statement| {
            let assignment = statement
                .named_child(0)
                .filter(|n| n.kind() == "assignment")?;
            let name = assignment
                .field("left")
                .filter(|l| l.kind() == "identifier")?;
            let value = assignment.field("right")?;
            Some(ModuleAssignment {
                statement,
                assignment,
                name,
                value,
            })
        })
        .collect()
}

/// For a call of a method (`obj.method(...)`), the object node and the method's name.
pub fn method_call<'t, 's>(call: Node<'t>, source: &'s str) -> Option<(Node<'t>, &'s str)> {
    let function = call.field("function").filter(|f| f.kind() == "attribute")?;
    let object = function.field("object")?;
    let method = function.field("attribute")?;
    Some((object, source.get(method.byte_range()).unwrap_or("")))
}

/// Calls `f` on every node of the tree below `root`, in document order.
pub fn walk<'t>(root: Node<'t>, mut f: impl FnMut(Node<'t>)) {
    walk_pruned(root, |n| {
        f(n);
        true
    });
}

/// Visits `root` and its descendants in document order with one cursor (no recursion: a
/// pathological file nests thousands of levels deep); `visit` returns whether to go below the
/// node it was given.
pub fn walk_pruned<'t>(root: Node<'t>, mut visit: impl FnMut(Node<'t>) -> bool) {
    walk_pruned_with_depth(root, |node, _| visit(node));
}

/// [`walk_pruned`], telling `visit` how far below `root` each node is (`root` itself: 0).
fn walk_pruned_with_depth<'t>(root: Node<'t>, mut visit: impl FnMut(Node<'t>, u32) -> bool) {
    let mut cursor = root.walk();
    let mut depth = 0u32;
    loop {
        if visit(cursor.node(), depth) && cursor.goto_first_child() {
            depth += 1;
            continue;
        }
        loop {
            if cursor.goto_next_sibling() {
                break;
            }
            // The cursor cannot leave `root`: back at depth 0, the walk is done.
            if depth == 0 || !cursor.goto_parent() {
                return;
            }
            depth -= 1;
            if depth == 0 {
                return;
            }
        }
    }
}

/// Nodes with more named children than this are read with a cursor by [`walk_named_pruned`]:
/// `named_child(i)` starts from the first child each time, so a list literal of thousands of
/// items would cost the square of its length.
const NARROW: usize = 32;

/// Visits `root` and its named descendants in document order, telling `visit` how far below
/// `root` each is (`root` itself: 0); `visit` returns whether to go below the node it was given.
/// Anonymous nodes (punctuation, keywords) are leaves in the Python grammar, so these are exactly
/// the named nodes [`walk_pruned`] would give, at the same depths, when it never stops at an
/// anonymous node.
///
/// Why not the cursor: a cursor step visits anonymous nodes too and keeps positions and an
/// entry stack up to date; reading a node's named children by index skips all that: listing a
/// whole tree (what every full analysis does) takes less than half the instructions.
/// An explicit stack, not recursion: a pathological file nests thousands of levels deep.
pub fn walk_named_pruned<'t>(root: Node<'t>, mut visit: impl FnMut(Node<'t>, u32) -> bool) {
    // A node visited already, with the index of its next named child and its depth; or, with
    // `UNVISITED` as the index, a node still to visit (the children of a wide node, read at once).
    const UNVISITED: u32 = u32::MAX;
    let mut stack = vec![(root, UNVISITED, 0u32)];
    let mut cursor: Option<TreeCursor<'t>> = None;
    while let Some(top) = stack.last_mut() {
        let (node, next, depth) = *top;
        if next == UNVISITED {
            if visit(node, depth) {
                top.1 = 0;
            } else {
                stack.pop();
            }
            continue;
        }
        let count = node.named_child_count();
        if next as usize >= count {
            stack.pop();
            continue;
        }
        if count > NARROW {
            stack.pop();
            let cursor = cursor.get_or_insert_with(|| node.walk());
            cursor.reset(node);
            let first = stack.len();
            stack.extend(
                node.named_children(cursor)
                    .map(|child| (child, UNVISITED, depth + 1)),
            );
            stack[first..].reverse();
            continue;
        }
        top.1 += 1;
        if let Some(child) = node.named_child(next) {
            if visit(child, depth + 1) {
                stack.push((child, 0, depth + 1));
            }
        }
    }
}

/// The innermost function (with its class, if it is a method) around a node, as `Class.method`.
pub fn enclosing_function_name(node: Node, source: &str) -> Option<String> {
    let mut current = node.parent();
    while let Some(n) = current {
        if n.kind() == "function_definition" {
            let name = text(n.field("name")?, source).to_string();
            let class = n
                .parent()
                .filter(|b| b.kind() == "block")
                .and_then(|b| b.parent())
                .filter(|c| c.kind() == "class_definition")
                .and_then(|c| c.field("name"))
                .map(|c| text(c, source));
            return Some(match class {
                Some(class) => format!("{class}.{name}"),
                None => name,
            });
        }
        current = n.parent();
    }
    None
}

/// Whether `node` is a string literal with exactly this content (no interpolation, any quotes).
pub fn is_string_literal(node: Node, source: &str, value: &str) -> bool {
    string_literal_value(node, source).as_deref() == Some(value)
}

/// The content of a plain string literal (no f-string interpolation, no implicit concatenation).
pub fn string_literal_value(node: Node, source: &str) -> Option<String> {
    if node.kind() != "string" {
        return None;
    }
    let mut cursor = node.walk();
    let mut content = String::new();
    for child in node.named_children(&mut cursor) {
        match child.kind() {
            "string_start" | "string_end" => {}
            "string_content" => content.push_str(text(child, source)),
            _ => return None,
        }
    }
    Some(content)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse_str;

    /// Whether the parsed text calls a method named `name`, the truth `may_call_method` guesses.
    fn calls_method(src: &str, name: &str) -> bool {
        let tree = parse_str(src).expect("parses");
        let mut found = false;
        walk(tree.root_node(), |n| {
            found |= n.kind() == "call"
                && n.field("function").is_some_and(|f| {
                    f.kind() == "attribute"
                        && f.field("attribute").is_some_and(|a| text(a, src) == name)
                });
        });
        found
    }

    #[test]
    fn a_method_call_is_never_missed_and_other_words_mostly_are() {
        let calls = [
            "wb.close()\n",
            "wb . close ( )\n",
            "wb.close\t()\n",
            "x = (wb.\n  close())\n",
            "x = (wb\n  .close\n  ())\n",
            "x = (wb.close  # done\n  ())\n",
            "wb.\\\nclose()\n",
            "f(a).b.close()\n",
            "é.close()\n",
        ];
        for src in calls {
            assert!(calls_method(src, "close"), "no call in {src:?}");
            assert!(may_call_method(src, &["close"]), "missed {src:?}");
        }
        let others = [
            "closed = wb.closed\n",
            "close = 1\n",
            "wb.closer()\n",
            "wb.close_all()\n",
            "wb.éclose()\n",
            "x = close(wb)\n",
            "\"\"\"close the workbook\"\"\"\n",
            "wb.close = f\n",
        ];
        for src in others {
            assert!(!calls_method(src, "close"), "a call in {src:?}");
            assert!(!may_call_method(src, &["close"]), "false alarm on {src:?}");
        }
        assert!(may_call_method(
            "c.executemany(q)\n",
            &["execute", "executemany"]
        ));
    }

    fn resolve_first_call(src: &str) -> Option<String> {
        let tree = crate::parse::ModuleTree::parse(src, None).unwrap();
        let ctx = crate::analysis::Context::new(src, &tree);
        let imports = ctx.imports().clone();
        let mut result = None;
        ctx.walk_module(|n| {
            if n.kind() == "call" && result.is_none() {
                result = imports.resolve(n.field("function").unwrap(), src);
            }
        });
        result
    }

    #[test]
    fn may_resolve_to_needs_an_import_at_or_above_a_target() {
        let imports = |src: &str| {
            let tree = crate::parse::ModuleTree::parse(src, None).unwrap();
            crate::analysis::Context::new(src, &tree).imports().clone()
        };
        let targets = &["flask_cors.CORS", "sqlalchemy.sql.text"];
        assert!(imports("import flask_cors\n").may_resolve_to(targets));
        assert!(imports("from flask_cors import CORS as C\n").may_resolve_to(targets));
        assert!(imports("import sqlalchemy.sql\n").may_resolve_to(targets));
        assert!(imports("from sqlalchemy import sql\n").may_resolve_to(targets));
        // A sibling or a longer name is not on the way to a target.
        assert!(!imports("from flask_cors import cross_origin\n").may_resolve_to(targets));
        assert!(!imports("import flask_corsets\nimport flask\n").may_resolve_to(targets));
        assert!(!imports("x = 1\n").may_resolve_to(targets));
    }

    #[test]
    fn resolves_aliases_and_from_imports() {
        assert_eq!(
            resolve_first_call("import requests as r\nr.get(u)\n").as_deref(),
            Some("requests.get")
        );
        assert_eq!(
            resolve_first_call("from requests import get\nget(u)\n").as_deref(),
            Some("requests.get")
        );
        assert_eq!(
            resolve_first_call("from requests import get as fetch\nfetch(u)\n").as_deref(),
            Some("requests.get")
        );
        assert_eq!(
            resolve_first_call("import urllib.request\nurllib.request.urlopen(u)\n").as_deref(),
            Some("urllib.request.urlopen")
        );
        assert_eq!(
            resolve_first_call("from urllib import request\nrequest.urlopen(u)\n").as_deref(),
            Some("urllib.request.urlopen")
        );
    }

    #[test]
    fn unimported_and_shadowed_names_do_not_resolve() {
        assert_eq!(resolve_first_call("requests.get(u)\n"), None);
        assert_eq!(
            resolve_first_call("import requests\nrequests = Client()\nrequests.get(u)\n"),
            None
        );
        assert_eq!(
            resolve_first_call("from . import requests\nrequests.get(u)\n"),
            None
        );
    }

    #[test]
    fn the_named_walk_gives_the_named_nodes_of_the_cursor_walk_at_their_depths() {
        let wide_list = format!("x = [{}]\n", vec!["f(a.b, 'c')"; 100].join(", "));
        let wide_block = format!("def f():\n{}", "    y = g(1)  # c\n".repeat(40));
        let deep = format!("x = {}\n", vec!["a"; 3000].join(" + "));
        let sources = [
            "@app.route('/')\nclass A(B, metaclass=M):\n    '''Doc.'''\n    async def f(self, *a, **k) -> int:\n        return [y async for y in z if y], f'{x!r:>{w}}'\n",
            "try:\n    pass\nexcept* (E, F) as e:\n    raise X from e\nmatch p:\n    case [1, *r] | {'k': v}:\n        print(r, v)\n",
            // Error recovery: unclosed brackets, stray indentation, a class without a body.
            "class C(:\n    def m(self:\n        x = (1,\n  y = 2\nclass D:\n",
            "def f(:\n    import a.b as\n    with x as (y, z):\n        w = v = u = 3\nif x:\n    from m import (a,\n",
            &wide_list,
            &wide_block,
            &deep,
        ];
        for source in sources {
            let tree = parse_str(source).expect("parses");
            let mut walked = Vec::new();
            walk_pruned_with_depth(tree.root_node(), |node, depth| {
                if node.is_named() {
                    walked.push((node, depth));
                }
                true
            });
            let mut named = Vec::new();
            walk_named_pruned(tree.root_node(), |node, depth| {
                named.push((node, depth));
                true
            });
            assert!(walked.len() > 5, "{source:?}");
            assert_eq!(named, walked, "{source:?}");
        }
    }
}
