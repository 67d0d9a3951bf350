//! Crash test: `preflight check` over the whole standard library of the machine's `python3`,
//! deliberately broken test files included, finishes without a panic and accounts for every file.

use std::process::Command;

#[test]
fn check_survives_the_python_standard_library() {
    let Ok(out) = Command::new("python3")
        .args([
            "-c",
            "import sysconfig; print(sysconfig.get_paths()['stdlib'])",
        ])
        .output()
    else {
        eprintln!("no python3 on this machine: the standard library crash test did not run");
        return;
    };
    let stdlib = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(
        std::path::Path::new(&stdlib).is_dir(),
        "python3 reported no stdlib directory"
    );
    let run = Command::new(env!("CARGO_BIN_EXE_preflight"))
        .args(["check", "--output-format", "json", &stdlib])
        .output()
        .expect("run preflight");
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        !stderr.contains("panicked"),
        "a panic while checking the stdlib:\n{stderr}"
    );
    // 1: findings; 2: some files are deliberately not UTF-8 and are reported by name.
    assert!(
        matches!(run.status.code(), Some(1 | 2)),
        "exit {:?}\n{stderr}",
        run.status.code()
    );
    let findings: serde_json::Value =
        serde_json::from_slice(&run.stdout).expect("the JSON output is valid");
    assert!(
        findings.as_array().is_some_and(|a| !a.is_empty()),
        "the stdlib has findings"
    );
    // Every unreadable file is named on stderr.
    for line in stderr.lines().filter(|l| l.starts_with("preflight: ")) {
        assert!(line.contains(".py"), "an error that names no file: {line}");
    }
}
