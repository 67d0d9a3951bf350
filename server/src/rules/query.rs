//! Query rules: a `.scm` file whose header holds the rule's metadata and doc, then a tree-sitter query.
//!
//! ```text
//! ; code: PF102
//! ; name: bare-except
//! ; category: error-handling
//! ; severity: warning
//! ; message: Bare `except:` also catches KeyboardInterrupt and SystemExit
//! ; fix: except-exception
//! ;
//! ; ## What it does
//! ; …
//! (except_clause !value "except" @diagnostic)
//! ```
//!
//! `@diagnostic` is the node to underline; captures starting with `_` are helpers. The message may
//! name captures as `{name}`. Besides tree-sitter's own text predicates (`#eq?`, `#match?`,
//! `#any-of?` and their `#not-` forms), the engine evaluates the predicates in [`PREDICATES`];
//! any other predicate is an error when the query is loaded, because tree-sitter would silently
//! ignore it.

use std::collections::HashMap;

use tree_sitter::{Node, Query, QueryCursor, QueryPredicateArg, StreamingIterator};

use super::RuleMeta;
use crate::analysis::{Context, Finding, Fix, Severity};
use crate::fix;

include!(concat!(env!("OUT_DIR"), "/queries.rs"));

/// Predicates implemented by the engine, with what they test.
pub const PREDICATES: &[(&str, &str)] = &[
    (
        "pf-empty-body?",
        "@block holds nothing but `pass`, `...` and comments",
    ),
    (
        "pf-resolves-to?",
        "@expr resolves through the file's imports to one of the qualified names given",
    ),
    (
        "pf-lacks-keyword?",
        "@call (a call, or its argument list) passes none of the keywords given, and no **kwargs",
    ),
];

/// A compiled query rule.
pub struct QueryRule {
    query: Query,
    /// Whether a pattern names the `module` node, so that a match may span analysis units.
    spans_units: bool,
    /// The node kinds the patterns start at, when every pattern starts with a named node kind:
    /// the query then runs anchored at those nodes of the shared walk instead of visiting every
    /// node of the file with its own cursor (most of its cost).
    roots: Option<Vec<String>>,
    diagnostic: u32,
    fixer: Option<QueryFix>,
    message: &'static str,
}

/// How a query rule fixes what it finds.
#[derive(Clone, Copy)]
enum QueryFix {
    /// A built-in fixer (`; fix: log-exception`).
    Named(fix::QueryFixer),
    /// A user rule's template (`; fix-replace: http_client.{_method}`): the `@diagnostic` node is
    /// replaced by the template with each `{capture}` filled in. Unsafe: nobody has reviewed it.
    Replace(&'static str),
}

/// Header keys a query file may use.
const HEADER_KEYS: &[&str] = &[
    "code",
    "name",
    "category",
    "severity",
    "message",
    "fix",
    "fix-replace",
    "twins",
];

/// What the header of one query text produced. Kept per text so that reloading an unchanged user
/// rule does not leak its strings again (rule metadata lives for the whole process).
#[derive(Clone)]
struct Header {
    meta: RuleMeta,
    message: &'static str,
    fixer: Option<QueryFix>,
}

static HEADERS: std::sync::LazyLock<std::sync::Mutex<HashMap<String, Header>>> =
    std::sync::LazyLock::new(Default::default);

/// Why a query file could not be loaded.
#[derive(Debug)]
pub struct QueryError(pub String, pub Option<(usize, usize)>);

impl QueryError {
    /// The message without the `file:line:col:` prefix (for places that show the location apart).
    pub fn bare_message(&self, file: &str) -> String {
        let rest = self
            .0
            .strip_prefix(file)
            .and_then(|r| r.strip_prefix(':'))
            .unwrap_or(&self.0);
        let rest = match self.1 {
            Some((line, col)) => rest.strip_prefix(&format!("{line}:{col}:")).unwrap_or(rest),
            None => rest,
        };
        rest.trim().to_string()
    }
}

impl std::fmt::Display for QueryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The captures of one match, by name.
pub struct Captures<'t> {
    pub nodes: HashMap<&'t str, Node<'t>>,
}

impl<'t> Captures<'t> {
    /// The node captured under `name`, if the match has one.
    pub fn get(&self, name: &str) -> Option<Node<'t>> {
        self.nodes.get(name).copied()
    }
}

impl std::fmt::Debug for QueryRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QueryRule")
            .field("patterns", &self.query.pattern_count())
            .finish()
    }
}

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

