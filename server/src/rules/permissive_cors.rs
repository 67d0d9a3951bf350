//! PF301 permissive-cors: CORS that lets every origin call the API.

use tree_sitter::Node;

use super::RuleMeta;
use crate::analysis::kinds::Field;
use crate::analysis::semantic::{is_string_literal, walk, CallArgs, ModuleAssignment};
use crate::analysis::{Context, Edit, Finding, Fix, Safety, Severity};
use crate::fix::arguments::add_keyword_argument;
use crate::fix::imports::ensure_module_import;

/// The origin used when that variable is unset: a local front end, never the whole web.
pub const DEFAULT_ORIGIN: &str = "http://localhost:3000";

pub static META: RuleMeta = RuleMeta {
    code: "PF301",
    name: "permissive-cors",
    category: "security",
    severity: Severity::Warning,
    summary: "CORS allows every origin",
    fixable: true,
    twins: &[],
    doc: r#"## What it does
Finds CORS configured to accept requests from any origin:
- Flask: `flask_cors.CORS(app)` with no `origins`/`resources` (and no `CORS_ORIGINS` or
  `CORS_RESOURCES` setting in the module), or with `origins="*"`, or a resource whose
  `"origins"` is `"*"`;
- FastAPI/Starlette: `CORSMiddleware` added with `allow_origins=["*"]` or `allow_origin_regex=".*"`;
- Django (django-cors-headers): `CORS_ALLOW_ALL_ORIGINS = True` or `CORS_ORIGIN_ALLOW_ALL = True`
  at module level of a settings file (not inside `if DEBUG:`).

It is an error, not a warning, when credentials are allowed too (`supports_credentials=True`,
`allow_credentials=True`): both libraries then echo the caller's origin back with
`Access-Control-Allow-Credentials`, so any web page can make authenticated requests as your users.

## Why is this bad?
A browser lets any site a user visits read your API's responses. With cookies or tokens in play that
is cross-site data theft; without them it still exposes internal APIs to every page on the web and
hides which front ends actually depend on you.

## Example
```python
from flask_cors import CORS

CORS(app)
```

## Use instead
```python
import os

CORS(app, origins=os.environ.get("CORS_ALLOWED_ORIGINS", "http://localhost:3000").split(","))
```

## Fix
Reads the origins from the `CORS_ALLOWED_ORIGINS` environment variable (comma-separated; the
`cors-origins-env` setting names another), with
`http://localhost:3000` when it is unset, adding `import os` if needed. For Django it replaces the
allow-all setting with `CORS_ALLOWED_ORIGINS` read the same way (or sets it to `False` when the file
already lists allowed origins). Unsafe: which sites may call the API changes, so set the variable in
every deployment before applying it.

## Related
semgrep `python.flask.security.audit.flask-cors-misconfiguration`; no ruff or bandit rule."#,
};

const FLASK_CORS: &[&str] = &["flask_cors.CORS", "flask_cors.extension.CORS"];
const CORS_MIDDLEWARE: &[&str] = &[
    "starlette.middleware.cors.CORSMiddleware",
    "fastapi.middleware.cors.CORSMiddleware",
];
const DJANGO_SETTINGS: &[&str] = &["CORS_ALLOW_ALL_ORIGINS", "CORS_ORIGIN_ALLOW_ALL"];

/// `"*"` or a list/tuple holding `"*"`.
fn is_wildcard(node: Node, ctx: &Context) -> bool {
    match node.kind() {
        "string" => is_string_literal(node, ctx.source, "*"),
        "list" | "tuple" => {
            let mut cursor = node.walk();
            let found = node
                .named_children(&mut cursor)
                .any(|n| is_string_literal(n, ctx.source, "*"));
            found
        }
        _ => false,
    }
}

fn is_true(node: Option<Node>) -> bool {
    node.is_some_and(|n| n.kind() == "true")
}

fn origins_from_env(ctx: &Context) -> (String, Option<Edit>) {
    let (os, import) = ensure_module_import(ctx, "os");
    (
        format!(
            "{os}.environ.get(\"{}\", \"{DEFAULT_ORIGIN}\").split(\",\")",
            ctx.options().cors_origins_env
        ),
        import,
    )
}

/// The fix that reads the origins from the environment: `edit` receives the expression to write
/// (or `None` when the call cannot take it), and `import os` is added when needed.
fn origins_fix(ctx: &Context, edit: impl FnOnce(&str) -> Option<Edit>) -> Option<Fix> {
    let (expr, import) = origins_from_env(ctx);
    let mut edits = vec![edit(&expr)?];
    edits.extend(import);
    let title = format!(
        "Read allowed origins from ${}",
        ctx.options().cors_origins_env
    );
    Some(Fix::new(title, Safety::Unsafe, edits))
}

fn fix_replacing(ctx: &Context, value: Node) -> Option<Fix> {
    origins_fix(ctx, |expr| Some(Edit::replace(value.byte_range(), expr)))
}

fn finding(
    meta: &'static RuleMeta,
    node: Node,
    credentials: bool,
    message: String,
    fix: Option<Fix>,
) -> Finding {
    let (severity, message) = if credentials {
        (Severity::Error, format!("{message}, and credentials are allowed: any website can make authenticated requests as your users"))
    } else {
        (meta.severity, format!("{message}: any website can call this API from a user's browser and read the responses"))
    };
    Finding {
        rule: meta,
        range: node.byte_range(),
        severity,
        message,
        fix,
    }
}

/// Reports a wildcard origins value, with the fix that reads the origins from the environment.
fn report_wildcard(
    ctx: &Context,
    meta: &'static RuleMeta,
    value: Node,
    credentials: bool,
    what: &str,
    out: &mut Vec<Finding>,
) {
    let fix = fix_replacing(ctx, value);
    out.push(finding(meta, value, credentials, what.to_string(), fix));
}

