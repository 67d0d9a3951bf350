//! Property test: after any sequence of edits, the incremental analysis (reusing the units the
//! edits did not touch) reports exactly what a full analysis of the same text and tree reports,
//! fixes included; and it does take the incremental path for edits inside functions.

use preflight::analysis::incremental::{self, Cache};
use preflight::analysis::{FileSettings, Finding};
use preflight::text::{Document, LineCol, PositionEncoding, TextChange};
use proptest::prelude::*;

/// A service module with something for most rules, suppressions and a big class.
const BASE: &str = r#""""Orders service — café 中文 😀."""
from __future__ import annotations

import logging
import subprocess
import requests
from flask import Flask, request, jsonify

app = Flask(__name__)
logger = logging.getLogger(__name__)
CACHE = {}


@app.route("/orders/<id>")
def order(id):
    try:
        data = requests.get(f"http://inventory/{id}").json()
    except Exception as e:
        return jsonify(error=str(e))
    CACHE[id] = data
    return jsonify(data)


def sync(rows):
    for row in rows:
        try:
            requests.post("http://ledger", json=row)  # preflight: ignore[PF201]
        except:
            pass
    subprocess.run(f"echo {rows}", shell=True)


class Worker:
    """A worker with many methods."""

    session = None

    def start(self):
        self.s = requests.Session()
        self.s.get("http://x")

    def stop(self):
        try:
            self.flush()
        except Exception:
            logger.error("flush failed")

    def query(self, cur, name):
        cur.execute(f"SELECT * FROM users WHERE name = '{name}'")


if __name__ == "__main__":
    app.run(debug=True)
"#;

const PIECES: &[&str] = &[
    "x",
    " ",
    "\n",
    "\n    ",
    "é",
    "中文",
    "😀",
    "(",
    ")",
    ":",
    "\"",
    "'",
    "#",
    "= ",
    "requests.get(url)",
    "try:\n        pass\n    except:\n        pass\n",
    "    requests.get(u)\n",
    "    print(x)\n",
    "def f(a):\n    return requests.get(a)\n",
    "import os\n",
    "@app.route('/h')\n",
    "  # preflight: ignore\n",
    "except Exception:\n",
    "timeout=5, ",
    "class K:\n    def m(self):\n        pass\n",
    // Module-level code that other statements and the fixes read.
    "logger = logging.getLogger(__name__)\n",
    "log = 1\n",
    "\"\"\"Docs.\"\"\"\n",
    // A docstring left open: its quotes pair with those of the next one.
    "    \"\"\"Returns",
    "q = f\"SELECT * FROM t WHERE a = {x}\"\n",
    "cur.execute(q)\n",
    "wb = load_workbook(p)\nwb.close()\nwb.active\n",
    "ALLOWED_HOSTS = ['*']\n",
    "DEBUG = True\n",
    "CORS_ALLOW_ALL_ORIGINS = True\n",
    "from openpyxl import load_workbook\n",
    // Imports: names rules resolve, and modules rules ask about as a whole.
    "import r",
    "equests\n",
    "import requests as r\n",
    "from requests import get\n",
    "r.get(u)\n",
    // A name in code, in a string's text and in a comment.
    "s = f\"r {r.get(u)}\"  # r\n",
    "get(u)\n",
    "import httpx\n",
    "import flask_cors\n",
    "from loguru import logger\n",
    "import logging as lg\n",
    "from sqlalchemy import text\n",
];

#[derive(Debug, Clone)]
struct Op {
    at: usize,
    len: usize,
    insert: String,
}

fn op() -> impl Strategy<Value = Op> {
    (
        any::<usize>(),
        prop_oneof![6 => 0usize..3, 3 => 0usize..20, 1 => 0usize..200],
        prop::collection::vec(any::<prop::sample::Index>(), 0..3),
    )
        .prop_map(|(at, len, pieces)| Op {
            at,
            len,
            insert: pieces.iter().map(|i| *i.get(PIECES)).collect(),
        })
}