impl QueryRule {
    /// Parses the header and compiles the query.
    pub fn from_source(file: &str, text: &str) -> Result<(RuleMeta, QueryRule), QueryError> {
        let err = |msg: String| QueryError(format!("{file}: {msg}"), None);
        let cached = HEADERS.lock().ok().and_then(|h| h.get(text).cloned());
        let mut fields: HashMap<&str, &str> = HashMap::new();
        let mut doc = String::new();
        let mut in_doc = false;
        for line in text.lines() {
            let Some(comment) = line.trim_start().strip_prefix(';') else {
                break;
            };
            let comment = comment.strip_prefix(' ').unwrap_or(comment);
            if !in_doc {
                if let Some((key, value)) = comment.split_once(':') {
                    let key = key.trim();
                    if HEADER_KEYS.contains(&key) {
                        fields.insert(key, value.trim());
                        continue;
                    }
                }
                in_doc = true;
            }
            doc.push_str(comment);
            doc.push('\n');
        }
        let field = |k: &str| {
            fields
                .get(k)
                .copied()
                .ok_or_else(|| err(format!("header lacks `; {k}:`")))
        };
        let (code, name, category) = (field("code")?, field("name")?, field("category")?);
        let severity = field("severity")?;
        let severity = Severity::parse(severity)
            .ok_or_else(|| err(format!("unknown severity `{severity}`")))?;
        let fixer = match (fields.get("fix"), fields.get("fix-replace")) {
            (Some(name), _) => Some(QueryFix::Named(
                fix::query_fixer(name).ok_or_else(|| err(format!("unknown fix `{name}`")))?,
            )),
            (None, Some(template)) => Some(QueryFix::Replace(
                cached
                    .as_ref()
                    .and_then(|h| match h.fixer {
                        Some(QueryFix::Replace(t)) => Some(t),
                        _ => None,
                    })
                    .unwrap_or_else(|| leak(template.to_string())),
            )),
            (None, None) => None,
        };
        let query = Query::new(&crate::parse::language(), text).map_err(|e| {
            QueryError(
                format!(
                    "{file}:{}:{}: {:?} error: {}",
                    e.row + 1,
                    e.column + 1,
                    e.kind,
                    e.message
                ),
                Some((e.row + 1, e.column + 1)),
            )
        })?;
        let diagnostic = query
            .capture_index_for_name("diagnostic")
            .ok_or_else(|| err("no @diagnostic capture".into()))?;
        for pattern in 0..query.pattern_count() {
            for predicate in query.general_predicates(pattern) {
                if !PREDICATES
                    .iter()
                    .any(|(name, _)| *name == &*predicate.operator)
                {
                    return Err(err(format!("unknown predicate #{}", predicate.operator)));
                }
            }
        }
        let message = field("message")?;
        let roots = pattern_roots(&query, text);
        // A match that starts at a node holding a class body (or anywhere: no known root) may
        // capture several of the body's statements, which are units of their own.
        let spans_units = text
            .lines()
            .filter(|l| !l.trim_start().starts_with(';'))
            .any(|l| l.contains("module"))
            || roots.as_ref().is_none_or(|kinds| {
                kinds.iter().any(|k| {
                    matches!(
                        k.as_str(),
                        "block" | "class_definition" | "decorated_definition"
                    )
                })
            });
        if let Some(header) = cached {
            let rule = QueryRule {
                query,
                spans_units,
                roots,
                diagnostic,
                fixer: header.fixer,
                message: header.message,
            };
            return Ok((header.meta, rule));
        }
        let message = leak(message.to_string());
        let meta = RuleMeta {
            code: leak(code.to_string()),
            name: leak(name.to_string()),
            category: leak(category.to_string()),
            severity,
            summary: message,
            doc: leak(doc.trim().to_string()),
            fixable: fixer.is_some(),
            twins: Box::leak(
                fields
                    .get("twins")
                    .map(|t| {
                        t.split(',')
                            .map(|c| leak(c.trim().to_string()))
                            .filter(|c| !c.is_empty())
                            .collect::<Vec<_>>()
                    })
                    .unwrap_or_default()
                    .into_boxed_slice(),
            ),
        };
        if let Ok(mut headers) = HEADERS.lock() {
            headers.insert(
                text.to_string(),
                Header {
                    meta: meta.clone(),
                    message,
                    fixer,
                },
            );
        }
        Ok((
            meta,
            QueryRule {
                query,
                spans_units,
                roots,
                diagnostic,
                fixer,
                message,
            },
        ))
    }

