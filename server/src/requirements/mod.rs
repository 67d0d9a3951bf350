//! Dependency pinning in `requirements*.txt`: PF601 `unpinned-dependency`, as diagnostics in the
//! editor (with a quick fix that pins the version installed in the project's environment) and as
//! findings of `preflight report`.
//!
//! PF601 is not in [`crate::rules::registry`]: the registry holds rules that run over a Python
//! syntax tree, and each of them has a Python fixture and a corpus count. This rule reads a
//! different language, so it lives here with its own tests; [`RULES`] lists it for `preflight
//! rules`, `explain` and the configuration's `select`/`ignore`/`severity`.

pub mod installed;
pub mod parse;

use std::path::{Path, PathBuf};

use crate::analysis::{Edit, FileSettings, Finding, Fix, Safety, Severity};
use crate::rules::RuleMeta;
use installed::Installed;
use parse::{normalize, Pinning, Requirement};

/// PF601: a requirement that does not pin one version.
pub static META: RuleMeta = RuleMeta {
    code: "PF601",
    name: "unpinned-dependency",
    category: "configuration",
    severity: Severity::Warning,
    summary: "A requirement does not pin one version",
    fixable: true,
    twins: &[],
    doc: r#"## What it does
Finds lines of `requirements*.txt` (and `requirements/*.txt`) that do not pin one version: a bare
name (`requests`), a lower bound (`flask>=3.0`), a compatible release (`django~=5.1`), a range or a
wildcard (`numpy==1.*`), or a VCS URL without a revision. Pins with `==`/`===`, direct references
(`name @ https://…`) and names pinned by a constraints file (`-c constraints.txt`) are fine, as are
local paths (`-e .`). A line can be silenced with `# preflight: ignore[PF601]`.

## Why is this bad?
An unpinned requirement installs whatever is newest on the day of the build. Two builds of the
same commit then run different code: a release of a dependency (or of one of its dependencies)
can break production without a single change in your repository, and rolling back the deploy
does not roll back the dependency.

## Example
```text
flask>=3.0
requests
```

## Use instead
```text
flask==3.1.0
requests==2.32.3
```
Or keep ranges in `requirements.in`/`pyproject.toml` and deploy from a lock file (`uv.lock`,
`poetry.lock`, `Pipfile.lock`, or `pip-compile` output).

## Fix
When the project's virtual environment (`.venv`, `venv` or `env` beside the file or in a parent
folder within the workspace, else `VIRTUAL_ENV`) has the package installed, the quick fix pins
the installed version (`flask==3.1.0`), keeping extras, markers and comments. Unsafe: the
installed version may not be the one you tested or deploy; without an environment no fix is
offered.

## Related
`preflight report` lists unpinned lines under "Dependencies pinned"."#,
};

/// The rules that check files other than Python source.
pub static RULES: &[&RuleMeta] = &[&META];

/// Whether a file holds pip requirements: `requirements*.txt`, or a `.txt` in a `requirements/`
/// folder (`requirements/base.txt`).
pub fn is_requirements_file(path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    let name = name.to_ascii_lowercase();
    if !name.ends_with(".txt") {
        return false;
    }
    name.starts_with("requirements")
        || path
            .parent()
            .and_then(|p| p.file_name())
            .is_some_and(|p| p.eq_ignore_ascii_case("requirements"))
}

/// Whether a line's comment silences PF601 (`# preflight: ignore` or naming the rule).
fn silenced(req: &Requirement) -> bool {
    let Some(comment) = &req.comment else {
        return false;
    };
    let Some(rest) = comment.split("preflight:").nth(1) else {
        return false;
    };
    let rest = rest.trim_start();
    let Some(after) = rest.strip_prefix("ignore") else {
        return false;
    };
    match after.trim_start().strip_prefix('[') {
        Some(list) => list
            .split(']')
            .next()
            .unwrap_or("")
            .split(',')
            .any(|c| matches!(c.trim(), "PF601" | "unpinned-dependency")),
        None => true,
    }
}

/// Names pinned by the constraint files a requirements file names. Only files inside the
/// requirements file's folder tree are read (no absolute paths, no `..`).
fn constrained(dir: &Path, constraints: &[String]) -> Vec<String> {
    let mut names = Vec::new();
    for file in constraints {
        let relative = Path::new(file);
        let inside = relative.components().all(|c| {
            matches!(
                c,
                std::path::Component::Normal(_) | std::path::Component::CurDir
            )
        });
        if !inside {
            continue;
        }
        let Some(text) = read_small(&dir.join(relative)) else {
            continue;
        };
        names.extend(
            parse::parse(&text)
                .requirements
                .iter()
                .filter(|r| r.pinning == Pinning::Pinned)
                .map(|r| normalize(&r.name)),
        );
    }
    names
}

/// Reads a text file of at most 1 MiB; anything else (missing, binary, huge) is `None`.
pub fn read_small(path: &Path) -> Option<String> {
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_file() || meta.len() > 1024 * 1024 {
        return None;
    }
    String::from_utf8(std::fs::read(path).ok()?).ok()
}

