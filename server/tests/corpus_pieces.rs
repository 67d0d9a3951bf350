//! The split into statements on real code: for every file of the shared corpus that parses
//! without an error as one tree, parsing it statement by statement ([`ModuleTree`]) gives the same
//! top-level nodes (kinds, bytes, rows and columns, whole subtrees), and no file gains an error.
//!
//! Runs when `PREFLIGHT_CORPUS_LARGE` names the corpus folder (`.ci/run` sets it).

use std::path::PathBuf;

use preflight::parse::{parse_str, ModuleTree};

fn describe(node: tree_sitter::Node) -> String {
    format!(
        "{:?} {:?}-{:?} {}",
        node.byte_range(),
        node.start_position(),
        node.end_position(),
        node.to_sexp()
    )
}

#[test]
fn statements_parsed_alone_are_those_of_a_whole_parse() {
    let Ok(dir) = std::env::var("PREFLIGHT_CORPUS_LARGE") else {
        eprintln!(
            "PREFLIGHT_CORPUS_LARGE is not set: the split is checked on the corpus by .ci/run"
        );
        return;
    };
    let mut errors = Vec::new();
    let files = preflight::cli::check::collect_files(&[PathBuf::from(&dir)], &mut errors);
    assert!(files.len() > 1000, "found {} files", files.len());
    let (mut compared, mut pieces) = (0, 0);
    let mut wrong = Vec::new();
    for path in &files {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        let whole = parse_str(&text).expect("parses");
        let split = ModuleTree::parse(&text, None).expect("parses");
        pieces += split.piece_ranges().count();
        if whole.root_node().has_error() {
            continue;
        }
        compared += 1;
        let mut cursor = whole.walk();
        let expected: Vec<String> = whole
            .root_node()
            .children(&mut cursor)
            .map(describe)
            .collect();
        let got: Vec<String> = split.statements().map(describe).collect();
        if got != expected || split.has_error() {
            wrong.push(path.display().to_string());
        }
    }
    eprintln!("{compared} files compared, {pieces} pieces");
    assert!(wrong.is_empty(), "statements differ in {wrong:#?}");
}
