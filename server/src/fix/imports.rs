//! "Ensure `import X`" and "ensure a module logger": the edits that add what a fix needs, placed
//! where a person would put them (after the docstring, `__future__` imports and existing imports),
//! reusing what the file already has.

use tree_sitter::Node;

use crate::analysis::kinds::Field;
use crate::analysis::semantic::{module_assignments, ModuleAssignment};
use crate::analysis::{Context, Edit};

/// Names a module logger usually goes by, most common first.
pub const LOGGER_NAMES: &[&str] = &[
    "logger", "log", "LOGGER", "_logger", "_log", "LOG", "_LOGGER",
];

/// Calls that create a logger with an `.exception()` method.
pub const LOGGER_FACTORIES: &[&str] = &[
    "logging.getLogger",
    "structlog.get_logger",
    "structlog.getLogger",
    "structlog.stdlib.get_logger",
];

/// Where the top of a module ends: what comes before the first ordinary statement.
struct Header<'t> {
    /// Start of the first line after the docstring and `__future__` imports (0 when there are none,
    /// or after leading comments such as a shebang or licence when the file starts with them).
    after_preamble: usize,
    /// The leading import statements (after the preamble), in order.
    imports: Vec<Node<'t>>,
}

fn header<'t>(ctx: &Context<'t>) -> Header<'t> {
    let mut after_preamble = 0;
    let mut imports = Vec::new();
    let mut seen_statement = false;
    for (index, child) in ctx.statements().filter(|s| s.is_named()).enumerate() {
        match child.kind() {
            "comment" => {
                // Comments at the very top (shebang, encoding, licence) stay above what we insert.
                if !seen_statement && imports.is_empty() {
                    after_preamble = line_end(ctx.source, child.end_byte());
                }
            }
            "expression_statement" if index == 0 || !seen_statement => {
                if imports.is_empty() && is_docstring(child) {
                    after_preamble = line_end(ctx.source, child.end_byte());
                    seen_statement = true;
                } else {
                    break;
                }
            }
            "future_import_statement" => {
                after_preamble = line_end(ctx.source, child.end_byte());
                seen_statement = true;
            }
            "import_statement" | "import_from_statement" => {
                imports.push(child);
                seen_statement = true;
            }
            _ => break,
        }
    }
    Header {
        after_preamble,
        imports,
    }
}

fn is_docstring(stmt: Node) -> bool {
    stmt.named_child_count() == 1 && stmt.named_child(0).is_some_and(|n| n.kind() == "string")
}

/// The offset just after the line break that ends the line containing `byte` (or the text's end).
pub fn line_end(source: &str, byte: usize) -> usize {
    match source.get(byte..).and_then(|rest| rest.find('\n')) {
        Some(i) => byte + i + 1,
        None => source.len(),
    }
}

/// The start of the line containing `byte` (a short scan back; suppression and the incremental
/// analysis ask it too).
pub fn line_start(source: &str, byte: usize) -> usize {
    let byte = byte.min(source.len());
    memchr::memrchr2(b'\n', b'\r', &source.as_bytes()[..byte]).map_or(0, |i| i + 1)
}

/// The leading white space of the line containing `byte`.
pub fn indentation_at(source: &str, byte: usize) -> &str {
    let start = line_start(source, byte);
    let line = &source[start..];
    let end = line
        .find(|c: char| c != ' ' && c != '\t')
        .unwrap_or(line.len());
    &line[..end]
}

fn is_blank_line_at(source: &str, byte: usize) -> bool {
    match source.get(byte..) {
        Some(rest) => {
            let line = rest.split('\n').next().unwrap_or("");
            line.trim().is_empty() && !rest.is_empty()
        }
        None => false,
    }
}

/// The name a leading `import module` (or `import module as alias`) binds, if the file has one.
///
/// Only the leading import block counts: an import further down may run after the code a fix adds.
fn top_level_module_binding(ctx: &Context, module: &str) -> Option<String> {
    for stmt in header(ctx)
        .imports
        .into_iter()
        .filter(|n| n.kind() == "import_statement")
    {
        let mut names = stmt.walk();
        for name in stmt.children_by_field_name("name", &mut names) {
            match name.kind() {
                "dotted_name" if ctx.text(name) == module => return Some(module.to_string()),
                "aliased_import" => {
                    let (Some(n), Some(alias)) = (name.field("name"), name.field("alias")) else {
                        continue;
                    };
                    if ctx.text(n) == module {
                        return Some(ctx.text(alias).to_string());
                    }
                }
                _ => {}
            }
        }
    }
    None
}

/// The module a leading import statement imports, for ordering (`import a.b` → `a.b`).
fn imported_module<'s>(ctx: &Context<'s>, stmt: Node) -> &'s str {
    let field = if stmt.kind() == "import_statement" {
        "name"
    } else {
        "module_name"
    };
    let Some(name) = stmt.field(field) else {
        return "";
    };
    let name = if name.kind() == "aliased_import" {
        name.field("name").unwrap_or(name)
    } else {
        name
    };
    ctx.text(name)
}

