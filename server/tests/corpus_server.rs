//! Crash run through the server: every file of the corpus is opened, edited (a line deleted, a
//! block with a swallowed exception and non-ASCII text pasted at the top, then the original text
//! restored) and closed. No panic, every file gets diagnostics for every version, and the
//! restored text gets exactly the diagnostics the original had.

mod common;
#[path = "common/corpus.rs"]
mod corpus;

use common::Client;
use serde_json::json;

#[test]
fn open_edit_close_every_file_of_the_corpus() {
    let files = corpus::files(300);
    let mut client = Client::start();
    client.initialize(None);
    let (mut checked, mut not_text) = (0, 0);
    for (n, path) in files.iter().enumerate() {
        let Ok(text) = std::fs::read_to_string(path) else {
            not_text += 1;
            continue;
        };
        let uri = format!("file:///corpus/{n}.py");
        client.open(&uri, &text);
        let original = client.diagnostics(&uri, Some(1));
        let middle = text.lines().count() / 2;
        let (a, b) = (
            json!({"line": middle, "character": 0}),
            json!({"line": middle + 1, "character": 0}),
        );
        client.change(
            &uri,
            2,
            json!([{"range": {"start": a, "end": b}, "text": ""}]),
        );
        let top = json!({"line": 0, "character": 0});
        let block = "try:\n    pass\nexcept:\n    pass\n# é中文😀\n";
        client.change(
            &uri,
            3,
            json!([{"range": {"start": top, "end": top}, "text": block}]),
        );
        client.diagnostics(&uri, Some(3));
        client.change(&uri, 4, json!([{"text": text}]));
        let restored = client.diagnostics(&uri, Some(4));
        assert_eq!(
            original,
            restored,
            "{}: same text, different diagnostics",
            path.display()
        );
        client.notify(
            "textDocument/didClose",
            json!({"textDocument": {"uri": uri}}),
        );
        assert!(client.diagnostics(&uri, None).is_empty());
        checked += 1;
    }
    eprintln!(
        "{} files: {checked} opened, edited and closed; {not_text} not UTF-8",
        files.len()
    );
    assert_eq!(
        checked + not_text,
        files.len(),
        "every file is accounted for"
    );
    assert_eq!(client.stop(), 0);
}
