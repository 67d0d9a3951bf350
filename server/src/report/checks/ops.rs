//! Checklist items about running the service: logging, secrets and `.env` files, pinned
//! dependencies, tests and CI, the Dockerfile, migrations and graceful shutdown.

use super::{count, Check, Project};
use crate::report::docker::Dockerfile;
use crate::report::model::{CheckItem, Evidence, Level};

/// Rules whose findings are credentials in the code.
const HARDCODED_SECRETS: &[&str] = &["PF303", "PF501", "PF502"];

/// Servers and worker frameworks that stop gracefully on SIGTERM, as they appear in a
/// Dockerfile `CMD` or a `Procfile`.
const RUNNER_COMMANDS: &[&str] = &[
    "gunicorn",
    "uvicorn",
    "hypercorn",
    "daphne",
    "waitress",
    "celery",
    "dramatiq",
    "rq ",
    "arq ",
];

pub(super) fn logging_configured(project: &Project) -> CheckItem {
    let check = Check {
        id: "logging-configured",
        title: "Logging configured once at start-up",
        category: "observability",
        level: Level::Medium,
        fix: "Call `logging.config.dictConfig(...)` (or `structlog.configure`) once in the entry \
              point, with a level from the environment and a structured (JSON) formatter.",
        minutes: 30,
    };
    if !project.is_application() {
        return check.not_applicable(super::NOT_AN_APPLICATION);
    }
    let evidence = project.evidence(|f| &f.logging_config);
    if evidence.is_empty() {
        return check.missing(
            "No `basicConfig`, `dictConfig`, `fileConfig`, `structlog.configure` or Django \
             `LOGGING`: records below WARNING are dropped and the format is Python's default.",
            Vec::new(),
        );
    }
    let mut files: Vec<&str> = evidence.iter().map(|e| e.path.as_str()).collect();
    files.dedup();
    let detail = if files.len() > 1 {
        format!(
            "Configured in {} files: make sure only the entry point configures it.",
            files.len()
        )
    } else {
        "Configured in one place.".to_string()
    };
    check.present(detail, evidence)
}

pub(super) fn secrets_from_environment(project: &Project) -> CheckItem {
    let check = Check {
        id: "secrets-from-environment",
        title: "Secrets come from the environment or a settings object",
        category: "security",
        level: Level::Critical,
        fix: "Read every credential from the environment or a secrets manager, and rotate any \
              credential that was ever committed.",
        minutes: 0,
    };
    let hardcoded = project.findings_of(HARDCODED_SECRETS);
    if !hardcoded.is_empty() {
        return check.covered(
            format!(
                "{} in the code (listed below).",
                count(hardcoded.len(), "credential")
            ),
            hardcoded,
        );
    }
    let from_env = project.evidence(|f| &f.secret_env_reads);
    if from_env.is_empty() {
        return check.not_applicable("No secrets are referenced in the code.");
    }
    check.present(
        format!("{} from the environment.", count(from_env.len(), "secret")),
        from_env,
    )
}

pub(super) fn no_committed_env(project: &Project) -> CheckItem {
    let check = Check {
        id: "no-committed-env",
        title: "No `.env` file committed",
        category: "security",
        level: Level::Critical,
        fix: "Delete the file from the repository (and its history), add `.env` to \
              `.gitignore`, and rotate every value it held.",
        minutes: 30,
    };
    let committed: Vec<Evidence> = project
        .files
        .env_files
        .iter()
        .filter(|(_, ignored)| !ignored)
        .map(|(path, _)| Evidence {
            path: path.clone(),
            line: 1,
            note: "not ignored by `.gitignore`".into(),
        })
        .collect();
    if !committed.is_empty() {
        return check.missing(
            format!(
                "{} that git does not ignore: its values are in the repository.",
                count(committed.len(), "`.env` file")
            ),
            committed,
        );
    }
    if project.files.env_files.is_empty() {
        check.present("No `.env` file in the project.", Vec::new())
    } else {
        check.present("`.env` files are ignored by git.", Vec::new())
    }
}