/// The `"origins": "*"` value inside a flask-cors `resources={...}` dictionary, if any.
fn wildcard_resource<'t>(resources: Node<'t>, ctx: &Context) -> Option<Node<'t>> {
    let mut found = None;
    walk(resources, |n| {
        if found.is_none() && n.kind() == "pair" {
            let key = n.field("key");
            let value = n.field("value");
            if let (Some(key), Some(value)) = (key, value) {
                if is_string_literal(key, ctx.source, "origins") && is_wildcard(value, ctx) {
                    found = Some(value);
                }
            }
        }
    });
    found
}

fn check_flask(
    ctx: &Context,
    meta: &'static RuleMeta,
    call: Node,
    function: Node,
    out: &mut Vec<Finding>,
) {
    let args = CallArgs::of(call, ctx.source);
    if args.has_double_star {
        return;
    }
    let credentials = is_true(args.keyword("supports_credentials"));
    if let Some(origins) = args.keyword("origins") {
        if is_wildcard(origins, ctx) {
            report_wildcard(
                ctx,
                meta,
                origins,
                credentials,
                "CORS allows every origin (`origins=\"*\"`)",
                out,
            );
        }
        return;
    }
    if let Some(resources) = args.keyword("resources") {
        if let Some(value) = wildcard_resource(resources, ctx) {
            report_wildcard(
                ctx,
                meta,
                value,
                credentials,
                "CORS resource allows every origin (`\"origins\": \"*\"`)",
                out,
            );
        }
        return;
    }
    // flask-cors also reads its origins from the app's configuration.
    if ctx.mentions("CORS_ORIGINS") || ctx.mentions("CORS_RESOURCES") {
        return;
    }
    let fix = origins_fix(ctx, |expr| {
        add_keyword_argument(ctx, call, &format!("origins={expr}"))
    });
    let label = ctx.text(function);
    out.push(finding(
        meta,
        call,
        credentials,
        format!("`{label}(...)` without `origins` allows every origin"),
        fix,
    ));
}

fn check_middleware(ctx: &Context, meta: &'static RuleMeta, call: Node, out: &mut Vec<Finding>) {
    let args = CallArgs::of(call, ctx.source);
    let credentials = is_true(args.keyword("allow_credentials"));
    if let Some(origins) = args.keyword("allow_origins") {
        if is_wildcard(origins, ctx) {
            report_wildcard(
                ctx,
                meta,
                origins,
                credentials,
                "`CORSMiddleware` allows every origin (`allow_origins=[\"*\"]`)",
                out,
            );
        }
    }
    if let Some(regex) = args.keyword("allow_origin_regex") {
        if is_string_literal(regex, ctx.source, ".*") || is_string_literal(regex, ctx.source, ".+")
        {
            out.push(finding(
                meta,
                regex,
                credentials,
                "`CORSMiddleware` allows every origin (`allow_origin_regex` matches anything)"
                    .into(),
                None,
            ));
        }
    }
}

fn check_django(ctx: &Context, meta: &'static RuleMeta, out: &mut Vec<Finding>) {
    for ModuleAssignment {
        assignment: assign,
        name: left,
        value: right,
        ..
    } in ctx.module_assignments()
    {
        if !DJANGO_SETTINGS.contains(&ctx.text(left)) || right.kind() != "true" {
            continue;
        }
        // The other settings are read from the whole module, whatever part is under analysis.
        let statements: Vec<Node> = ctx.statements().filter(|s| s.is_named()).collect();
        let lists_origins = statements.iter().any(|s| {
            let text = ctx.text(*s);
            text.starts_with("CORS_ALLOWED_ORIGINS") || text.starts_with("CORS_ORIGIN_WHITELIST")
        });
        let credentials = statements.iter().any(|s| {
            let t = ctx.text(*s).replace(' ', "");
            t.starts_with("CORS_ALLOW_CREDENTIALS=True")
        });
        let fix = if lists_origins {
            Some(Fix::new(
                "Stop allowing every origin",
                Safety::Unsafe,
                vec![Edit::replace(right.byte_range(), "False")],
            ))
        } else {
            origins_fix(ctx, |expr| {
                Some(Edit::replace(
                    assign.byte_range(),
                    format!("CORS_ALLOWED_ORIGINS = {expr}"),
                ))
            })
        };
        out.push(finding(
            meta,
            assign,
            credentials,
            format!("`{}` allows every origin", ctx.text(left)),
            fix,
        ));
    }
}

/// Checks one file.
pub fn check(ctx: &Context, meta: &'static RuleMeta, out: &mut Vec<Finding>) {
    check_django(ctx, meta, out);
    // Only imported names resolve: without an import that can reach flask-cors or a CORS
    // middleware, no call of this file is one, and the walk over every call is skipped.
    if !ctx.may_import(FLASK_CORS) && !ctx.may_import(CORS_MIDDLEWARE) {
        return;
    }
    ctx.walk(&["call"], |node| {
        let Some(function) = node.field("function") else {
            return;
        };
        if ctx
            .resolve(function)
            .is_some_and(|q| FLASK_CORS.contains(&q.as_str()))
        {
            check_flask(ctx, meta, node, function, out);
            return;
        }
        let args = CallArgs::of(node, ctx.source);
        if args.positional.iter().any(|a| {
            ctx.resolve(*a)
                .is_some_and(|q| CORS_MIDDLEWARE.contains(&q.as_str()))
        }) {
            check_middleware(ctx, meta, node, out);
        }
    });
}
