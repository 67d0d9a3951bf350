//! PF503 sql-string-building: SQL assembled from strings and passed to the database.

use std::collections::HashMap;
use std::sync::LazyLock;

use tree_sitter::Node;

use super::RuleMeta;
use crate::analysis::kinds::{Field, KindSet};
use crate::analysis::scope::walk_same_scope;
use crate::analysis::semantic::{CallArgs, MethodNames};
use crate::analysis::{Context, Finding, Severity};

pub static META: RuleMeta = RuleMeta {
    code: "PF503",
    name: "sql-string-building",
    category: "security",
    severity: Severity::Error,
    summary: "SQL is built by string formatting and executed",
    fixable: false,
    twins: &["S608", "B608"],
    doc: r#"## What it does
Finds SQL text built with an f-string, `%`, `.format()` or `+` with a non-literal part, that
reaches `.execute(...)`, `.executemany(...)`, `sqlalchemy.text(...)`, `.raw(...)` or
`.extra(...)` — directly or through a variable assigned in the same function. Only strings that
start like SQL (`SELECT`, `INSERT`, `UPDATE`, `DELETE`, `WITH`, …) are considered. A sink
called inside a decorator is not followed.

## Why is this bad?
Values formatted into SQL are code: a name like `x' OR '1'='1` reads every row, and
`'; DROP TABLE users; --` does what it says (SQL injection, CWE-89). Formatted SQL also defeats
the database's statement cache.

## Example
```python
cursor.execute(f"SELECT * FROM users WHERE email = '{email}'")
```

## Use instead
```python
cursor.execute("SELECT * FROM users WHERE email = %s", (email,))
```

## Fix
None: the placeholder style depends on the driver (`%s`, `?`, `:name`).

## Related
ruff S608, bandit B608."#,
};

const SQL_WORDS: &[&str] = &[
    "SELECT", "INSERT", "UPDATE", "DELETE", "WITH", "REPLACE", "MERGE", "CREATE", "DROP", "ALTER",
    "TRUNCATE", "GRANT",
];

const SINKS: &[&str] = &["execute", "executemany", "raw", "extra", "executescript"];
/// Callables that take SQL text, reached through imports.
const TEXT_SINKS: &[&str] = &["sqlalchemy.text", "sqlalchemy.sql.text"];
/// The kinds the scope walk acts on: a bit test skips the other nodes without naming their kind.
static FLOW_KINDS: LazyLock<KindSet> =
    LazyLock::new(|| KindSet::of(&["assignment", "augmented_assignment", "call"]));

/// Whether a string's text starts like SQL.
fn looks_like_sql(text: &str) -> bool {
    let body = text
        .trim_start_matches(|c: char| c.is_ascii_alphabetic() && c != '"' && c != '\'')
        .trim_start_matches(['"', '\''])
        .trim_start();
    let word: String = body
        .chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .collect::<String>()
        .to_ascii_uppercase();
    if !SQL_WORDS.contains(&word.as_str())
        || !body
            .chars()
            .nth(word.len())
            .is_some_and(char::is_whitespace)
    {
        return false;
    }
    // "Select a user" is English: SQL has its second keyword too.
    let upper = body.to_ascii_uppercase();
    let has = |w: &str| {
        upper
            .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
            .any(|t| t == w)
    };
    match word.as_str() {
        "SELECT" | "DELETE" => has("FROM"),
        "INSERT" | "REPLACE" | "MERGE" => has("INTO"),
        "UPDATE" => has("SET"),
        "WITH" => has("AS"),
        "CREATE" | "DROP" | "ALTER" | "TRUNCATE" => {
            has("TABLE") || has("INDEX") || has("VIEW") || has("DATABASE") || has("SCHEMA")
        }
        _ => true,
    }
}

/// Words after which a placeholder stands for a value (`LIKE %s`, `IN (%s)`, `LIMIT %s`).
const VALUE_WORDS: &[&str] = &[
    "LIKE", "ILIKE", "IN", "VALUES", "LIMIT", "OFFSET", "THEN", "ELSE", "WHEN", "AND", "OR",
    "BETWEEN", "IS", "NOT", "SET",
];

/// Whether SQL text before a placeholder puts it where a value goes: after `=`, `<`, `(`, `,`, an
/// opening `'`, or a word such as `LIKE` or `IN`. Table names (`FROM %s`, `` `%s` ``), operators
/// and clause fragments built by the code itself are not values and are left alone.
fn value_position(before: &str) -> bool {
    let before = before.trim_end();
    if before.ends_with(['=', '<', '>', '(', ',', '\'', '+', '-', '*', '/']) {
        return true;
    }
    let word: String = before
        .chars()
        .rev()
        .take_while(|c| c.is_ascii_alphabetic())
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect::<String>()
        .to_ascii_uppercase();
    VALUE_WORDS.contains(&word.as_str())
}

