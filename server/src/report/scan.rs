//! The project's files other than Python source that the checklist reads: requirements and lock
//! files, Dockerfiles, `.env` files, CI configuration, test configuration, proxy configuration.
//!
//! This is the only part of the report that walks the disk besides the analysis pipeline. It
//! reads small text files only (1 MiB at most), never follows into virtual environments or
//! dependency folders, and records whether a `.env` is ignored by git.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::cli::check::is_skipped_dir;
use crate::requirements::{is_requirements_file, read_small};

/// Lock files that pin every dependency.
const LOCK_FILES: &[&str] = &[
    "poetry.lock",
    "uv.lock",
    "Pipfile.lock",
    "pdm.lock",
    "pylock.toml",
    "conda-lock.yml",
];

/// CI configuration files (paths relative to the project root).
const CI_FILES: &[&str] = &[
    ".gitlab-ci.yml",
    ".circleci/config.yml",
    "azure-pipelines.yml",
    "Jenkinsfile",
    ".travis.yml",
    "bitbucket-pipelines.yml",
    ".buildkite/pipeline.yml",
    ".drone.yml",
    "cloudbuild.yaml",
    ".woodpecker.yml",
];

/// Names of `.env` templates: documentation of the variables, not secrets.
const ENV_TEMPLATE_WORDS: &[&str] = &["example", "sample", "template", "dist", "defaults"];

/// A text file of the project: its path relative to the root (`/`-separated) and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextFile {
    pub path: String,
    pub text: String,
}

/// The project files the checklist reads.
#[derive(Debug, Clone, Default)]
pub struct ProjectFiles {
    pub requirements: Vec<TextFile>,
    pub lock_files: Vec<String>,
    /// `pyproject.toml`, `setup.cfg`, `tox.ini`, `pytest.ini` at the root.
    pub root_configs: Vec<TextFile>,
    pub dockerfiles: Vec<TextFile>,
    /// `.env` files with secrets (not templates), and whether git ignores each.
    pub env_files: Vec<(String, bool)>,
    pub env_templates: Vec<String>,
    pub ci: Vec<String>,
    /// `Procfile`s.
    pub procfiles: Vec<TextFile>,
    /// Proxy configuration (`*.conf` mentioning `client_max_body_size` or `limit_req`).
    pub proxy_configs: Vec<TextFile>,
    /// `alembic.ini` files and migration version folders.
    pub migration_files: Vec<String>,
    /// Files that only an application has: `manage.py`, Compose files, `fly.toml`.
    pub app_markers: Vec<String>,
}

/// Names of files that mark a deployable application (Dockerfiles and Procfiles are kept apart).
fn is_app_marker(name: &str) -> bool {
    matches!(
        name,
        "manage.py"
            | "docker-compose.yml"
            | "docker-compose.yaml"
            | "compose.yml"
            | "compose.yaml"
            | "fly.toml"
    ) || (name.starts_with("docker-compose.")
        && (name.ends_with(".yml") || name.ends_with(".yaml")))
}

/// Every file below `root` (hidden ones included), with or without honouring `.gitignore`.
fn walk(root: &Path, honour_gitignore: bool) -> Vec<PathBuf> {
    let walker = ignore::WalkBuilder::new(root)
        .hidden(false)
        .git_ignore(honour_gitignore)
        .git_global(honour_gitignore)
        .git_exclude(honour_gitignore)
        .ignore(honour_gitignore)
        .require_git(false)
        .parents(honour_gitignore)
        .max_depth(Some(12))
        .filter_entry(|e| {
            !(e.file_type().is_some_and(|t| t.is_dir())
                && e.depth() > 0
                && is_skipped_dir(e.path()))
        })
        .build();
    walker
        .flatten()
        .filter(|e| e.file_type().is_some_and(|t| t.is_file()))
        .map(|e| e.into_path())
        .collect()
}

