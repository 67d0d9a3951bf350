//! `preflight report` end to end: golden reports (Markdown and JSON) of the bundled example
//! projects (refresh with `UPDATE_EXPECT=1` and read the diff), a well-formed self-contained HTML
//! report, exit codes of `--fail-under`, the `[report]` configuration, and hostile files.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn report(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_preflight"))
        .arg("report")
        .arg(dir)
        .args(args)
        .current_dir(repo())
        .env_remove("VIRTUAL_ENV")
        .output()
        .expect("run preflight report")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("UTF-8 report")
}

/// Compares with the golden file, or writes it under `UPDATE_EXPECT=1`.
fn golden(actual: &str, name: &str) {
    let path = repo().join("tests/report").join(name);
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::write(&path, actual).expect("write golden report");
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("{} is missing (UPDATE_EXPECT=1 to create)", path.display()));
    if expected != actual {
        let first = expected
            .lines()
            .zip(actual.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(expected.lines().count().min(actual.lines().count()));
        panic!(
            "{} differs from the report (UPDATE_EXPECT=1 to refresh), first at line {}:\n  golden: {:?}\n  actual: {:?}",
            path.display(),
            first + 1,
            expected.lines().nth(first),
            actual.lines().nth(first)
        );
    }
}

#[test]
fn golden_reports_of_the_examples() {
    for example in ["report-bad", "report-clean"] {
        let dir = Path::new("examples").join(example);
        let md = report(&dir, &[]);
        assert!(
            md.status.success(),
            "{}",
            String::from_utf8_lossy(&md.stderr)
        );
        golden(&stdout(&md), &format!("{example}.md"));
        let json = report(&dir, &["--format", "json"]);
        assert!(json.status.success());
        golden(&stdout(&json), &format!("{example}.json"));
    }
}

