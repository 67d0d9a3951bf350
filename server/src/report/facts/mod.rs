//! What one Python file contributes to the project-level checks of `preflight report`, taken
//! from its syntax tree in the same pass as the analysis (the tree is dropped right after).
//!
//! Facts are plain values with 1-based lines; the checks in [`super::checks`] combine them over
//! the whole project. Each collector is precise rather than generous: a fact is recorded only
//! when the code says it (a resolved import, a literal route path), because a false "present"
//! in the checklist is worse than a "not applicable".

mod ops;
mod web;

use serde::Serialize;
use tree_sitter::Node;

use crate::analysis::kinds::Field;
use crate::analysis::Context;
use crate::parse::ModuleTree;

/// A fact with the line that shows it and a short description.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fact {
    /// 1-based line.
    pub line: usize,
    pub what: String,
}

/// A route: a path served by a handler.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Route {
    pub line: usize,
    /// The path as written (`/health`, Django's `health/`).
    pub path: String,
    /// The handler's name, or the view expression for URL patterns.
    pub handler: String,
    /// Whether a rate limit is written on the route itself (decorator, dependency, wrapper).
    pub limited: bool,
}

/// Where a CORS origin list comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// A literal in the code (`["https://a.example"]`, `"*"`, `True`, or a default of `*`).
    Literal,
    /// The environment, a settings object or another module.
    Configured,
}

/// The facts of one file.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PyFacts {
    /// Tests (by path or content): their routes and settings do not describe the service.
    pub is_test: bool,
    /// Top-level packages imported (`flask`, `sqlalchemy`), with the first line importing each.
    pub imports: Vec<(String, usize)>,
    /// Whether the module defines request handlers (routes, Django views).
    pub serves_requests: bool,
    /// A web application object is built here (`Flask(__name__)`, `FastAPI()`,
    /// `get_wsgi_application()`): the project is an application, not a library of routes.
    pub app_instances: Vec<Fact>,
    pub routes: Vec<Route>,
    /// Rate limiter set up (a `Limiter`, a throttle setting).
    pub rate_limiters: Vec<Fact>,
    /// Limits that apply to every route (`default_limits=`, DRF default throttles).
    pub global_rate_limits: Vec<Fact>,
    /// CORS configuration with where its origins come from.
    pub cors: Vec<(Fact, Source)>,
    /// Request body limits (`MAX_CONTENT_LENGTH`, `DATA_UPLOAD_MAX_MEMORY_SIZE`, a middleware).
    pub size_limits: Vec<Fact>,
    /// Body limits switched off (`DATA_UPLOAD_MAX_MEMORY_SIZE = None`).
    pub size_limits_off: Vec<Fact>,
    /// Health-check apps or packages (`health_check` in `INSTALLED_APPS`).
    pub health_apps: Vec<Fact>,
    /// `logging.basicConfig`, `dictConfig`, `structlog.configure`, Django's `LOGGING`.
    pub logging_config: Vec<Fact>,
    /// `print()` inside request handlers.
    pub prints_in_handlers: Vec<Fact>,
    /// Secrets read from the environment (`os.environ["API_TOKEN"]`).
    pub secret_env_reads: Vec<Fact>,
    /// Any read of the environment.
    pub env_reads: Vec<Fact>,
    /// ORM models or ORM setup.
    pub orm: Vec<Fact>,
    /// `metadata.create_all()`: tables made at start-up instead of by migrations.
    pub create_all: Vec<Fact>,
    /// Migration tooling in code (an Alembic `env.py`, a Django migration, Flask-Migrate).
    pub migrations: Vec<Fact>,
    /// SIGTERM handlers.
    pub signal_handlers: Vec<Fact>,
    /// Endless loops in entry points, `serve_forever()`, `run_forever()`.
    pub worker_loops: Vec<Fact>,
    /// Servers and worker frameworks that stop gracefully on SIGTERM (gunicorn, uvicorn, celery).
    pub managed_runners: Vec<Fact>,
}

/// Path patterns of test code.
pub fn is_test_path(relative: &str) -> bool {
    let lower = relative.to_ascii_lowercase();
    let file = lower.rsplit('/').next().unwrap_or(&lower);
    lower
        .split('/')
        .any(|part| matches!(part, "tests" | "test" | "testing"))
        || file.starts_with("test_")
        || file.ends_with("_test.py")
        || file.ends_with("_tests.py")
        || file == "conftest.py"
}

/// The 1-based line of a node.
pub(crate) fn line(node: Node) -> usize {
    node.start_position().row + 1
}

/// A fact at a node.
pub(crate) fn fact(node: Node, what: impl Into<String>) -> Fact {
    Fact {
        line: line(node),
        what: what.into(),
    }
}

impl PyFacts {
    /// Collects the facts of one file. `relative` is its path inside the project, `/`-separated.
    pub fn collect(relative: &str, source: &str, tree: &ModuleTree) -> PyFacts {
        let ctx = Context::new(source, tree);
        let mut facts = PyFacts {
            is_test: is_test_path(relative) || crate::analysis::secrets::is_test_module(&ctx),
            imports: imports(&ctx),
            serves_requests: ctx.web().serves_requests(),
            ..PyFacts::default()
        };
        web::collect(&ctx, &mut facts);
        ops::collect(&ctx, relative, &mut facts);
        facts
    }

    /// Whether the file imports `package` (a top-level name).
    pub fn imports(&self, package: &str) -> Option<usize> {
        self.imports
            .iter()
            .find(|(p, _)| p == package)
            .map(|(_, l)| *l)
    }
}

/// The top-level packages a module imports, each with its first line (relative imports are the
/// project's own and left out).
fn imports(ctx: &Context) -> Vec<(String, usize)> {
    let mut out: Vec<(String, usize)> = Vec::new();
    ctx.walk_module(|n| {
        let module = match n.kind() {
            "import_statement" => n.field("name").map(|name| match name.kind() {
                "aliased_import" => name.field("name").unwrap_or(name),
                _ => name,
            }),
            "import_from_statement" => n.field("module_name").filter(|m| m.kind() == "dotted_name"),
            _ => None,
        };
        let Some(module) = module else {
            return;
        };
        // `import a, b` names several; the first is enough to know the statement's packages
        // except in that form, so take every `name` child of a plain import.
        let mut names = vec![ctx.text(module).to_string()];
        if n.kind() == "import_statement" {
            let mut cursor = n.walk();
            names = n
                .children_by_field_name("name", &mut cursor)
                .map(|c| match c.kind() {
                    "aliased_import" => c.field("name").unwrap_or(c),
                    _ => c,
                })
                .map(|c| ctx.text(c).to_string())
                .collect();
        }
        for name in names {
            let top = name.split('.').next().unwrap_or("").trim().to_string();
            if !top.is_empty() && !out.iter().any(|(p, _)| *p == top) {
                out.push((top, line(n)));
            }
        }
    });
    out
}

#[cfg(test)]
mod tests;
