//! `preflight check`: find the Python files, analyse them in parallel, print, optionally fix.

use std::collections::HashSet;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use crate::parse::ModuleTree;
use rayon::prelude::*;

use super::cache::CheckCache;
use super::output::{self, FileReport};
use super::{CheckArgs, EXIT_CLEAN, EXIT_ERROR, EXIT_FOUND};
use crate::analysis::{self, FileSettings};
use crate::config::resolver::{Resolved, Resolver};
use crate::config::{is_known_selector, Partial};
use crate::fix::apply::{fix_all, FixMode};

/// Directory names that hold installed packages, caches or version control, never the project's
/// own code.
const SKIPPED_DIRS: &[&str] = &[
    "__pycache__",
    "site-packages",
    "node_modules",
    ".tox",
    ".nox",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    ".git",
    ".hg",
];

fn is_python(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("py" | "pyi")
    )
}

/// A directory that is a virtual environment (it has a `pyvenv.cfg`) or a skipped tool directory
/// (`check` and the report's project scan skip the same ones).
pub fn is_skipped_dir(path: &Path) -> bool {
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

/// One file's result: its report and what the caller's `inspect` took from the tree, or why it
/// could not be analysed.
pub enum Outcome<T> {
    Report(FileReport, T),
    Error(PathBuf, String),
}

/// Reads, optionally fixes, and analyses one file; `inspect` sees the text and tree before the
/// tree is dropped (the report collects project facts this way, in the same pass). With a
/// `cache`, an unchanged file's findings come from it and `inspect` is not called (`T::default()`).
pub fn analyse_file<T: Default>(
    path: PathBuf,
    fix: bool,
    settings: &FileSettings,
    cache: Option<&CheckCache>,
    inspect: &(impl Fn(&str, &ModuleTree) -> T + Sync),
) -> Outcome<T> {
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
            return Outcome::Report(
                FileReport {
                    path,
                    source,
                    findings,
                    fixed,
                },
                T::default(),
            );
        }
    }
    // A panic outside the per-rule guard (in the parser, say) must not end the whole run.
    let analysed = std::panic::catch_unwind(AssertUnwindSafe(|| {
        crate::parse::ModuleTree::parse(&source, None).map(|tree| {
            let findings = analysis::analyze_until(&source, &tree, settings, None).findings;
            (findings, inspect(&source, &tree))
        })
    }));
    if let (Some(cache), Some(key), Ok(Ok((findings, _)))) = (cache, key, &analysed) {
        cache.put(key, findings);
    }
    match analysed {
        Ok(Ok((findings, extra))) => Outcome::Report(
            FileReport {
                path,
                source,
                findings,
                fixed,
            },
            extra,
        ),
        Ok(Err(e)) => Outcome::Error(path, e.to_string()),
        Err(_) => Outcome::Error(
            path,
            "internal error while analysing (logged); skipped".into(),
        ),
    }
}

/// The configuration resolver for a run: `--config`, `--select`, `--ignore` checked and layered
/// over the configuration files. `Err` carries the message for a usage error.
pub fn resolver(
    config: Option<PathBuf>,
    select: &[String],
    ignore: &[String],
) -> Result<Resolver, String> {
    for selector in select.iter().chain(ignore) {
        if !is_known_selector(selector) {
            return Err(format!(
                "`{selector}` is not a rule code, code prefix, rule name or category"
            ));
        }
    }
    if let Some(config) = &config {
        if !config.is_file() {
            return Err(format!("{}: no such configuration file", config.display()));
        }
    }
    let above = Partial {
        select: (!select.is_empty()).then(|| select.to_vec()),
        ignore: (!ignore.is_empty()).then(|| ignore.to_vec()),
        ..Partial::default()
    };
    Ok(Resolver::new(Partial::default(), above, Vec::new(), config))
}

