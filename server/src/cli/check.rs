//! `preflight check`: find the Python files, analyse them in parallel, print, optionally fix.

use std::path::{Path, PathBuf};
use std::time::Instant;

use rayon::prelude::*;

use super::cache::CheckCache;
use super::output::{self, FileReport};
use super::{CheckArgs, EXIT_CLEAN, EXIT_ERROR, EXIT_FOUND};
use crate::analysis::{self, FileSettings};
use crate::config::resolver::Resolver;
use crate::config::{is_known_selector, Partial};
use crate::fix::apply::{fix_all, FixMode};

/// Directory names that hold installed packages or build output, never the project's own code.
const SKIPPED_DIRS: &[&str] = &[
    "__pycache__",
    "site-packages",
    "node_modules",
    ".tox",
    ".nox",
    ".mypy_cache",
    ".ruff_cache",
    ".git",
];

fn is_python(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("py" | "pyi")
    )
}

/// A directory that is a virtual environment (it has a `pyvenv.cfg`) or a skipped tool directory.
fn is_skipped_dir(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| SKIPPED_DIRS.contains(&n))
        || path.join("pyvenv.cfg").is_file()
}

/// Expands the arguments into Python files: directories are walked (honouring `.gitignore`),
/// files named explicitly are always checked.
pub fn collect_files(paths: &[PathBuf], errors: &mut Vec<(PathBuf, String)>) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_file() {
            files.push(path.clone());
            continue;
        }
        if !path.is_dir() {
            errors.push((path.clone(), "no such file or directory".into()));
            continue;
        }
        let walker = ignore::WalkBuilder::new(path)
            .hidden(true)
            .filter_entry(|e| {
                !(e.file_type().is_some_and(|t| t.is_dir())
                    && e.depth() > 0
                    && is_skipped_dir(e.path()))
            })
            .build();
        for entry in walker {
            match entry {
                Ok(e) if e.file_type().is_some_and(|t| t.is_file()) && is_python(e.path()) => {
                    files.push(e.into_path())
                }
                Ok(_) => {}
                Err(e) => errors.push((path.clone(), e.to_string())),
            }
        }
    }
    files.sort();
    files.dedup();
    files
}

enum Outcome {
    Report(FileReport),
    Error(PathBuf, String),
}

fn check_file(
    path: PathBuf,
    fix: bool,
    settings: &FileSettings,
    cache: Option<&CheckCache>,
) -> Outcome {
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) => return Outcome::Error(path, e.to_string()),
    };
    let mut source = match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(_) => return Outcome::Error(path, "not valid UTF-8; skipped".into()),
    };
    let mut fixed = 0;
    if fix {
        let result = fix_all(&source, FixMode::SafeOnly, settings, |_| true);
        if result.applied > 0 && result.text != source {
            if let Err(e) = std::fs::write(&path, &result.text) {
                return Outcome::Error(path, format!("could not write fixes: {e}"));
            }
            source = result.text;
            fixed = result.applied;
        }
    }
    let key = cache.and_then(|_| CheckCache::key(&source, settings));
    if let (Some(cache), Some(key)) = (cache, key) {
        if let Some(findings) = cache.get(key) {
            return Outcome::Report(FileReport {
                path,
                source,
                findings,
                fixed,
            });
        }
    }
    // A panic outside the per-rule guard (in the parser, say) must not end the whole run.
    let analysed = std::panic::catch_unwind(|| analysis::analyze_str_with(&source, settings));
    if let (Some(cache), Some(key), Ok(Ok(findings))) = (cache, key, &analysed) {
        cache.put(key, findings);
    }
    match analysed {
        Ok(Ok(findings)) => Outcome::Report(FileReport {
            path,
            source,
            findings,
            fixed,
        }),
        Ok(Err(e)) => Outcome::Error(path, e.to_string()),
        Err(_) => Outcome::Error(
            path,
            "internal error while analysing (logged); skipped".into(),
        ),
    }
}

/// Runs `preflight check` and returns the exit code.
pub fn run(args: CheckArgs) -> i32 {
    let started = Instant::now();
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let mut errors = Vec::new();
    let above = Partial {
        select: (!args.select.is_empty()).then(|| args.select.clone()),
        ignore: (!args.ignore.is_empty()).then(|| args.ignore.clone()),
        ..Partial::default()
    };
    for selector in args.select.iter().chain(&args.ignore) {
        if !is_known_selector(selector) {
            eprintln!(
                "preflight: `{selector}` is not a rule code, code prefix, rule name or category"
            );
            return EXIT_ERROR;
        }
    }
    if let Some(config) = &args.config {
        if !config.is_file() {
            eprintln!(
                "preflight: {}: no such configuration file",
                config.display()
            );
            return EXIT_ERROR;
        }
    }
    let resolver = Resolver::new(Partial::default(), above, Vec::new(), args.config.clone());
    let explicit: Vec<PathBuf> = paths.iter().filter(|p| p.is_file()).cloned().collect();
    let files = collect_files(&paths, &mut errors);
    // Each file with the settings of its folder; files a configuration excludes are skipped
    // unless named on the command line.
    let mut reported_configs = std::collections::HashSet::new();
    let mut work = Vec::new();
    for file in files {
        let absolute = file.canonicalize().unwrap_or_else(|_| file.clone());
        let resolved = resolver.for_path(Some(&absolute));
        if reported_configs.insert(resolved.config.clone()) {
            for e in &resolved.errors {
                eprintln!("preflight: {e}");
            }
        }
        if !explicit.contains(&file) && resolved.settings.is_excluded(&absolute) {
            continue;
        }
        let settings = resolved.settings.for_file(Some(&absolute));
        work.push((file, settings));
    }
    // Fixing rewrites files, so a run with --fix neither reads nor writes the cache.
    let cache = (!args.no_cache && !args.fix)
        .then(CheckCache::open)
        .flatten();
    let outcomes: Vec<Outcome> = work
        .into_par_iter()
        .map(|(p, settings)| check_file(p, args.fix, &settings, cache.as_ref()))
        .collect();
    if let Some(cache) = cache {
        cache.save();
    }
    let mut reports = Vec::new();
    for outcome in outcomes {
        match outcome {
            Outcome::Report(r) => reports.push(r),
            Outcome::Error(p, e) => errors.push((p, e)),
        }
    }
    let found: usize = reports.iter().map(|r| r.findings.len()).sum();
    let color = !args.no_color && output::stdout_wants_color();
    output::print_check(
        &reports,
        &errors,
        args.output_format,
        color,
        started.elapsed(),
    );
    if !errors.is_empty() {
        EXIT_ERROR
    } else if found > 0 {
        EXIT_FOUND
    } else {
        EXIT_CLEAN
    }
}
