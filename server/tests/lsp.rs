//! End-to-end tests of `preflight server`: the real binary, driven over stdio like an editor would.

mod common;

use std::time::{Duration, Instant};

use common::{apply, codes, Channel, Client, WAIT};
use serde_json::{json, Value};

const SOURCE: &str = "import requests\n\n\ndef fetch(url):\n    label = \"é中文😀\"; return requests.get(url)\n\n\ndef safe():\n    try:\n        fetch('x')\n    except Exception:\n        pass\n";

#[test]
fn utf16_session_diagnoses_edits_fixes_and_closes() {
    let mut client = Client::start();
    let init = client.initialize(None);
    assert_eq!(init["capabilities"]["positionEncoding"], "utf-16");
    let uri = "file:///project/app.py";
    client.open(uri, SOURCE);
    let diags = client.diagnostics(uri, Some(1));
    assert_eq!(codes(&diags), ["PF201", "PF101"]);
    let timeout = &diags[0];
    assert_eq!(timeout["source"], "preflight");
    assert_eq!(
        timeout["codeDescription"]["href"],
        "preflight://rules/PF201"
    );
    // `requests.get` starts after `    label = "é中文😀"; return ` — the emoji counts two UTF-16 units.
    let col = "    label = \"é中文😀\"; return ".encode_utf16().count();
    assert_eq!(
        timeout["range"]["start"],
        json!({"line": 4, "character": col})
    );
    assert_eq!(
        timeout["range"]["end"],
        json!({"line": 4, "character": col + "requests.get".len()})
    );

    // Type `, timeout=5` inside the call: an incremental change at a UTF-16 position.
    let at = col + "requests.get(url".len();
    let mut text = SOURCE.to_string();
    let edit = json!({"range": {"start": {"line": 4, "character": at}, "end": {"line": 4, "character": at}}, "text": ", timeout=5"});
    text = apply(&text, std::slice::from_ref(&edit), true);
    client.change(uri, 2, json!([edit]));
    assert_eq!(codes(&client.diagnostics(uri, Some(2))), ["PF101"]);

    // Ask for the quick fix on the `pass`, apply it, send the result back.
    let response = client.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": {"start": {"line": 10, "character": 4}, "end": {"line": 10, "character": 10}},
               "context": {"diagnostics": [], "only": ["quickfix"]}}),
    );
    let actions = response["result"]
        .as_array()
        .unwrap_or_else(|| panic!("{response}"));
    // The fix first, then "Ignore PF101 on this line" (the bare except is PF102's, further on).
    let titles: Vec<&str> = actions
        .iter()
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles,
        [
            "Log the exception with `logger.exception` (PF101)",
            "Ignore PF101 on this line"
        ],
        "{response}"
    );
    assert_eq!(actions[0]["kind"], "quickfix");
    assert_eq!(actions[0]["isPreferred"], true);
    assert_eq!(actions[0]["diagnostics"][0]["code"], "PF101");
    let edits = actions[0]["edit"]["changes"][uri].as_array().unwrap();
    text = apply(&text, edits, true);
    assert!(
        text.contains("logger.exception(\"Suppressed error in safe\")"),
        "{text}"
    );
    assert!(
        text.contains("import logging\nimport requests\n\nlogger = logging.getLogger(__name__)\n"),
        "{text}"
    );
    client.change(uri, 3, json!([{"text": text}]));
    assert!(client.diagnostics(uri, Some(3)).is_empty());

    client.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": uri}}),
    );
    assert!(client.diagnostics(uri, None).is_empty());
    assert_eq!(client.stop(), 0);
}

#[test]
fn utf8_session_counts_bytes() {
    let mut client = Client::start();
    let init = client.initialize(Some(&["utf-8", "utf-16"]));
    assert_eq!(init["capabilities"]["positionEncoding"], "utf-8");
    let uri = "file:///project/utf8.py";
    client.open(uri, SOURCE);
    let diags = client.diagnostics(uri, Some(1));
    let col = "    label = \"é中文😀\"; return ".len();
    assert_eq!(
        diags[0]["range"]["start"],
        json!({"line": 4, "character": col})
    );
    // Delete the emoji (4 bytes) with a UTF-8 range: the finding moves 4 columns left.
    let emoji = "    label = \"é中文".len();
    client.change(
        uri,
        2,
        json!([{"range": {"start": {"line": 4, "character": emoji}, "end": {"line": 4, "character": emoji + 4}}, "text": ""}]),
    );
    let diags = client.diagnostics(uri, Some(2));
    assert_eq!(
        diags[0]["range"]["start"],
        json!({"line": 4, "character": col - 4})
    );
    assert_eq!(client.stop(), 0);
}

