//! End-to-end: a `requirements.txt` opened in the editor gets PF601 diagnostics for unpinned
//! lines, a quick fix that pins the version installed in the workspace's `.venv`, and no fix for
//! a package that is not installed. The real binary, over stdio.

mod common;

use common::{apply, codes, Client};
use serde_json::json;

#[test]
fn unpinned_requirements_are_diagnosed_and_pinned_from_the_workspace_venv() {
    let root = std::env::temp_dir().join(format!("preflight-req-lsp-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let site = root.join(".venv/lib/python3.12/site-packages");
    std::fs::create_dir_all(site.join("Flask-3.1.0.dist-info")).unwrap();
    std::fs::create_dir_all(site.join("SQLAlchemy-2.0.36.dist-info")).unwrap();
    std::fs::write(root.join(".venv/pyvenv.cfg"), "home = /usr/bin\n").unwrap();
    let root_uri = format!("file://{}", root.display());
    let uri = format!("{root_uri}/requirements.txt");
    let text = "# web\nflask>=3.0  # the API\nsqlalchemy==2.0.36\npreflight-test-not-installed\n";

    let mut client = Client::start();
    let response = client.request(
        "initialize",
        json!({"processId": null, "rootUri": root_uri, "capabilities": {},
               "workspaceFolders": [{"uri": root_uri, "name": "svc"}],
               "initializationOptions": {"debounceMs": 0}}),
    );
    assert!(response["result"]["capabilities"].is_object(), "{response}");
    client.notify("initialized", json!({}));
    client.open(&uri, text);
    let diags = client.diagnostics(&uri, Some(1));
    assert_eq!(codes(&diags), ["PF601", "PF601"]);
    assert_eq!(
        diags[0]["range"],
        json!({"start": {"line": 1, "character": 0}, "end": {"line": 1, "character": 10}})
    );
    assert_eq!(diags[0]["severity"], 2);
    assert!(diags[0]["message"]
        .as_str()
        .unwrap()
        .contains("sets only a lower bound"));
    assert_eq!(diags[1]["range"]["start"]["line"], 3);

    // The installed package gets a pin, then an "ignore" action.
    let actions = client.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": {"start": {"line": 1, "character": 2}, "end": {"line": 1, "character": 2}},
               "context": {"diagnostics": [], "only": ["quickfix"]}}),
    );
    let actions = actions["result"].as_array().cloned().unwrap_or_default();
    let titles: Vec<&str> = actions
        .iter()
        .map(|a| a["title"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        titles,
        [
            "Pin `flask==3.1.0` (installed in .venv) (PF601)",
            "Ignore PF601 on this line"
        ]
    );
    let edits = actions[0]["edit"]["changes"][uri.as_str()]
        .as_array()
        .cloned()
        .unwrap();
    let pinned = apply(text, &edits, true);
    assert_eq!(
        pinned,
        "# web\nflask==3.1.0  # the API\nsqlalchemy==2.0.36\npreflight-test-not-installed\n"
    );
    // The "ignore" comment silences the line.
    let ignore = actions[1]["edit"]["changes"][uri.as_str()]
        .as_array()
        .cloned()
        .unwrap();
    let ignored = apply(text, &ignore, true);
    client.change(&uri, 2, json!([{"text": ignored}]));
    assert_eq!(codes(&client.diagnostics(&uri, Some(2))), ["PF601"]);

    // Not installed: no pin, only the ignore action.
    let actions = client.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": {"start": {"line": 3, "character": 0}, "end": {"line": 3, "character": 3}},
               "context": {"diagnostics": [], "only": ["quickfix"]}}),
    );
    let titles: Vec<String> = actions["result"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|a| a["title"].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(titles, ["Ignore PF601 on this line"]);
    assert_eq!(client.stop(), 0);
    let _ = std::fs::remove_dir_all(&root);
}