/// Whether a SQL literal's body has a placeholder (`%s`, `%(name)s`, `{...}`) in a value position;
/// with `appended`, whether its end is one (`"... = '" + value`).
fn has_value_placeholder(body: &str, appended: bool) -> bool {
    if appended && value_position(body) {
        return true;
    }
    let bytes = body.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let end = match bytes[i] {
            b'%' if bytes.get(i + 1) == Some(&b's') => i + 2,
            b'%' if bytes.get(i + 1) == Some(&b'(') => match body[i..].find(")s") {
                Some(close) => i + close + 2,
                None => return false,
            },
            b'{' if bytes.get(i + 1) == Some(&b'{') => {
                i += 2;
                continue;
            }
            b'{' => match body[i..].find('}') {
                Some(close) => i + close + 1,
                None => return false,
            },
            _ => {
                i += 1;
                continue;
            }
        };
        if value_position(&body[..i]) {
            return true;
        }
        i = end;
    }
    false
}

/// The text between a string literal's quotes.
fn literal_body<'t>(ctx: &Context<'t>, string: Node) -> &'t str {
    let mut cursor = string.walk();
    let children: Vec<Node> = string.children(&mut cursor).collect();
    match (children.first(), children.last()) {
        (Some(start), Some(end)) if children.len() >= 2 => ctx
            .source
            .get(start.end_byte()..end.start_byte())
            .unwrap_or(""),
        _ => "",
    }
}

/// The SQL literal of a built expression (its first string), for the placeholder check.
fn sql_literal<'t>(node: Node<'t>) -> Option<Node<'t>> {
    let mut node = node;
    for _ in 0..=MAX_DEPTH {
        node = match node.kind() {
            "string" => return Some(node),
            "binary_operator" => node.field("left")?,
            "call" => {
                return node
                    .field("function")
                    .and_then(|f| f.field("object"))
                    .filter(|o| o.kind() == "string")
            }
            "parenthesized_expression" => node.named_child(0)?,
            _ => return None,
        };
    }
    None
}

/// How far the SQL checks follow nested expressions; deeper code is generated, not hand-built SQL.
const MAX_DEPTH: usize = 64;

/// Whether an expression builds SQL from a non-literal part, with a value (not only table
/// names or clause fragments) formatted in.
fn is_built_sql(ctx: &Context, node: Node) -> bool {
    let appended = node.kind() == "binary_operator"
        && node.field("operator").is_some_and(|o| ctx.text(o) == "+");
    is_formatted_sql(ctx, node)
        && sql_literal(node).is_some_and(|s| has_value_placeholder(literal_body(ctx, s), appended))
}

/// Whether an expression builds SQL from a non-literal part.
fn is_formatted_sql(ctx: &Context, node: Node) -> bool {
    formatted_sql_within(ctx, node, 0)
}

/// [`is_formatted_sql`] with a bound on how deep it follows `+` chains and parentheses.
fn formatted_sql_within(ctx: &Context, node: Node, depth: usize) -> bool {
    if depth > MAX_DEPTH {
        return false;
    }
    match node.kind() {
        "string" => {
            let mut cursor = node.walk();
            let interpolated = node
                .named_children(&mut cursor)
                .any(|c| c.kind() == "interpolation");
            interpolated && looks_like_sql(ctx.text(node))
        }
        "binary_operator" => {
            let left = node.field("left");
            let operator = node.field("operator").map(|o| ctx.text(o));
            let right = node.field("right");
            let (Some(left), Some(right)) = (left, right) else {
                return false;
            };
            match operator {
                Some("%") => {
                    left.kind() == "string"
                        && looks_like_sql(ctx.text(left))
                        && !matches!(right.kind(), "string" | "integer")
                }
                Some("+") => {
                    formatted_sql_within(ctx, left, depth + 1)
                        || (left.kind() == "string"
                            && looks_like_sql(ctx.text(left))
                            && right.kind() != "string")
                }
                _ => false,
            }
        }
        "call" => {
            // "SELECT ... {}".format(x)
            let Some(function) = node.field("function") else {
                return false;
            };
            function.kind() == "attribute"
                && function
                    .field("attribute")
                    .is_some_and(|a| ctx.text(a) == "format")
                && function
                    .field("object")
                    .is_some_and(|o| o.kind() == "string" && looks_like_sql(ctx.text(o)))
                && node
                    .field("arguments")
                    .is_some_and(|a| a.named_child_count() > 0)
        }
        "parenthesized_expression" => node
            .named_child(0)
            .is_some_and(|inner| formatted_sql_within(ctx, inner, depth + 1)),
        _ => false,
    }
}

