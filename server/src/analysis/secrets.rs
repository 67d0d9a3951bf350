//! What looks like a secret: names that hold credentials, values that could be one (not a
//! placeholder, a header name or an environment variable's name), and well-known key formats.
//!
//! Shared by the hardcoded-secret rules; tuned on real code, where most `*_KEY = "..."` strings are
//! cache keys and field names, not credentials.

use tree_sitter::Node;

use super::Context;

/// Name parts that never name a secret value, even next to `TOKEN` or `PASSWORD`.
const NOT_SECRET_SUFFIXES: &[&str] = &[
    "NAME",
    "NAMES",
    "FIELD",
    "FIELDS",
    "HEADER",
    "HEADERS",
    "PARAM",
    "PARAMS",
    "URL",
    "URI",
    "PATH",
    "FILE",
    "DIR",
    "ENV",
    "VAR",
    "PREFIX",
    "SUFFIX",
    "LENGTH",
    "LEN",
    "SIZE",
    "TYPE",
    "FORMAT",
    "PATTERN",
    "REGEX",
    "RE",
    "MODE",
    "ALGORITHM",
    "ALGORITHMS",
    "TIMEOUT",
    "EXPIRY",
    "TTL",
    "AGE",
    "MAX",
    "MIN",
    "COUNT",
    "CLASS",
    "BACKEND",
    "CHARS",
    "ID",
    "IDS",
    "KEY_NAME",
    "LABEL",
    "TEXT",
    "MESSAGE",
    "MSG",
    "HELP",
    "PROMPT",
    "ENDPOINT",
    "LOCATION",
    "EXPIRES",
    "LIFETIME",
    "VALIDATORS",
    "HASHERS",
    "ATTR",
    "ATTRIBUTE",
    "KIND",
    "SCHEME",
    "ERROR",
    "TEMPLATE",
    "REQUIRED",
    "ENABLED",
    "RESET",
    "CHANGE",
    "CHANGED",
    "HINT",
    "INPUT",
    "WIDGET",
    "POLICY",
    "RULES",
];

/// Whether a variable, attribute or keyword name says it holds a credential.
pub fn is_secret_name(name: &str) -> bool {
    let upper = name.trim_start_matches('_').to_ascii_uppercase();
    let parts: Vec<&str> = upper.split('_').filter(|p| !p.is_empty()).collect();
    let Some(last) = parts.last() else {
        return false;
    };
    if NOT_SECRET_SUFFIXES.contains(last) {
        return false;
    }
    let has = |p: &str| parts.contains(&p);
    match *last {
        "PASSWORD" | "PASSWD" | "PWD" | "SECRET" | "TOKEN" | "APIKEY" | "CREDENTIALS" => true,
        // `CACHE_KEY`, `SORT_KEY`, `SESSION_KEY` are keys of a different kind.
        "KEY" => [
            "API",
            "SECRET",
            "PRIVATE",
            "ACCESS",
            "SIGNING",
            "ENCRYPTION",
            "HMAC",
            "FERNET",
            "MASTER",
            "AUTH",
            "CLIENT",
            "LICENSE",
            "APP",
        ]
        .iter()
        .any(|p| has(p)),
        _ => false,
    }
}

/// Words that mark a value as an example or a placeholder.
const PLACEHOLDERS: &[&str] = &[
    "changeme",
    "change-me",
    "change_me",
    "change-this",
    "example",
    "dummy",
    "placeholder",
    "your",
    "xxx",
    "***",
    "test",
    "fake",
    "sample",
    "redacted",
    "todo",
    "fixme",
    "<",
    ">",
    "{",
    "}",
    "${",
    "%(",
    "...",
    "none",
    "null",
    "default",
    "insert",
    "replace",
    "here",
];

/// Whether a literal could be a real credential rather than a placeholder, a name or a format.
pub fn is_plausible_secret(value: &str) -> bool {
    // Every string literal of a file comes here (docstrings among them): the checks that need no
    // copy of the value go first.
    if value.len() < 8 || value.len() > 300 || value.chars().any(char::is_whitespace) {
        return false;
    }
    let first = value.chars().next().unwrap_or(' ');
    if value.chars().all(|c| c == first) {
        return false;
    }
    // Words, identifiers, header names and environment variable names: `_auth_user_id`,
    // `X-Api-Key`, `API_TOKEN`, `sessionid`.
    let wordlike = value
        .chars()
        .all(|c| c.is_ascii_alphabetic() || matches!(c, '_' | '-' | '.' | ':'));
    if wordlike {
        return false;
    }
    // Paths and URLs without credentials.
    if value.starts_with('/') || value.contains("://") && !value.contains('@') {
        return false;
    }
    let classes = [
        value.chars().any(|c| c.is_ascii_lowercase()),
        value.chars().any(|c| c.is_ascii_uppercase()),
        value.chars().any(|c| c.is_ascii_digit()),
        value.chars().any(|c| !c.is_ascii_alphanumeric()),
    ];
    if classes.iter().filter(|c| **c).count() < 2 {
        return false;
    }
    // Last, as it copies the value: most literals that get this far are names or paths.
    let lower = value.to_ascii_lowercase();
    !PLACEHOLDERS.iter().any(|p| lower.contains(p))
}

