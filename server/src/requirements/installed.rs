//! Which versions are installed in the project's virtual environment, read from the names of the
//! `*.dist-info` folders in its `site-packages` (nothing is imported or run).
//!
//! Where we look, first hit wins: a `.venv`, `venv` or `env` folder holding `pyvenv.cfg` in the
//! requirements file's folder or a parent (never above the workspace root), then the environment
//! named by `VIRTUAL_ENV`. The nearest project environment comes first because an editor started
//! from a shell may carry another project's `VIRTUAL_ENV`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::parse::normalize;

/// Names of the folders that hold a project's virtual environment.
const VENV_DIRS: &[&str] = &[".venv", "venv", "env"];

/// The installed distributions of one environment.
#[derive(Debug, Clone, Default)]
pub struct Installed {
    /// The environment's folder.
    pub env: PathBuf,
    /// Normalised project name → version.
    versions: HashMap<String, String>,
}

impl Installed {
    /// The version installed under `name` (any spelling PEP 503 considers the same).
    pub fn version(&self, name: &str) -> Option<&str> {
        self.versions.get(&normalize(name)).map(String::as_str)
    }

    /// Finds the environment for a requirements file in `dir`, looking no higher than the first of
    /// `roots` that contains `dir` (or `dir` itself when none does).
    pub fn discover(dir: &Path, roots: &[PathBuf]) -> Option<Installed> {
        let stop = roots
            .iter()
            .filter(|r| dir.starts_with(r))
            .max_by_key(|r| r.components().count());
        let mut current = Some(dir);
        while let Some(d) = current {
            for name in VENV_DIRS {
                let env = d.join(name);
                if env.join("pyvenv.cfg").is_file() {
                    return Some(Installed::read(&env));
                }
            }
            if stop.is_none_or(|s| d == s.as_path()) {
                break;
            }
            current = d.parent();
        }
        let active = std::env::var_os("VIRTUAL_ENV").map(PathBuf::from)?;
        active
            .join("pyvenv.cfg")
            .is_file()
            .then(|| Installed::read(&active))
    }

    /// Reads the `*.dist-info` folder names of an environment (every `site-packages` in it).
    pub fn read(env: &Path) -> Installed {
        let mut versions = HashMap::new();
        for site in site_packages(env) {
            let Ok(entries) = std::fs::read_dir(&site) else {
                continue;
            };
            for entry in entries.flatten() {
                let file_name = entry.file_name();
                let Some(name) = file_name.to_str() else {
                    continue;
                };
                if let Some((project, version)) = dist_info_name(name) {
                    versions.insert(normalize(project), version.to_string());
                }
            }
        }
        Installed {
            env: env.to_path_buf(),
            versions,
        }
    }
}

/// `lib/pythonX.Y/site-packages` (also `lib64`) on POSIX, `Lib/site-packages` on Windows.
fn site_packages(env: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for lib in ["lib", "lib64"] {
        let Ok(entries) = std::fs::read_dir(env.join(lib)) else {
            continue;
        };
        for entry in entries.flatten() {
            let site = entry.path().join("site-packages");
            if entry.file_name().to_string_lossy().starts_with("python") && site.is_dir() {
                out.push(site);
            }
        }
    }
    let windows = env.join("Lib").join("site-packages");
    if windows.is_dir() {
        out.push(windows);
    }
    out.sort();
    out
}

/// `Flask-3.0.0.dist-info` → (`Flask`, `3.0.0`). Versions never contain `-` (the wheel spec
/// escapes it), so the last `-` separates them.
fn dist_info_name(folder: &str) -> Option<(&str, &str)> {
    let stem = folder.strip_suffix(".dist-info")?;
    let (name, version) = stem.rsplit_once('-')?;
    let plausible = !name.is_empty()
        && version.starts_with(|c: char| c.is_ascii_digit())
        && version
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '+' | '!' | '_'));
    plausible.then_some((name, version))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dist_info_names_split_at_the_last_dash() {
        assert_eq!(
            dist_info_name("Flask-3.0.0.dist-info"),
            Some(("Flask", "3.0.0"))
        );
        assert_eq!(
            dist_info_name("python_dateutil-2.9.0.post0.dist-info"),
            Some(("python_dateutil", "2.9.0.post0"))
        );
        assert_eq!(dist_info_name("Flask-3.0.0.egg-info"), None);
        assert_eq!(dist_info_name("flask"), None);
        assert_eq!(dist_info_name("weird-name.dist-info"), None);
    }

    #[test]
    fn finds_the_nearest_environment_and_normalises_names() {
        let root = std::env::temp_dir().join(format!("preflight-installed-{}", std::process::id()));
        let site = root.join(".venv/lib/python3.12/site-packages");
        std::fs::create_dir_all(site.join("Flask_Cors-5.0.0.dist-info")).unwrap();
        std::fs::create_dir_all(site.join("requests-2.32.3.dist-info")).unwrap();
        std::fs::write(root.join(".venv/pyvenv.cfg"), "home = /usr/bin\n").unwrap();
        let sub = root.join("services/api");
        std::fs::create_dir_all(&sub).unwrap();
        let found = Installed::discover(&sub, std::slice::from_ref(&root)).unwrap();
        assert_eq!(found.version("flask-cors"), Some("5.0.0"));
        assert_eq!(found.version("Requests"), Some("2.32.3"));
        assert_eq!(found.version("httpx"), None);
        let _ = std::fs::remove_dir_all(&root);
    }
}