fn floor_char(text: &str, mut at: usize) -> usize {
    at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn line_col(text: &str, byte: usize) -> LineCol {
    let before = &text[..byte];
    let line = before.matches('\n').count();
    let col = before.len() - before.rfind('\n').map_or(0, |i| i + 1);
    LineCol {
        line: line as u32,
        col: col as u32,
    }
}

type Visible = Vec<(&'static str, std::ops::Range<usize>, String, String)>;

fn visible(findings: &[Finding]) -> Visible {
    findings
        .iter()
        .map(|f| {
            (
                f.rule.code,
                f.range.clone(),
                f.message.clone(),
                format!("{:?}", f.fix),
            )
        })
        .collect()
}

/// Applies `ops` one version at a time; after each, compares incremental with full analysis.
/// Returns how many analyses took the incremental path.
fn run(ops: &[Op]) -> Result<usize, String> {
    let settings = FileSettings::default();
    let mut doc = Document::new(1, BASE);
    let mut text = BASE.to_string();
    let tree = doc.tree().ok_or("no tree")?.clone();
    let (_, mut cache): (_, Option<Cache>) =
        incremental::analyze(&text, &tree, &settings, None, None);
    let mut incremental_runs = 0;
    for (i, op) in ops.iter().enumerate() {
        let start = floor_char(&text, op.at % (text.len() + 1));
        let end = floor_char(&text, start.saturating_add(op.len));
        let change = TextChange {
            range: Some((line_col(&text, start), line_col(&text, end))),
            text: op.insert.clone(),
        };
        text.replace_range(start..end, &op.insert);
        let applied = doc
            .apply_changes(i as i32 + 2, &[change], PositionEncoding::Utf8)
            .map_err(|e| e.to_string())?;
        if *doc.text() != *text {
            return Err("text drifted".into());
        }
        if let Some(c) = cache.as_mut() {
            if !c.follow(&applied) {
                cache = None;
            }
        }
        let tree = doc.tree().ok_or("no tree")?.clone();
        let (got, next) = incremental::analyze(&text, &tree, &settings, None, cache.as_ref());
        incremental_runs += usize::from(got.incremental);
        // Units copied from the cache are always found again in their pieces.
        if got.full_reason == Some(incremental::OUT_OF_STEP) {
            return Err(format!(
                "after edit {i} ({op:?}): {}",
                incremental::OUT_OF_STEP
            ));
        }
        if !got.incremental {
            // Shown when a test that counts incremental runs fails.
            eprintln!("edit {i}: full analysis: {:?}", got.full_reason);
        }
        let want = incremental::analyze(&text, &tree, &settings, None, None).0;
        if visible(&got.findings) != visible(&want.findings) {
            return Err(format!(
                "after edit {i} ({op:?}) incremental {:#?}\n!= full {:#?}\ntext:\n{text}",
                visible(&got.findings),
                visible(&want.findings)
            ));
        }
        cache = next;
    }
    Ok(incremental_runs)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PREFLIGHT_PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(256),
        ..ProptestConfig::default()
    })]

    #[test]
    fn incremental_analysis_equals_full_analysis(
        ops in prop::collection::vec(op(), 1..30),
        every_statement in any::<bool>(),
    ) {
        // Half the cases cut a piece at every statement, as many as a large file has.
        preflight::parse::split::cut_at_every_statement(every_statement);
        if let Err(e) = run(&ops) {
            prop_assert!(false, "{}", e);
        }
    }
}

/// Typing inside a function body re-analyses only that function (mostly), and says so.
#[test]
fn typing_in_a_function_takes_the_incremental_path() {
    let at = BASE.find("self.s.get").unwrap();
    // Enter with the editor's indentation in one edit, then a statement character by character.
    let mut ops = vec![Op {
        at,
        len: 0,
        insert: "\n        ".into(),
    }];
    let at = at + "\n        ".len();
    ops.extend(
        "total = self.s.get(url)"
            .chars()
            .enumerate()
            .map(|(i, c)| Op {
                at: at + i,
                len: 0,
                insert: c.to_string(),
            }),
    );
    let runs = run(&ops).unwrap();
    // Some intermediate states (`total = self.`) make tree-sitter wrap the module in an ERROR
    // node; those need a full analysis. The rest must not.
    assert!(
        runs * 4 >= ops.len() * 3,
        "{runs} of {} incremental",
        ops.len()
    );
}

