//! Where a node sits: the function, `except` handler or loop around it, and the small facts about
//! those scopes that several rules ask (is the function `async`, what does the handler catch).

use std::sync::LazyLock;

use tree_sitter::Node;

use super::kinds::{Field, KindSet};

/// Node kinds that start a new scope: code inside them does not run where it is written.
const SCOPE_BOUNDARIES: &[&str] = &[
    "function_definition",
    "lambda",
    "class_definition",
    "module",
];

static SCOPE_BOUNDARY_KINDS: LazyLock<KindSet> = LazyLock::new(|| KindSet::of(SCOPE_BOUNDARIES));

fn is_scope_boundary(kind: &str) -> bool {
    SCOPE_BOUNDARIES.contains(&kind)
}

/// The innermost `def` (or `async def`) around a node.
pub fn enclosing_function(node: Node) -> Option<Node> {
    let mut current = node.parent();
    while let Some(n) = current {
        if n.kind() == "function_definition" {
            return Some(n);
        }
        current = n.parent();
    }
    None
}

/// The `except` clause whose body runs `node`, if the node is in one in the same scope (a nested
/// `def` or `lambda` runs later, outside the handler).
pub fn enclosing_handler(node: Node) -> Option<Node> {
    let mut child = node;
    let mut current = node.parent();
    while let Some(n) = current {
        if is_scope_boundary(n.kind()) {
            return None;
        }
        // Only the handler's block runs while the exception is being handled, not its type expression.
        if n.kind() == "except_clause" && child.kind() == "block" {
            return Some(n);
        }
        child = n;
        current = n.parent();
    }
    None
}

/// Whether `node` runs once per iteration of a loop in its own scope.
pub fn in_loop(node: Node) -> bool {
    let mut child = node;
    let mut current = node.parent();
    while let Some(n) = current {
        if is_scope_boundary(n.kind()) {
            return false;
        }
        match n.kind() {
            // The body, not the iterable or the `else:` block, runs per iteration.
            "for_statement" | "while_statement" if n.field("body") == Some(child) => {
                return true;
            }
            "list_comprehension"
            | "set_comprehension"
            | "dictionary_comprehension"
            | "generator_expression"
                if n.field("body") == Some(child) =>
            {
                return true;
            }
            _ => {}
        }
        child = n;
        current = n.parent();
    }
    false
}

/// Whether `node` runs in `function`'s own scope (not in a nested `def`, `lambda` or class).
pub fn walk_up_same_scope(node: Node, function: Node) -> bool {
    let mut current = node.parent();
    while let Some(n) = current {
        if n == function {
            return true;
        }
        if is_scope_boundary(n.kind()) {
            return false;
        }
        current = n.parent();
    }
    false
}

/// Whether a `function_definition` is `async def`.
pub fn is_async(function: Node) -> bool {
    function.child(0).is_some_and(|c| c.kind() == "async")
}

/// The name an `except ... as name:` clause binds.
pub fn handler_name<'s>(handler: Node, source: &'s str) -> Option<&'s str> {
    let mut cursor = handler.walk();
    let pattern = handler
        .named_children(&mut cursor)
        .find(|c| c.kind() == "as_pattern")?;
    let alias = pattern.field("alias")?;
    let name = if alias.kind() == "identifier" {
        alias
    } else {
        alias.named_child(0)?
    };
    (name.kind() == "identifier").then(|| source.get(name.byte_range()).unwrap_or(""))
}

/// The caught types of a handler as written (`Exception`, `requests.Timeout`); empty for `except:`.
pub fn handler_types<'s>(handler: Node, source: &'s str) -> Vec<&'s str> {
    let mut cursor = handler.walk();
    let Some(value) = handler
        .named_children(&mut cursor)
        .find(|c| c.kind() != "block" && c.kind() != "comment")
    else {
        return Vec::new();
    };
    let value = if value.kind() == "as_pattern" {
        match value.named_child(0) {
            Some(v) => v,
            None => return Vec::new(),
        }
    } else {
        value
    };
    let value = if value.kind() == "parenthesized_expression" {
        value.named_child(0).unwrap_or(value)
    } else {
        value
    };
    let text = |n: Node| source.get(n.byte_range()).unwrap_or("");
    if value.kind() == "tuple" {
        let mut cursor = value.walk();
        value.named_children(&mut cursor).map(text).collect()
    } else {
        vec![text(value)]
    }
}

