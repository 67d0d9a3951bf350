//! The real code the corpus tests run over: `PREFLIGHT_CORPUS_DIRS` (colon-separated, set by
//! `.ci/run` to the standard library and the shared corpus), or else the first files of the
//! machine's standard library, so that a plain `cargo test` stays quick.

use std::path::PathBuf;
use std::process::Command;

/// The standard library folder of the machine's `python3`.
pub fn stdlib() -> Option<PathBuf> {
    let out = Command::new("python3")
        .args([
            "-c",
            "import sysconfig; print(sysconfig.get_paths()['stdlib'])",
        ])
        .output()
        .ok()?;
    let path = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    path.is_dir().then_some(path)
}

/// The Python files to run over.
pub fn files(default_sample: usize) -> Vec<PathBuf> {
    let mut errors = Vec::new();
    match std::env::var("PREFLIGHT_CORPUS_DIRS") {
        Ok(dirs) => {
            let dirs: Vec<PathBuf> = dirs
                .split(':')
                .filter(|d| !d.is_empty())
                .map(PathBuf::from)
                .collect();
            preflight::cli::check::collect_files(&dirs, &mut errors)
        }
        Err(_) => {
            let stdlib = stdlib().expect("python3 and its standard library are installed");
            let mut files = preflight::cli::check::collect_files(&[stdlib], &mut errors);
            files.truncate(default_sample);
            files
        }
    }
}
