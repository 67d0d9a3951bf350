//! The sign-off checklist: project-level items that need the whole workspace, each present,
//! missing or not applicable, with evidence as `path:line`.
//!
//! The checks are pure: they read the facts each Python file contributed ([`super::facts`]), the
//! project files ([`super::scan`]) and the findings, and decide. When the code does not let a
//! check decide, the item is "not applicable" with the reason, never a guess.

mod ops;
mod web;

use super::facts::{Fact, PyFacts};
use super::model::{CheckItem, Evidence, Item, Level, Status};
use super::scan::ProjectFiles;

/// Everything the checks look at.
pub struct Project<'a> {
    /// Each Python file's path (relative, `/`-separated) and facts.
    pub python: &'a [(String, PyFacts)],
    pub files: &'a ProjectFiles,
    /// The report's findings (for items the rules already cover: secrets, prints, pins).
    pub findings: &'a [Item],
}

impl<'a> Project<'a> {
    /// Files that are not tests: what the service is made of.
    fn code(&self) -> impl Iterator<Item = &'a (String, PyFacts)> {
        self.python.iter().filter(|(_, f)| !f.is_test)
    }

    /// Evidence of one kind of fact over the non-test code, in path order.
    fn evidence(&self, pick: impl Fn(&PyFacts) -> &Vec<Fact>) -> Vec<Evidence> {
        let mut out = Vec::new();
        for (path, facts) in self.code() {
            for f in pick(facts) {
                out.push(Evidence {
                    path: path.clone(),
                    line: f.line,
                    note: f.what.clone(),
                });
            }
        }
        out
    }

    /// Whether the project is an application that gets deployed, rather than a library or a
    /// framework: it builds a web application object (`Flask(__name__)`, `FastAPI()`,
    /// `get_wsgi_application()`), or ships a Dockerfile, Procfile, Compose file, `fly.toml` or
    /// `manage.py`. Routes alone do not decide it: frameworks and reusable apps define routes too
    /// (Django's admin has a login route), and a library's worker loops belong to its users.
    fn is_application(&self) -> bool {
        self.code().any(|(_, f)| !f.app_instances.is_empty())
            || !self.files.dockerfiles.is_empty()
            || !self.files.procfiles.is_empty()
            || !self.files.app_markers.is_empty()
    }

    /// Whether the project is an application that serves HTTP requests (handlers or routes
    /// outside tests).
    fn is_web(&self) -> bool {
        self.is_application()
            && self
                .code()
                .any(|(_, f)| f.serves_requests || !f.routes.is_empty())
    }

    /// Why a web item does not apply.
    fn not_web_reason(&self) -> &'static str {
        if self.is_application() {
            "No request handlers found."
        } else {
            NOT_AN_APPLICATION
        }
    }

    /// Findings of some rules, as evidence.
    fn findings_of(&self, codes: &[&str]) -> Vec<Evidence> {
        self.findings
            .iter()
            .filter(|i| codes.contains(&i.code))
            .map(|i| Evidence {
                path: i.path.clone(),
                line: i.line as usize,
                note: format!("{} {}", i.code, i.name),
            })
            .collect()
    }
}

/// Why deployment items do not apply to a library.
const NOT_AN_APPLICATION: &str = "Not an application (no app object such as `Flask(__name__)`, no \
     Dockerfile, Procfile, Compose file or `manage.py`): a library or framework leaves this to the \
     applications that deploy it.";

/// A checklist item under construction.
struct Check {
    id: &'static str,
    title: &'static str,
    category: &'static str,
    level: Level,
    fix: &'static str,
    /// Minutes to make it present when missing and no finding covers it.
    minutes: u32,
}

impl Check {
    fn item(
        &self,
        status: Status,
        detail: impl Into<String>,
        evidence: Vec<Evidence>,
    ) -> CheckItem {
        CheckItem {
            id: self.id,
            title: self.title,
            category: self.category,
            status,
            detail: detail.into(),
            evidence,
            level: self.level,
            fix: self.fix,
            effort_minutes: if status == Status::Missing {
                self.minutes
            } else {
                0
            },
            covered_by_findings: false,
        }
    }

    fn present(&self, detail: impl Into<String>, evidence: Vec<Evidence>) -> CheckItem {
        self.item(Status::Present, detail, evidence)
    }

    fn missing(&self, detail: impl Into<String>, evidence: Vec<Evidence>) -> CheckItem {
        self.item(Status::Missing, detail, evidence)
    }

    /// Missing, with the work already counted in findings listed below (no extra minutes).
    fn covered(&self, detail: impl Into<String>, evidence: Vec<Evidence>) -> CheckItem {
        let mut item = self.item(Status::Missing, detail, evidence);
        item.effort_minutes = 0;
        item.covered_by_findings = true;
        item
    }

    fn not_applicable(&self, reason: impl Into<String>) -> CheckItem {
        self.item(Status::NotApplicable, reason, Vec::new())
    }
}

/// The whole checklist, in the report's order.
pub fn checklist(project: &Project) -> Vec<CheckItem> {
    vec![
        web::health_endpoint(project),
        web::rate_limiting(project),
        web::auth_rate_limited(project),
        web::cors(project),
        web::request_size_limit(project),
        ops::logging_configured(project),
        web::no_print_on_request_paths(project),
        ops::secrets_from_environment(project),
        ops::no_committed_env(project),
        ops::env_example(project),
        ops::dependencies_pinned(project),
        ops::tests_present(project),
        ops::ci_present(project),
        ops::docker_non_root(project),
        ops::docker_healthcheck(project),
        ops::migrations(project),
        ops::graceful_shutdown(project),
    ]
}

/// `n thing` / `n things`.
fn count(n: usize, thing: &str) -> String {
    if n == 1 {
        format!("1 {thing}")
    } else {
        format!("{n} {thing}s")
    }
}

#[cfg(test)]
mod tests;