/// Renaming an import changes what the code that names it calls: those units are analysed again
/// (the `subprocess.run` in `run_it`, which holds no fix, stops and starts running a shell),
/// without a full analysis.
#[test]
fn renaming_an_import_re_analyses_the_code_that_names_it() {
    let at = BASE.find("import subprocess").unwrap() + "import subproces".len();
    let ops = [
        Op {
            at: BASE.len(),
            len: 0,
            insert: "\n\ndef run_it(cmd):\n    subprocess.run(cmd, shell=True)\n".into(),
        },
        Op {
            at,
            len: 1,
            insert: "z".into(),
        },
        Op {
            at,
            len: 1,
            insert: "s".into(),
        },
    ];
    assert_eq!(run(&ops).unwrap(), 3);
}

/// Typing a new import on a line of its own keeps the incremental path: the names it binds on
/// the way (`h`, `ht`, …) are named nowhere, and no rule asked about `httpx` as a whole (it asked
/// about `requests`, which the file imports, first).
#[test]
fn typing_an_import_stays_incremental() {
    let at = BASE.find("import subprocess\n").unwrap() + "import subprocess\n".len();
    let mut ops = vec![Op {
        at,
        len: 0,
        insert: "\n".into(),
    }];
    ops.extend("import httpx".chars().enumerate().map(|(i, c)| Op {
        at: at + i,
        len: 0,
        insert: c.to_string(),
    }));
    assert_eq!(run(&ops).unwrap(), ops.len());
}

/// A module statement swallowed by a comment that grows takes its effects along: the statements
/// after it, which read it (`wb.active` after `wb.close()`), are checked again.
#[test]
fn a_statement_swallowed_by_a_comment_is_forgotten() {
    let added =
        "from openpyxl import load_workbook\nwb = load_workbook(p)\n# x\nwb.close()\nwb.active\n";
    let newline_after_comment = BASE.len() + added.find("# x").unwrap() + "# x".len();
    let ops = [
        Op {
            at: BASE.len(),
            len: 0,
            insert: added.into(),
        },
        Op {
            at: newline_after_comment,
            len: 1,
            insert: String::new(),
        },
    ];
    let runs = run(&ops).unwrap();
    // Both edits are incremental: the new import binds a name no rule asks about as a whole.
    assert_eq!(
        runs, 2,
        "the edit that swallows `wb.close()` takes the incremental path"
    );
}

/// `logger: int` binds nothing, `logger: int = 5` binds the name a logging fix would add: the
/// fixes cached in functions must not outlive that change.
#[test]
fn giving_an_annotated_name_a_value_renews_the_logging_fixes() {
    let old = "logger = logging.getLogger(__name__)";
    let at = BASE.find(old).unwrap();
    let ops = [
        Op {
            at,
            len: old.len(),
            insert: "logger: int".into(),
        },
        Op {
            at: at + "logger: int".len(),
            len: 0,
            insert: " = 5".into(),
        },
    ];
    run(&ops).unwrap();
}

/// A function named like a logger (`def log`) is nothing a logging fix reads: typing it stays on
/// the incremental path.
#[test]
fn naming_a_function_like_a_logger_stays_incremental() {
    let ops = [
        Op {
            at: BASE.len(),
            len: 0,
            insert: "\ndef lo(x):\n    return x\n".into(),
        },
        Op {
            at: BASE.len() + "\ndef lo".len(),
            len: 0,
            insert: "g".into(),
        },
    ];
    assert_eq!(run(&ops).unwrap(), 2, "both edits are incremental");
}

/// Typing on the line after the imports re-analyses module code and the units whose fixes insert
/// up there, not the whole file; the fixes still match a full analysis.
#[test]
fn typing_below_the_imports_stays_incremental() {
    let at = BASE.find("jsonify\n").unwrap() + "jsonify\n".len();
    let ops = [
        Op {
            at,
            len: 0,
            insert: "x".into(),
        },
        Op {
            at: at + 1,
            len: 0,
            insert: "y".into(),
        },
    ];
    assert_eq!(run(&ops).unwrap(), 2, "both edits are incremental");
}