#[test]
fn a_burst_of_changes_is_applied_in_order_and_only_the_latest_version_counts() {
    let mut client = Client::start();
    client.initialize(None);
    let uri = "file:///project/burst.py";
    client.open(uri, "import requests\n");
    client.diagnostics(uri, Some(1));
    // Type a function one character per change, 2 changes per character (insert + nothing-deleting
    // zero-width edit), as fast as the pipe takes them.
    let typed = "\ndef go(u):\n    try:\n        return requests.get(u)\n    except Exception:\n        pass\n";
    let mut line = 1u64;
    let mut character = 0u64;
    let mut version = 1;
    for c in typed.chars() {
        version += 1;
        let pos = json!({"line": line, "character": character});
        client.change(
            uri,
            version,
            json!([{"range": {"start": pos, "end": pos}, "text": c.to_string()}]),
        );
        if c == '\n' {
            line += 1;
            character = 0;
        } else {
            character += 1;
        }
    }
    let diags = client.diagnostics(uri, Some(version));
    assert_eq!(
        codes(&diags),
        ["PF201", "PF101"],
        "the server's text matches what was typed"
    );
    // Fix-all on the final text gives exactly the expected code.
    let response = client.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
               "context": {"diagnostics": [], "only": ["source.fixAll"]}}),
    );
    let actions = response["result"]
        .as_array()
        .unwrap_or_else(|| panic!("{response}"));
    assert_eq!(actions.len(), 1, "{response}");
    assert_eq!(actions[0]["kind"], "source.fixAll.preflight");
    let fixed = apply(
        &format!("import requests\n{typed}"),
        actions[0]["edit"]["changes"][uri].as_array().unwrap(),
        true,
    );
    assert!(
        fixed.contains("requests.get(u, timeout=10)") && fixed.contains("logger.exception("),
        "{fixed}"
    );
    assert_eq!(client.stop(), 0);
}

#[test]
fn bad_messages_are_rejected_and_the_server_keeps_serving() {
    let mut client = Client::start();
    client.initialize(None);
    // Edits to a document that was never opened, and a range far outside the document.
    client.change("file:///nowhere.py", 2, json!([{"text": "x"}]));
    let uri = "file:///project/bad.py";
    client.open(uri, "import requests\nrequests.get(u)\n");
    assert_eq!(codes(&client.diagnostics(uri, Some(1))), ["PF201"]);
    let far = json!({"line": 99, "character": 0});
    client.change(
        uri,
        2,
        json!([{"range": {"start": far, "end": far}, "text": "boom"}]),
    );
    // The document is unchanged: the next valid edit applies to the original text.
    let start = json!({"line": 1, "character": 0});
    client.change(
        uri,
        3,
        json!([{"range": {"start": start, "end": start}, "text": "# ok\n"}]),
    );
    let diags = client.diagnostics(uri, Some(3));
    assert_eq!(diags[0]["range"]["start"]["line"], 2);
    // Invalid Python still gets diagnostics for its valid parts.
    client.change(
        uri,
        4,
        json!([{"text": "def (:\nimport requests\nrequests.get(u)\n"}]),
    );
    assert_eq!(codes(&client.diagnostics(uri, Some(4))), ["PF201"]);
    // A code action for an unknown document is an error response, not a crash.
    let response = client.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": "file:///nowhere.py"}, "range": {"start": start, "end": start}, "context": {"diagnostics": []}}),
    );
    assert!(response.get("error").is_some(), "{response}");
    assert_eq!(client.stop(), 0);
}

