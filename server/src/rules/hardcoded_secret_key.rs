//! PF303 hardcoded-secret-key: the framework's signing key written in the source.

use std::sync::LazyLock;

use tree_sitter::Node;

use super::RuleMeta;
use crate::analysis::kinds::Field;
use crate::analysis::secrets::is_test_module;
use crate::analysis::semantic::{is_string_literal, string_literal_value, CallArgs, Needles};
use crate::analysis::web::is_flask_app;
use crate::analysis::{Context, Finding, Safety, Severity};
use crate::fix::read_from_env;

pub static META: RuleMeta = RuleMeta {
    code: "PF303",
    name: "hardcoded-secret-key",
    category: "security",
    severity: Severity::Error,
    summary: "The framework's secret key is written in the source",
    fixable: true,
    twins: &["S105"],
    doc: r#"## What it does
Finds the web framework's signing key set to a string literal: Flask `app.secret_key = "..."`,
`app.config["SECRET_KEY"] = "..."`, `app.config.update(SECRET_KEY="...")`, and `SECRET_KEY = "..."`
at module level or in a `*Config` class, in a settings module or a module that uses Flask or
Django. Test modules are skipped.

## Why is this bad?
The secret key signs session cookies, CSRF tokens and password-reset links. Anyone who reads the
repository — every developer, every CI log, every leaked backup — can forge a session for any
user. Rotating it means a deploy, and the old key stays in the git history forever. Keys like
`"dev"` or Django's generated `django-insecure-...` are the most common.

## Example
```python
app.config["SECRET_KEY"] = "super-secret-key"
```

## Use instead
```python
app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]
```

## Fix
Replaces the literal with `os.environ["SECRET_KEY"]`, adding `import os` if needed. Unsafe: the
application now fails at start-up until the variable is set — which is the point.

## Related
PF501 (hardcoded secret), ruff S105, bandit B105."#,
};

/// Whether `object.config` is a Flask app's config.
fn is_app_config(ctx: &Context, node: Node) -> bool {
    node.kind() == "attribute"
        && node
            .field("attribute")
            .is_some_and(|a| ctx.text(a) == "config")
        && node.field("object").is_some_and(|o| is_flask_app(ctx, o))
}

/// Whether an assignment target is `SECRET_KEY` at module level or in a `*Config` class.
fn is_settings_target(ctx: &Context, assignment: Node, left: Node) -> bool {
    if left.kind() != "identifier" || ctx.text(left) != "SECRET_KEY" {
        return false;
    }
    let statement_parent = assignment.parent().and_then(|s| s.parent());
    match statement_parent.map(|p| p.kind()) {
        Some("module") => {
            ctx.web().is_settings_module
                || ctx.imports_module("flask")
                || ctx.imports_module("django")
        }
        Some("block") => statement_parent
            .and_then(|b| b.parent())
            .filter(|c| c.kind() == "class_definition")
            .and_then(|c| c.field("name"))
            .is_some_and(|n| ctx.text(n).ends_with("Config")),
        _ => false,
    }
}

/// How every finding's assignment or call spells the key.
static SECRET_KEY_NAMES: LazyLock<Needles> =
    LazyLock::new(|| Needles::new(&["SECRET_KEY", "secret_key"]));

/// Checks one file.
pub fn check(ctx: &Context, meta: &'static RuleMeta, out: &mut Vec<Finding>) {
    if is_test_module(ctx) {
        return;
    }
    // Each finding's assignment or call spells `secret_key` or `SECRET_KEY`: most files and
    // most edited functions do neither.
    if !ctx.region_text_any(|t| SECRET_KEY_NAMES.any_in(t)) {
        return;
    }
    let mut report = |value: Node| {
        let Some(text) = string_literal_value(value, ctx.source) else {
            return;
        };
        if text.is_empty() || text.to_ascii_lowercase().contains("test") {
            return;
        }
        out.push(Finding::new(
            meta,
            value.byte_range(),
            "The secret key is in the source: anyone who can read the repository can forge \
             sessions and reset links. Read it from the environment",
            Some(read_from_env(
                ctx,
                value.byte_range(),
                "SECRET_KEY",
                false,
                Safety::Unsafe,
            )),
        ));
    };
    ctx.walk(&["assignment", "call"], |node| match node.kind() {
        "assignment" => {
            let (Some(left), Some(right)) = (node.field("left"), node.field("right")) else {
                return;
            };
            let matches = match left.kind() {
                "attribute" => {
                    left.field("attribute")
                        .is_some_and(|a| ctx.text(a) == "secret_key")
                        && left.field("object").is_some_and(|o| is_flask_app(ctx, o))
                }
                "subscript" => {
                    left.field("subscript")
                        .is_some_and(|s| is_string_literal(s, ctx.source, "SECRET_KEY"))
                        && left.field("value").is_some_and(|v| is_app_config(ctx, v))
                }
                _ => is_settings_target(ctx, node, left),
            };
            if matches {
                report(right);
            }
        }
        "call" => {
            let Some(function) = node.field("function").filter(|f| f.kind() == "attribute") else {
                return;
            };
            let is_update = function
                .field("attribute")
                .is_some_and(|a| ctx.text(a) == "update")
                && function
                    .field("object")
                    .is_some_and(|o| is_app_config(ctx, o));
            if is_update {
                if let Some(value) = CallArgs::of(node, ctx.source).keyword("SECRET_KEY") {
                    report(value);
                }
            }
        }
        _ => {}
    });
}
