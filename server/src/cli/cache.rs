//! The `check` cache: findings by content hash, so that a second run over unchanged files only
//! reads and hashes them.
//!
//! One file per working directory under the user cache dir (`PREFLIGHT_CACHE_DIR`, else
//! `$XDG_CACHE_HOME/preflight`, else `~/.cache/preflight`), rewritten at the end of a run with
//! the entries that run used, so it never grows beyond one project. An entry's key hashes the
//! file's bytes, the file's settings and the binary (its version, size and modification time),
//! so a rule change, a configuration change or an edit all miss. Files with project rules
//! (`.scm`) are not cached: their queries are not part of the key. A cache that cannot be read or
//! written is skipped with a warning; it never changes what is reported.

use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::analysis::{Edit, FileSettings, Finding, Fix, Safety, Severity};
use crate::rules;

/// Bumped when the stored shape changes.
const FORMAT: u32 = 1;

/// A finding as stored: the rule by code.
#[derive(Serialize, Deserialize, Clone)]
struct Stored {
    code: String,
    range: Range<usize>,
    severity: Severity,
    message: String,
    fix: Option<StoredFix>,
}

#[derive(Serialize, Deserialize, Clone)]
struct StoredFix {
    title: String,
    safety: Safety,
    edits: Vec<Edit>,
}

#[derive(Serialize, Deserialize, Default)]
struct OnDisk {
    format: u32,
    binary: u64,
    entries: HashMap<u64, Vec<Stored>>,
}

/// The cache of one run.
pub struct CheckCache {
    file: PathBuf,
    binary: u64,
    old: HashMap<u64, Vec<Stored>>,
    /// Entries this run used or made: what is written back.
    used: Mutex<HashMap<u64, Vec<Stored>>>,
}

/// Where caches live.
pub fn cache_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("PREFLIGHT_CACHE_DIR") {
        return Some(PathBuf::from(dir));
    }
    if let Some(dir) = std::env::var_os("XDG_CACHE_HOME").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir).join("preflight"));
    }
    if cfg!(windows) {
        if let Some(dir) = std::env::var_os("LOCALAPPDATA") {
            return Some(PathBuf::from(dir).join("preflight").join("cache"));
        }
    }
    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache").join("preflight"))
}

/// Identifies this build: a rebuilt binary never reads an older binary's findings.
fn binary_id() -> u64 {
    let mut h = DefaultHasher::new();
    env!("CARGO_PKG_VERSION").hash(&mut h);
    if let Some(meta) = std::env::current_exe()
        .ok()
        .and_then(|p| std::fs::metadata(p).ok())
    {
        meta.len().hash(&mut h);
        if let Ok(modified) = meta.modified() {
            modified.hash(&mut h);
        }
    }
    h.finish()
}

impl CheckCache {
    /// Opens the cache of the current working directory (`None` if there is no cache dir).
    pub fn open() -> Option<CheckCache> {
        let dir = cache_dir()?;
        let cwd = std::env::current_dir().ok()?;
        let mut h = DefaultHasher::new();
        cwd.canonicalize().unwrap_or(cwd).hash(&mut h);
        let file = dir.join(format!("check-{:016x}.json", h.finish()));
        let binary = binary_id();
        let old = match std::fs::read(&file) {
            Ok(bytes) => match serde_json::from_slice::<OnDisk>(&bytes) {
                Ok(d) if d.format == FORMAT && d.binary == binary => d.entries,
                Ok(_) => HashMap::new(),
                Err(e) => {
                    tracing::warn!("ignoring unreadable cache {}: {e}", file.display());
                    HashMap::new()
                }
            },
            Err(_) => HashMap::new(),
        };
        Some(CheckCache {
            file,
            binary,
            old,
            used: Mutex::default(),
        })
    }

    /// The key of one file's analysis; `None` when the file may not be cached.
    pub fn key(source: &str, settings: &FileSettings) -> Option<u64> {
        if !settings.user_rules.0.is_empty() {
            return None;
        }
        let mut h = DefaultHasher::new();
        source.hash(&mut h);
        // The settings' debug form lists every field (disabled codes, severities, options).
        let mut disabled: Vec<_> = settings.disabled.iter().collect();
        disabled.sort_unstable();
        let mut severity: Vec<_> = settings.severity.iter().collect();
        severity.sort_unstable();
        format!("{disabled:?}{severity:?}{:?}", settings.options).hash(&mut h);
        Some(h.finish())
    }

    /// The findings stored under `key`, if any (all of their rules still exist).
    pub fn get(&self, key: u64) -> Option<Vec<Finding>> {
        let stored = self.old.get(&key)?;
        let findings = stored
            .iter()
            .map(|s| {
                let meta = rules::registry().find(&s.code)?.meta;
                Some(Finding {
                    rule: meta,
                    range: s.range.clone(),
                    severity: s.severity,
                    message: s.message.clone(),
                    fix: s.fix.clone().map(|f| Fix {
                        title: f.title,
                        safety: f.safety,
                        edits: f.edits,
                    }),
                })
            })
            .collect::<Option<Vec<_>>>()?;
        if let Ok(mut used) = self.used.lock() {
            used.insert(key, stored.clone());
        }
        Some(findings)
    }

    /// Records the findings of a file analysed in this run.
    pub fn put(&self, key: u64, findings: &[Finding]) {
        let stored = findings
            .iter()
            .map(|f| Stored {
                code: f.rule.code.to_string(),
                range: f.range.clone(),
                severity: f.severity,
                message: f.message.clone(),
                fix: f.fix.clone().map(|x| StoredFix {
                    title: x.title,
                    safety: x.safety,
                    edits: x.edits,
                }),
            })
            .collect();
        if let Ok(mut used) = self.used.lock() {
            used.insert(key, stored);
        }
    }

    /// Writes the entries of this run back (atomically: a temporary file, then a rename).
    pub fn save(self) {
        let entries = self.used.into_inner().unwrap_or_default();
        if entries.len() == self.old.len() && entries.keys().all(|k| self.old.contains_key(k)) {
            return;
        }
        let data = OnDisk {
            format: FORMAT,
            binary: self.binary,
            entries,
        };
        if let Err(e) = write_atomically(&self.file, &data) {
            tracing::warn!("could not write the cache {}: {e}", self.file.display());
        }
    }
}

fn write_atomically(file: &Path, data: &OnDisk) -> std::io::Result<()> {
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = file.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&tmp, serde_json::to_vec(data)?)?;
    std::fs::rename(&tmp, file)
}
