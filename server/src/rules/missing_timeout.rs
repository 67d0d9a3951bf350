//! PF201 missing-timeout: network calls that can block forever.

use std::collections::HashSet;

use memchr::memmem;
use tree_sitter::Node;

use super::RuleMeta;
use crate::analysis::kinds::Field;
use crate::analysis::semantic::CallArgs;
use crate::analysis::{Context, Finding, Fix, Safety, Severity};
use crate::fix::arguments::add_keyword_argument;
use crate::fix::imports::ensure_module_import;

pub static META: RuleMeta = RuleMeta {
    code: "PF201",
    name: "missing-timeout",
    category: "network",
    severity: Severity::Warning,
    summary: "Network call without a timeout: if the server stops answering, it waits forever",
    fixable: true,
    twins: &["S113", "B113"],
    doc: r#"## What it does
Finds calls that open a network connection without a timeout:
`requests.get/post/put/patch/delete/head/options/request` (and the same methods on a
`requests.Session()`), `urllib.request.urlopen`, `http.client.HTTPConnection`/`HTTPSConnection`,
`smtplib.SMTP`/`SMTP_SSL`, `socket.create_connection`, `ftplib`, `imaplib`, `poplib` and
`telnetlib` connections, the OpenAI clients (`OpenAI`, `AzureOpenAI`, `AsyncOpenAI`,
`AsyncAzureOpenAI`), `aiohttp.ClientSession()` without `timeout=`, `redis.Redis(...)` and
`redis.from_url(...)` without `socket_timeout=`, `psycopg2.connect`/`psycopg.connect` without
`connect_timeout=` (unless the connection string sets it), and `boto3.client`/`boto3.resource`
without `config=`. Also finds `timeout=None` passed explicitly to any call (httpx's clients, for
example, wait forever with it). Imports and aliases are resolved (`import requests as r`, `from requests import get`);
a call that spreads `**kwargs` may carry a timeout and is not reported, nor is a session with a
mounted adapter (which may set one).

## Why is this bad?
These clients wait forever by default (the OpenAI SDK waits 600 s per attempt, with retries). When a
dependency hangs — a half-open connection, a stuck load balancer — every worker that calls it hangs
too, the pool runs dry and the whole service stops answering, long after the dependency recovered.

## Example
```python
import requests

def fetch_rates():
    return requests.get("https://rates.example/api").json()
```

## Use instead
```python
def fetch_rates():
    return requests.get("https://rates.example/api", timeout=10).json()
```

## Fix
Adds `timeout=10` (`timeout=60` for LLM clients) as the last argument, keeping the call's layout;
the numbers are the `timeout-seconds` and `llm-timeout-seconds` settings. The other families get
their own argument: `timeout=aiohttp.ClientTimeout(total=10)`, `socket_timeout=10`,
`connect_timeout=10`, `config=botocore.config.Config(connect_timeout=10, read_timeout=10)` (adding
the import it needs).
Safe. Replacing an explicit `timeout=None` is offered as an unsafe fix, since someone chose it.

## Related
ruff S113 (requests only), bandit B113, pylint W3101."#,
};

/// Where a callable takes its timeout.
#[derive(Clone, Copy)]
enum TimeoutParam {
    /// Only as `timeout=`.
    Keyword,
    /// As `timeout=` or as a positional argument when more than this many are given.
    AfterPositional(usize),
}

/// Which client family a target belongs to: decides the keyword, the fix and the message.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// `timeout=` in seconds; waits forever without it.
    Plain,
    /// OpenAI clients: `timeout=` with the LLM default.
    Llm,
    /// `aiohttp.ClientSession`: `timeout=aiohttp.ClientTimeout(...)`.
    Aiohttp,
    /// redis-py: `socket_timeout=`.
    Redis,
    /// psycopg 2 and 3: `connect_timeout=`.
    Postgres,
    /// boto3: `config=botocore.config.Config(connect_timeout=..., read_timeout=...)`.
    Boto,
}

