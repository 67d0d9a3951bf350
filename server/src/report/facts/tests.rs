//! Unit tests of the per-file facts: each collector on small sources, with look-alikes that must
//! not count.

use super::*;
use crate::parse::ModuleTree;

fn facts(path: &str, src: &str) -> PyFacts {
    let tree = ModuleTree::parse(src, None).unwrap();
    PyFacts::collect(path, src, &tree)
}

#[test]
fn routes_from_decorators_calls_and_django_patterns() {
    let flask = "from flask import Flask\napp = Flask(__name__)\n\n@app.get('/healthz')\ndef health():\n    return 'ok'\n\n@app.post('/login')\n@limiter.limit('5/minute')\ndef login():\n    return 'x'\n\napp.add_url_rule('/ready', view_func=ready)\n";
    let f = facts("app.py", flask);
    let routes: Vec<(&str, &str, bool)> = f
        .routes
        .iter()
        .map(|r| (r.path.as_str(), r.handler.as_str(), r.limited))
        .collect();
    assert_eq!(
        routes,
        [
            ("/healthz", "health", false),
            ("/login", "login", true),
            ("/ready", "ready", false)
        ]
    );
    let django = "from django.urls import path, include\nfrom . import views\nurlpatterns = [\n    path('healthz/', views.health),\n    path('api/', include('api.urls')),\n]\n";
    let f = facts("svc/urls.py", django);
    assert_eq!(f.routes.len(), 1);
    assert_eq!(f.routes[0].path, "healthz/");
    assert_eq!(f.routes[0].line, 4);
    // Without a framework import, a `.get("/x")` decorator is someone's cache.
    assert!(facts("c.py", "@cache.get('/x')\ndef f():\n    pass\n")
        .routes
        .is_empty());
}

#[test]
fn cors_sources() {
    let literal = "from fastapi import FastAPI\nfrom fastapi.middleware.cors import CORSMiddleware\napp = FastAPI()\napp.add_middleware(CORSMiddleware, allow_origins=['https://a.example'])\n";
    assert_eq!(facts("a.py", literal).cors[0].1, Source::Literal);
    let env = "import os\nfrom fastapi import FastAPI\nfrom fastapi.middleware.cors import CORSMiddleware\nORIGINS = os.environ['CORS_ALLOWED_ORIGINS'].split(',')\napp = FastAPI()\napp.add_middleware(CORSMiddleware, allow_origins=ORIGINS)\n";
    assert_eq!(facts("a.py", env).cors[0].1, Source::Configured);
    let flask_default =
        "from flask import Flask\nfrom flask_cors import CORS\napp = Flask(__name__)\nCORS(app)\n";
    assert_eq!(facts("a.py", flask_default).cors[0].1, Source::Literal);
    let django =
        "CORS_ALLOWED_ORIGINS = env.list('CORS_ALLOWED_ORIGINS')\nCORS_ALLOW_ALL_ORIGINS = False\n";
    let f = facts("settings.py", django);
    assert_eq!(f.cors.len(), 1);
    assert_eq!(f.cors[0].1, Source::Configured);
}

#[test]
fn size_limits_logging_and_prints() {
    let src = "import logging\nfrom flask import Flask\napp = Flask(__name__)\napp.config['MAX_CONTENT_LENGTH'] = 1024\nlimit = app.config['MAX_CONTENT_LENGTH']\nlogging.basicConfig(level=logging.INFO)\n\n@app.get('/x')\ndef x():\n    print('hi')\n    return 'x'\n\ndef helper():\n    print('not a handler')\n";
    let f = facts("app.py", src);
    assert_eq!(f.size_limits.len(), 1, "{:?}", f.size_limits);
    assert_eq!(f.size_limits[0].line, 4);
    assert_eq!(f.logging_config.len(), 1);
    assert_eq!(f.prints_in_handlers.len(), 1);
    assert_eq!(f.prints_in_handlers[0].line, 10);
    let off = facts(
        "settings.py",
        "DEBUG = False\nALLOWED_HOSTS = []\nDATA_UPLOAD_MAX_MEMORY_SIZE = None\n",
    );
    assert_eq!(off.size_limits_off.len(), 1);
    assert!(off.size_limits.is_empty());
}

#[test]
fn secrets_orm_migrations_and_workers() {
    let src = "import os, signal, time\nfrom sqlalchemy.orm import DeclarativeBase\nTOKEN = os.environ['API_TOKEN']\nREGION = os.getenv('REGION')\nclass Base(DeclarativeBase):\n    pass\nBase.metadata.create_all(engine)\n\ndef main():\n    while True:\n        work()\n        time.sleep(1)\n\nif __name__ == '__main__':\n    main()\n";
    let f = facts("worker.py", src);
    assert_eq!(f.secret_env_reads.len(), 1);
    assert_eq!(f.env_reads.len(), 2);
    assert_eq!(f.orm.len(), 1);
    assert_eq!(f.create_all.len(), 1);
    assert_eq!(f.worker_loops.len(), 1);
    assert_eq!(f.worker_loops[0].line, 10);
    assert!(f.signal_handlers.is_empty());
    let handled = "import signal\nsignal.signal(signal.SIGTERM, stop)\n";
    assert_eq!(facts("w.py", handled).signal_handlers.len(), 1);
    // A `while True` that breaks is a read loop, not a worker; outside an entry point neither.
    let reader = "def read(f):\n    while True:\n        c = f.read()\n        if not c:\n            break\nif __name__ == '__main__':\n    read(x)\n";
    assert!(facts("r.py", reader).worker_loops.is_empty());
    let library = "def serve():\n    while True:\n        pass\n";
    assert!(facts("lib.py", library).worker_loops.is_empty());
    let migration =
        "from django.db import migrations\nclass Migration(migrations.Migration):\n    pass\n";
    assert_eq!(
        facts("app/migrations/0001_initial.py", migration)
            .migrations
            .len(),
        1
    );
}

#[test]
fn tests_are_recognised_by_path() {
    assert!(is_test_path("tests/test_api.py"));
    assert!(is_test_path("svc/api_test.py"));
    assert!(is_test_path("conftest.py"));
    assert!(!is_test_path("svc/contest.py"));
    assert!(!is_test_path("latest/app.py"));
}

#[test]
fn only_the_application_object_counts_as_an_application() {
    let module = "from flask import Flask\napp = Flask(__name__)\n";
    assert_eq!(facts("app.py", module).app_instances.len(), 1);
    let factory =
        "from flask import Flask\ndef create_app():\n    app = Flask(__name__)\n    return app\n";
    assert_eq!(facts("app.py", factory).app_instances.len(), 1);
    let helper = "from django.core.wsgi import get_wsgi_application\ndef get_internal_wsgi_application():\n    return get_wsgi_application()\n";
    assert!(facts("basehttp.py", helper).app_instances.is_empty());
}