/// A fix that inserts after the end of its statement's line reads the rest of that line: a
/// comment there that splits in two moves the line's end, and the fix with it.
#[test]
fn splitting_a_trailing_comment_moves_the_fix_after_its_line() {
    let at = BASE.find("app = Flask(__name__)").unwrap() + "app = Flask(__name__)".len();
    let ops = [
        Op {
            at,
            len: 0,
            insert: "  # a b".into(),
        },
        Op {
            at: at + "  # a".len(),
            len: 0,
            insert: "\n#".into(),
        },
    ];
    run(&ops).unwrap();
}

/// After an edit to one module statement, the rules that follow values from one statement to
/// the next find what it changed in the statements after it, which the edit did not touch: SQL
/// built in one and executed in another, a workbook closed in one and read in another. The
/// other rules' findings there are kept, not found again.
#[test]
fn an_edit_to_module_code_moves_flow_findings_in_the_statements_after_it() {
    const BUILT: &str = "f\"SELECT * FROM t WHERE a = {x}\"";
    let base_end = BASE.find("if __name__").unwrap();
    let code = "q = \"SELECT 1\"\nwb = load_workbook(p)\nwb.save(p)\ncur.execute(q)\nwb.active\n\n";
    let sql = base_end + code.find("\"SELECT").unwrap();
    let save = base_end + code.find("save").unwrap();
    let ops = [
        Op {
            at: base_end,
            len: 0,
            insert: code.into(),
        },
        // `q = "SELECT 1"` becomes an f-string: the `execute` below now runs built SQL.
        Op {
            at: sql,
            len: "\"SELECT 1\"".len(),
            insert: BUILT.into(),
        },
        // `wb.save(p)` becomes `wb.close()`: the `wb.active` below reads a closed workbook.
        Op {
            at: save + BUILT.len() - "\"SELECT 1\"".len(),
            len: "save(p)".len(),
            insert: "close()".into(),
        },
    ];
    assert_eq!(run(&ops).unwrap(), 3, "every edit is incremental");
    // The flows are there to be found: both rules report in the final text.
    let mut text = BASE.to_string();
    for op in &ops {
        text.replace_range(op.at..op.at + op.len, &op.insert);
    }
    let tree = Document::new(1, &text).tree().expect("parses").clone();
    let full = incremental::analyze(&text, &tree, &FileSettings::default(), None, None).0;
    for (code, at) in [("PF503", "cur.execute(q)"), ("PF401", "wb.active")] {
        let at = text.find(at).unwrap();
        assert!(
            full.findings
                .iter()
                .any(|f| f.rule.code == code && f.range.start >= at && f.range.start < at + 15),
            "no {code} at byte {at}"
        );
    }
}

/// Two loggers under names no setting prefers, and a function whose swallowed exception a fix
/// logs with one of them.
const TWO_LOGGERS: &str = "import logging\n\naudit = logging.getLogger(\"audit\")\nbus = logging.getLogger(\"bus\")\n\n\ndef f():\n    try:\n        pass\n    except Exception:\n        pass\n";

/// Analyses `text`, applies `changes` as one version, and returns the first analysis and the
/// incremental one after the changes, having checked that the latter equals a full analysis.
fn analyse_around(
    text: &str,
    changes: &[TextChange],
) -> (preflight::analysis::Analysis, preflight::analysis::Analysis) {
    let settings = FileSettings::default();
    let mut doc = Document::new(1, text);
    let tree = doc.tree().expect("parses").clone();
    let (before, cache) = incremental::analyze(text, &tree, &settings, None, None);
    let mut cache = cache.expect("a cache");
    let applied = doc
        .apply_changes(2, changes, PositionEncoding::Utf8)
        .expect("applies");
    assert!(cache.follow(&applied));
    let new_text = doc.text().to_string();
    let tree = doc.tree().expect("parses").clone();
    let got = incremental::analyze(&new_text, &tree, &settings, None, Some(&cache)).0;
    let want = incremental::analyze(&new_text, &tree, &settings, None, None).0;
    assert_eq!(visible(&got.findings), visible(&want.findings));
    (before, got)
}

