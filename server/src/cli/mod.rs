//! The command line: `check`, `report`, `rules`, `explain` and `server`.

mod cache;
pub mod check;
mod github;
mod output;
pub mod report;
mod sarif;
mod test_rule;

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use crate::rules;

/// Reviews Python code for production readiness.
#[derive(Debug, Parser)]
#[command(name = "preflight", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check files or directories (default: the current directory).
    Check(CheckArgs),
    /// Write the production-readiness report of a project (Markdown, HTML or JSON).
    Report(report::ReportArgs),
    /// Run the language server over stdin/stdout.
    Server,
    /// List every rule.
    Rules {
        #[arg(long, value_enum, default_value_t = ListFormat::Text)]
        output_format: ListFormat,
    },
    /// Print a rule's documentation (by code or name).
    Explain { rule: String },
    /// Show what one query rule matches in a file (for rule authors).
    TestRule {
        /// The rule: a `.scm` file in the same format as `.preflight/queries/`.
        rule: PathBuf,
        /// A Python file to run it over.
        file: PathBuf,
    },
}

/// Options of `preflight check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Files or directories to check.
    pub paths: Vec<PathBuf>,
    /// Apply every safe fix in place, then report what is left.
    #[arg(long)]
    pub fix: bool,
    /// Analyse every file again instead of reusing the findings of unchanged files (the cache
    /// lives in `PREFLIGHT_CACHE_DIR`, else the user cache directory).
    #[arg(long)]
    pub no_cache: bool,
    /// How to print findings.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub output_format: OutputFormat,
    /// Never colour the output (also: the NO_COLOR environment variable).
    #[arg(long)]
    pub no_color: bool,
    /// Use this configuration file for every file instead of looking for the nearest one.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Only these rules (codes, prefixes such as PF2, names or categories; comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub select: Vec<String>,
    /// Not these rules (same forms as --select).
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub ignore: Vec<String>,
}

/// Output formats of `check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// `path:line:col: CODE message` with a source excerpt; coloured on a terminal.
    Text,
    /// One JSON array of findings (a documented contract).
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other review tools.
    Sarif,
    /// GitHub Actions workflow commands (annotations on the pull request).
    Github,
}

/// Output formats of `rules`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Text,
    Json,
}

/// Exit status: nothing found.
pub const EXIT_CLEAN: i32 = 0;
/// Exit status: something found.
pub const EXIT_FOUND: i32 = 1;
/// Exit status: usage or I/O error.
pub const EXIT_ERROR: i32 = 2;

/// Logs go to stderr only (stdout belongs to the protocol or the report); `PREFLIGHT_LOG` filters them.
fn init_logging(default: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("PREFLIGHT_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(filter)
        .with_ansi(false)
        .try_init();
}

/// A rule by code or name: the Python rules, then the rules over other files (requirements).
fn find_rule(key: &str) -> Option<&'static rules::RuleMeta> {
    rules::registry().find(key).map(|r| r.meta).or_else(|| {
        crate::requirements::RULES
            .iter()
            .copied()
            .find(|m| m.code.eq_ignore_ascii_case(key) || m.name.eq_ignore_ascii_case(key))
    })
}

/// Runs the command line and returns the process exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() {
                EXIT_ERROR
            } else {
                EXIT_CLEAN
            };
            let _ = e.print();
            return code;
        }
    };
    match cli.command {
        Command::Server => {
            init_logging("info");
            crate::lsp::run_stdio()
        }
        Command::Check(args) => {
            init_logging("warn");
            check::run(args)
        }
        Command::Report(args) => {
            init_logging("warn");
            report::run(args)
        }
        Command::TestRule { rule, file } => {
            init_logging("warn");
            test_rule::run(&rule, &file)
        }
        Command::Rules { output_format } => {
            output::print_rules(rules::registry(), output_format);
            EXIT_CLEAN
        }
        Command::Explain { rule } => match find_rule(&rule) {
            Some(meta) => {
                print!("{}", output::explain(meta));
                EXIT_CLEAN
            }
            None => {
                eprintln!("preflight: no rule `{rule}`; `preflight rules` lists them");
                EXIT_ERROR
            }
        },
    }
}