pub(super) fn env_example(project: &Project) -> CheckItem {
    let check = Check {
        id: "env-example",
        title: "An `.env.example` documents the environment",
        category: "configuration",
        level: Level::Low,
        fix: "Commit an `.env.example` listing every variable the service reads, with \
              placeholder values.",
        minutes: 10,
    };
    let reads = project.evidence(|f| &f.env_reads);
    if !project.is_application() && project.files.env_files.is_empty() {
        return check.not_applicable(super::NOT_AN_APPLICATION);
    }
    if reads.is_empty() && project.files.env_files.is_empty() {
        return check.not_applicable("The code reads no environment variables.");
    }
    if let Some(template) = project.files.env_templates.first() {
        return check.present(
            "A template of the environment is committed.",
            vec![Evidence {
                path: template.clone(),
                line: 1,
                note: "environment template".into(),
            }],
        );
    }
    let detail = if reads.is_empty() {
        "A `.env` file is used but no `.env.example` says which variables exist.".to_string()
    } else {
        format!(
            "The code reads the environment ({}) but no `.env.example` says which variables exist.",
            count(reads.len(), "place")
        )
    };
    check.missing(detail, reads.into_iter().take(3).collect())
}

pub(super) fn dependencies_pinned(project: &Project) -> CheckItem {
    let check = Check {
        id: "dependencies-pinned",
        title: "Dependencies pinned (`==` or a lock file)",
        category: "configuration",
        level: Level::High,
        fix: "Deploy from a lock file (`uv lock`, `poetry lock`, `pip-compile`) or pin every line \
              of `requirements.txt` with `==`.",
        minutes: 30,
    };
    let files = project.files;
    if let Some(lock) = files.lock_files.first() {
        return check.present(
            "A lock file pins every dependency.",
            vec![Evidence {
                path: lock.clone(),
                line: 1,
                note: "lock file".into(),
            }],
        );
    }
    let unpinned = project.findings_of(&["PF601"]);
    if !unpinned.is_empty() {
        return check.covered(
            format!(
                "{} in requirements files (PF601 below).",
                count(unpinned.len(), "unpinned line")
            ),
            unpinned,
        );
    }
    if !files.requirements.is_empty() {
        let evidence = files
            .requirements
            .iter()
            .map(|r| Evidence {
                path: r.path.clone(),
                line: 1,
                note: "every line pinned".into(),
            })
            .collect();
        return check.present("Every requirement is pinned.", evidence);
    }
    if !project.is_application() {
        return check.not_applicable(
            "No requirements or lock file, and not an application: a library declares ranges and \
             leaves pinning to the applications that use it.",
        );
    }
    check.missing(
        "No lock file and no requirements file: what gets installed is decided at build time.",
        Vec::new(),
    )
}

/// A file of tests by the conventions pytest and Django use: `test_*.py`, `*_test.py`,
/// `tests.py`, `conftest.py`, or anything under a `tests/` folder. (A package named `test` or
/// `testing` is often a library's test *support* code, as `django/test/` is.)
fn is_test_file(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or(path);
    path.split('/').any(|part| part == "tests")
        || (file.starts_with("test_") && file.ends_with(".py"))
        || file.ends_with("_test.py")
        || file == "tests.py"
        || file == "conftest.py"
}

pub(super) fn tests_present(project: &Project) -> CheckItem {
    let check = Check {
        id: "tests-present",
        title: "Tests",
        category: "reliability",
        level: Level::High,
        fix: "Add a `tests/` folder with pytest tests for the request handlers and the code that \
              talks to other services.",
        minutes: 240,
    };
    let tests: Vec<&String> = project
        .python
        .iter()
        .filter(|(p, _)| is_test_file(p))
        .map(|(p, _)| p)
        .collect();
    let config = project.files.root_configs.iter().find_map(|c| {
        let line = c.text.lines().position(|l| {
            let l = l.trim();
            l == "[tool.pytest.ini_options]" || l == "[tool:pytest]" || l == "[pytest]"
        })?;
        Some(Evidence {
            path: c.path.clone(),
            line: line + 1,
            note: "pytest configuration".into(),
        })
    });
    let mut evidence: Vec<Evidence> = tests
        .first()
        .map(|p| Evidence {
            path: (*p).clone(),
            line: 1,
            note: format!("{} in total", count(tests.len(), "test file")),
        })
        .into_iter()
        .collect();
    evidence.extend(config);
    if evidence.is_empty() {
        return check.missing(
            "No `tests/` folder, `test_*.py` file or pytest configuration.",
            Vec::new(),
        );
    }
    check.present(
        format!("{} found.", count(tests.len(), "test file")),
        evidence,
    )
}

