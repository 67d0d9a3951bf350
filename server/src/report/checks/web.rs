//! Checklist items about the HTTP surface: health endpoint, rate limiting (and whether login
//! routes are covered), CORS origins, request size limit, and prints on request paths.

use super::{count, Check, Project};
use crate::report::facts::{Route, Source};
use crate::report::model::{CheckItem, Evidence, Level};

/// Path segments of health, readiness and liveness endpoints.
const HEALTH_SEGMENTS: &[&str] = &[
    "health",
    "healthz",
    "healthcheck",
    "health-check",
    "health_check",
    "ready",
    "readyz",
    "readiness",
    "live",
    "livez",
    "liveness",
    "ping",
];

/// Words of login, token and password routes (path segments or handler names).
const AUTH_WORDS: &[&str] = &[
    "login",
    "signin",
    "sign-in",
    "sign_in",
    "signup",
    "sign-up",
    "sign_up",
    "register",
    "token",
    "password",
    "auth",
    "authenticate",
    "otp",
    "mfa",
];

/// Web frameworks that accept request bodies of any size unless told otherwise (Django and
/// aiohttp have defaults: 2.5 MB and 1 MiB).
const UNLIMITED_FRAMEWORKS: &[&str] = &["flask", "quart", "fastapi", "starlette", "bottle"];

/// The segments of a route path, without regex anchors, converters or parameters.
fn segments(path: &str) -> Vec<String> {
    path.split('/')
        .map(|s| {
            s.trim_matches(|c: char| matches!(c, '^' | '$' | '?' | '\\' | '(' | ')'))
                .to_ascii_lowercase()
        })
        .filter(|s| !s.is_empty())
        .collect()
}

fn is_health(route: &Route) -> bool {
    segments(&route.path)
        .iter()
        .any(|s| HEALTH_SEGMENTS.contains(&s.as_str()))
}

fn is_auth(route: &Route) -> bool {
    let handler = route.handler.to_ascii_lowercase();
    let handler_name = handler.rsplit('.').next().unwrap_or(&handler);
    segments(&route.path).iter().any(|s| {
        AUTH_WORDS.contains(&s.as_str())
            || s.starts_with("oauth")
            || s.ends_with("login")
            || s.ends_with("token")
    }) || ["login", "signin", "authenticate", "token", "password"]
        .iter()
        .any(|w| handler_name.contains(w))
}

fn route_evidence(path: &str, route: &Route) -> Evidence {
    Evidence {
        path: path.to_string(),
        line: route.line,
        note: format!("route `{}` ({})", route.path, route.handler),
    }
}

/// The first line of a proxy configuration that mentions `word`.
fn proxy_evidence(project: &Project, word: &str) -> Vec<Evidence> {
    let mut out = Vec::new();
    for file in &project.files.proxy_configs {
        if let Some((i, text)) = file
            .text
            .lines()
            .enumerate()
            .find(|(_, l)| l.contains(word) && !l.trim_start().starts_with('#'))
        {
            out.push(Evidence {
                path: file.path.clone(),
                line: i + 1,
                note: format!("proxy `{}`", text.trim().trim_end_matches(';')),
            });
        }
    }
    out
}

pub(super) fn health_endpoint(project: &Project) -> CheckItem {
    let check = Check {
        id: "health-endpoint",
        title: "A health or readiness endpoint",
        category: "reliability",
        level: Level::High,
        fix: "Add a cheap `GET /healthz` (liveness) and `/readyz` (checks the database and other \
              dependencies) and point the load balancer or orchestrator's probes at them.",
        minutes: 30,
    };
    if !project.is_web() {
        return check.not_applicable(project.not_web_reason());
    }
    let mut evidence: Vec<Evidence> = project
        .code()
        .flat_map(|(path, f)| {
            f.routes
                .iter()
                .filter(|r| is_health(r))
                .map(move |r| route_evidence(path, r))
        })
        .collect();
    evidence.extend(project.evidence(|f| &f.health_apps));
    if evidence.is_empty() {
        let routes: usize = project.code().map(|(_, f)| f.routes.len()).sum();
        return check.missing(
            format!(
                "{} found, none at a health path (`/health`, `/healthz`, `/ready`, `/livez`, `/ping`).",
                count(routes, "route")
            ),
            Vec::new(),
        );
    }
    check.present("A health route is served.", evidence)
}

pub(super) fn rate_limiting(project: &Project) -> CheckItem {
    let check = Check {
        id: "rate-limiting",
        title: "Rate limiting",
        category: "security",
        level: Level::High,
        fix: "Add a limiter (slowapi, flask-limiter, fastapi-limiter, django-ratelimit or DRF \
              throttles) backed by a shared store such as Redis, or limit at the proxy \
              (`limit_req`).",
        minutes: 120,
    };
    if !project.is_web() {
        return check.not_applicable(project.not_web_reason());
    }
    let mut evidence = project.evidence(|f| &f.rate_limiters);
    evidence.extend(proxy_evidence(project, "limit_req"));
    if evidence.is_empty() {
        return check.missing(
            "No rate limiter in the code or the proxy configuration in this project (a limit set \
             in an API gateway is not visible here).",
            Vec::new(),
        );
    }
    check.present("A rate limiter is set up.", evidence)
}

