//! `preflight check --output-format sarif|github` against the JSON output of the same run: the
//! same findings, positions and fixes, in each format's own conventions. (CI also validates the
//! SARIF against the published 2.1.0 schema: `editors/ci.sh`.)

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// A project directory under the system's temporary directory, removed when the test is done
/// with it (whether it passed or not).
struct Project(PathBuf);

impl std::ops::Deref for Project {
    type Target = Path;

    fn deref(&self) -> &Path {
        &self.0
    }
}

impl AsRef<Path> for Project {
    fn as_ref(&self) -> &Path {
        &self.0
    }
}

impl Drop for Project {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A project with an error, a warning and an information finding, a non-ASCII line, and a user rule.
fn project(name: &str) -> Project {
    let dir = std::env::temp_dir().join(format!("preflight-formats-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join(".preflight/queries")).unwrap();
    std::fs::create_dir_all(dir.join("src dir")).unwrap();
    std::fs::write(
        dir.join("src dir/app.py"),
        "import requests\n\n\ndef fetch(url):\n    label = \"é中文😀\"; return requests.get(url)\n\n\ntry:\n    fetch('x')\nexcept:\n    pass\n\nprint('50%, done')\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("pyproject.toml"),
        "[tool.preflight.severity]\nPF102 = \"error\"\nPF101 = \"info\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.join(".preflight/queries/no-print.scm"),
        "; code: ACME001\n; name: no-print\n; category: conventions\n; severity: warning\n; message: Use logging, not print: {_text}\n\n; ## What it does\n; Finds print calls.\n((call function: (identifier) @_f arguments: (argument_list (string) @_text)) @diagnostic\n  (#eq? @_f \"print\"))\n",
    )
    .unwrap();
    Project(dir)
}

/// The rules this test is about; others that may fire on the project are not its concern.
const SELECT: &str = "PF101,PF102,PF201,ACME001";

fn run(dir: &Path, format: &str) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_preflight"))
        .args([
            "check",
            "--select",
            SELECT,
            "--output-format",
            format,
            "src dir",
        ])
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
    )
}

fn json_findings(dir: &Path) -> Vec<Value> {
    let (status, out) = run(dir, "json");
    assert_eq!(status, 1);
    serde_json::from_str::<Vec<Value>>(&out).unwrap()
}

#[test]
fn github_annotations_match_the_json_findings() {
    let dir = project("github");
    let findings = json_findings(&dir);
    let (status, out) = run(&dir, "github");
    assert_eq!(status, 1);
    let codes: Vec<&str> = findings
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["PF201", "PF102", "PF101", "ACME001"], "{out}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), findings.len(), "{out}");
    for (line, f) in lines.iter().zip(&findings) {
        let command = match f["severity"].as_str().unwrap() {
            "error" => "error",
            "warning" => "warning",
            _ => "notice",
        };
        let expected = format!(
            "::{command} file=src dir/app.py,line={},col={},endLine={},endColumn={},title={} {}::",
            f["start"]["line"],
            f["start"]["column"],
            f["end"]["line"],
            f["end"]["column"],
            f["code"].as_str().unwrap(),
            f["name"].as_str().unwrap(),
        );
        assert!(line.starts_with(&expected), "{line}\nexpected {expected}");
    }
    // The severities came from the configuration: error, warning and notice all appear.
    assert!(lines[0].starts_with("::warning "), "{out}");
    assert!(lines[1].starts_with("::error "), "{out}");
    assert!(lines[2].starts_with("::notice "), "{out}");
    // `%` in a message is escaped so the runner does not decode it, and `,` is left alone there.
    assert!(
        lines[3].ends_with("::Use logging, not print: '50%25, done'"),
        "{out}"
    );
}

#[test]
fn sarif_carries_rules_locations_and_fixes() {
    let dir = project("sarif");
    let findings = json_findings(&dir);
    let (status, out) = run(&dir, "sarif");
    assert_eq!(status, 1);
    let log: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(log["version"], "2.1.0");
    let run = &log["runs"][0];
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    assert_eq!(run["invocations"][0]["executionSuccessful"], true);
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "Preflight");
    let rules = driver["rules"].as_array().unwrap();