pub(super) fn ci_present(project: &Project) -> CheckItem {
    let check = Check {
        id: "ci-present",
        title: "Continuous integration",
        category: "reliability",
        level: Level::Medium,
        fix:
            "Add a CI workflow that runs the tests and `preflight report --fail-under N` on every \
              pull request.",
        minutes: 60,
    };
    if project.files.ci.is_empty() {
        return check.missing(
            "No CI configuration (GitHub Actions, GitLab CI, CircleCI, Azure Pipelines, Jenkins, …).",
            Vec::new(),
        );
    }
    let evidence = project
        .files
        .ci
        .iter()
        .map(|p| Evidence {
            path: p.clone(),
            line: 1,
            note: "CI configuration".into(),
        })
        .collect();
    check.present("CI is configured.", evidence)
}

fn dockerfiles(project: &Project) -> Vec<(String, Dockerfile)> {
    project
        .files
        .dockerfiles
        .iter()
        .map(|f| (f.path.clone(), Dockerfile::parse(&f.text)))
        .collect()
}

pub(super) fn docker_non_root(project: &Project) -> CheckItem {
    let check = Check {
        id: "docker-non-root",
        title: "The container runs as a non-root `USER`",
        category: "security",
        level: Level::High,
        fix: "Create a user in the final stage (`RUN useradd --create-home app`) and switch to it \
              with `USER app` before `CMD`.",
        minutes: 15,
    };
    let files = dockerfiles(project);
    if files.is_empty() {
        return check.not_applicable("No Dockerfile.");
    }
    let mut root = Vec::new();
    let mut ok = Vec::new();
    for (path, d) in &files {
        match (&d.user, d.runs_as_root()) {
            (Some((line, user)), true) => root.push(Evidence {
                path: path.clone(),
                line: *line,
                note: format!("`USER {user}`"),
            }),
            (None, true) => root.push(Evidence {
                path: path.clone(),
                line: d.from.as_ref().map_or(1, |(l, _)| *l),
                note: "final stage has no `USER`: runs as root".into(),
            }),
            (Some((line, user)), false) => ok.push(Evidence {
                path: path.clone(),
                line: *line,
                note: format!("`USER {user}`"),
            }),
            (None, false) => ok.push(Evidence {
                path: path.clone(),
                line: d.from.as_ref().map_or(1, |(l, _)| *l),
                note: "non-root base image".into(),
            }),
        }
    }
    if root.is_empty() {
        check.present("The final image runs as a non-root user.", ok)
    } else {
        check.missing("The final image runs as root.", root)
    }
}

pub(super) fn docker_healthcheck(project: &Project) -> CheckItem {
    let check = Check {
        id: "docker-healthcheck",
        title: "The container declares a `HEALTHCHECK`",
        category: "reliability",
        level: Level::Low,
        fix: "Add `HEALTHCHECK CMD curl -fsS http://localhost:8000/healthz || exit 1` (Kubernetes \
              ignores it: use liveness and readiness probes there).",
        minutes: 10,
    };
    let files = dockerfiles(project);
    if files.is_empty() {
        return check.not_applicable("No Dockerfile.");
    }
    let (with, without): (Vec<_>, Vec<_>) =
        files.iter().partition(|(_, d)| d.healthcheck.is_some());
    if without.is_empty() {
        let evidence = with
            .iter()
            .map(|(p, d)| Evidence {
                path: p.clone(),
                line: d.healthcheck.unwrap_or(1),
                note: "`HEALTHCHECK`".into(),
            })
            .collect();
        return check.present("Every Dockerfile declares a health check.", evidence);
    }
    let evidence = without
        .iter()
        .map(|(p, d)| Evidence {
            path: p.clone(),
            line: d.from.as_ref().map_or(1, |(l, _)| *l),
            note: "final stage has no `HEALTHCHECK`".into(),
        })
        .collect();
    check.missing(
        "Docker and Compose cannot tell a hung container from a healthy one.",
        evidence,
    )
}

