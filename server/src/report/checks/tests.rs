//! Unit tests of the checklist: each item's present / missing / not applicable on small projects.

use super::*;
use crate::parse::ModuleTree;
use crate::report::scan::TextFile;

fn project(files: &[(&str, &str)]) -> Vec<(String, PyFacts)> {
    files
        .iter()
        .map(|(path, src)| {
            let tree = ModuleTree::parse(src, None).unwrap();
            (path.to_string(), PyFacts::collect(path, src, &tree))
        })
        .collect()
}

fn item<'a>(list: &'a [CheckItem], id: &str) -> &'a CheckItem {
    list.iter().find(|c| c.id == id).unwrap()
}

const FLASK: &str = "from flask import Flask\napp = Flask(__name__)\n\n@app.post('/login')\ndef login():\n    return 'x'\n";

#[test]
fn a_library_gets_not_applicable_rather_than_missing() {
    let python = project(&[("pkg/util.py", "def f():\n    return 1\n")]);
    let files = ProjectFiles::default();
    let list = checklist(&Project {
        python: &python,
        files: &files,
        findings: &[],
    });
    for id in [
        "health-endpoint",
        "rate-limiting",
        "auth-rate-limited",
        "cors-from-settings",
        "request-size-limit",
        "logging-configured",
        "dependencies-pinned",
        "docker-non-root",
        "migrations",
        "graceful-shutdown",
    ] {
        assert_eq!(item(&list, id).status, Status::NotApplicable, "{id}");
    }
    assert_eq!(item(&list, "tests-present").status, Status::Missing);
    assert_eq!(item(&list, "no-committed-env").status, Status::Present);
}

#[test]
fn a_bare_flask_service_misses_the_service_items() {
    let python = project(&[("app.py", FLASK)]);
    let files = ProjectFiles::default();
    let list = checklist(&Project {
        python: &python,
        files: &files,
        findings: &[],
    });
    for id in [
        "health-endpoint",
        "rate-limiting",
        "auth-rate-limited",
        "request-size-limit",
        "logging-configured",
        "dependencies-pinned",
    ] {
        assert_eq!(item(&list, id).status, Status::Missing, "{id}");
    }
    let auth = item(&list, "auth-rate-limited");
    assert_eq!(auth.evidence[0].path, "app.py");
    assert_eq!(auth.evidence[0].line, 4);
}

#[test]
fn evidence_makes_items_present() {
    let app = "import logging.config\nfrom flask import Flask\nfrom flask_limiter import Limiter\napp = Flask(__name__)\napp.config['MAX_CONTENT_LENGTH'] = 1 << 20\nlimiter = Limiter(app=app, default_limits=['100/minute'])\nlogging.config.dictConfig({})\n\n@app.get('/healthz')\ndef health():\n    return 'ok'\n\n@app.post('/login')\ndef login():\n    return 'x'\n";
    let python = project(&[
        ("app.py", app),
        ("tests/test_app.py", "def test_x():\n    pass\n"),
    ]);
    let files = ProjectFiles {
        lock_files: vec!["uv.lock".into()],
        ci: vec![".github/workflows/ci.yml".into()],
        dockerfiles: vec![TextFile {
            path: "Dockerfile".into(),
            text: "FROM python:3.12-slim\nUSER app\nHEALTHCHECK CMD curl -f localhost/healthz\nCMD [\"gunicorn\", \"app:app\"]\n".into(),
        }],
        ..ProjectFiles::default()
    };
    let list = checklist(&Project {
        python: &python,
        files: &files,
        findings: &[],
    });
    for id in [
        "health-endpoint",
        "rate-limiting",
        "auth-rate-limited",
        "request-size-limit",
        "logging-configured",
        "dependencies-pinned",
        "tests-present",
        "ci-present",
        "docker-non-root",
        "docker-healthcheck",
        "graceful-shutdown",
    ] {
        assert_eq!(
            item(&list, id).status,
            Status::Present,
            "{id}: {:?}",
            item(&list, id)
        );
    }
    assert_eq!(item(&list, "health-endpoint").evidence[0].line, 9);
    assert_eq!(
        item(&list, "auth-rate-limited").detail,
        "A default limit covers every route, 1 login or token route included."
    );
}

#[test]
fn committed_env_and_unpinned_requirements_point_at_their_lines() {
    let python = project(&[(
        "app.py",
        "import os\nKEY = os.environ.get('STRIPE_API_KEY')\n",
    )]);
    let files = ProjectFiles {
        env_files: vec![(".env".into(), false), ("svc/.env".into(), true)],
        ..ProjectFiles::default()
    };
    let findings = vec![Item {
        code: "PF601",
        name: "unpinned-dependency",
        level: Level::Medium,
        category: "configuration",
        path: "requirements.txt".into(),
        line: 2,
        column: 1,
        message: "`requests` has no version".into(),
        autofix: false,
        effort_minutes: 5,
    }];
    let list = checklist(&Project {
        python: &python,
        files: &files,
        findings: &findings,
    });
    let env = item(&list, "no-committed-env");
    assert_eq!(env.status, Status::Missing);
    assert_eq!(env.evidence.len(), 1, "the ignored one is not committed");
    assert_eq!(env.evidence[0].path, ".env");
    let pinned = item(&list, "dependencies-pinned");
    assert_eq!(pinned.status, Status::Missing);
    assert!(pinned.covered_by_findings && pinned.effort_minutes == 0);
    assert_eq!(pinned.evidence[0].line, 2);
    assert_eq!(
        item(&list, "secrets-from-environment").status,
        Status::Present
    );
    assert_eq!(item(&list, "env-example").status, Status::Missing);
}

#[test]
fn routes_without_an_application_are_a_framework_not_a_service() {
    // Django's admin defines a login route; the package deploys nothing itself.
    let urls = "from django.urls import path\nurlpatterns = [path('login/', views.login)]\n";
    let python = project(&[("django/contrib/admin/sites.py", urls)]);
    let files = ProjectFiles::default();
    let list = checklist(&Project {
        python: &python,
        files: &files,
        findings: &[],
    });
    let auth = item(&list, "auth-rate-limited");
    assert_eq!(auth.status, Status::NotApplicable);
    assert!(
        auth.detail.starts_with("Not an application"),
        "{}",
        auth.detail
    );
    // The same routes in a project with `manage.py` are a service.
    let files = ProjectFiles {
        app_markers: vec!["manage.py".into()],
        ..ProjectFiles::default()
    };
    let list = checklist(&Project {
        python: &python,
        files: &files,
        findings: &[],
    });
    assert_eq!(item(&list, "auth-rate-limited").status, Status::Missing);
    // A `test` package of support code is not a test suite.
    let python = project(&[("django/test/testcases.py", "import unittest\n")]);
    let list = checklist(&Project {
        python: &python,
        files: &files,
        findings: &[],
    });
    assert_eq!(item(&list, "tests-present").status, Status::Missing);
}
