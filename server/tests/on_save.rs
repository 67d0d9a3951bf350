//! `run = "onSave"`: diagnostics are published on open and save only, while code actions keep
//! working on the current text; the mode follows `workspace/didChangeConfiguration` without a
//! restart.

mod common;

use std::time::Duration;

use common::{apply, codes, Client};
use serde_json::{json, Value};

const TEXT: &str = "import requests\n\n\ndef fetch(url):\n    return requests.get(url)\n";

/// Long enough for a debounce-0 analysis to be published many times over.
const QUIET: Duration = Duration::from_millis(400);

fn publishes_for<'a>(messages: &'a [Value], uri: &'a str) -> impl Iterator<Item = &'a Value> {
    messages.iter().filter(move |m| {
        m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri
    })
}

fn save(client: &mut Client, uri: &str) {
    client.notify(
        "textDocument/didSave",
        json!({"textDocument": {"uri": uri}}),
    );
}

#[test]
fn on_save_publishes_on_open_and_save_only() {
    let mut client = Client::start();
    client.initialize_with(None, json!({"debounceMs": 0, "run": "onSave"}));
    let uri = "file:///project/on_save.py";
    client.open(uri, TEXT);
    assert_eq!(codes(&client.diagnostics(uri, Some(1))), ["PF201"]);

    // Typing the timeout by hand: the server takes the edit but stays quiet.
    let at = json!({"line": 4, "character": "    return requests.get(url".len()});
    let edit = json!({"range": {"start": at, "end": at}, "text": ", timeout=5"});
    let typed = apply(TEXT, std::slice::from_ref(&edit), true);
    client.change(uri, 2, json!([edit]));
    let heard = client.drain_for(QUIET);
    assert_eq!(
        publishes_for(&heard, uri).count(),
        0,
        "published while typing in onSave mode: {heard:?}"
    );

    // Code actions see the edited text: the finding is gone, so no fix is offered.
    let response = client.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": {"start": {"line": 4, "character": 11}, "end": {"line": 4, "character": 11}},
               "context": {"diagnostics": [], "only": ["quickfix"]}}),
    );
    assert_eq!(response["result"], json!([]), "{response}");

    save(&mut client, uri);
    assert!(client.diagnostics(uri, Some(2)).is_empty());

    // Reintroduce the problem and save again: it comes back, at the saved version.
    client.change(uri, 3, json!([{"text": TEXT}]));
    assert_eq!(
        publishes_for(&client.drain_for(QUIET), uri).count(),
        0,
        "published before the save"
    );
    assert_ne!(typed, TEXT);
    save(&mut client, uri);
    assert_eq!(codes(&client.diagnostics(uri, Some(3))), ["PF201"]);
    assert_eq!(client.stop(), 0);
}

#[test]
fn the_run_mode_follows_configuration_changes() {
    let mut client = Client::start();
    client.initialize(None);
    let uri = "file:///project/switch.py";
    client.open(uri, TEXT);
    assert_eq!(codes(&client.diagnostics(uri, Some(1))), ["PF201"]);

    // Switch to onSave (VS Code sends the section under its name).
    client.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"preflight": {"run": "onSave"}}}),
    );
    // The new settings re-check open documents once.
    assert_eq!(codes(&client.diagnostics(uri, Some(1))), ["PF201"]);
    client.change(uri, 2, json!([{"text": "import requests\n"}]));
    assert_eq!(publishes_for(&client.drain_for(QUIET), uri).count(), 0);

    // Back to onType (the setting removed): the next change is published without a save.
    client.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"preflight": {}}}),
    );
    client.diagnostics(uri, Some(2));
    client.change(uri, 3, json!([{"text": TEXT}]));
    assert_eq!(codes(&client.diagnostics(uri, Some(3))), ["PF201"]);

    // A wrong value is reported and the mode stays as it was.
    client.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"run": "sometimes"}}),
    );
    let message = client.wait_for("a warning about `run`", |m| {
        m["method"] == "window/showMessage"
            && m["params"]["message"]
                .as_str()
                .is_some_and(|s| s.contains("`run` must be"))
    });
    assert_eq!(message["params"]["type"], 2, "{message}");
    client.diagnostics(uri, Some(3));
    client.change(uri, 4, json!([{"text": "import requests\n"}]));
    assert!(client.diagnostics(uri, Some(4)).is_empty());
    assert_eq!(client.stop(), 0);
}
