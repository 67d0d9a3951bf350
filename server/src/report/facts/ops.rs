//! Operational facts: logging configuration, environment and secret reads, ORM and migrations,
//! signal handling, worker loops and the runners that stop gracefully on their own.

use tree_sitter::Node;

use super::{fact, PyFacts};
use crate::analysis::kinds::Field;
use crate::analysis::scope::walk_same_scope;
use crate::analysis::secrets::is_secret_name;
use crate::analysis::semantic::{method_call, module_assignments, string_literal_value, CallArgs};
use crate::analysis::Context;

/// Calls that configure logging for the process.
const LOGGING_SETUP: &[&str] = &[
    "logging.basicConfig",
    "logging.config.dictConfig",
    "logging.config.fileConfig",
    "structlog.configure",
    "loguru.logger.add",
    "loguru.logger.configure",
];

/// Calls that read one environment variable, the name being the first argument.
const ENV_READS: &[&str] = &[
    "os.getenv",
    "os.environ.get",
    "os.environ.setdefault",
    "os.environ.pop",
    "decouple.config",
];

/// ORM entry points: a call to one of these, or a class deriving from one, means an ORM is used.
const ORM_CALLS: &[&str] = &[
    "sqlalchemy.orm.declarative_base",
    "sqlalchemy.ext.declarative.declarative_base",
    "sqlalchemy.orm.registry",
    "flask_sqlalchemy.SQLAlchemy",
];
const ORM_BASES: &[&str] = &[
    "django.db.models.Model",
    "sqlalchemy.orm.DeclarativeBase",
    "peewee.Model",
    "tortoise.models.Model",
    "tortoise.Model",
];

/// Runners that install their own SIGTERM handling and drain work before exiting.
const MANAGED_RUNNERS: &[&str] = &[
    "gunicorn",
    "uvicorn",
    "hypercorn",
    "daphne",
    "waitress",
    "celery",
    "dramatiq",
    "rq",
    "arq",
    "huey",
];

/// Collects the operational facts of a module.
pub fn collect(ctx: &Context, relative: &str, facts: &mut PyFacts) {
    for call in ctx.resolved_calls() {
        let q = call.qualified.as_str();
        if LOGGING_SETUP.contains(&q) {
            facts
                .logging_config
                .push(fact(call.call, format!("`{q}()`")));
        }
        if ENV_READS.contains(&q) {
            env_read(ctx, call.call, facts);
        }
        if ORM_CALLS.contains(&q) {
            facts.orm.push(fact(call.call, format!("`{q}()`")));
        }
        if (q == "signal.signal" || q == "signal.sigaction") && handles_sigterm(ctx, call.call) {
            facts
                .signal_handlers
                .push(fact(call.call, "`signal.signal(SIGTERM, …)`"));
        }
        if q == "flask_migrate.Migrate" {
            facts.migrations.push(fact(call.call, "Flask-Migrate"));
        }
        let top = q.split('.').next().unwrap_or(q);
        if MANAGED_RUNNERS.contains(&top) && facts.managed_runners.is_empty() {
            facts
                .managed_runners
                .push(fact(call.call, format!("`{q}()`")));
        }
    }
    ctx.walk_module(|n| match n.kind() {
        "subscript" => {
            // `os.environ["NAME"]`
            let is_environ = n
                .field("value")
                .is_some_and(|v| ctx.resolve(v).as_deref() == Some("os.environ"));
            if is_environ {
                let name = n
                    .field("subscript")
                    .and_then(|s| string_literal_value(s, ctx.source));
                record_env(n, name, facts);
            }
        }
        "class_definition" => orm_class(ctx, n, facts),
        "call" => {
            signal_handler_method(ctx, n, facts);
            create_all(ctx, n, facts);
            forever(ctx, n, relative, facts);
        }
        "while_statement" => worker_loop(ctx, n, relative, facts),
        _ => {}
    });
    // Django's settings `LOGGING = {...}`: Django passes it to `dictConfig` itself.
    if ctx.web().is_settings_module {
        for a in module_assignments(ctx.roots()) {
            if ctx.text(a.name) == "LOGGING" {
                facts
                    .logging_config
                    .push(fact(a.statement, "Django `LOGGING` setting"));
            }
        }
    }
    // Alembic's `env.py` and Django migrations.
    let file = relative.rsplit('/').next().unwrap_or(relative);
    if file == "env.py" && ctx.imports_module("alembic") {
        if let Some(top) = ctx.roots().next() {
            facts
                .migrations
                .push(fact(top, "Alembic environment (`env.py`)"));
        }
    }
    if relative.contains("migrations/") && ctx.imports_module("django.db.migrations") {
        if let Some(top) = ctx.roots().next() {
            facts.migrations.push(fact(top, "Django migration"));
        }
    }
    for (package, line) in &facts.imports {
        if MANAGED_RUNNERS.contains(&package.as_str()) && facts.managed_runners.is_empty() {
            facts.managed_runners.push(super::Fact {
                line: *line,
                what: format!("imports `{package}`"),
            });
        }
    }
}