/// What is wrong with one unpinned requirement, in words.
fn message(req: &Requirement, text: &str) -> String {
    let written = text.get(req.spec_range.clone()).unwrap_or(&req.name);
    match &req.pinning {
        Pinning::Range(spec) if spec.trim_start().starts_with(">=") => format!(
            "`{written}` sets only a lower bound: each build installs the newest release; pin one \
             version with `==`"
        ),
        Pinning::Range(_) => {
            format!("`{written}` allows several versions: pin the one you tested with `==`")
        }
        _ => format!(
            "`{written}` has no version: each build installs the newest release; pin one version \
             with `==`"
        ),
    }
}

/// The PF601 findings of a requirements file. `dir` is its folder (for constraint files and the
/// virtual environment), `roots` the workspace folders the environment lookup stays within.
pub fn check(text: &str, dir: &Path, settings: &FileSettings, roots: &[PathBuf]) -> Vec<Finding> {
    if !settings.enabled(META.code) {
        return Vec::new();
    }
    let file = parse::parse(text);
    let pinned_elsewhere = constrained(dir, &file.constraints);
    let unpinned: Vec<&Requirement> = file
        .requirements
        .iter()
        .filter(|r| matches!(r.pinning, Pinning::Unversioned | Pinning::Range(_)))
        .filter(|r| !pinned_elsewhere.contains(&normalize(&r.name)))
        .filter(|r| !silenced(r))
        .collect();
    if unpinned.is_empty() {
        return Vec::new();
    }
    let installed = Installed::discover(dir, roots);
    let severity = settings
        .severity
        .get(META.code)
        .copied()
        .unwrap_or(META.severity);
    unpinned
        .into_iter()
        .map(|req| {
            let fix = installed.as_ref().and_then(|env| pin_fix(req, env, dir));
            let mut finding = Finding::new(&META, req.spec_range.clone(), message(req, text), fix);
            finding.severity = severity;
            finding
        })
        .collect()
}

/// [`check`] for a requirements file at `path` (the editor's entry point).
pub fn check_file(
    text: &str,
    path: &Path,
    settings: &FileSettings,
    roots: &[PathBuf],
) -> Vec<Finding> {
    let dir = path.parent().unwrap_or(path);
    check(text, dir, settings, roots)
}

/// Replaces `name[extras] spec` with `name[extras]==<installed>`, when the package is installed
/// and the specifier is on the requirement's first line.
fn pin_fix(req: &Requirement, env: &Installed, dir: &Path) -> Option<Fix> {
    if !req.spec_in_first_line || req.name.is_empty() {
        return None;
    }
    let version = env.version(&req.name)?;
    let pinned = format!("{}{}=={version}", req.name, req.extras);
    let place = env
        .env
        .strip_prefix(dir)
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| env.env.display().to_string());
    Some(Fix::new(
        format!("Pin `{pinned}` (installed in {place})"),
        Safety::Unsafe,
        vec![Edit::replace(req.spec_range.clone(), pinned)],
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::apply::apply_edits;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("preflight-req-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn recognises_requirements_files() {
        assert!(is_requirements_file(Path::new("/p/requirements.txt")));
        assert!(is_requirements_file(Path::new("/p/requirements-dev.txt")));
        assert!(is_requirements_file(Path::new("/p/requirements/prod.txt")));
        assert!(!is_requirements_file(Path::new("/p/notes.txt")));
        assert!(!is_requirements_file(Path::new("/p/requirements.in")));
    }

    #[test]
    fn unpinned_lines_are_found_and_pinned_from_the_environment() {
        let dir = scratch("pin");
        let site = dir.join(".venv/lib/python3.12/site-packages");
        std::fs::create_dir_all(site.join("Flask-3.1.0.dist-info")).unwrap();
        std::fs::write(dir.join(".venv/pyvenv.cfg"), "").unwrap();
        std::fs::write(dir.join("constraints.txt"), "celery==5.4.0\n").unwrap();
        let text = "-c constraints.txt\nflask[async]>=3.0 ; python_version>'3.8'  # web\n\
                    requests\nhttpx==0.28.1\ncelery\nboto3  # preflight: ignore[PF601]\n";
        let found = check(
            text,
            &dir,
            &FileSettings::default(),
            std::slice::from_ref(&dir),
        );
        let lines: Vec<&str> = found.iter().map(|f| &text[f.range.clone()]).collect();
        assert_eq!(lines, ["flask[async]>=3.0", "requests"]);
        let fix = found[0].fix.as_ref().expect("flask is installed");
        assert_eq!(fix.title, "Pin `flask[async]==3.1.0` (installed in .venv)");
        assert_eq!(fix.safety, Safety::Unsafe);
        let fixed = apply_edits(text, &fix.edits).unwrap();
        assert!(fixed.contains("flask[async]==3.1.0 ; python_version>'3.8'  # web\n"));
        assert!(found[1].fix.is_none(), "requests is not installed: no fix");
        assert!(found[1].message.contains("has no version"));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn configuration_can_turn_the_rule_off_or_change_its_severity() {
        let dir = scratch("config");
        let mut settings = FileSettings::default();
        settings.severity.insert("PF601", Severity::Error);
        let found = check("requests\n", &dir, &settings, &[]);
        assert_eq!(found[0].severity, Severity::Error);
        settings.disabled.insert("PF601");
        assert!(check("requests\n", &dir, &settings, &[]).is_empty());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
