//! Rule fixtures: `tests/fixtures/rules/<rule-name>.py` holds violations and look-alikes, with the
//! expected diagnostics as caret comments under the line they point at:
//!
//! ```python
//! except Exception:
//!     pass
//!     # ^^^^ PF101
//! ```
//!
//! `# <- PF101` points at the column of the `#` itself (for diagnostics in column 0). The
//! comparison is against every diagnostic of the file, so an unexpected one fails like a missing
//! one. Fixing every finding of the rule must give `<rule-name>.fixed.py` (refresh with
//! `UPDATE_EXPECT=1`), which must still parse and no longer trigger the fixed findings.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use preflight::analysis::{self, FileSettings, Finding};
use preflight::fix::apply::{fix_all, FixMode};
use preflight::rules::registry;
use preflight::text::position::{LineIndex, PositionEncoding};

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Expectation {
    line: usize,
    col: usize,
    /// Caret count; `None` for `<-` assertions, which check the start only.
    len: Option<usize>,
    code: String,
}

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/rules")
}

/// Reads the caret assertions of a fixture.
fn expectations(source: &str) -> Vec<Expectation> {
    let mut out = Vec::new();
    let mut target: Option<usize> = None;
    for (i, line) in source.lines().enumerate() {
        let trimmed = line.trim_start();
        let chars: Vec<char> = line.chars().collect();
        let hash = chars.iter().position(|c| *c == '#');
        let body = trimmed.strip_prefix('#').map(str::trim_start);
        let is_assertion = body.is_some_and(|b| b.starts_with('^') || b.starts_with("<-"));
        if !is_assertion {
            target = Some(i);
            continue;
        }
        let (Some(target), Some(hash), Some(body)) = (target, hash, body) else {
            continue;
        };
        if let Some(codes) = body.strip_prefix("<-") {
            for code in codes.split_whitespace() {
                out.push(Expectation {
                    line: target,
                    col: hash,
                    len: None,
                    code: code.into(),
                });
            }
        } else {
            let first = chars.iter().position(|c| *c == '^').unwrap_or(0);
            let len = chars[first..].iter().take_while(|c| **c == '^').count();
            let codes: String = chars[first + len..].iter().collect();
            for code in codes.split_whitespace() {
                out.push(Expectation {
                    line: target,
                    col: first,
                    len: Some(len),
                    code: code.into(),
                });
            }
        }
    }
    out.sort();
    out
}

/// The diagnostics of a fixture in the same shape as its expectations.
fn actual(source: &str, findings: &[Finding]) -> Vec<Expectation> {
    let index = LineIndex::new(source);
    let mut out: Vec<Expectation> = findings
        .iter()
        .map(|f| {
            let start = index.line_col(source, f.range.start, PositionEncoding::Utf32);
            let end = index.line_col(source, f.range.end, PositionEncoding::Utf32);
            let len = if end.line == start.line {
                (end.col - start.col) as usize
            } else {
                let line = &source[index.line_range(source, start.line as usize)];
                line.chars().count() - start.col as usize
            };
            Expectation {
                line: start.line as usize,
                col: start.col as usize,
                len: Some(len),
                code: f.rule.code.into(),
            }
        })
        .collect();
    out.sort();
    out
}

fn matches(expected: &Expectation, actual: &Expectation) -> bool {
    expected.line == actual.line
        && expected.col == actual.col
        && expected.code == actual.code
        && (expected.len.is_none() || expected.len == actual.len)
}

fn describe(source: &str, items: &[Expectation]) -> String {
    let lines: Vec<&str> = source.lines().collect();
    let mut out = String::new();
    for e in items {
        let caret = "^".repeat(e.len.unwrap_or(1).max(1));
        let _ = writeln!(
            out,
            "  line {}: {}\n          {}{} {}",
            e.line + 1,
            lines.get(e.line).unwrap_or(&""),
            " ".repeat(e.col),
            caret,
            e.code
        );
    }
    out
}

fn has_syntax_error(source: &str) -> bool {
    let tree = preflight::parse::parse_str(source).expect("parses");
    tree.root_node().has_error()
}

