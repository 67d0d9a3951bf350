//! PF307 in-memory-state: sessions, tokens or caches kept in a module-level dict.

use tree_sitter::Node;

use super::RuleMeta;
use crate::analysis::kinds::Field;
use crate::analysis::scope::{enclosing_function, walk_up_same_scope};
use crate::analysis::semantic::module_assignments;
use crate::analysis::{Context, Finding, Severity};

pub static META: RuleMeta = RuleMeta {
    code: "PF307",
    name: "in-memory-state",
    category: "reliability",
    severity: Severity::Warning,
    summary: "Sessions, tokens or cache entries are kept in a module-level dict",
    fixable: false,
    twins: &[],
    doc: r#"## What it does
In a module that serves requests, finds a module-level `dict`, `set`, `list` or `defaultdict`
whose name says it holds sessions, tokens, a cache or a store (`sessions = {}`,
`TOKEN_STORE = dict()`, `cache = defaultdict(list)`) and that a request handler mutates
(`sessions[sid] = ...`, `.add`, `.update`, `.setdefault`, `.pop`, `del`).

## Why is this bad?
Each worker process has its own copy: with gunicorn's 4 workers a user logged in by one worker is
unknown to the next three, a revoked token stays valid in the others, and everything is lost on
every deploy or restart. The dict also grows without bound until the worker runs out of memory.

## Example
```python
sessions = {}

@app.post("/login")
def login():
    sessions[token] = user.id
```

## Use instead
Keep the state in a shared store with expiry — Redis (`setex`), the database, the framework's
session backend — or use signed tokens that need no server-side state.

## Fix
None: choosing the store is a design decision.

## Related
PF203 (client per request)."#,
};

const STATE_WORDS: &[&str] = &["session", "token", "cache", "store"];

const MUTATORS: &[&str] = &[
    "add",
    "update",
    "setdefault",
    "pop",
    "popitem",
    "append",
    "extend",
    "remove",
    "discard",
    "clear",
];

/// Whether a module-level value is an empty (or literal) mutable container.
fn is_container(ctx: &Context, value: Node) -> bool {
    match value.kind() {
        "dictionary" | "set" | "list" => true,
        "call" => {
            let Some(function) = value.field("function") else {
                return false;
            };
            matches!(ctx.text(function), "dict" | "set" | "list")
                || ctx.resolve(function).is_some_and(|q| {
                    q == "collections.defaultdict" || q == "collections.OrderedDict"
                })
        }
        _ => false,
    }
}

/// If `node` mutates the container named `name`, the node to report.
fn mutates(ctx: &Context, node: Node, name: &str) -> bool {
    let is_name =
        |n: Option<Node>| n.is_some_and(|n| n.kind() == "identifier" && ctx.text(n) == name);
    match node.kind() {
        // `name[key] = value`, `del name[key]`
        "assignment" | "augmented_assignment" | "delete_statement" => {
            let target = if node.kind() == "delete_statement" {
                node.named_child(0)
            } else {
                node.field("left")
            };
            target.is_some_and(|t| t.kind() == "subscript" && is_name(t.field("value")))
        }
        // `name.add(x)`, `name.pop(key)`
        "call" => node
            .field("function")
            .filter(|f| f.kind() == "attribute")
            .is_some_and(|f| {
                is_name(f.field("object"))
                    && f.field("attribute")
                        .is_some_and(|a| MUTATORS.contains(&ctx.text(a)))
            }),
        _ => false,
    }
}

/// Checks one file.
pub fn check(ctx: &Context, meta: &'static RuleMeta, out: &mut Vec<Finding>) {
    if !ctx.web().serves_requests() {
        return;
    }
    for assignment in module_assignments(ctx.roots()) {
        let name = ctx.text(assignment.name);
        let lower = name.to_ascii_lowercase();
        if !STATE_WORDS.iter().any(|w| lower.contains(w)) || !is_container(ctx, assignment.value) {
            continue;
        }
        let mut mutated_in_handler = false;
        ctx.walk_module(|node| {
            if mutated_in_handler || !mutates(ctx, node, name) {
                return;
            }
            mutated_in_handler = enclosing_function(node)
                .is_some_and(|f| ctx.handler_kind(f).is_some() && walk_up_same_scope(node, f));
        });
        if mutated_in_handler {
            out.push(Finding::new(
                meta,
                assignment.name.byte_range(),
                format!(
                    "`{name}` keeps request state in this process's memory: other workers do not \
                     see it, a restart loses it and it grows without bound. Use a shared store"
                ),
                None,
            ));
        }
    }
}