pub(super) fn migrations(project: &Project) -> CheckItem {
    let check = Check {
        id: "migrations",
        title: "Database migrations (Alembic, Django migrations)",
        category: "reliability",
        level: Level::High,
        fix: "Manage the schema with migrations (`alembic init`, `flask db init`, Django's \
              `makemigrations`) and run them in the deploy, not `create_all()` at start-up.",
        minutes: 120,
    };
    if !project.is_application() {
        return check.not_applicable(super::NOT_AN_APPLICATION);
    }
    let orm = project.evidence(|f| &f.orm);
    if orm.is_empty() {
        return check.not_applicable("No ORM models found.");
    }
    let mut evidence = project.evidence(|f| &f.migrations);
    evidence.extend(
        project
            .files
            .migration_files
            .iter()
            .take(3)
            .map(|p| Evidence {
                path: p.clone(),
                line: 1,
                note: "migration file".into(),
            }),
    );
    if !evidence.is_empty() {
        return check.present("Migrations manage the schema.", evidence);
    }
    let mut evidence: Vec<Evidence> = orm.into_iter().take(1).collect();
    evidence.extend(project.evidence(|f| &f.create_all));
    check.missing(
        "An ORM is used but no migrations were found: schema changes are applied by hand or \
         not at all.",
        evidence,
    )
}

/// Runners named in Dockerfile commands and Procfiles.
fn runner_commands(project: &Project) -> Vec<Evidence> {
    let mut out = Vec::new();
    for (path, d) in dockerfiles(project) {
        for (line, text) in &d.commands {
            if let Some(r) = RUNNER_COMMANDS.iter().find(|r| text.contains(*r)) {
                out.push(Evidence {
                    path: path.clone(),
                    line: *line,
                    note: format!("runs `{}`", r.trim()),
                });
            }
        }
    }
    for file in &project.files.procfiles {
        for (i, text) in file.text.lines().enumerate() {
            if let Some(r) = RUNNER_COMMANDS.iter().find(|r| text.contains(*r)) {
                out.push(Evidence {
                    path: file.path.clone(),
                    line: i + 1,
                    note: format!("runs `{}`", r.trim()),
                });
            }
        }
    }
    out
}

pub(super) fn graceful_shutdown(project: &Project) -> CheckItem {
    let check = Check {
        id: "graceful-shutdown",
        title: "Graceful shutdown of long-running workers",
        category: "reliability",
        level: Level::Medium,
        fix: "Handle SIGTERM (`signal.signal(signal.SIGTERM, stop)` or \
              `loop.add_signal_handler`): stop taking work, finish or requeue the current item, \
              then exit.",
        minutes: 60,
    };
    if !project.is_application() {
        return check.not_applicable(super::NOT_AN_APPLICATION);
    }
    let loops = project.evidence(|f| &f.worker_loops);
    let handlers = project.evidence(|f| &f.signal_handlers);
    if !loops.is_empty() {
        if !handlers.is_empty() {
            return check.present("Worker loops and a SIGTERM handler.", handlers);
        }
        return check.missing(
            format!(
                "{} without a SIGTERM handler: a deploy kills the work in progress.",
                count(loops.len(), "worker loop")
            ),
            loops,
        );
    }
    let mut runners = runner_commands(project);
    if !handlers.is_empty() {
        return check.present("A SIGTERM handler is installed.", handlers);
    }
    if project.is_web() {
        runners.extend(project.evidence(|f| &f.managed_runners));
        if !runners.is_empty() {
            return check.present(
                "The server stops gracefully on SIGTERM (drains requests before exiting).",
                runners.into_iter().take(3).collect(),
            );
        }
    }
    check.not_applicable(
        "No long-running worker loop found, and the process runner is not visible in the project.",
    )
}