/// The name under which `module` can be used at module level, and the edit that imports it if the
/// file does not yet.
///
/// A new `import module` goes among the leading plain imports in alphabetical position, so a
/// sorted stdlib group stays sorted; before the `from` imports when there are only those; and after
/// the docstring and `__future__` imports when there are none.
pub fn ensure_module_import(ctx: &Context, module: &str) -> (String, Option<Edit>) {
    if let Some(name) = top_level_module_binding(ctx, module) {
        return (name, None);
    }
    let header = header(ctx);
    let line = format!("import {module}\n");
    let plain: Vec<Node> = header
        .imports
        .iter()
        .copied()
        .filter(|n| n.kind() == "import_statement")
        .collect();
    let edit = if let Some(after) = plain.iter().find(|n| imported_module(ctx, **n) > module) {
        Edit::insert(line_start(ctx.source, after.start_byte()), line)
    } else if let Some(last) = plain.last() {
        insert_after_line(ctx.source, last.end_byte(), line)
    } else if let Some(first) = header.imports.first() {
        Edit::insert(line_start(ctx.source, first.start_byte()), line)
    } else {
        let at = header.after_preamble;
        let mut text = String::new();
        let previous = line_start(ctx.source, at.saturating_sub(1));
        let after_comment = ctx.source[previous..].starts_with('#');
        if at > 0 && !after_comment && !is_blank_line_at(ctx.source, previous) {
            text.push('\n');
        }
        text.push_str(&line);
        if at < ctx.source.len() && !is_blank_line_at(ctx.source, at) {
            text.push('\n');
        }
        Edit::insert(at, text)
    };
    (module.to_string(), Some(edit))
}

/// An insertion of `text` (a whole line) after the line holding `byte`.
fn insert_after_line(source: &str, byte: usize, text: String) -> Edit {
    let at = line_end(source, byte);
    if at == source.len() && !source.ends_with('\n') {
        Edit::insert(at, format!("\n{}", text.trim_end_matches('\n')))
    } else {
        Edit::insert(at, text)
    }
}