/// The kind of credential a literal is, by its well-known format (`AKIA…`, `sk-…`, `xoxb-…`,
/// `ghp_…`, private key blocks).
pub fn known_key_format(value: &str) -> Option<&'static str> {
    // Every string literal of a file comes here: the format is checked first, and only a value
    // in one is copied to look for the words of an example.
    let kind = key_format(value)?;
    let lower = value.to_ascii_lowercase();
    if lower.contains("example") || lower.contains("xxxx") || lower.contains("...") {
        return None;
    }
    Some(kind)
}

/// The well-known format `value` is in, examples included.
fn key_format(value: &str) -> Option<&'static str> {
    let tail_ok = |prefix: &str, min: usize, allowed: fn(char) -> bool| {
        value.strip_prefix(prefix).is_some_and(|rest| {
            let run = rest.chars().take_while(|c| allowed(*c)).count();
            run >= min
                && !rest
                    .chars()
                    .take(run)
                    .all(|c| c == rest.chars().next().unwrap_or(c))
        })
    };
    let upper_alnum = |c: char| c.is_ascii_uppercase() || c.is_ascii_digit();
    let token = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    if (tail_ok("AKIA", 16, upper_alnum) || tail_ok("ASIA", 16, upper_alnum)) && value.len() == 20 {
        return Some("an AWS access key id");
    }
    if tail_ok("sk-ant-", 20, token) {
        return Some("an Anthropic API key");
    }
    if tail_ok("sk-", 20, token) {
        return Some("an OpenAI API key");
    }
    if ["xoxb-", "xoxp-", "xoxa-", "xoxr-", "xoxs-"]
        .iter()
        .any(|p| tail_ok(p, 10, token))
    {
        return Some("a Slack token");
    }
    if ["ghp_", "gho_", "ghs_", "ghu_", "github_pat_"]
        .iter()
        .any(|p| tail_ok(p, 30, token))
    {
        return Some("a GitHub token");
    }
    if tail_ok("AIza", 35, token) {
        return Some("a Google API key");
    }
    if tail_ok("sk_live_", 16, token) || tail_ok("rk_live_", 16, token) {
        return Some("a Stripe live key");
    }
    if value.contains("-----BEGIN") && value.contains("PRIVATE KEY-----") {
        return Some("a private key");
    }
    None
}

/// Whether the module is test code (imports pytest or unittest, or defines `test_*` functions),
/// where literal credentials are fixtures.
pub fn is_test_module(ctx: &Context) -> bool {
    // The `test_*` functions are a file fact: collected once, and compared by the incremental
    // analysis, instead of a walk over the module's statements per question.
    ctx.facts().has_test_function || ctx.imports_module("pytest") || ctx.imports_module("unittest")
}

/// Every plain string literal of the module with its value (for key-format scans).
pub fn string_literals<'t>(ctx: &Context<'t>) -> Vec<(Node<'t>, String)> {
    let mut out = Vec::new();
    ctx.walk(&["string"], |n| {
        if let Some(v) = super::semantic::string_literal_value(n, ctx.source) {
            out.push((n, v));
        }
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for yes in [
            "API_KEY",
            "stripe_secret",
            "DB_PASSWORD",
            "auth_token",
            "AWS_SECRET_ACCESS_KEY",
            "password",
        ] {
            assert!(is_secret_name(yes), "{yes}");
        }
        for no in [
            "CACHE_KEY",
            "SESSION_KEY",
            "TOKEN_HEADER",
            "PASSWORD_FIELD",
            "SECRET_KEY_NAME",
            "token_type",
            "PASSWORD_RESET_TIMEOUT",
            "primary_key",
        ] {
            assert!(!is_secret_name(no), "{no}");
        }
    }

    #[test]
    fn values() {
        for yes in ["hunter2!x", "s3cr3tP4ss", "9f8e7d6c5b4a39281706"] {
            assert!(is_plausible_secret(yes), "{yes}");
        }
        for no in [
            "",
            "changeme",
            "your-api-key-here",
            "_auth_user_id",
            "X-Api-Key",
            "API_TOKEN",
            "password",
            "xxxxxxxxxx",
            "<token>",
            "${TOKEN}",
            "test-secret-123",
            "https://example.org/x",
        ] {
            assert!(!is_plausible_secret(no), "{no}");
        }
    }

    #[test]
    fn formats() {
        assert!(known_key_format("AKIAIOSFODNN7ABCDEFG").is_some());
        assert!(known_key_format("AKIAIOSFODNN7EXAMPLE").is_none());
        assert!(known_key_format("sk-proj-abcDEF1234567890ghijKLMN").is_some());
        assert!(known_key_format("xoxb-123456789012-abcdefghij").is_some());
        assert!(known_key_format("-----BEGIN RSA PRIVATE KEY-----\nMIIE").is_some());
        assert!(known_key_format("sk-").is_none());
        assert!(known_key_format("task-1234").is_none());
    }
}