/// Whether a handler catches everything: `except:`, `except Exception`, `except BaseException`,
/// alone or in a tuple.
pub fn handler_is_broad(handler: Node, source: &str) -> bool {
    let types = handler_types(handler, source);
    types.is_empty()
        || types
            .iter()
            .any(|t| matches!(*t, "Exception" | "BaseException" | "builtins.Exception"))
}

/// The end of a compound statement's header (just after its `:`), where a diagnostic about the
/// whole clause ends so that it underlines one line.
pub fn header_end(clause: Node) -> usize {
    let mut cursor = clause.walk();
    let colon = clause.children(&mut cursor).find(|c| c.kind() == ":");
    colon.map_or(clause.end_byte(), |c| c.end_byte())
}

/// The block of a handler.
pub fn handler_body(handler: Node) -> Option<Node> {
    let mut cursor = handler.walk();
    let body = handler
        .named_children(&mut cursor)
        .find(|c| c.kind() == "block");
    body
}

/// Calls `f` on every node below `root` that runs in the same scope (not inside a nested `def`,
/// `lambda` or `class`).
pub fn walk_same_scope<'t>(root: Node<'t>, f: &mut impl FnMut(Node<'t>)) {
    // No allocation per node: several rules run this over every function of the file.
    super::semantic::walk_pruned(root, |node| {
        if node == root {
            return true;
        }
        // Named nodes only; anonymous tokens are neither visited nor entered.
        node.is_named() && {
            f(node);
            !SCOPE_BOUNDARY_KINDS.contains(node)
        }
    });
}

/// The decorators of a `function_definition` (empty when it has none).
pub fn decorators(function: Node) -> Vec<Node> {
    let Some(parent) = function
        .parent()
        .filter(|p| p.kind() == "decorated_definition")
    else {
        return Vec::new();
    };
    let mut cursor = parent.walk();
    parent
        .named_children(&mut cursor)
        .filter(|c| c.kind() == "decorator")
        .filter_map(|d| d.named_child(0))
        .collect()
}

/// The names of a function's parameters, in order (without `*`/`**`).
pub fn parameter_names<'s>(function: Node, source: &'s str) -> Vec<&'s str> {
    let Some(params) = function.field("parameters") else {
        return Vec::new();
    };
    let mut cursor = params.walk();
    params
        .named_children(&mut cursor)
        .filter_map(|p| match p.kind() {
            "identifier" => Some(p),
            "default_parameter" | "typed_default_parameter" => p.field("name"),
            "typed_parameter" => p.named_child(0).filter(|n| n.kind() == "identifier"),
            _ => None,
        })
        .map(|n| source.get(n.byte_range()).unwrap_or(""))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::semantic::walk;
    use crate::parse::parse_str;

    fn first<'t>(root: Node<'t>, kind: &str) -> Node<'t> {
        let mut found = None;
        walk(root, |n| {
            if found.is_none() && n.kind() == kind {
                found = Some(n);
            }
        });
        found.expect("node of that kind")
    }

    #[test]
    fn handlers_report_names_and_types() {
        let src = "try:\n    x()\nexcept (ValueError, Exception) as err:\n    y()\n";
        let tree = parse_str(src).unwrap();
        let handler = first(tree.root_node(), "except_clause");
        assert_eq!(handler_name(handler, src), Some("err"));
        assert_eq!(handler_types(handler, src), ["ValueError", "Exception"]);
        assert!(handler_is_broad(handler, src));
        let call = first(handler_body(handler).unwrap(), "call");
        assert_eq!(enclosing_handler(call), Some(handler));
    }

    #[test]
    fn nested_functions_leave_the_handler_and_the_loop() {
        let src = "for i in x:\n    try:\n        a()\n    except:\n        def later():\n            b()\n";
        let tree = parse_str(src).unwrap();
        let root = tree.root_node();
        let mut calls = Vec::new();
        walk(root, |n| {
            if n.kind() == "call" {
                calls.push(n);
            }
        });
        assert!(in_loop(calls[0]));
        assert!(!in_loop(calls[1]));
        assert!(enclosing_handler(calls[1]).is_none());
        let handler = first(root, "except_clause");
        assert!(handler_types(handler, src).is_empty());
        assert!(handler_is_broad(handler, src));
    }
}