/// Whether `call` hands its first argument to the database.
fn is_sink(ctx: &Context, call: Node) -> bool {
    let Some(function) = call.field("function") else {
        return false;
    };
    if ctx
        .resolve(function)
        .is_some_and(|q| TEXT_SINKS.contains(&q.as_str()))
    {
        return true;
    }
    function.kind() == "attribute"
        && function
            .field("attribute")
            .is_some_and(|a| SINKS.contains(&ctx.text(a)))
}

/// Whether `node` is inside a decorator below `scope` (asked of sink calls only: `parent` searches
/// down from the root).
fn in_decorator(node: Node, scope: Node) -> bool {
    let mut at = node.parent();
    while let Some(n) = at.filter(|n| *n != scope) {
        match n.kind() {
            "decorator" => return true,
            "expression_statement" | "block" | "decorated_definition" => return false,
            _ => at = n.parent(),
        }
    }
    false
}

/// [`SINKS`] as method calls, searched for unit by unit.
static SINK_CALLS: LazyLock<MethodNames> = LazyLock::new(|| MethodNames::new(SINKS));

/// Checks one file.
pub fn check(ctx: &Context, meta: &'static RuleMeta, out: &mut Vec<Finding>) {
    // A sink is a call of an imported `text` (any spelling, so no text filter then) or a method
    // call named like a sink, which then shows in the scope's text. Scopes that hold none are
    // skipped without walking their statements. The module's scope excludes the bodies of its
    // functions: its sinks are in the module code under analysis (findings elsewhere would not
    // be kept), so after an edit to module code the flow over all of it is walked only when that
    // code calls a sink.
    let any_scope = ctx.may_import(TEXT_SINKS);
    // No sink in any of the code under analysis: nothing to report, and nothing to walk.
    if !any_scope && !ctx.region_text_any(|text| SINK_CALLS.may_be_called_in(text)) {
        return;
    }
    // Past that test the module's scope holds a sink: its sinks are in the code under analysis.
    let may_hold_sink = |scope: Node| {
        any_scope || scope.kind() == "module" || SINK_CALLS.may_be_called_in(ctx.text(scope))
    };
    let mut report = |node: Node| {
        out.push(Finding::new(
            meta,
            node.byte_range(),
            "SQL built from a formatted string reaches the database: values become code (SQL \
             injection). Pass them as query parameters",
            None,
        ));
    };
    // The module's scope is the roots of all its pieces (runs of top-level statements), walked in
    // order as one body when its first module node comes up.
    let first_module = ctx.roots().find(|r| r.kind() == "module");
    ctx.walk(&["function_definition", "module"], |scope| {
        let bodies: Vec<Node> = if scope.kind() == "module" {
            if Some(scope) != first_module {
                return;
            }
            ctx.roots().collect()
        } else {
            scope.field("body").into_iter().collect()
        };
        if !bodies.iter().any(|body| may_hold_sink(*body)) {
            return;
        }
        // Names assigned built SQL in this scope (reassignments with safe values clear them).
        let mut built: HashMap<&str, bool> = HashMap::new();
        for body in bodies {
            walk_same_scope(body, &mut |n| match n.kind() {
                _ if !FLOW_KINDS.contains(n) => {}
                "assignment" => {
                    if let (Some(left), Some(right)) = (n.field("left"), n.field("right")) {
                        if left.kind() == "identifier" {
                            let entry = built.entry(ctx.text(left)).or_insert(false);
                            *entry |=
                                is_built_sql(ctx, right) && !ctx.text(right).contains("quote");
                        }
                    }
                }
                "augmented_assignment" => {
                    if let (Some(left), Some(right)) = (n.field("left"), n.field("right")) {
                        if left.kind() == "identifier"
                            && built.contains_key(ctx.text(left))
                            && !matches!(right.kind(), "string")
                        {
                            built.insert(ctx.text(left), true);
                        }
                    }
                }
                // Not in a decorator: it runs where its definition stands, but the analysis of an
                // edit files what is found there with the definition, which module code does not
                // re-analyse (as for `PF401`).
                "call" if is_sink(ctx, n) && !in_decorator(n, body) => {
                    let args = CallArgs::of(n, ctx.source);
                    let Some(first) = args.positional.first().copied() else {
                        return;
                    };
                    // Identifiers passed through the driver's quoting (`quote_name(table)`) are not
                    // injectable; values never go through it.
                    if ctx.text(first).contains("quote") {
                        return;
                    }
                    if is_built_sql(ctx, first)
                        || (first.kind() == "identifier"
                            && built.get(ctx.text(first)).copied().unwrap_or(false))
                    {
                        report(first);
                    }
                }
                _ => {}
            });
        }
    });
}
