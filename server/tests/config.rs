//! Configuration end to end: files, command-line flags and editor settings change what the CLI
//! and the server report, and bad configuration is reported with its position.

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::{codes, Client};
use serde_json::json;

fn project(name: &str, config: Option<(&str, &str)>) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("preflight-config-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("tests")).unwrap();
    let code = "import requests\n\n\ndef f(u):\n    try:\n        return requests.get(u)\n    except Exception:\n        pass\n";
    std::fs::write(dir.join("app.py"), code).unwrap();
    std::fs::write(dir.join("tests/test_app.py"), code).unwrap();
    if let Some((file, text)) = config {
        std::fs::write(dir.join(file), text).unwrap();
    }
    dir
}

fn check(dir: &PathBuf, args: &[&str]) -> (i32, Vec<String>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_preflight"))
        .arg("check")
        .arg("--output-format")
        .arg("json")
        .args(args)
        .arg(dir)
        .output()
        .unwrap();
    let findings: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap_or_default();
    let mut found: Vec<String> = findings
        .iter()
        .map(|f| {
            let path = f["path"].as_str().unwrap();
            let file = if path.contains("tests") {
                "tests"
            } else {
                "app"
            };
            format!(
                "{file}:{}:{}",
                f["code"].as_str().unwrap(),
                f["severity"].as_str().unwrap()
            )
        })
        .collect();
    found.sort();
    (
        out.status.code().unwrap_or(-1),
        found,
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

#[test]
fn pyproject_settings_apply_to_the_cli() {
    let config = "[project]\nname = \"svc\"\n\n[tool.preflight]\nignore = [\"PF101\"]\n\n[tool.preflight.per-file-ignores]\n\"tests/**\" = [\"PF201\"]\n\n[tool.preflight.severity]\nPF201 = \"error\"\n";
    let dir = project("pyproject", Some(("pyproject.toml", config)));
    let (status, found, stderr) = check(&dir, &[]);
    assert_eq!(status, 1, "{stderr}");
    assert_eq!(found, ["app:PF201:error"], "{stderr}");
    // Command-line flags win over the file.
    let (_, found, _) = check(&dir, &["--select", "PF1", "--ignore", "PF201"]);
    assert_eq!(found, ["app:PF101:warning", "tests:PF101:warning"]);
    let (status, _, stderr) = check(&dir, &["--select", "PF9"]);
    assert_eq!(status, 2);
    assert!(stderr.contains("`PF9` is not a rule code"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn excluded_files_are_skipped_unless_named_and_links_take_their_targets_settings() {
    let config = "[tool.preflight]\nexclude = [\"tests/**\"]\n\n[tool.preflight.per-file-ignores]\n\"tests/**\" = [\"PF101\"]\n";
    let dir = project("exclude", Some(("pyproject.toml", config)));
    let (_, found, stderr) = check(&dir, &[]);
    assert_eq!(
        found,
        ["app:PF101:warning", "app:PF201:warning"],
        "{stderr}"
    );
    // Named on the command line, an excluded file is checked, with its folder's settings.
    let named = dir.join("tests/test_app.py");
    let (_, found, stderr) = check(&named, &[]);
    assert_eq!(found, ["tests:PF201:warning"], "{stderr}");
    // A link named on the command line is checked as the file it points at.
    #[cfg(unix)]
    {
        let link = dir.join("linked.py");
        std::os::unix::fs::symlink(&named, &link).unwrap();
        let (_, found, stderr) = check(&link, &[]);
        assert_eq!(
            found,
            ["app:PF201:warning"],
            "per-file-ignores of tests/: {stderr}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_configuration_is_reported_and_the_rest_applies() {
    let dir = project(
        "bad",
        Some((
            "preflight.toml",
            "ignore = [\"PF101\"]\nselct = [\"PF2\"]\n",
        )),
    );
    let (status, found, stderr) = check(&dir, &[]);
    assert_eq!(status, 1);
    assert_eq!(
        found,
        ["app:PF201:warning", "tests:PF201:warning"],
        "ignore still applies"
    );
    assert_eq!(
        stderr
            .matches("preflight.toml:2:1: unknown key `selct`; expected one of: select")
            .count(),
        1,
        "once, though two folders read the file: {stderr}"
    );
    // --config names a file explicitly.
    let other = dir.join("strict.toml");
    std::fs::write(&other, "select = [\"PF101\"]\n").unwrap();
    let (_, found, _) = check(&dir, &["--config", other.to_str().unwrap()]);
    assert_eq!(found, ["app:PF101:warning", "tests:PF101:warning"]);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_server_reads_the_nearest_file_and_editor_settings_fill_in() {
    let dir = project(
        "server",
        Some(("preflight.toml", "ignore = [\"PF201\"]\nbogus = 1\n")),
    );
    let mut client = Client::start();
    let root = format!("file://{}", dir.display());
    let init = json!({"processId": null, "rootUri": root, "capabilities": {},
        "initializationOptions": {"debounceMs": 0, "severity": {"PF101": "error"}}});
    client.request("initialize", init);
    client.notify("initialized", json!({}));
    let uri = format!("file://{}/app.py", dir.display());
    client.open(&uri, &std::fs::read_to_string(dir.join("app.py")).unwrap());
    let diags = client.diagnostics(&uri, Some(1));
    assert_eq!(
        codes(&diags),
        ["PF101"],
        "PF201 is ignored by preflight.toml"
    );
    assert_eq!(
        diags[0]["severity"], 1,
        "the editor's severity override applies"
    );
    // The unknown key is said once, with its position.
    let message = client.wait_for("showMessage", |m| m["method"] == "window/showMessage");
    assert!(
        message["params"]["message"]
            .as_str()
            .unwrap()
            .contains("preflight.toml:2:1: unknown key `bogus`"),
        "{message}"
    );
    // Editing the configuration and saving it re-checks open documents.
    std::fs::write(dir.join("preflight.toml"), "ignore = [\"PF101\"]\n").unwrap();
    let config_uri = format!("file://{}/preflight.toml", dir.display());
    client.notify(
        "textDocument/didSave",
        json!({"textDocument": {"uri": config_uri}}),
    );
    let diags = client.diagnostics(&uri, Some(1));
    assert_eq!(codes(&diags), ["PF201"]);
    // An open configuration file gets its problems as diagnostics.
    client.notify("textDocument/didOpen", json!({"textDocument": {"uri": config_uri, "languageId": "toml", "version": 1, "text": "select = [\"PF7\"]\n"}}));
    let diags = client.diagnostics(&config_uri, Some(1));
    assert_eq!(diags.len(), 1);
    assert!(
        diags[0]["message"]
            .as_str()
            .unwrap()
            .contains("`PF7` in `select`"),
        "{diags:?}"
    );
    assert_eq!(
        diags[0]["range"]["start"],
        json!({"line": 0, "character": 10})
    );
    assert_eq!(client.stop(), 0);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn watched_configuration_files_are_registered_and_re_check_open_documents() {
    let dir = project("watch", Some(("preflight.toml", "ignore = [\"PF201\"]\n")));
    let mut client = Client::start();
    let root = format!("file://{}", dir.display());
    let caps = json!({"workspace": {"didChangeWatchedFiles": {"dynamicRegistration": true}}});
    client.request("initialize", json!({"processId": null, "rootUri": root, "capabilities": caps, "initializationOptions": {"debounceMs": 0}}));
    client.notify("initialized", json!({}));
    // The server asks to watch configuration files and rule queries.
    let request = client.wait_for("registerCapability", |m| {
        m["method"] == "client/registerCapability"
    });
    let watchers = &request["params"]["registrations"][0]["registerOptions"]["watchers"];
    let globs: Vec<&str> = watchers
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["globPattern"].as_str().unwrap())
        .collect();
    assert_eq!(
        globs,
        ["**/pyproject.toml", "**/preflight.toml", "**/*.scm"]
    );
    client.send(json!({"jsonrpc": "2.0", "id": request["id"], "result": null}));
    let uri = format!("file://{}/app.py", dir.display());
    client.open(&uri, &std::fs::read_to_string(dir.join("app.py")).unwrap());
    assert_eq!(codes(&client.diagnostics(&uri, Some(1))), ["PF101"]);
    // Another tool changes the file on disk; the editor reports it through the watcher.
    std::fs::write(dir.join("preflight.toml"), "ignore = [\"PF101\"]\n").unwrap();
    let config_uri = format!("file://{}/preflight.toml", dir.display());
    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": config_uri, "type": 2}]}),
    );
    assert_eq!(codes(&client.diagnostics(&uri, Some(1))), ["PF201"]);
    assert_eq!(client.stop(), 0);
    let _ = std::fs::remove_dir_all(&dir);
}