    // Every built-in rule is described, with its documentation; the user rule that fired is added.
    let listed = Command::new(env!("CARGO_BIN_EXE_preflight"))
        .args(["rules", "--output-format", "json"])
        .output()
        .unwrap();
    let builtin: Vec<Value> = serde_json::from_slice(&listed.stdout).unwrap();
    assert_eq!(rules.len(), builtin.len() + 1);
    for (rule, listed) in rules.iter().zip(&builtin) {
        assert_eq!(rule["id"], listed["code"]);
        assert_eq!(rule["name"], listed["name"]);
        assert!(!rule["shortDescription"]["text"]
            .as_str()
            .unwrap()
            .is_empty());
        assert!(rule["help"]["markdown"]
            .as_str()
            .unwrap()
            .contains("## What it does"));
        assert_eq!(rule["properties"]["tags"][0], listed["category"]);
    }
    assert_eq!(rules.last().unwrap()["id"], "ACME001");

    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), findings.len());
    for (r, f) in results.iter().zip(&findings) {
        assert_eq!(r["ruleId"], f["code"]);
        let index = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(
            rules[index]["id"], f["code"],
            "ruleIndex points at the rule"
        );
        assert_eq!(r["message"]["text"], f["message"]);
        let level = match f["severity"].as_str().unwrap() {
            "error" => "error",
            "warning" => "warning",
            _ => "note",
        };
        assert_eq!(r["level"], level);
        let location = &r["locations"][0]["physicalLocation"];
        assert_eq!(
            location["artifactLocation"]["uri"], "src%20dir/app.py",
            "relative, with `/` and percent-encoding"
        );
        let region = &location["region"];
        assert_eq!(region["startLine"], f["start"]["line"]);
        assert_eq!(region["startColumn"], f["start"]["column"]);
        assert_eq!(region["endLine"], f["end"]["line"]);
        assert_eq!(region["endColumn"], f["end"]["column"]);
        // A fix is the same edits as the JSON output's, as replacements.
        match f["fix"].as_object() {
            None => assert!(r.get("fixes").is_none(), "{r}"),
            Some(fix) => {
                let sarif_fix = &r["fixes"][0];
                assert_eq!(sarif_fix["description"]["text"], fix["title"]);
                assert_eq!(sarif_fix["properties"]["safe"], fix["safe"]);
                let replacements = sarif_fix["artifactChanges"][0]["replacements"]
                    .as_array()
                    .unwrap();
                let edits = fix["edits"].as_array().unwrap();
                assert_eq!(replacements.len(), edits.len());
                for (rep, edit) in replacements.iter().zip(edits) {
                    let deleted = &rep["deletedRegion"];
                    assert_eq!(deleted["startLine"], edit["start"]["line"]);
                    assert_eq!(deleted["startColumn"], edit["start"]["column"]);
                    assert_eq!(deleted["endColumn"], edit["end"]["column"]);
                    assert_eq!(rep["insertedContent"]["text"], edit["content"]);
                }
            }
        }
    }
    // Columns count code points: `requests.get` after `é中文😀` starts at character 30, 1-based.
    let timeout = &results[0]["locations"][0]["physicalLocation"]["region"];
    let col = "    label = \"é中文😀\"; return ".chars().count() + 1;
    assert_eq!(timeout["startColumn"], col as u64);
    assert_eq!(timeout["snippet"]["text"], "requests.get");
}

#[test]
fn sarif_reports_unreadable_files_as_notifications() {
    let dir = project("sarif-errors");
    std::fs::write(dir.join("src dir/latin1.py"), b"x = '\xe9'\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_preflight"))
        .args([
            "check",
            "--select",
            SELECT,
            "--output-format",
            "sarif",
            "src dir",
        ])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let log: Value = serde_json::from_slice(&out.stdout).unwrap();
    let invocation = &log["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    let note = &invocation["toolExecutionNotifications"][0];
    assert_eq!(note["level"], "error");
    assert_eq!(
        note["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "src%20dir/latin1.py"
    );
    // The findings of the readable file are still there.
    assert_eq!(log["runs"][0]["results"].as_array().unwrap().len(), 4);
}