/// The Python files under `paths` with the settings each is analysed with. Files a configuration
/// excludes are skipped unless named on the command line; configuration problems are printed
/// once per file.
///
/// The work per file (its absolute path, the configuration over it, its settings) runs in
/// parallel, a folder at a time: a whole-corpus check spent 50–100 ms here on one thread, 2–4%
/// of the run, most of it resolving the same folder's path and configuration once per file.
pub fn plan(
    paths: &[PathBuf],
    resolver: &Resolver,
    errors: &mut Vec<(PathBuf, String)>,
) -> Vec<(PathBuf, FileSettings)> {
    // The rules are compiled on first use (a few milliseconds); meanwhile the walk runs.
    rayon::spawn(|| {
        crate::rules::registry();
    });
    // A pre-commit hook names every file: a set, not a list searched once per file.
    let explicit: HashSet<PathBuf> = paths.iter().filter(|p| p.is_file()).cloned().collect();
    let files = collect_files(paths, errors);
    // `collect_files` sorts, so the files of one folder are neighbours.
    let folders: Vec<&[PathBuf]> = files.chunk_by(|a, b| a.parent() == b.parent()).collect();
    let planned: Vec<Vec<Planned>> = folders
        .into_par_iter()
        .map(|folder| plan_folder(folder, &explicit, resolver))
        .collect();
    let mut reported_configs = HashSet::new();
    let mut work = Vec::new();
    for p in planned.into_iter().flatten() {
        if reported_configs.insert(p.resolved.config.clone()) {
            for e in &p.resolved.errors {
                eprintln!("preflight: {e}");
            }
        }
        if let Some(settings) = p.settings {
            work.push((p.file, settings));
        }
    }
    work
}

/// One file of [`plan`]: the configuration over it, and its settings unless it is excluded.
struct Planned {
    file: PathBuf,
    resolved: Arc<Resolved>,
    settings: Option<FileSettings>,
}

/// [`plan`] for the files of one folder.
fn plan_folder(
    folder: &[PathBuf],
    explicit: &HashSet<PathBuf>,
    resolver: &Resolver,
) -> Vec<Planned> {
    // One canonical folder for all: a file the walk found is a regular file, never a link, so its
    // canonical path is its canonical folder joined with its name. A file named on the command
    // line may be a link and is resolved on its own.
    let canonical_folder = folder
        .first()
        .and_then(|f| f.parent())
        .map(|d| {
            if d.as_os_str().is_empty() {
                Path::new(".")
            } else {
                d
            }
        })
        .and_then(|d| d.canonicalize().ok());
    folder
        .iter()
        .map(|file| {
            let named = explicit.contains(file);
            let absolute = match (&canonical_folder, file.file_name()) {
                (Some(dir), Some(name)) if !named => dir.join(name),
                _ => file.canonicalize().unwrap_or_else(|_| file.clone()),
            };
            let resolved = resolver.for_path(Some(&absolute));
            let settings = (named || !resolved.settings.is_excluded(&absolute))
                .then(|| resolved.settings.for_file(Some(&absolute)));
            Planned {
                file: file.clone(),
                resolved,
                settings,
            }
        })
        .collect()
}

/// Runs `preflight check` and returns the exit code.
pub fn run(args: CheckArgs) -> i32 {
    let started = Instant::now();
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let resolver = match resolver(args.config.clone(), &args.select, &args.ignore) {
        Ok(r) => r,
        Err(message) => {
            eprintln!("preflight: {message}");
            return EXIT_ERROR;
        }
    };
    let mut errors = Vec::new();
    let work = plan(&paths, &resolver, &mut errors);
    // Fixing rewrites files, so a run with --fix neither reads nor writes the cache.
    let cache = (!args.no_cache && !args.fix)
        .then(CheckCache::open)
        .flatten();
    let outcomes: Vec<Outcome<()>> = work
        .into_par_iter()
        .map(|(p, settings)| analyse_file(p, args.fix, &settings, cache.as_ref(), &|_, _| ()))
        .collect();
    if let Some(cache) = cache {
        cache.save();
    }
    let mut reports = Vec::new();
    for outcome in outcomes {
        match outcome {
            Outcome::Report(r, ()) => reports.push(r),
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
