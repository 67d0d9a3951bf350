//! PF501 hardcoded-secret: credentials written in the source.

use tree_sitter::Node;

use super::RuleMeta;
use crate::analysis::kinds::Field;
use crate::analysis::secrets::{
    is_plausible_secret, is_secret_name, is_test_module, known_key_format, string_literals,
};
use crate::analysis::{Context, Finding, Safety, Severity};
use crate::fix::read_from_env;

pub static META: RuleMeta = RuleMeta {
    code: "PF501",
    name: "hardcoded-secret",
    category: "security",
    severity: Severity::Error,
    summary: "A credential is written in the source",
    fixable: true,
    twins: &["S105", "S106", "B105", "B106"],
    doc: r#"## What it does
Finds credentials in string literals: values assigned to names that say they hold one
(`*_PASSWORD`, `*_SECRET`, `*_TOKEN`, `API_KEY`, `*_ACCESS_KEY`, …) or passed as such keyword
arguments (`password=`, `api_key=`, `token=`), and literals in well-known key formats anywhere
(AWS `AKIA…`, OpenAI `sk-…`, Slack `xox…`, GitHub `ghp_…`, Google `AIza…`, Stripe `sk_live_…`,
PEM private keys). Empty strings, placeholders (`changeme`, `<token>`, `your-key-here`,
`${TOKEN}`), names and header names (`X-Api-Key`), and test modules are skipped. The framework's
`SECRET_KEY` is PF303.

## Why is this bad?
A secret in the source is in every clone, fork, CI log and backup, and in the git history after it
is "removed". Leaked cloud keys are found and used by scanners within minutes of a push; rotating
a key that is baked into the code needs a deploy.

## Example
```python
STRIPE_API_KEY = "sk_live_51HxYz..."
```

## Use instead
```python
STRIPE_API_KEY = os.environ["STRIPE_API_KEY"]
```

## Fix
For an assignment, replaces the literal with `os.environ["NAME"]` (the variable's name, upper-cased),
adding `import os` if needed. Unsafe: the variable must now be set wherever the code runs. Then
rotate the key: it is in the history.

## Related
PF303 (framework secret key), PF502 (insecure default for a secret), ruff S105/S106, bandit
B105/B106, gitleaks and detect-secrets (which scan history; this rule catches it as you type)."#,
};

/// The name a literal is stored under: `NAME = "..."`, `self.name = "..."`, `name="..."`.
fn stored_under<'t>(ctx: &Context<'t>, literal: Node) -> Option<(&'t str, bool)> {
    let parent = literal.parent()?;
    match parent.kind() {
        "assignment" if parent.field("right") == Some(literal) => {
            let left = parent.field("left")?;
            let name = match left.kind() {
                "identifier" => left,
                "attribute" => left.field("attribute")?,
                _ => return None,
            };
            Some((ctx.text(name), true))
        }
        "keyword_argument" => {
            let name = parent.field("name")?;
            Some((ctx.text(name), false))
        }
        _ => None,
    }
}

/// Checks one file.
pub fn check(ctx: &Context, meta: &'static RuleMeta, out: &mut Vec<Finding>) {
    if is_test_module(ctx) {
        return;
    }
    // One pass over the plain string literals: a known key format anywhere, or a plausible value
    // stored under a secret's name.
    for (literal, value) in string_literals(ctx) {
        if let Some(kind) = known_key_format(&value) {
            let fix = stored_under(ctx, literal)
                .filter(|(_, assignment)| *assignment)
                .map(|(name, _)| env_fix(ctx, literal, &name.to_ascii_uppercase()));
            out.push(Finding::new(
                meta,
                literal.byte_range(),
                format!(
                    "This string is {kind}: a live credential in the source is in every clone and \
                     in the history. Read it from the environment, then rotate it"
                ),
                fix,
            ));
            continue;
        }
        // The value first: most literals are not plausible secrets, and finding the name a
        // literal is stored under asks tree-sitter for its parent, a walk down from the root.
        if !is_plausible_secret(&value) {
            continue;
        }
        let Some((name, assignment)) = stored_under(ctx, literal) else {
            continue;
        };
        if name == "SECRET_KEY" || !is_secret_name(name) {
            continue;
        }
        let fix = assignment.then(|| {
            env_fix(
                ctx,
                literal,
                &name.trim_start_matches('_').to_ascii_uppercase(),
            )
        });
        out.push(Finding::new(
            meta,
            literal.byte_range(),
            format!(
                "`{name}` is given a literal credential: it is in every clone and in the history. \
                 Read it from the environment (or a secret store), then rotate it"
            ),
            fix,
        ));
    }
}

/// The fix that reads the literal's value from the environment variable `var`.
fn env_fix(ctx: &Context, literal: Node, var: &str) -> crate::analysis::Fix {
    read_from_env(ctx, literal.byte_range(), var, false, Safety::Unsafe)
}