/// A module-level logger usable at `use_at`, and the edits that create it if the file has none.
///
/// Returns `None` when no logger can be added safely (the name `logger` is taken by something else).
pub fn ensure_logger(ctx: &Context, use_at: usize) -> Option<(String, Vec<Edit>)> {
    let in_function = {
        let mut node = ctx
            .root_at(use_at)
            .and_then(|root| root.descendant_for_byte_range(use_at, use_at));
        let mut found = false;
        while let Some(n) = node {
            if n.kind() == "function_definition" {
                found = true;
                break;
            }
            node = n.parent();
        }
        found
    };
    let mut candidates: Vec<(String, usize)> = Vec::new();
    let mut other_bindings: Vec<String> = Vec::new();
    // Inside a function, where a module-level name is bound does not matter: the file's facts
    // already hold every such name, by the same definition, without a walk over the module (a
    // third of a keystroke's analysis in a 20,000-line file).
    let module_level = if in_function {
        for (name, logger) in ctx.facts().module_bindings() {
            if logger {
                candidates.push((name.to_string(), 0));
            } else {
                other_bindings.push(name.to_string());
            }
        }
        Vec::new()
    } else {
        module_assignments(ctx.roots())
    };
    for ModuleAssignment {
        statement: stmt,
        name: left,
        value: right,
        ..
    } in module_level
    {
        let is_factory = right.kind() == "call"
            && right
                .field("function")
                .and_then(|f| ctx.resolve(f))
                .is_some_and(|q| LOGGER_FACTORIES.contains(&q.as_str()));
        if is_factory {
            candidates.push((ctx.text(left).to_string(), stmt.end_byte()));
        } else {
            other_bindings.push(ctx.text(left).to_string());
        }
    }
    if let Some(name) = ctx.imported_as("loguru.logger") {
        candidates.push((name.to_string(), 0));
    }
    candidates.retain(|(name, _)| !other_bindings.contains(name));
    // A logger defined below a module-level handler does not exist yet when the handler runs, and
    // adding a second one would be worse than no fix.
    if !candidates.is_empty()
        && candidates
            .iter()
            .all(|(_, end)| !in_function && *end > use_at)
    {
        return None;
    }
    candidates.retain(|(_, end)| in_function || *end <= use_at);
    // The configured name first, then the usual ones, then by name: not by where they are bound,
    // which an edit elsewhere can change without changing the file's facts (`FileFacts::bound`),
    // and a fix kept from before the edit would name another logger than a new analysis.
    let configured = ctx.options().logger_name.as_str();
    let rank = |name: &str| {
        if name == configured {
            0
        } else {
            LOGGER_NAMES
                .iter()
                .position(|n| *n == name)
                .map_or(usize::MAX, |p| p + 1)
        }
    };
    candidates.sort_by(|(a, _), (b, _)| rank(a).cmp(&rank(b)).then_with(|| a.cmp(b)));
    if let Some((name, _)) = candidates.into_iter().next() {
        return Some((name, Vec::new()));
    }
    let name = ctx.options().logger_name.as_str();
    if other_bindings.iter().any(|n| n == name) || ctx.import_binds(name) {
        return None;
    }

    let (logging, import_edit) = ensure_module_import(ctx, "logging");
    let definition = format!("{name} = {logging}.getLogger(__name__)\n");
    let header = header(ctx);
    let mut edits = Vec::new();
    match (header.imports.last(), import_edit) {
        (Some(last), import_edit) => {
            let at = line_end(ctx.source, last.end_byte());
            let mut text = String::new();
            if let Some(import_edit) = import_edit {
                if import_edit.range.start == at {
                    // Both go right after the last import: one edit, import first.
                    text.push_str(&import_edit.new_text);
                } else {
                    edits.push(import_edit);
                }
            }
            if at == ctx.source.len() && !ctx.source.ends_with('\n') {
                text.insert(0, '\n');
            }
            text.push('\n');
            text.push_str(&definition);
            if at < ctx.source.len() && !is_blank_line_at(ctx.source, at) {
                text.push('\n');
            }
            edits.push(Edit::insert(at, text));
        }
        (None, Some(import_edit)) => {
            // No imports yet: the new import and the logger go together after the preamble.
            let mut text = import_edit.new_text.trim_end_matches('\n').to_string();
            text.push_str("\n\n");
            text.push_str(&definition);
            if import_edit.new_text.ends_with("\n\n") {
                text.push('\n');
            }
            edits.push(Edit::insert(import_edit.range.start, text));
        }
        (None, None) => {
            // `import logging` exists but is not in a leading block: put the logger after the preamble.
            edits.push(Edit::insert(
                header.after_preamble,
                format!("{definition}\n"),
            ));
        }
    }
    Some((name.to_string(), edits))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::apply::apply_edits;
    use crate::parse::ModuleTree;

    /// The text after ensuring a logger usable at the first `pass`, and the logger's name.
    fn with_logger(src: &str) -> Option<(String, String)> {
        let tree = ModuleTree::parse(src, None).unwrap();
        let ctx = Context::new(src, &tree);
        let at = src.find("pass").unwrap();
        let (name, edits) = ensure_logger(&ctx, at)?;
        Some((name, apply_edits(src, &edits).unwrap()))
    }

    #[test]
    fn reuses_an_existing_logger_under_any_usual_name() {
        let src = "import logging\nlog = logging.getLogger('svc')\ndef f():\n    pass\n";
        assert_eq!(with_logger(src), Some(("log".into(), src.into())));
        let src =
            "from logging import getLogger\n_logger = getLogger(__name__)\ndef f():\n    pass\n";
        assert_eq!(with_logger(src).unwrap().0, "_logger");
        let src = "from loguru import logger\ndef f():\n    pass\n";
        assert_eq!(with_logger(src), Some(("logger".into(), src.into())));
        let src = "import structlog\nlogger = structlog.get_logger()\ndef f():\n    pass\n";
        assert_eq!(with_logger(src).unwrap().1, src);
    }

    #[test]
    fn adds_import_and_logger_after_docstring_future_and_imports() {
        let src = "\"\"\"Doc.\"\"\"\nfrom __future__ import annotations\n\nimport os\nimport sys\n\nimport requests\n\n\ndef f():\n    pass\n";
        let want = "\"\"\"Doc.\"\"\"\nfrom __future__ import annotations\n\nimport logging\nimport os\nimport sys\n\nimport requests\n\nlogger = logging.getLogger(__name__)\n\n\ndef f():\n    pass\n";
        assert_eq!(with_logger(src).unwrap().1, want);
    }

    #[test]
    fn reuses_import_logging_and_handles_files_without_imports() {
        let src = "import logging\nimport os\ndef f():\n    pass\n";
        let want = "import logging\nimport os\n\nlogger = logging.getLogger(__name__)\n\ndef f():\n    pass\n";
        assert_eq!(with_logger(src).unwrap().1, want);
        let src = "#!/usr/bin/env python\ndef f():\n    pass\n";
        let want = "#!/usr/bin/env python\nimport logging\n\nlogger = logging.getLogger(__name__)\n\ndef f():\n    pass\n";
        assert_eq!(with_logger(src).unwrap().1, want);
        let src = "def f():\n    pass\n";
        let want = "import logging\n\nlogger = logging.getLogger(__name__)\n\ndef f():\n    pass\n";
        assert_eq!(with_logger(src).unwrap().1, want);
    }

    #[test]
    fn a_logger_defined_below_module_level_code_or_a_taken_name_is_not_used() {
        // The module-level handler runs before the logger exists, and the name is taken: no fix.
        let src = "try:\n    pass\nexcept Exception:\n    pass\nimport logging\nlogger = logging.getLogger(__name__)\n";
        assert_eq!(with_logger(src), None);
        let src = "logger = object()\ndef f():\n    pass\n";
        assert_eq!(with_logger(src), None);
    }
}