#[test]
fn fix_all_offered_at_the_cursor_is_computed_once_resolved() {
    let mut client = Client::start();
    client.initialize_with_capabilities(
        json!({"textDocument": {
            "publishDiagnostics": {"versionSupport": true},
            "codeAction": {"dataSupport": true, "resolveSupport": {"properties": ["edit"]}}
        }}),
        Value::Null,
    );
    let uri = "file:///project/resolve.py";
    let text = "import requests\n\n\ndef f(u):\n    return requests.get(u)\n";
    client.open(uri, text);
    assert_eq!(codes(&client.diagnostics(uri, Some(1))), ["PF201"]);
    // Asked for at the cursor, without a kind: offered, its edit left for later.
    let at = json!({"line": 4, "character": 12});
    let response = client.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": {"start": at, "end": at}, "context": {"diagnostics": []}}),
    );
    let actions = response["result"].as_array().expect("actions");
    let fix_all = actions
        .iter()
        .find(|a| a["kind"] == "source.fixAll.preflight")
        .unwrap_or_else(|| panic!("{response}"))
        .clone();
    assert!(fix_all.get("edit").is_none(), "{fix_all}");
    assert_eq!(fix_all["title"], "Preflight: fix all safe problems (1)");
    let resolved = client.request("codeAction/resolve", fix_all.clone());
    let fixed = apply(
        text,
        resolved["result"]["edit"]["changes"][uri]
            .as_array()
            .unwrap_or_else(|| panic!("{resolved}")),
        true,
    );
    assert!(fixed.contains("requests.get(u, timeout=10)"), "{fixed}");
    // Once the document changed, the action offered for the old text is refused, not applied.
    let top = json!({"line": 0, "character": 0});
    client.change(
        uri,
        2,
        json!([{"range": {"start": top, "end": top}, "text": "# moved\n"}]),
    );
    client.diagnostics(uri, Some(2));
    let stale = client.request("codeAction/resolve", fix_all);
    assert_eq!(stale["error"]["code"], -32801, "{stale}");
    assert_eq!(client.stop(), 0);
}

#[test]
fn a_session_over_a_unix_socket_is_served_like_one_over_pipes() {
    // Editors built on libuv (Neovim) or Node (VS Code) give the server a socket, not pipes.
    let mut client = Client::start_over(Channel::Socket);
    client.initialize(None);
    let uri = "file:///project/socket.py";
    client.open(uri, "import requests\nrequests.get(u)\n");
    assert_eq!(codes(&client.diagnostics(uri, Some(1))), ["PF201"]);
    let end = json!({"line": 1, "character": "requests.get(u".len()});
    client.change(
        uri,
        2,
        json!([{"range": {"start": end, "end": end}, "text": ", timeout=5"}]),
    );
    assert!(client.diagnostics(uri, Some(2)).is_empty());
    assert_eq!(client.stop(), 0);
}

#[test]
fn messages_read_from_a_file_are_answered() {
    // Stdin that is neither a pipe nor a socket (a file here) is read the plain way.
    let frame = |v: Value| format!("Content-Length: {}\r\n\r\n{v}", v.to_string().len());
    let input = [
        frame(json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}}})),
        frame(json!({"jsonrpc": "2.0", "id": 2, "method": "preflight/unknown"})),
    ]
    .concat();
    let path = std::env::temp_dir().join(format!("preflight-stdin-{}.txt", std::process::id()));
    std::fs::write(&path, input).unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_preflight"))
        .arg("server")
        .stdin(std::fs::File::open(&path).unwrap())
        .stderr(std::process::Stdio::null())
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&path);
    let out = String::from_utf8_lossy(&output.stdout);
    assert!(out.contains(r#""positionEncoding":"utf-16""#), "{out}");
    assert!(out.contains(r#""code":-32601"#), "{out}");
    // The end of the file ends the session, without a `shutdown`.
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn exit_without_shutdown_exits_with_1() {
    let mut client = Client::start();
    client.initialize(None);
    client.notify("exit", Value::Null);
    let deadline = Instant::now() + WAIT;
    loop {
        if let Some(status) = client.child.try_wait().unwrap() {
            assert_eq!(status.code(), Some(1));
            return;
        }
        assert!(Instant::now() < deadline, "server did not exit");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn the_ignore_action_silences_a_finding_on_its_line() {
    let mut client = Client::start();
    client.initialize(None);
    let uri = "file:///project/ignore.py";
    let text = "import requests\nrequests.get('#')  # why\n";
    client.open(uri, text);
    assert_eq!(codes(&client.diagnostics(uri, Some(1))), ["PF201"]);
    let response = client.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": {"start": {"line": 1, "character": 0}, "end": {"line": 1, "character": 0}},
               "context": {"diagnostics": []}}),
    );
    let actions = response["result"].as_array().unwrap();
    let ignore = actions
        .iter()
        .find(|a| a["title"] == "Ignore PF201 on this line")
        .expect("an ignore action");
    assert_eq!(ignore["kind"], "quickfix");
    let fixed = apply(
        text,
        ignore["edit"]["changes"][uri].as_array().unwrap(),
        true,
    );
    assert_eq!(
        fixed,
        "import requests\nrequests.get('#')  # why  # preflight: ignore[PF201]\n"
    );
    client.change(uri, 2, json!([{"text": fixed}]));
    assert!(client.diagnostics(uri, Some(2)).is_empty());
    assert_eq!(client.stop(), 0);
}
