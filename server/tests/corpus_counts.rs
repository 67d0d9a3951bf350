//! Precision bookkeeping on real code: the number of findings per rule over the shared corpus
//! (`fetch.sh large`, pinned package versions) must match `tests/corpus/counts.txt`, so that a
//! change in what a rule finds on real code is noticed and judged (see `tests/corpus/README.md`).
//!
//! Runs when `PREFLIGHT_CORPUS_LARGE` names the corpus folder (`.ci/run` sets it); refresh the
//! counts with `UPDATE_EXPECT=1` after judging the difference.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use preflight::analysis::analyze_str;
use preflight::rules::registry;

fn counts_file() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/corpus/counts.txt")
}

#[test]
fn findings_per_rule_on_the_corpus_match_the_judged_counts() {
    let Ok(dir) = std::env::var("PREFLIGHT_CORPUS_LARGE") else {
        eprintln!("PREFLIGHT_CORPUS_LARGE is not set: the corpus counts are checked by .ci/run");
        return;
    };
    let mut errors = Vec::new();
    let files = preflight::cli::check::collect_files(&[PathBuf::from(&dir)], &mut errors);
    assert!(
        files.len() > 1000,
        "the large corpus has thousands of files, found {}",
        files.len()
    );
    let mut counts: BTreeMap<String, usize> = registry()
        .rules()
        .iter()
        .map(|r| (r.meta.code.to_string(), 0))
        .collect();
    for path in &files {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        let Ok(findings) = analyze_str(&text) else {
            continue;
        };
        for f in findings {
            *counts.entry(f.rule.code.to_string()).or_default() += 1;
        }
    }
    let mut actual = format!(
        "# findings per rule over fetch.sh large ({} files)\n",
        files.len()
    );
    for (code, n) in &counts {
        let name = registry().find(code).map_or("", |r| r.meta.name);
        actual.push_str(&format!("{code} {name} {n}\n"));
    }
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::write(counts_file(), &actual).expect("write counts");
        return;
    }
    let expected = std::fs::read_to_string(counts_file()).unwrap_or_default();
    assert_eq!(
        expected, actual,
        "findings on the corpus changed: judge the new ones (tests/corpus/README.md), then refresh \
         with UPDATE_EXPECT=1"
    );
}