    /// Whether a match may span analysis units (a pattern names `module`, may start at a class
    /// or a block, or at any node): such a rule always runs over the whole file.
    pub fn spans_units(&self) -> bool {
        self.spans_units
    }

    /// Runs the query over the file and appends a finding per surviving match.
    pub fn run(&self, ctx: &Context, meta: &'static RuleMeta, out: &mut Vec<Finding>) {
        let mut cursor = QueryCursor::new();
        match &self.roots {
            Some(kinds) => {
                // A match of a pattern that starts at kind K starts at a node of kind K: run the
                // query at each such node, matching there only (not again at its descendants,
                // which the walk reaches in turn).
                cursor.set_max_start_depth(Some(0));
                let kinds: Vec<&str> = kinds.iter().map(String::as_str).collect();
                ctx.walk(&kinds, |node| {
                    self.run_at(&mut cursor, node, ctx, meta, out)
                });
            }
            None => {
                for root in ctx.region_roots() {
                    self.run_at(&mut cursor, root, ctx, meta, out);
                }
            }
        }
    }

    /// Appends a finding per surviving match of the query under `root`.
    fn run_at(
        &self,
        cursor: &mut QueryCursor,
        root: Node,
        ctx: &Context,
        meta: &'static RuleMeta,
        out: &mut Vec<Finding>,
    ) {
        let names = self.query.capture_names();
        {
            let mut matches = cursor.matches(&self.query, root, ctx.source.as_bytes());
            while let Some(m) = matches.next() {
                let mut nodes = HashMap::new();
                let mut diagnostic = None;
                for capture in m.captures() {
                    if capture.index == self.diagnostic {
                        diagnostic = Some(capture.node);
                    }
                    nodes.insert(names[capture.index as usize], capture.node);
                }
                let captures = Captures { nodes };
                let Some(node) = diagnostic else { continue };
                if !self.general_predicates_hold(m.pattern_index, m.captures(), ctx) {
                    continue;
                }
                let fix: Option<Fix> = match self.fixer {
                    Some(QueryFix::Named(f)) => f(ctx, &captures),
                    Some(QueryFix::Replace(template)) => Some(Fix::new(
                        "Apply the rule's replacement",
                        crate::analysis::Safety::Unsafe,
                        vec![crate::analysis::Edit::replace(
                            node.byte_range(),
                            fill(template, &captures, ctx, false),
                        )],
                    )),
                    None => None,
                };
                out.push(Finding {
                    rule: meta,
                    range: first_line(node, ctx.source),
                    severity: meta.severity,
                    message: render_message(self.message, &captures, ctx),
                    fix,
                });
            }
        }
    }

    fn general_predicates_hold(
        &self,
        pattern: usize,
        captures: &[tree_sitter::QueryCapture],
        ctx: &Context,
    ) -> bool {
        let nodes_for = |index: u32| {
            captures
                .iter()
                .filter(move |c| c.index == index)
                .map(|c| c.node)
        };
        self.query.general_predicates(pattern).iter().all(|p| {
            let mut args = p.args.iter();
            let Some(QueryPredicateArg::Capture(target)) = args.next() else {
                return false;
            };
            let strings: Vec<&str> = args
                .filter_map(|a| match a {
                    QueryPredicateArg::String(s) => Some(&**s),
                    QueryPredicateArg::Capture(_) => None,
                })
                .collect();
            match &*p.operator {
                "pf-empty-body?" => nodes_for(*target).all(is_empty_body),
                "pf-resolves-to?" => nodes_for(*target).all(|n| {
                    ctx.resolve(n)
                        .is_some_and(|q| strings.iter().any(|s| *s == q))
                }),
                "pf-lacks-keyword?" => nodes_for(*target).all(|n| {
                    let call = if n.kind() == "argument_list" {
                        n.parent().unwrap_or(n)
                    } else {
                        n
                    };
                    let args = crate::analysis::semantic::CallArgs::of(call, ctx.source);
                    !strings.iter().any(|k| args.may_have_keyword(k))
                }),
                _ => false,
            }
        })
    }
}

