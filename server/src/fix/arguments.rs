//! "Add a keyword argument to this call", respecting the call's layout (one line, one argument per
//! line with a trailing comma, empty parentheses).

use tree_sitter::Node;

use super::imports::indentation_at;
use crate::analysis::kinds::Field;
use crate::analysis::{Context, Edit};

/// The edit that adds `keyword=value` (given as one string) as the last argument of `call`.
///
/// Returns `None` for calls whose arguments are a bare generator (`f(x for x in y)`), where no
/// argument can be added.
pub fn add_keyword_argument(ctx: &Context, call: Node, argument: &str) -> Option<Edit> {
    let list = call.field("arguments")?;
    if list.kind() != "argument_list" {
        return None;
    }
    let mut cursor = list.walk();
    let last = list
        .named_children(&mut cursor)
        .filter(|n| n.kind() != "comment")
        .last();
    let Some(last) = last else {
        // `f()`: the argument goes between the parentheses.
        return Some(Edit::insert(list.start_byte() + 1, argument));
    };
    let close = list.end_byte().saturating_sub(1);
    let between = ctx.source.get(last.end_byte()..close).unwrap_or("");
    let after_last = between.trim_start();
    if let Some(rest) = after_last.strip_prefix(',') {
        let comma = last.end_byte() + (between.len() - after_last.len());
        // A trailing comma: `f(a,)` stays on one line, a call spread over lines gets a new line.
        let multiline =
            rest.contains('\n') || between[..between.len() - after_last.len()].contains('\n');
        if multiline {
            let indent = indentation_at(ctx.source, last.start_byte());
            return Some(Edit::insert(comma + 1, format!("\n{indent}{argument},")));
        }
        return Some(Edit::insert(comma + 1, format!(" {argument},")));
    }
    Some(Edit::insert(last.end_byte(), format!(", {argument}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::apply::apply_edits;
    use crate::parse::ModuleTree;

    fn add(src: &str) -> String {
        let tree = ModuleTree::parse(src, None).unwrap();
        let ctx = Context::new(src, &tree);
        let mut call = None;
        ctx.walk_module(|n| {
            if n.kind() == "call" && call.is_none() {
                call = Some(n);
            }
        });
        let edit = add_keyword_argument(&ctx, call.unwrap(), "timeout=10").unwrap();
        apply_edits(src, &[edit]).unwrap()
    }

    #[test]
    fn adds_to_every_layout() {
        assert_eq!(add("get()\n"), "get(timeout=10)\n");
        assert_eq!(add("get(u)\n"), "get(u, timeout=10)\n");
        assert_eq!(add("get(u,)\n"), "get(u, timeout=10,)\n");
        assert_eq!(
            add("get(u  # why, not\n)\n"),
            "get(u, timeout=10  # why, not\n)\n"
        );
        assert_eq!(
            add("get(\n    u,\n    headers=h,\n)\n"),
            "get(\n    u,\n    headers=h,\n    timeout=10,\n)\n"
        );
        assert_eq!(add("get(\n    u\n)\n"), "get(\n    u, timeout=10\n)\n");
    }
}
