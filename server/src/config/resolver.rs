//! Which settings govern a file: the nearest configuration file, layered between the editor's
//! settings (below) and the command line (above), cached per folder.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use super::load::{find_config, load_file, nearest_ancestor};
use super::{ConfigError, Partial, Settings};

/// The settings for the files of one folder.
#[derive(Debug)]
pub struct Resolved {
    /// The configuration file, if one applies.
    pub config: Option<PathBuf>,
    pub settings: Settings,
    /// Problems in the configuration file and its globs (the rest of it still applies).
    pub errors: Vec<ConfigError>,
}

/// Finds, reads and caches configuration.
#[derive(Debug, Default)]
pub struct Resolver {
    /// Editor settings: defaults a configuration file overrides.
    pub below: Partial,
    /// Command-line flags: override everything.
    pub above: Partial,
    /// Never look for configuration above these folders (the workspace roots).
    pub stop_at: Vec<PathBuf>,
    /// `--config FILE`: use this file for every path instead of looking.
    pub forced: Option<PathBuf>,
    cache: Mutex<HashMap<PathBuf, Arc<Resolved>>>,
}

impl Resolver {
    /// A resolver with the given layers.
    pub fn new(
        below: Partial,
        above: Partial,
        stop_at: Vec<PathBuf>,
        forced: Option<PathBuf>,
    ) -> Self {
        Resolver {
            below,
            above,
            stop_at,
            forced,
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// Forgets every file read, after a configuration file changed.
    pub fn clear(&self) {
        if let Ok(mut cache) = self.cache.lock() {
            cache.clear();
        }
    }

    /// The settings for a file (or, with `None`, for a document that is not on disk).
    pub fn for_path(&self, file: Option<&Path>) -> Arc<Resolved> {
        let dir = file
            .and_then(Path::parent)
            .map(Path::to_path_buf)
            .unwrap_or_default();
        if let Ok(cache) = self.cache.lock() {
            if let Some(hit) = cache.get(&dir) {
                return hit.clone();
            }
        }
        let resolved = Arc::new(self.resolve(&dir, file.is_some()));
        if let Ok(mut cache) = self.cache.lock() {
            cache.insert(dir, resolved.clone());
        }
        resolved
    }

    fn resolve(&self, dir: &Path, on_disk: bool) -> Resolved {
        let stop = self.stop_at.iter().find(|root| dir.starts_with(root));
        let config = match &self.forced {
            Some(path) => Some(path.clone()),
            None if on_disk => find_config(dir, stop.map(PathBuf::as_path)),
            None => None,
        };
        let mut errors = Vec::new();
        let file_partial = match &config {
            Some(path) => match load_file(path) {
                Ok(Some(loaded)) => {
                    errors.extend(loaded.errors);
                    loaded.partial
                }
                Ok(None) => Partial::default(),
                Err(e) => {
                    errors.push(e);
                    Partial::default()
                }
            },
            None => Partial::default(),
        };
        let root = match (&config, stop) {
            (Some(c), _) => c.parent().map(Path::to_path_buf).unwrap_or_default(),
            // Without a configuration file, the nearest folder holding `.preflight/` is the
            // project root (so its user rules apply to every file below it).
            (None, stop) => nearest_with_dot_preflight(dir, stop.map(PathBuf::as_path))
                .or_else(|| stop.cloned())
                .unwrap_or_else(|| dir.to_path_buf()),
        };
        let layered = self.below.overlay(&file_partial).overlay(&self.above);
        // The queries folder stays inside the project: no absolute paths, no `..`.
        let mut dir_name = layered
            .queries_dir
            .as_deref()
            .unwrap_or(super::DEFAULT_QUERIES_DIR);
        let inside = Path::new(dir_name).components().all(|c| {
            matches!(
                c,
                std::path::Component::Normal(_) | std::path::Component::CurDir
            )
        });
        if !inside {
            errors.push(ConfigError {
                source: config
                    .as_ref()
                    .map_or("settings".to_string(), |c| c.display().to_string()),
                position: None,
                span: None,
                message: format!(
                    "`queries-dir` must be a folder inside the project, not `{dir_name}`; using {}",
                    super::DEFAULT_QUERIES_DIR
                ),
            });
            dir_name = super::DEFAULT_QUERIES_DIR;
        }
        let queries = root.join(dir_name);
        let (user_rules, rule_errors) = crate::rules::user::load_dir(&queries);
        errors.extend(rule_errors);
        let (settings, glob_errors) = Settings::resolve_with_rules(&root, &layered, user_rules);
        let source = config
            .as_ref()
            .map_or("settings".to_string(), |c| c.display().to_string());
        errors.extend(glob_errors.into_iter().map(|message| ConfigError {
            source: source.clone(),
            position: None,
            span: None,
            message,
        }));
        Resolved {
            config,
            settings,
            errors,
        }
    }
}

fn nearest_with_dot_preflight(dir: &Path, stop_at: Option<&Path>) -> Option<PathBuf> {
    nearest_ancestor(dir, stop_at, |d| {
        d.join(".preflight").is_dir().then(|| d.to_path_buf())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_nearest_file_wins_and_the_command_line_wins_over_it() {
        let dir = std::env::temp_dir().join(format!("preflight-resolver-{}", std::process::id()));
        let sub = dir.join("svc/app");
        std::fs::create_dir_all(&sub).unwrap();
        std::fs::write(dir.join("preflight.toml"), "ignore = [\"PF101\"]\n").unwrap();
        std::fs::write(
            dir.join("svc/pyproject.toml"),
            "[tool.preflight]\nignore = [\"PF201\"]\ntimeout-seconds = 3\n",
        )
        .unwrap();
        let editor = Partial {
            timeout_seconds: Some(7),
            logger_name: Some("log".into()),
            ..Partial::default()
        };
        let resolver = Resolver::new(editor, Partial::default(), vec![dir.clone()], None);
        let file = resolver
            .for_path(Some(&sub.join("x.py")))
            .settings
            .for_file(Some(&sub.join("x.py")));
        assert!(
            file.enabled("PF101") && !file.enabled("PF201"),
            "svc/pyproject.toml is nearer"
        );
        assert_eq!(
            file.options.timeout_seconds, 3,
            "the file wins over the editor"
        );
        assert_eq!(
            file.options.logger_name, "log",
            "the editor fills what the file leaves unset"
        );
        let top = resolver
            .for_path(Some(&dir.join("y.py")))
            .settings
            .for_file(None);
        assert!(!top.enabled("PF101") && top.enabled("PF201"));

        let cli = Partial {
            ignore: Some(vec!["PF401".into()]),
            ..Partial::default()
        };
        let resolver = Resolver::new(Partial::default(), cli, vec![], None);
        let file = resolver
            .for_path(Some(&sub.join("x.py")))
            .settings
            .for_file(None);
        assert!(
            file.enabled("PF201") && !file.enabled("PF401"),
            "the command line replaces `ignore`"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn the_queries_folder_cannot_leave_the_project() {
        for outside in ["/etc", "../elsewhere"] {
            let editor = Partial {
                queries_dir: Some(outside.into()),
                ..Partial::default()
            };
            let resolver = Resolver::new(editor, Partial::default(), vec![], None);
            let resolved = resolver.for_path(None);
            assert!(
                resolved
                    .errors
                    .iter()
                    .any(|e| e.message.contains("must be a folder inside the project")),
                "{outside}"
            );
        }
    }
}