/// The texts the logging fixes insert.
fn logging_fixes(findings: &[Finding]) -> Vec<String> {
    findings
        .iter()
        .filter_map(|f| f.fix.as_ref())
        .flat_map(|fix| fix.edits.iter().map(|e| e.new_text.clone()))
        .filter(|t| t.contains("exception"))
        .collect()
}

/// A logging fix names the same logger whatever order the loggers are bound in, so moving one
/// below the other (one change of two edits, facts unchanged) leaves the kept fixes of untouched
/// functions right.
#[test]
fn moving_a_logger_below_another_keeps_the_logging_fixes_right() {
    let text = TWO_LOGGERS;
    // Cut the `audit` line and paste it after the `bus` line, in one change.
    let line = "audit = logging.getLogger(\"audit\")\n";
    let start = text.find(line).unwrap();
    let after_bus = text.find("bus = ").unwrap() + "bus = logging.getLogger(\"bus\")\n".len();
    let changes = [
        TextChange {
            range: Some((line_col(text, after_bus), line_col(text, after_bus))),
            text: line.into(),
        },
        TextChange {
            range: Some((line_col(text, start), line_col(text, start + line.len()))),
            text: String::new(),
        },
    ];
    let (before, got) = analyse_around(text, &changes);
    assert!(got.incremental, "{:?}", got.full_reason);
    let fixes = logging_fixes(&before.findings);
    assert!(fixes.iter().any(|t| t.contains("audit.")), "{fixes:?}");
    assert_eq!(logging_fixes(&got.findings), fixes);
}

/// A logger name bound to something else too is no logger to reuse: binding it again below
/// renews the logging fixes of untouched functions.
#[test]
fn rebinding_a_logger_name_renews_the_logging_fixes() {
    let text = TWO_LOGGERS;
    let change = TextChange {
        range: Some((line_col(text, text.len()), line_col(text, text.len()))),
        text: "audit = None\n".into(),
    };
    let (_, got) = analyse_around(text, &[change]);
    let fixes = logging_fixes(&got.findings);
    assert!(fixes.iter().any(|t| t.contains("bus.")), "{fixes:?}");
}

/// A docstring left open in a large file swallows the code below it: with most of the file to
/// analyse again, the analysis goes the full way at once (the same findings, for less work than
/// collecting every unit again and finding the facts changed).
#[test]
fn an_edit_that_changes_most_of_a_large_file_analyses_it_whole() {
    let mut text = String::from("import requests\n\n\nclass Client:\n    def first(self):\n        \"\"\"Fetch.\n        \"\"\"\n        return requests.get(URL)\n");
    for i in 0..200 {
        text.push_str(&format!(
            "\n    def f{i}(self, u):\n        \"\"\"Call {i}.\"\"\"\n        try:\n            return requests.get(u, timeout=3)\n        except Exception:\n            pass\n"
        ));
    }
    assert!(text.len() > 16 * 1024);
    let quotes = text.find("        \"\"\"\n").unwrap();
    let changes = [TextChange {
        range: Some((line_col(&text, quotes), line_col(&text, quotes + 12))),
        text: String::new(),
    }];
    let (before, got) = analyse_around(&text, &changes);
    assert!(before.findings.len() > 200, "{}", before.findings.len());
    assert!(!got.incremental);
    assert_eq!(got.full_reason, Some(incremental::MOSTLY_CHANGED));
    // A small edit in the same file stays incremental.
    let at = text.find("timeout=3").unwrap() + "timeout=".len();
    let changes = [TextChange {
        range: Some((line_col(&text, at), line_col(&text, at + 1))),
        text: "5".into(),
    }];
    let (_, got) = analyse_around(&text, &changes);
    assert!(got.incremental, "{:?}", got.full_reason);
}