/// The node kind each pattern of `query` starts at, if every pattern starts with one: `(kind …`.
/// Anything else at the start of a pattern (an alternation `[`, a wildcard `_`, a grouping `((`,
/// an anonymous `"node"`), or a kind no node has as its own (a supertype such as `expression`,
/// `ERROR`), gives `None`, and the query runs over whole subtrees.
fn pattern_roots(query: &Query, text: &str) -> Option<Vec<String>> {
    let language = crate::parse::language();
    let mut kinds: Vec<String> = Vec::new();
    for pattern in 0..query.pattern_count() {
        let start = query.start_byte_for_pattern(pattern);
        let rest = text.get(start..)?.trim_start().strip_prefix('(')?;
        let kind: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        let id = language.id_for_node_kind(&kind, true);
        let concrete = id != 0 && usize::from(id) < language.node_kind_count();
        if !concrete || language.node_kind_is_supertype(id) {
            return None;
        }
        if !kinds.contains(&kind) {
            kinds.push(kind);
        }
    }
    Some(kinds)
}

/// The range to underline for a captured node: all of it, or only its first line when it spans
/// several (an `except` clause is underlined as `except Exception as e:`, not with its body).
fn first_line(node: Node, source: &str) -> std::ops::Range<usize> {
    let range = node.byte_range();
    match source.get(range.clone()).and_then(|t| t.find(['\n', '\r'])) {
        Some(break_at) => {
            let line = &source[range.start..range.start + break_at];
            range.start..range.start + line.trim_end().len()
        }
        None => range,
    }
}

/// Whether a block does nothing: only `pass`, `...` and comments.
pub fn is_empty_body(block: Node) -> bool {
    let mut cursor = block.walk();
    let children: Vec<Node> = block.named_children(&mut cursor).collect();
    children.iter().any(|c| c.kind() != "comment")
        && children.iter().all(|c| match c.kind() {
            "pass_statement" | "comment" => true,
            "expression_statement" => {
                c.named_child_count() == 1
                    && c.named_child(0).is_some_and(|e| e.kind() == "ellipsis")
            }
            _ => false,
        })
}

fn render_message(template: &str, captures: &Captures, ctx: &Context) -> String {
    fill(template, captures, ctx, true)
}

/// Replaces each `{capture}` in a template with the captured text (shortened in messages, where a
/// long or multi-line capture would be unreadable).
fn fill(template: &str, captures: &Captures, ctx: &Context, shorten: bool) -> String {
    if !template.contains('{') {
        return template.to_string();
    }
    let mut out = template.to_string();
    for (name, node) in &captures.nodes {
        let text = ctx.text(*node);
        let text = if shorten && (text.len() > 60 || text.contains('\n')) {
            "…"
        } else {
            text
        };
        out = out.replace(&format!("{{{name}}}"), text);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_embedded_query_compiles_with_known_predicates_and_docs() {
        assert!(!EMBEDDED.is_empty());
        for (file, text) in EMBEDDED {
            let (meta, _) = QueryRule::from_source(file, text).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(
                format!("{}.scm", meta.name),
                *file,
                "a query file is named after its rule"
            );
        }
    }

    #[test]
    fn unknown_predicates_and_missing_headers_are_rejected() {
        let header = "; code: PF999\n; name: x\n; category: c\n; severity: warning\n; message: m\n;\n; doc\n";
        let bad = format!("{header}((identifier) @diagnostic (#frobnicate? @diagnostic))");
        assert!(QueryRule::from_source("x.scm", &bad)
            .unwrap_err()
            .0
            .contains("#frobnicate?"));
        let ok = format!("{header}((identifier) @diagnostic (#eq? @diagnostic \"x\"))");
        assert!(QueryRule::from_source("x.scm", &ok).is_ok());
        let no_code = "; name: x\n(identifier) @diagnostic";
        assert!(QueryRule::from_source("x.scm", no_code)
            .unwrap_err()
            .0
            .contains("code"));
        let spans = |pattern: &str| {
            let text = format!("{header}{pattern}");
            QueryRule::from_source("x.scm", &text)
                .unwrap()
                .1
                .spans_units()
        };
        assert!(!spans("(call function: (identifier) @diagnostic)"));
        assert!(spans("(module (expression_statement) @diagnostic)"));
        assert!(spans(
            "(class_definition body: (block (expression_statement) @diagnostic))"
        ));
        assert!(spans("(block (pass_statement) @diagnostic)"));
        assert!(spans("[(call) (attribute)] @diagnostic"));
        let bad_syntax = format!("{header}(identifier @diagnostic");
        let err = QueryRule::from_source("x.scm", &bad_syntax).unwrap_err();
        assert!(err.1.is_some() && err.0.starts_with("x.scm:"), "{}", err.0);
    }
}