impl Kind {
    /// The keyword that carries the timeout.
    fn keyword(self) -> &'static str {
        match self {
            Kind::Redis => "socket_timeout",
            Kind::Postgres => "connect_timeout",
            Kind::Boto => "config",
            Kind::Plain | Kind::Llm | Kind::Aiohttp => "timeout",
        }
    }

    /// Why the default hurts.
    fn why(self) -> &'static str {
        match self {
            Kind::Plain => "if the server stops answering, this call (and the worker running it) waits forever",
            Kind::Llm => "the SDK's default is 600 s per attempt, with retries, so a stuck request holds this worker for many minutes",
            Kind::Aiohttp => "aiohttp's default allows 5 minutes per request, so a stuck server holds this task that long",
            Kind::Redis => "if Redis stops answering, every command blocks forever",
            Kind::Postgres => "connecting to an unreachable database waits for the operating system's TCP timeout, minutes",
            Kind::Boto => "botocore waits 60 s to connect and 60 s per read, with retries, so a stuck endpoint holds this worker for minutes",
        }
    }
}

#[derive(Clone, Copy)]
struct Target {
    name: &'static str,
    param: TimeoutParam,
    kind: Kind,
    /// Fewer arguments than this and the call does not connect yet (`ftplib.FTP()` connects later).
    min_args: usize,
}

const fn kw(name: &'static str) -> Target {
    with(name, Kind::Plain)
}

const fn with(name: &'static str, kind: Kind) -> Target {
    Target {
        name,
        param: TimeoutParam::Keyword,
        kind,
        min_args: 0,
    }
}

const fn pos(name: &'static str, after: usize) -> Target {
    Target {
        name,
        param: TimeoutParam::AfterPositional(after),
        kind: Kind::Plain,
        min_args: 0,
    }
}

const fn connecting(target: Target) -> Target {
    Target {
        min_args: 1,
        ..target
    }
}

const fn llm(name: &'static str) -> Target {
    with(name, Kind::Llm)
}

const HTTP_METHODS: &[&str] = &[
    "get", "post", "put", "patch", "delete", "head", "options", "request",
];

const TARGETS: &[Target] = &[
    kw("requests.get"),
    kw("requests.post"),
    kw("requests.put"),
    kw("requests.patch"),
    kw("requests.delete"),
    kw("requests.head"),
    kw("requests.options"),
    kw("requests.request"),
    pos("urllib.request.urlopen", 2),
    pos("http.client.HTTPConnection", 2),
    // Before Python 3.12 `key_file` and `cert_file` came before `timeout`.
    pos("http.client.HTTPSConnection", 2),
    pos("smtplib.SMTP", 3),
    pos("smtplib.SMTP_SSL", 3),
    pos("socket.create_connection", 1),
    llm("openai.OpenAI"),
    llm("openai.AzureOpenAI"),
    llm("openai.AsyncOpenAI"),
    llm("openai.AsyncAzureOpenAI"),
    with("aiohttp.ClientSession", Kind::Aiohttp),
    Target {
        param: TimeoutParam::AfterPositional(4),
        ..with("redis.Redis", Kind::Redis)
    },
    Target {
        param: TimeoutParam::AfterPositional(4),
        ..with("redis.StrictRedis", Kind::Redis)
    },
    with("redis.from_url", Kind::Redis),
    with("redis.Redis.from_url", Kind::Redis),
    with("redis.StrictRedis.from_url", Kind::Redis),
    with("redis.asyncio.Redis", Kind::Redis),
    with("redis.asyncio.from_url", Kind::Redis),
    with("redis.asyncio.Redis.from_url", Kind::Redis),
    with("psycopg2.connect", Kind::Postgres),
    with("psycopg.connect", Kind::Postgres),
    with("psycopg.Connection.connect", Kind::Postgres),
    with("psycopg.AsyncConnection.connect", Kind::Postgres),
    with("boto3.client", Kind::Boto),
    with("boto3.resource", Kind::Boto),
    connecting(pos("ftplib.FTP", 4)),
    connecting(pos("ftplib.FTP_TLS", 4)),
    pos("imaplib.IMAP4", 2),
    pos("imaplib.IMAP4_SSL", 2),
    pos("poplib.POP3", 2),
    pos("poplib.POP3_SSL", 2),
    connecting(pos("telnetlib.Telnet", 2)),
];