/// `path` relative to `root`, with `/` separators.
pub fn relative(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

fn text_file(root: &Path, path: &Path) -> Option<TextFile> {
    Some(TextFile {
        path: relative(root, path),
        text: read_small(path)?,
    })
}

fn is_dockerfile(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower == "dockerfile"
        || lower == "containerfile"
        || lower.starts_with("dockerfile.")
        || lower.ends_with(".dockerfile")
}

/// `.env`, `.env.production`: files of values. `.env.example` and friends are templates.
fn env_kind(name: &str) -> Option<bool> {
    let lower = name.to_ascii_lowercase();
    let is_env = lower == ".env" || lower.starts_with(".env.") || lower.ends_with(".env");
    if !is_env {
        return None;
    }
    Some(ENV_TEMPLATE_WORDS.iter().any(|w| lower.contains(w)))
}

impl ProjectFiles {
    /// Scans the project below `root`.
    pub fn scan(root: &Path) -> ProjectFiles {
        let mut out = ProjectFiles::default();
        let visible: HashSet<PathBuf> = walk(root, true).into_iter().collect();
        let mut all: Vec<PathBuf> = walk(root, false);
        all.sort();
        for path in all {
            let rel = relative(root, &path);
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            let tracked = visible.contains(&path);
            if let Some(template) = env_kind(&name) {
                if template {
                    out.env_templates.push(rel);
                } else {
                    out.env_files.push((rel, !tracked));
                }
                continue;
            }
            // Everything else counts only when git would see it.
            if !tracked {
                continue;
            }
            let depth = rel.matches('/').count();
            if depth <= 1 && is_app_marker(&name) {
                out.app_markers.push(rel.clone());
            }
            if is_requirements_file(&path) {
                out.requirements.extend(text_file(root, &path));
            } else if LOCK_FILES.contains(&name.as_str())
                || (name.starts_with("pylock.") && name.ends_with(".toml"))
            {
                out.lock_files.push(rel);
            } else if is_dockerfile(&name) {
                out.dockerfiles.extend(text_file(root, &path));
            } else if depth == 0
                && matches!(
                    name.as_str(),
                    "pyproject.toml" | "setup.cfg" | "tox.ini" | "pytest.ini"
                )
            {
                out.root_configs.extend(text_file(root, &path));
            } else if CI_FILES.contains(&rel.as_str())
                || (rel.starts_with(".github/workflows/")
                    && (name.ends_with(".yml") || name.ends_with(".yaml")))
            {
                out.ci.push(rel);
            } else if name == "Procfile" {
                out.procfiles.extend(text_file(root, &path));
            } else if name.ends_with(".conf") {
                if let Some(file) = text_file(root, &path) {
                    if file.text.contains("client_max_body_size") || file.text.contains("limit_req")
                    {
                        out.proxy_configs.push(file);
                    }
                }
            } else if name == "alembic.ini" || rel.contains("/versions/") && rel.ends_with(".py") {
                out.migration_files.push(rel);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_files_and_templates() {
        assert_eq!(env_kind(".env"), Some(false));
        assert_eq!(env_kind(".env.production"), Some(false));
        assert_eq!(env_kind(".env.example"), Some(true));
        assert_eq!(env_kind("env.sample"), None);
        assert_eq!(env_kind("prod.env"), Some(false));
        assert_eq!(env_kind("environment.py"), None);
    }

    #[test]
    fn finds_project_files_and_knows_which_env_files_git_ignores() {
        let root = std::env::temp_dir().join(format!("preflight-scan-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join(".github/workflows")).unwrap();
        std::fs::create_dir_all(root.join("svc")).unwrap();
        std::fs::create_dir_all(root.join(".venv/lib")).unwrap();
        std::fs::write(root.join(".venv/pyvenv.cfg"), "").unwrap();
        std::fs::write(root.join(".venv/lib/requirements.txt"), "x\n").unwrap();
        std::fs::write(root.join(".gitignore"), ".env.local\n").unwrap();
        std::fs::write(root.join(".env"), "A=1\n").unwrap();
        std::fs::write(root.join(".env.local"), "A=1\n").unwrap();
        std::fs::write(root.join(".env.example"), "A=\n").unwrap();
        std::fs::write(root.join(".github/workflows/ci.yml"), "on: push\n").unwrap();
        std::fs::write(root.join("svc/Dockerfile"), "FROM python\n").unwrap();
        std::fs::write(root.join("requirements.txt"), "flask\n").unwrap();
        std::fs::write(root.join("uv.lock"), "").unwrap();
        let files = ProjectFiles::scan(&root);
        assert_eq!(
            files.env_files,
            [
                (".env".to_string(), false),
                (".env.local".to_string(), true)
            ]
        );
        assert_eq!(files.env_templates, [".env.example"]);
        assert_eq!(files.ci, [".github/workflows/ci.yml"]);
        assert_eq!(files.dockerfiles[0].path, "svc/Dockerfile");
        assert_eq!(files.requirements.len(), 1, "the venv is never read");
        assert_eq!(files.lock_files, ["uv.lock"]);
        let _ = std::fs::remove_dir_all(&root);
    }
}