fn env_read(ctx: &Context, call: Node, facts: &mut PyFacts) {
    let args = CallArgs::of(call, ctx.source);
    let name = args
        .positional
        .first()
        .and_then(|n| string_literal_value(*n, ctx.source));
    record_env(call, name, facts);
}

fn record_env(node: Node, name: Option<String>, facts: &mut PyFacts) {
    let what = match &name {
        Some(n) => format!("reads `{n}` from the environment"),
        None => "reads the environment".to_string(),
    };
    facts.env_reads.push(fact(node, what));
    if let Some(name) = name.filter(|n| is_secret_name(n)) {
        facts
            .secret_env_reads
            .push(fact(node, format!("`{name}` from the environment")));
    }
}

/// `class User(models.Model)`, `class Base(DeclarativeBase)`, `class Hero(SQLModel, table=True)`.
fn orm_class(ctx: &Context, class: Node, facts: &mut PyFacts) {
    let Some(bases) = class.field("superclasses") else {
        return;
    };
    let mut cursor = bases.walk();
    let mut table = false;
    let mut base_name = None;
    for base in bases.named_children(&mut cursor) {
        if base.kind() == "keyword_argument" {
            table |= base.field("name").is_some_and(|n| ctx.text(n) == "table")
                && base.field("value").is_some_and(|v| v.kind() == "true");
            continue;
        }
        if let Some(q) = ctx.resolve(base) {
            if ORM_BASES.contains(&q.as_str()) || q == "sqlmodel.SQLModel" {
                base_name = Some(q);
            }
        }
    }
    match base_name {
        Some(q) if q != "sqlmodel.SQLModel" || table => {
            let name = class.field("name").map(|n| ctx.text(n)).unwrap_or("?");
            facts
                .orm
                .push(fact(class, format!("model `{name}` (`{q}`)")));
        }
        _ => {}
    }
}

/// `loop.add_signal_handler(signal.SIGTERM, ...)`.
/// Whether a call that installs a signal handler names SIGTERM as its signal (first argument).
fn handles_sigterm(ctx: &Context, call: Node) -> bool {
    CallArgs::of(call, ctx.source)
        .positional
        .first()
        .is_some_and(|s| ctx.text(*s).contains("SIGTERM"))
}

fn signal_handler_method(ctx: &Context, call: Node, facts: &mut PyFacts) {
    let Some((_, method)) = method_call(call, ctx.source) else {
        return;
    };
    if method == "add_signal_handler" && handles_sigterm(ctx, call) {
        facts
            .signal_handlers
            .push(fact(call, "`add_signal_handler(SIGTERM, …)`"));
    }
}

/// `Base.metadata.create_all(engine)`, `db.create_all()`.
fn create_all(ctx: &Context, call: Node, facts: &mut PyFacts) {
    let Some((object, method)) = method_call(call, ctx.source) else {
        return;
    };
    let object = ctx.text(object);
    if method == "create_all" && (object.ends_with("metadata") || object == "db") {
        facts
            .create_all
            .push(fact(call, format!("`{object}.create_all()`")));
    }
}

/// Whether the module is an entry point: a `__main__` guard, `__main__.py`, or a Django command.
fn is_entry_point(ctx: &Context, relative: &str) -> bool {
    relative.ends_with("__main__.py")
        || relative.contains("management/commands/")
        || ctx.source.contains("__main__")
}

/// `server.serve_forever()`, `loop.run_forever()` in an entry point.
fn forever(ctx: &Context, call: Node, relative: &str, facts: &mut PyFacts) {
    let Some((_, method)) = method_call(call, ctx.source) else {
        return;
    };
    if matches!(method, "serve_forever" | "run_forever") && is_entry_point(ctx, relative) {
        facts
            .worker_loops
            .push(fact(call, format!("`.{method}()`")));
    }
}

/// `while True:` with no `break` or `return` in its own body, in an entry point: a loop that
/// only ends when the process is killed.
fn worker_loop(ctx: &Context, statement: Node, relative: &str, facts: &mut PyFacts) {
    let endless = statement
        .field("condition")
        .is_some_and(|c| matches!(ctx.text(c), "True" | "1"));
    if !endless || !is_entry_point(ctx, relative) {
        return;
    }
    let Some(body) = statement.field("body") else {
        return;
    };
    let mut exits = false;
    walk_same_scope(body, &mut |n| {
        exits |= matches!(n.kind(), "break_statement" | "return_statement");
    });
    // A loop nested in another loop of the same function is not the worker's main loop.
    let nested = {
        let mut current = statement.parent();
        let mut found = false;
        while let Some(n) = current {
            if matches!(n.kind(), "function_definition" | "module") {
                break;
            }
            found |= matches!(n.kind(), "while_statement" | "for_statement");
            current = n.parent();
        }
        found
    };
    // `break` in a nested loop counts as an exit too: when unsure, no worker loop is claimed.
    if !exits && !nested {
        facts
            .worker_loops
            .push(fact(statement, "`while True:` loop"));
    }
}