pub(super) fn auth_rate_limited(project: &Project) -> CheckItem {
    let check = Check {
        id: "auth-rate-limited",
        title: "Login and token routes are rate-limited",
        category: "security",
        level: Level::High,
        fix: "Put a strict per-client limit (for example 5/minute) on login, token and password \
              routes, or a default limit that covers every route.",
        minutes: 30,
    };
    if !project.is_web() {
        return check.not_applicable(project.not_web_reason());
    }
    let auth: Vec<Evidence> = project
        .code()
        .flat_map(|(path, f)| {
            f.routes
                .iter()
                .filter(|r| is_auth(r))
                .map(move |r| (route_evidence(path, r), r.limited))
        })
        .filter(|(_, limited)| !limited)
        .map(|(e, _)| e)
        .collect();
    let limited_auth: Vec<Evidence> = project
        .code()
        .flat_map(|(path, f)| {
            f.routes
                .iter()
                .filter(|r| is_auth(r) && r.limited)
                .map(move |r| route_evidence(path, r))
        })
        .collect();
    if auth.is_empty() && limited_auth.is_empty() {
        return check.not_applicable("No login, token or password routes found.");
    }
    let mut global = project.evidence(|f| &f.global_rate_limits);
    global.extend(proxy_evidence(project, "limit_req"));
    if auth.is_empty() {
        return check.present(
            "Every login and token route has its own limit.",
            limited_auth,
        );
    }
    if !global.is_empty() {
        return check.present(
            format!(
                "A default limit covers every route, {} included.",
                count(auth.len(), "login or token route")
            ),
            global,
        );
    }
    check.missing(
        format!(
            "{} without a rate limit: password guessing and credential stuffing are unbounded.",
            count(auth.len(), "login or token route")
        ),
        auth,
    )
}

pub(super) fn cors(project: &Project) -> CheckItem {
    let check = Check {
        id: "cors-from-settings",
        title: "CORS origins come from settings or the environment",
        category: "security",
        level: Level::Medium,
        fix: "Read the allowed origins from the environment (`CORS_ALLOWED_ORIGINS`) so each \
              deployment lists its own front ends; never `*` with credentials.",
        minutes: 20,
    };
    let mut literal = Vec::new();
    let mut configured = Vec::new();
    for (path, facts) in project.code() {
        for (fact, source) in &facts.cors {
            let e = Evidence {
                path: path.clone(),
                line: fact.line,
                note: fact.what.clone(),
            };
            match source {
                Source::Literal => literal.push(e),
                Source::Configured => configured.push(e),
            }
        }
    }
    if literal.is_empty() && configured.is_empty() {
        return check.not_applicable(
            "No CORS configuration: browsers refuse cross-origin calls, which is the safe default.",
        );
    }
    if !literal.is_empty() {
        let wildcard = !project.findings_of(&["PF301"]).is_empty();
        let detail = if wildcard {
            "Origins are literals in the code, and at least one allows every origin (PF301 below)."
        } else {
            "Origins are literals in the code: every deployment gets the same list."
        };
        return check.missing(detail, literal);
    }
    check.present("Origins are read from configuration.", configured)
}

pub(super) fn request_size_limit(project: &Project) -> CheckItem {
    let check = Check {
        id: "request-size-limit",
        title: "A request size limit",
        category: "security",
        level: Level::Medium,
        fix:
            "Set `MAX_CONTENT_LENGTH` (Flask), keep `DATA_UPLOAD_MAX_MEMORY_SIZE` (Django), add a \
              body-size middleware (FastAPI/Starlette), or `client_max_body_size` at the proxy.",
        minutes: 15,
    };
    if !project.is_web() {
        return check.not_applicable(project.not_web_reason());
    }
    let off = project.evidence(|f| &f.size_limits_off);
    if !off.is_empty() {
        return check.missing("The framework's default limit is switched off.", off);
    }
    let mut evidence = project.evidence(|f| &f.size_limits);
    evidence.extend(proxy_evidence(project, "client_max_body_size"));
    if !evidence.is_empty() {
        return check.present("A body size limit is set.", evidence);
    }
    let unlimited: Vec<Evidence> = project
        .code()
        .filter(|(_, f)| f.serves_requests || !f.routes.is_empty())
        .filter_map(|(path, f)| {
            UNLIMITED_FRAMEWORKS.iter().find_map(|fw| {
                f.imports(fw).map(|line| Evidence {
                    path: path.clone(),
                    line,
                    note: format!("`{fw}` has no default body limit"),
                })
            })
        })
        .collect();
    if unlimited.is_empty() {
        return check.present(
            "The framework's default limit applies (Django: `DATA_UPLOAD_MAX_MEMORY_SIZE`, 2.5 MB; \
             aiohttp: `client_max_size`, 1 MiB).",
            Vec::new(),
        );
    }
    let covered = project.findings_of(&["PF306"]);
    if covered.is_empty() {
        check.missing("Request bodies of any size are accepted.", unlimited)
    } else {
        check.covered(
            "Request bodies of any size are accepted (PF306 below).",
            unlimited,
        )
    }
}

pub(super) fn no_print_on_request_paths(project: &Project) -> CheckItem {
    let check = Check {
        id: "no-print-on-request-paths",
        title: "No `print` on request paths",
        category: "observability",
        level: Level::Low,
        fix: "Use the module logger (`logger.info(...)`); `preflight check --fix` rewrites prints \
              in request handlers.",
        minutes: 5,
    };
    if !project.is_web() {
        return check.not_applicable(project.not_web_reason());
    }
    let prints = project.evidence(|f| &f.prints_in_handlers);
    if prints.is_empty() {
        return check.present("No `print()` inside request handlers.", Vec::new());
    }
    let pf108 = project.findings_of(&["PF108"]);
    let all_covered = prints
        .iter()
        .all(|p| pf108.iter().any(|f| f.path == p.path && f.line == p.line));
    let detail = format!(
        "{} inside request handlers",
        count(prints.len(), "`print()`")
    );
    if all_covered {
        check.covered(format!("{detail} (PF108 below)."), prints)
    } else {
        let mut item = check.missing(format!("{detail}."), prints.clone());
        item.effort_minutes = check.minutes * prints.len() as u32;
        item
    }
}