/// Checks one file.
pub fn check(ctx: &Context, meta: &'static RuleMeta, out: &mut Vec<Finding>) {
    // Names bound only to sessions with no adapter mounted (the file's facts).
    let sessions = ctx.facts().sessions();
    ctx.walk(&["call"], |node| {
        let Some(function) = node.field("function") else {
            return;
        };
        let target = call_target(ctx, function, sessions);
        // Most calls are neither a client call nor carry a `timeout=` keyword (whose name is then
        // in the call's text): they are dismissed before their arguments are sorted.
        if target.is_none() && memmem::find(ctx.text(node).as_bytes(), b"timeout").is_none() {
            return;
        }
        let args = CallArgs::of(node, ctx.source);

        if let Some(value) = args.keyword("timeout") {
            if value.kind() == "none" {
                let fix = Fix::new(
                    format!("Use `timeout={}`", ctx.options().timeout_seconds),
                    Safety::Unsafe,
                    vec![crate::analysis::Edit::replace(
                        value.byte_range(),
                        ctx.options().timeout_seconds.to_string(),
                    )],
                );
                out.push(Finding {
                    rule: meta,
                    range: value.parent().map_or(value.byte_range(), |kw| kw.byte_range()),
                    severity: meta.severity,
                    message: "`timeout=None` waits forever: if the other side stops answering, this call never \
                              returns. Give it a number of seconds"
                        .into(),
                    fix: Some(fix),
                });
            }
            return;
        }
        if args.has_double_star {
            return;
        }

        let Some((label, target)) = target else {
            return;
        };

        if let TimeoutParam::AfterPositional(n) = target.param {
            if args.has_star || args.positional.len() > n {
                return;
            }
        }
        let keyword = target.kind.keyword();
        if args.keyword(keyword).is_some()
            || args.positional.len() + args.keywords.len() < target.min_args
        {
            return;
        }
        // A connection string may carry the timeout itself (`...?socket_timeout=5`).
        if let Some(url) = args.positional.first() {
            if matches!(target.kind, Kind::Redis | Kind::Postgres)
                && ctx.text(*url).contains(keyword)
            {
                return;
            }
        }
        let fix = timeout_fix(ctx, node, target.kind);
        out.push(Finding::new(
            meta,
            function.byte_range(),
            format!(
                "`{label}` is called without a timeout: {}. Pass `{keyword}=`",
                target.kind.why()
            ),
            fix,
        ));
    });
}

/// The client a call reaches, with the name to show for it: an imported callable of
/// [`TARGETS`], or an HTTP method of a session without adapters.
fn call_target(
    ctx: &Context,
    function: Node,
    sessions: &HashSet<String>,
) -> Option<(String, Target)> {
    if let Some(qualified) = ctx.resolve(function) {
        let target = TARGETS.iter().find(|t| t.name == qualified)?;
        return Some((qualified, *target));
    }
    if function.kind() != "attribute" {
        return None;
    }
    let object = function.field("object")?;
    let method = ctx.text(function.field("attribute")?);
    if !HTTP_METHODS.contains(&method) || !sessions.contains(ctx.text(object)) {
        return None;
    }
    Some((
        format!("{}.{method}", ctx.text(object)),
        kw("requests.Session"),
    ))
}

/// The fix that adds the timeout argument for a client family.
fn timeout_fix(ctx: &Context, call: Node, kind: Kind) -> Option<Fix> {
    let seconds = ctx.options().timeout_seconds;
    let mut edits = Vec::new();
    let argument = match kind {
        Kind::Plain => format!("timeout={seconds}"),
        Kind::Llm => format!("timeout={}", ctx.options().llm_timeout_seconds),
        Kind::Redis => format!("socket_timeout={seconds}"),
        Kind::Postgres => format!("connect_timeout={seconds}"),
        Kind::Aiohttp => {
            let (aiohttp, import) = ensure_module_import(ctx, "aiohttp");
            edits.extend(import);
            format!("timeout={aiohttp}.ClientTimeout(total={seconds})")
        }
        Kind::Boto => {
            let (config, import) = ensure_module_import(ctx, "botocore.config");
            edits.extend(import);
            format!("config={config}.Config(connect_timeout={seconds}, read_timeout={seconds})")
        }
    };
    edits.push(add_keyword_argument(ctx, call, &argument)?);
    Some(Fix::new(format!("Add `{argument}`"), Safety::Safe, edits))
}
