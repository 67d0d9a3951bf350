//! `preflight report`: runs the `check` pipeline over a project (same files, configuration and
//! suppressions), collects the project facts in the same pass, and writes the readiness report.

use std::path::PathBuf;

use rayon::prelude::*;

use super::check::{analyse_file, plan, resolver, Outcome};
use super::{EXIT_CLEAN, EXIT_ERROR, EXIT_FOUND};
use crate::report::effort::Effort;
use crate::report::facts::PyFacts;
use crate::report::render::{render, Format};
use crate::report::scan::{relative, ProjectFiles};
use crate::report::{build, Input, SourceFile};

/// Options of `preflight report`.
#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// The project folder (default: the current directory).
    pub path: Option<PathBuf>,
    /// Markdown (default), one self-contained HTML file, or JSON.
    #[arg(long, value_enum, default_value_t = ReportFormat::Md)]
    pub format: ReportFormat,
    /// Write the report to this file instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Exit with status 1 when the readiness score is below N (0–100).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(0..=100))]
    pub fail_under: Option<u32>,
    /// Use this configuration file for every file instead of looking for the nearest one.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Only these rules (as for `check`).
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub select: Vec<String>,
    /// Not these rules (as for `check`).
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub ignore: Vec<String>,
}

/// Output formats of `report`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    Md,
    Html,
    Json,
}

/// Runs `preflight report` and returns the exit code: 0 written, 1 below `--fail-under`, 2 usage
/// or I/O error.
pub fn run(args: ReportArgs) -> i32 {
    let root = args.path.clone().unwrap_or_else(|| PathBuf::from("."));
    if !root.is_dir() {
        eprintln!(
            "preflight: {}: `report` takes a project folder",
            root.display()
        );
        return EXIT_ERROR;
    }
    let absolute = root.canonicalize().unwrap_or_else(|_| root.clone());
    let resolver = match resolver(args.config.clone(), &args.select, &args.ignore) {
        Ok(r) => r,
        Err(message) => {
            eprintln!("preflight: {message}");
            return EXIT_ERROR;
        }
    };
    let mut errors = Vec::new();
    let work = plan(std::slice::from_ref(&root), &resolver, &mut errors);
    let outcomes: Vec<Outcome<PyFacts>> = work
        .into_par_iter()
        .map(|(path, settings)| {
            let rel = relative(&root, &path);
            analyse_file(path, false, &settings, None, &|source, tree| {
                PyFacts::collect(&rel, source, tree)
            })
        })
        .collect();
    let mut files = Vec::new();
    for outcome in outcomes {
        match outcome {
            Outcome::Report(r, facts) => files.push(SourceFile {
                path: relative(&root, &r.path),
                text: r.source,
                findings: r.findings,
                facts: Some(facts),
            }),
            Outcome::Error(path, reason) => errors.push((path, reason)),
        }
    }
    let project_files = ProjectFiles::scan(&root);
    for req in &project_files.requirements {
        let path = absolute.join(&req.path);
        let resolved = resolver.for_path(Some(&path));
        if resolved.settings.is_excluded(&path) {
            continue;
        }
        let settings = resolved.settings.for_file(Some(&path));
        let dir = path.parent().unwrap_or(&absolute);
        let findings =
            crate::requirements::check(&req.text, dir, &settings, std::slice::from_ref(&absolute));
        files.push(SourceFile {
            path: req.path.clone(),
            text: req.text.clone(),
            findings,
            facts: None,
        });
    }
    let report_config = resolver
        .for_path(Some(&absolute.join("pyproject.toml")))
        .settings
        .report
        .clone();
    let project = absolute
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "project".into());
    let report = build(Input {
        project,
        files,
        project_files,
        skipped: errors
            .iter()
            .map(|(p, e)| (relative(&root, p), e.clone()))
            .collect(),
        effort: Effort::new(&report_config),
    });
    let format = match args.format {
        ReportFormat::Md => Format::Markdown,
        ReportFormat::Html => Format::Html,
        ReportFormat::Json => Format::Json,
    };
    let text = render(&report, format);
    match &args.output {
        Some(file) => {
            if let Err(e) = std::fs::write(file, &text) {
                eprintln!(
                    "preflight: {}: cannot write the report: {e}",
                    file.display()
                );
                return EXIT_ERROR;
            }
            eprintln!(
                "preflight: wrote {} ({}; score {}/100)",
                file.display(),
                report.verdict,
                report.score.value
            );
        }
        None => print!("{text}"),
    }
    match args.fail_under {
        Some(n) if report.score.value < n => {
            eprintln!(
                "preflight: readiness score {} is below --fail-under {n}",
                report.score.value
            );
            EXIT_FOUND
        }
        _ => EXIT_CLEAN,
    }
}
