//! PF309 jwt-without-verification: JWTs decoded without checking the signature or algorithm.

use tree_sitter::Node;

use super::RuleMeta;
use crate::analysis::kinds::Field;
use crate::analysis::semantic::{string_literal_value, CallArgs};
use crate::analysis::{Context, Finding, Severity};

pub static META: RuleMeta = RuleMeta {
    code: "PF309",
    name: "jwt-without-verification",
    category: "security",
    severity: Severity::Error,
    summary: "A JWT is decoded without verifying its signature or pinning the algorithm",
    fixable: false,
    twins: &[],
    doc: r#"## What it does
Finds `jwt.decode(...)` (PyJWT) and `jose.jwt.decode(...)` (python-jose) calls that turn off
signature verification (`options={"verify_signature": False}`, or PyJWT 1's `verify=False`), and
calls that pass no `algorithms=` list.

## Why is this bad?
A token whose signature is not checked is just JSON the client wrote: anyone can claim to be any
user or an administrator. Without `algorithms=`, older libraries accept whatever algorithm the
token names — including `none`, or HMAC with the server's public key as the secret (algorithm
confusion) — and PyJWT 2 raises at run time.

## Example
```python
claims = jwt.decode(token, options={"verify_signature": False})
```

## Use instead
```python
claims = jwt.decode(token, PUBLIC_KEY, algorithms=["RS256"], audience="my-api")
```

## Fix
None: the key and the algorithm are yours to supply.

## Related
CWE-347, semgrep's `jwt-python-unverified-jwt-decode`."#,
};

/// Whether a dictionary literal maps `"verify_signature"` to `False`.
fn disables_signature(ctx: &Context, options: Node) -> bool {
    if options.kind() != "dictionary" {
        return false;
    }
    let mut cursor = options.walk();
    let found = options.named_children(&mut cursor).any(|pair| {
        pair.kind() == "pair"
            && pair
                .field("key")
                .and_then(|k| string_literal_value(k, ctx.source))
                .is_some_and(|k| k == "verify_signature")
            && pair.field("value").is_some_and(|v| v.kind() == "false")
    });
    found
}

/// Checks one file.
pub fn check(ctx: &Context, meta: &'static RuleMeta, out: &mut Vec<Finding>) {
    for resolved in ctx.resolved_calls() {
        let (call, function, qualified) = (resolved.call, resolved.function, &resolved.qualified);
        if !matches!(
            Some(qualified.as_str()),
            Some("jwt.decode" | "jose.jwt.decode")
        ) {
            continue;
        }
        let args = CallArgs::of(call, ctx.source);
        let unverified = args
            .keyword("options")
            .is_some_and(|o| disables_signature(ctx, o))
            || args.keyword("verify").is_some_and(|v| v.kind() == "false");
        let message = if unverified {
            "The token's signature is not checked: anyone can forge its claims (user, roles, \
             expiry). Verify it with the issuer's key"
        } else if !args.may_have_keyword("algorithms") && args.positional.len() < 3 {
            "No `algorithms=` list: the token chooses how it is verified (`none`, or HMAC with \
             your public key). Pin the algorithms you issue"
        } else {
            continue;
        };
        out.push(Finding::new(meta, function.byte_range(), message, None));
    }
}
