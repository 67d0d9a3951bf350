//! User-defined rules: loaded from `.preflight/queries`, used by the CLI and the server, reported
//! with line and column when broken (the other rules keep running), hot-reloaded on save.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{codes, Client};
use serde_json::json;

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/user-rules")
}

fn preflight(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_preflight"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

fn json_codes(stdout: &str) -> Vec<String> {
    let findings: Vec<serde_json::Value> = serde_json::from_str(stdout).unwrap();
    findings
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn the_worked_examples_find_what_they_document() {
    let dir = example();
    let (status, stdout, stderr) =
        preflight(&["check", "--output-format", "json", dir.to_str().unwrap()]);
    assert_eq!(status, 1, "{stderr}");
    assert_eq!(
        json_codes(&stdout),
        ["ACME002", "ACME001", "ACME002", "ACME001"],
        "{stdout}"
    );
    let rule = dir.join(".preflight/queries/use-http-client.scm");
    let (status, stdout, _) = preflight(&[
        "test-rule",
        rule.to_str().unwrap(),
        dir.join("tasks.py").to_str().unwrap(),
    ]);
    assert_eq!(status, 0);
    assert!(
        stdout.starts_with("ACME001 use-http-client: 2 matches"),
        "{stdout}"
    );
    assert!(stdout.contains("`r.get` → `http_client.get`"), "{stdout}");
}

fn project(name: &str, rules: &[(&str, &str)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "preflight-user-rules-{name}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join(".preflight/queries")).unwrap();
    for (file, text) in rules {
        std::fs::write(dir.join(".preflight/queries").join(file), text).unwrap();
    }
    std::fs::write(
        dir.join("app.py"),
        "import requests\nprint('hi')\nrequests.get(u)\n",
    )
    .unwrap();
    dir
}

const NO_PRINT: &str = "; code: T001\n; name: no-print\n; category: conventions\n; severity: info\n; message: `print` in a service\n;\n; ## What it does\n; print\n((call function: (identifier) @_f) @diagnostic (#eq? @_f \"print\"))\n";

#[test]
fn a_broken_rule_is_reported_with_its_position_and_the_others_run() {
    let broken = "; code: T002\n; name: broken\n; category: c\n; severity: warning\n; message: m\n(call function: (identifer) @diagnostic)\n";
    let taken = NO_PRINT.replace("T001", "PF101");
    let dir = project(
        "broken",
        &[
            ("no-print.scm", NO_PRINT),
            ("broken.scm", broken),
            ("taken.scm", &taken),
        ],
    );
    let (status, stdout, stderr) =
        preflight(&["check", "--output-format", "json", dir.to_str().unwrap()]);
    assert_eq!(status, 1);
    assert_eq!(json_codes(&stdout), ["T001", "PF201"]);
    assert!(
        stderr.contains("broken.scm:6:18: NodeType error"),
        "{stderr}"
    );
    assert!(
        stderr.contains("taken.scm:1:1: code `PF101` is taken or reserved"),
        "{stderr}"
    );
    // User codes work with suppression and configuration like built-in ones.
    std::fs::write(
        dir.join("app.py"),
        "import requests\nprint('hi')  # preflight: ignore[T001]\nrequests.get(u)\n",
    )
    .unwrap();
    let (_, stdout, _) = preflight(&["check", "--output-format", "json", dir.to_str().unwrap()]);
    assert_eq!(json_codes(&stdout), ["PF201"]);
    let (_, stdout, _) = preflight(&[
        "check",
        "--output-format",
        "json",
        "--ignore",
        "PF201",
        dir.to_str().unwrap(),
    ]);
    assert!(json_codes(&stdout).is_empty(), "{stdout}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_server_reloads_rules_on_save_and_shows_query_errors_in_the_rule_file() {
    let dir = project("server", &[("no-print.scm", NO_PRINT)]);
    let mut client = Client::start();
    let root = format!("file://{}", dir.display());
    client.request("initialize", json!({"processId": null, "rootUri": root, "capabilities": {}, "initializationOptions": {"debounceMs": 0}}));
    client.notify("initialized", json!({}));
    let uri = format!("file://{}/app.py", dir.display());
    client.open(&uri, &std::fs::read_to_string(dir.join("app.py")).unwrap());
    assert_eq!(codes(&client.diagnostics(&uri, Some(1))), ["T001", "PF201"]);
    // The author makes the rule an error and saves it: open documents are re-checked.
    let rule = dir.join(".preflight/queries/no-print.scm");
    std::fs::write(&rule, NO_PRINT.replace("severity: info", "severity: error")).unwrap();
    let rule_uri = format!("file://{}", rule.display());
    client.notify(
        "textDocument/didSave",
        json!({"textDocument": {"uri": rule_uri}}),
    );
    let diags = client.diagnostics(&uri, Some(1));
    assert_eq!(codes(&diags), ["T001", "PF201"]);
    assert_eq!(diags[0]["severity"], 1);
    // A broken query open in the editor shows its error where it is.
    client.notify("textDocument/didOpen", json!({"textDocument": {"uri": rule_uri, "languageId": "query", "version": 1, "text": "; code: T003\n; name: x\n; category: c\n; severity: warning\n; message: m\n((call) @diagnostic (#frob? @diagnostic))\n"}}));
    let diags = client.diagnostics(&rule_uri, Some(1));
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert!(
        diags[0]["message"]
            .as_str()
            .unwrap()
            .contains("unknown predicate #frob?"),
        "{diags:?}"
    );
    assert_eq!(client.stop(), 0);
    let _ = std::fs::remove_dir_all(&dir);
}
