//! PF202 tls-verification-disabled: HTTPS without certificate checks.

use std::sync::LazyLock;

use tree_sitter::Node;

use super::RuleMeta;
use crate::analysis::kinds::Field;
use crate::analysis::secrets::is_test_module;
use crate::analysis::semantic::{CallArgs, Needles};
use crate::analysis::{Context, Finding, Severity};

pub static META: RuleMeta = RuleMeta {
    code: "PF202",
    name: "tls-verification-disabled",
    category: "security",
    severity: Severity::Error,
    summary: "TLS certificate verification is turned off",
    fixable: false,
    twins: &["S501", "B501", "S323", "B323"],
    doc: r#"## What it does
Finds `verify=False` passed to `requests` and `httpx` (module functions, `Client`/`AsyncClient`,
and `.get/.post/.request/...` calls on sessions and clients), `session.verify = False`,
`ssl._create_unverified_context()`, `check_hostname = False` and `verify_mode = ssl.CERT_NONE`.

## Why is this bad?
Without certificate verification, anyone on the network path — a compromised proxy, a hostile
Wi-Fi, a misrouted service mesh — can read and change the traffic, including the credentials and
tokens it carries. It is usually added "temporarily" to get past a certificate error and then ships.

## Example
```python
resp = requests.get("https://billing.internal/api", verify=False, timeout=10)
```

## Use instead
```python
resp = requests.get("https://billing.internal/api", verify="/etc/ssl/internal-ca.pem", timeout=10)
```

## Fix
None: the right fix is to trust the certificate authority that signed the server's certificate
(`verify="/path/to/ca.pem"`, `REQUESTS_CA_BUNDLE`, `SSL_CERT_FILE`), which only you know.

## Related
ruff S501 and S323, bandit B501 and B323."#,
};

const CLIENT_MODULES: &[&str] = &["requests", "httpx"];

const HTTP_METHODS: &[&str] = &[
    "get", "post", "put", "patch", "delete", "head", "options", "request", "send", "stream",
];

/// Whether `call` goes to requests or httpx: a resolved module function or client, or an HTTP
/// method called on something (a session or client) in a file that imports one of them.
fn is_http_call(ctx: &Context, call: Node) -> bool {
    let Some(function) = call.field("function") else {
        return false;
    };
    if let Some(q) = ctx.resolve(function) {
        let top = q.split('.').next().unwrap_or("");
        return CLIENT_MODULES.contains(&top);
    }
    let imports_client = CLIENT_MODULES.iter().any(|m| ctx.imports_module(m));
    imports_client
        && function.kind() == "attribute"
        && function
            .field("attribute")
            .is_some_and(|a| HTTP_METHODS.contains(&ctx.text(a)))
}

/// Whether `node` only runs when the caller asked for no verification (`if not validate_cert:`,
/// `elif verify is False:`): a client library implementing the opt-out, not a service using it.
fn behind_verification_switch(ctx: &Context, node: Node) -> bool {
    let mut current = node.parent();
    while let Some(n) = current {
        match n.kind() {
            "if_statement" | "elif_clause" | "conditional_expression" => {
                let condition = if n.kind() == "conditional_expression" {
                    n.named_child(1)
                } else {
                    n.field("condition")
                };
                let text = condition
                    .map(|c| ctx.text(c).to_ascii_lowercase())
                    .unwrap_or_default();
                if ["verif", "validate", "insecure", "cert", "ssl"]
                    .iter()
                    .any(|w| text.contains(w))
                {
                    return true;
                }
            }
            "function_definition" | "module" => return false,
            _ => {}
        }
        current = n.parent();
    }
    false
}

/// The words every finding but an unverified context's spells in the code it is on.
static SWITCHES: LazyLock<Needles> = LazyLock::new(|| Needles::new(&["verify", "check_hostname"]));
/// The keyword a call turns verification off with.
static VERIFY: LazyLock<Needles> = LazyLock::new(|| Needles::new(&["verify"]));

/// Checks one file.
pub fn check(ctx: &Context, meta: &'static RuleMeta, out: &mut Vec<Finding>) {
    if is_test_module(ctx) {
        return;
    }
    // Every finding names `verify` or `check_hostname` in the code it is on, or calls what an
    // import of `ssl` binds (under any alias). Most files do neither, and most calls in the
    // others have no `verify=` to sort their arguments for.
    let ssl = ctx.imports_module("ssl");
    if !ssl && !ctx.region_text_any(|t| SWITCHES.any_in(t)) {
        return;
    }
    let mut found = Vec::new();
    let out_all = &mut found;
    ctx.walk(&["call", "assignment"], |node| match node.kind() {
        "call" => {
            let args = VERIFY
                .any_in(ctx.text(node))
                .then(|| CallArgs::of(node, ctx.source));
            if let Some(value) = args.as_ref().and_then(|a| a.keyword("verify")) {
                if value.kind() == "false" && is_http_call(ctx, node) {
                    let range = value
                        .parent()
                        .map_or(value.byte_range(), |k| k.byte_range());
                    out_all.push(Finding::new(
                        meta,
                        range,
                        "`verify=False` turns off certificate checks: anyone on the network path can \
                         read and change this traffic. Point `verify=` at the CA bundle instead",
                        None,
                    ));
                }
            }
            let unverified = ssl
                && node
                .field("function")
                .and_then(|f| ctx.resolve(f))
                .is_some_and(|q| q == "ssl._create_unverified_context");
            if unverified {
                out_all.push(Finding::new(
                    meta,
                    node.byte_range(),
                    "`ssl._create_unverified_context()` accepts any certificate: anyone on the network \
                     path can impersonate the server. Use `ssl.create_default_context()`",
                    None,
                ));
            }
        }
        "assignment" => {
            let (Some(left), Some(right)) = (
                node.field("left"),
                node.field("right"),
            ) else {
                return;
            };
            if left.kind() != "attribute" {
                return;
            }
            let attribute = left
                .field("attribute")
                .map(|a| ctx.text(a))
                .unwrap_or("");
            let off = match attribute {
                "verify" => {
                    right.kind() == "false" && CLIENT_MODULES.iter().any(|m| ctx.imports_module(m))
                }
                // Python requires it before `CERT_NONE`: report the pair once, at `verify_mode`.
                "check_hostname" => {
                    right.kind() == "false"
                        && ctx.imports_module("ssl")
                        && !ctx.mentions("CERT_NONE")
                }
                "verify_mode" => ctx.resolve(right).as_deref() == Some("ssl.CERT_NONE"),
                _ => false,
            };
            if off {
                out_all.push(Finding::new(
                    meta,
                    node.byte_range(),
                    format!(
                        "Setting `{attribute}` this way turns off certificate checks: anyone on the \
                         network path can read and change this traffic"
                    ),
                    None,
                ));
            }
        }
        _ => {}
    });
    // Only the findings outside an opt-out switch are reported (checked once per finding, not per node).
    out.extend(found.into_iter().filter(|f| {
        ctx.root_at(f.range.start)
            .and_then(|root| root.descendant_for_byte_range(f.range.start, f.range.end))
            .is_none_or(|n| !behind_verification_switch(ctx, n))
    }));
}