fn check_fixture(rule_code: &str, path: &Path) -> Result<(), String> {
    let source = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let findings = analysis::analyze_str(&source).expect("parses");
    let expected = expectations(&source);
    let actual = actual(&source, &findings);
    let missing: Vec<Expectation> = expected
        .iter()
        .filter(|e| !actual.iter().any(|a| matches(e, a)))
        .cloned()
        .collect();
    let unexpected: Vec<Expectation> = actual
        .iter()
        .filter(|a| !expected.iter().any(|e| matches(e, a)))
        .cloned()
        .collect();
    let mut problems = String::new();
    if !missing.is_empty() {
        let _ = write!(
            problems,
            "missing diagnostics:\n{}",
            describe(&source, &missing)
        );
    }
    if !unexpected.is_empty() {
        let _ = write!(
            problems,
            "unexpected diagnostics:\n{}",
            describe(&source, &unexpected)
        );
    }
    if !expected.iter().any(|e| e.code == rule_code) {
        let _ = writeln!(problems, "the fixture has no positive case for {rule_code}");
    }

    // Fixes: every fix of this rule, safe and unsafe, applied together.
    let meta = registry().find(rule_code).expect("rule exists").meta;
    if meta.fixable {
        let fixed = fix_all(&source, FixMode::All, &FileSettings::default(), |f| {
            f.rule.code == rule_code
        });
        let golden = path.with_extension("fixed.py");
        if std::env::var_os("UPDATE_EXPECT").is_some() {
            std::fs::write(&golden, &fixed.text).expect("write golden file");
        }
        match std::fs::read_to_string(&golden) {
            Ok(want) if want == fixed.text => {}
            Ok(_) => {
                let _ = writeln!(
                    problems,
                    "{} differs from the fixed text (UPDATE_EXPECT=1 to refresh)",
                    golden.display()
                );
            }
            Err(_) => {
                let _ = writeln!(
                    problems,
                    "{} is missing (UPDATE_EXPECT=1 to create)",
                    golden.display()
                );
            }
        }
        if fixed.applied == 0 {
            let _ = writeln!(problems, "no fix of {rule_code} was applied");
        }
        if !has_syntax_error(&source) && has_syntax_error(&fixed.text) {
            let _ = writeln!(problems, "the fixed text no longer parses");
        }
        let after = analysis::analyze_str(&fixed.text).expect("parses");
        let left: Vec<&Finding> = after
            .iter()
            .filter(|f| f.rule.code == rule_code && f.fix.is_some())
            .collect();
        if !left.is_empty() {
            let _ = writeln!(
                problems,
                "{} fixable {rule_code} findings remain after fixing",
                left.len()
            );
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!("{}:\n{problems}", path.display()))
    }
}

#[test]
fn every_rule_matches_its_fixture() {
    let mut failures = Vec::new();
    for rule in registry().rules() {
        let main = fixtures_dir().join(format!("{}.py", rule.meta.name));
        if !main.exists() {
            failures.push(format!(
                "{} has no fixture at {}",
                rule.meta.code,
                main.display()
            ));
            continue;
        }
        // Variants (`<name>.<variant>.py`) hold cases that need a file of their own (a settings module).
        let mut paths = vec![main];
        let prefix = format!("{}.", rule.meta.name);
        for entry in std::fs::read_dir(fixtures_dir())
            .expect("fixtures dir")
            .flatten()
        {
            let file = entry.file_name().to_string_lossy().to_string();
            let variant = file
                .strip_prefix(&prefix)
                .and_then(|rest| rest.strip_suffix(".py"));
            if variant.is_some_and(|v| !v.is_empty() && v != "fixed" && !v.ends_with(".fixed")) {
                paths.push(entry.path());
            }
        }
        for path in paths {
            if let Err(e) = check_fixture(rule.meta.code, &path) {
                failures.push(e);
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn caret_assertions_parse() {
    let src = "x = 1\n#   ^ PF1 PF2\ny = 2\n# <- PF3\n";
    let e = expectations(src);
    assert_eq!(e.len(), 3);
    assert_eq!(
        e[0],
        Expectation {
            line: 0,
            col: 4,
            len: Some(1),
            code: "PF1".into()
        }
    );
    assert_eq!(
        e[2],
        Expectation {
            line: 2,
            col: 0,
            len: None,
            code: "PF3".into()
        }
    );
}