#[test]
fn the_bad_example_has_problems_in_every_section_and_the_clean_one_none() {
    let bad: serde_json::Value = serde_json::from_slice(
        &report(Path::new("examples/report-bad"), &["--format", "json"]).stdout,
    )
    .expect("JSON report");
    let r = &bad["report"];
    assert_eq!(bad["format_version"], 1);
    assert_eq!(r["readiness"], "not_ready");
    for level in ["critical", "high", "medium", "low"] {
        assert!(r["counts"][level].as_u64().unwrap() > 0, "no {level} item");
    }
    let checklist = r["checklist"].as_array().unwrap();
    assert_eq!(checklist.len(), 17);
    assert!(
        checklist.iter().all(|c| c["status"] == "missing"),
        "every checklist item is missing in the bad example"
    );
    for item in checklist {
        if !item["covered_by_findings"].as_bool().unwrap() {
            assert!(item["effort_minutes"].as_u64().unwrap() > 0, "{item}");
        }
    }
    let categories: std::collections::BTreeSet<&str> = r["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["category"].as_str().unwrap())
        .collect();
    for c in [
        "configuration",
        "error-handling",
        "network",
        "observability",
        "security",
    ] {
        assert!(categories.contains(c), "no {c} finding");
    }
    let clean: serde_json::Value = serde_json::from_slice(
        &report(Path::new("examples/report-clean"), &["--format", "json"]).stdout,
    )
    .unwrap();
    let r = &clean["report"];
    assert_eq!(r["score"]["value"], 100);
    assert_eq!(r["items"].as_array().unwrap().len(), 0);
    assert!(r["checklist"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["status"] == "present"));
}

#[test]
fn the_html_report_is_well_formed_and_self_contained() {
    let out = std::env::temp_dir().join(format!("preflight-report-{}.html", std::process::id()));
    let run = report(
        Path::new("examples/report-bad"),
        &["--format", "html", "--output", out.to_str().unwrap()],
    );
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(
        run.stdout.is_empty(),
        "--output writes the file, not stdout"
    );
    let html = std::fs::read_to_string(&out).unwrap();
    // An XML parser accepts it (XHTML-compatible markup), and so does the HTML parser.
    let check = Command::new("python3")
        .arg("-c")
        .arg(
            "import sys, xml.etree.ElementTree as ET\n\
             from html.parser import HTMLParser\n\
             text = open(sys.argv[1], encoding='utf-8').read()\n\
             root = ET.fromstring(text.split('\\n', 1)[1])\n\
             ns = '{http://www.w3.org/1999/xhtml}'\n\
             svgs = root.findall('.//{http://www.w3.org/2000/svg}svg')\n\
             assert len(svgs) >= 5, len(svgs)\n\
             HTMLParser().feed(text)\n\
             print(len(svgs))\n",
        )
        .arg(&out)
        .output()
        .expect("python3 runs the well-formedness check");
    assert!(
        check.status.success(),
        "not well-formed: {}",
        String::from_utf8_lossy(&check.stderr)
    );
    for external in [
        "<script",
        "<link",
        "src=\"http",
        "href=\"http",
        "@import",
        "url(",
    ] {
        assert!(!html.contains(external), "external asset: {external}");
    }
    assert!(html.contains("Not ready: "));
    let _ = std::fs::remove_file(&out);
}

#[test]
fn fail_under_gates_on_the_score() {
    let clean = report(Path::new("examples/report-clean"), &["--fail-under", "100"]);
    assert_eq!(clean.status.code(), Some(0));
    let bad = report(Path::new("examples/report-bad"), &["--fail-under", "50"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("is below --fail-under 50"));
    assert!(!bad.stdout.is_empty(), "the report is still written");
    let zero = report(Path::new("examples/report-bad"), &["--fail-under", "0"]);
    assert_eq!(zero.status.code(), Some(0));
    let invalid = report(Path::new("examples/report-bad"), &["--fail-under", "101"]);
    assert_eq!(invalid.status.code(), Some(2));
    let not_a_folder = report(Path::new("examples/report-bad/orders/app.py"), &[]);
    assert_eq!(not_a_folder.status.code(), Some(2));
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("preflight-report-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn configuration_adjusts_effort_and_suppressions_apply() {
    let dir = scratch("config");
    std::fs::write(
        dir.join("app.py"),
        "import requests\n\ndef f(u):\n    return requests.get(u)\n\ndef g(u):\n    return requests.get(u)  # preflight: ignore[PF201]\n",
    )
    .unwrap();
    let json = |args: &[&str]| -> serde_json::Value {
        serde_json::from_slice(&report(&dir, args).stdout).unwrap()
    };
    let default = json(&["--format", "json"]);
    let items = default["report"]["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 1, "the suppressed call is not reported");
    assert_eq!(items[0]["effort_minutes"], 2, "auto-fixable: review only");
    std::fs::write(
        dir.join("preflight.toml"),
        "[report]\nauto-fix-minutes = 7\n",
    )
    .unwrap();
    let adjusted = json(&["--format", "json"]);
    assert_eq!(adjusted["report"]["items"][0]["effort_minutes"], 7);
    std::fs::write(dir.join("preflight.toml"), "ignore = [\"PF201\"]\n").unwrap();
    let ignored = json(&["--format", "json"]);
    assert_eq!(ignored["report"]["items"].as_array().unwrap().len(), 0);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_files_are_listed_not_fatal() {
    let dir = scratch("hostile");
    std::fs::write(dir.join("binary.py"), [0xff_u8, 0xfe, 0x00, 0x80]).unwrap();
    std::fs::write(dir.join("deep.py"), "[".repeat(10_000)).unwrap();
    std::fs::write(dir.join("requirements.txt"), [0xff_u8, 0x00, b'\n']).unwrap();
    std::fs::write(dir.join("Dockerfile"), "\u{0}\u{1}\\\n\\").unwrap();
    let big = "x = 1\n".repeat(30_000);
    std::fs::write(dir.join("big.py"), big).unwrap();
    let run = report(&dir, &["--format", "json"]);
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let value: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    let skipped = value["report"]["skipped_files"].as_array().unwrap();
    assert_eq!(skipped.len(), 1, "{skipped:?}");
    assert_eq!(skipped[0]["path"], "binary.py");
    let md = report(&dir, &[]);
    assert!(stdout(&md).contains("Not analysed:\n\n- `binary.py`: not valid UTF-8; skipped"));
    let _ = std::fs::remove_dir_all(&dir);
}
