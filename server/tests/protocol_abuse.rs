//! Protocol abuse: malformed frames, out-of-order requests, hostile documents. The server answers
//! what the specification asks (an error response to a request, a log line for a notification)
//! and keeps serving other documents.

mod common;

use common::{codes, Client};
use serde_json::{json, Value};

/// A document the server keeps analysing correctly after each abuse.
fn assert_still_serving(client: &mut Client, version: i64) {
    let uri = "file:///project/canary.py";
    if version == 1 {
        client.open(uri, "import requests\nrequests.get(u)\n");
    } else {
        client.change(
            uri,
            version,
            json!([{"text": format!("import requests\n# {version}\nrequests.get(u)\n")}]),
        );
    }
    assert_eq!(codes(&client.diagnostics(uri, Some(version))), ["PF201"]);
}

fn error_code(response: &Value) -> i64 {
    response["error"]["code"]
        .as_i64()
        .unwrap_or_else(|| panic!("expected an error: {response}"))
}

#[test]
fn requests_before_initialize_get_server_not_initialized() {
    let mut client = Client::start();
    let response = client.request("textDocument/codeAction", json!({}));
    assert_eq!(error_code(&response), -32002);
    client.initialize(None);
    assert_still_serving(&mut client, 1);
    assert_eq!(client.stop(), 0);
}

#[test]
fn malformed_frames_and_unknown_methods() {
    let mut client = Client::start();
    client.initialize(None);
    assert_still_serving(&mut client, 1);

    // Not JSON: a parse error response with a null id.
    let body = "{not json}";
    client.send_raw(format!("Content-Length: {}\r\n\r\n{body}", body.len()).as_bytes());
    let error = client.wait_for("parse error", |m| {
        m["id"].is_null() && m.get("error").is_some()
    });
    assert_eq!(error_code(&error), -32700);
    assert_still_serving(&mut client, 2);

    // JSON that is not a JSON-RPC message.
    let body = "[1, 2, 3]";
    client.send_raw(format!("Content-Length: {}\r\n\r\n{body}", body.len()).as_bytes());
    let error = client.wait_for("invalid request", |m| {
        m["id"].is_null() && m.get("error").is_some()
    });
    assert!(matches!(error_code(&error), -32700 | -32600), "{error}");
    assert_still_serving(&mut client, 3);

    // Unknown request: MethodNotFound. Unknown notifications (and `$/` ones) are ignored.
    let response = client.request("preflight/unknown", json!({}));
    assert_eq!(error_code(&response), -32601);
    client.notify("preflight/unknownNotification", json!({}));
    client.notify("$/cancelRequest", json!({"id": 999}));
    assert_still_serving(&mut client, 4);

    // Parameters of the wrong shape: InvalidParams.
    let response = client.request("textDocument/codeAction", json!({"textDocument": 42}));
    assert_eq!(error_code(&response), -32602);
    assert_still_serving(&mut client, 5);
    assert_eq!(client.stop(), 0);
}

#[test]
fn a_wrong_content_length_costs_at_most_that_message() {
    let mut client = Client::start();
    client.initialize(None);
    assert_still_serving(&mut client, 1);
    // A header that claims fewer bytes than follow: the rest is garbage before the next header.
    let body = json!({"jsonrpc": "2.0", "method": "textDocument/didSave", "params": {"textDocument": {"uri": "file:///x.py"}}}).to_string();
    client.send_raw(format!("Content-Length: {}\r\n\r\n{body}", body.len() - 5).as_bytes());
    // A header with a length that is not a number.
    client.send_raw(b"Content-Length: lots\r\n\r\n{}");
    assert_still_serving(&mut client, 2);
    assert_eq!(client.stop(), 0);
}

#[test]
fn hostile_edits_and_versions() {
    let mut client = Client::start();
    client.initialize(None);
    let uri = "file:///project/doc.py";
    client.open(uri, "import requests\nrequests.get(u)\n");
    assert_eq!(codes(&client.diagnostics(uri, Some(1))), ["PF201"]);

    // A reversed range is rejected; the document is unchanged.
    let (a, b) = (
        json!({"line": 1, "character": 5}),
        json!({"line": 1, "character": 0}),
    );
    client.change(
        uri,
        2,
        json!([{"range": {"start": a, "end": b}, "text": "boom"}]),
    );
    // A change to a document that was never opened is ignored.
    client.change("file:///project/never-opened.py", 2, json!([{"text": "x"}]));
    // didOpen twice: the second text replaces the first.
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "python", "version": 10, "text": "import requests\n\n\nrequests.post(u)\n"}}),
    );
    let diags = client.diagnostics(uri, Some(10));
    assert_eq!(diags[0]["range"]["start"]["line"], 3);
    // A version that goes backwards still carries the client's text: it is applied and published.
    client.change(uri, 4, json!([{"text": "x = 1\n"}]));
    assert!(client.diagnostics(uri, Some(4)).is_empty());
    assert_still_serving(&mut client, 1);
    assert_eq!(client.stop(), 0);
}

#[test]
fn huge_binary_nul_and_deeply_nested_documents() {
    let mut client = Client::start();
    client.initialize(None);

    // 50 MB: over the default 10 MiB limit, skipped with one information diagnostic.
    let huge = "requests.get(u)\n".repeat(50 * 1024 * 1024 / 16);
    client.open("file:///project/huge.py", &huge);
    let diags = client.diagnostics("file:///project/huge.py", Some(1));
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert_eq!(diags[0]["severity"], 3);
    assert!(
        diags[0]["message"].as_str().unwrap().contains("skipped"),
        "{diags:?}"
    );
    drop(huge);

    // Binary noise (every code point class JSON can carry), a NUL byte, deep nesting.
    let mut seed = 0x2545F4914F6CDD1Du64;
    let noise: String = (0..100_000)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            char::from_u32((seed % 0x3000) as u32).unwrap_or('\u{fffd}')
        })
        .collect();
    client.open("file:///project/noise.py", &noise);
    client.diagnostics("file:///project/noise.py", Some(1));
    client.open(
        "file:///project/nul.py",
        "import requests\n\0\nrequests.get(u)\n",
    );
    assert_eq!(
        codes(&client.diagnostics("file:///project/nul.py", Some(1))),
        ["PF201"]
    );
    let nested = format!(
        "x = {}{}\nimport requests\nrequests.get(u)\n",
        "[(".repeat(5_000),
        ")]".repeat(5_000)
    );
    client.open("file:///project/nested.py", &nested);
    client.diagnostics("file:///project/nested.py", Some(1));

    assert_still_serving(&mut client, 1);
    assert_eq!(client.stop(), 0);
}

#[test]
fn a_limit_from_initialization_options_applies_and_lifts_when_the_file_shrinks() {
    let mut client = Client::start();
    client.initialize_with(None, json!({"debounceMs": 0, "maxFileSize": 100}));
    let uri = "file:///project/limited.py";
    let big = format!(
        "import requests\nrequests.get(u)\n{}",
        "# padding\n".repeat(20)
    );
    client.open(uri, &big);
    let diags = client.diagnostics(uri, Some(1));
    assert_eq!(diags.len(), 1);
    assert!(
        diags[0]["message"].as_str().unwrap().contains("limit"),
        "{diags:?}"
    );
    client.change(
        uri,
        2,
        json!([{"text": "import requests\nrequests.get(u)\n"}]),
    );
    assert_eq!(codes(&client.diagnostics(uri, Some(2))), ["PF201"]);
    assert_eq!(client.stop(), 0);
}

#[test]
fn requests_after_shutdown_are_invalid() {
    let mut client = Client::start();
    client.initialize(None);
    let response = client.request("shutdown", Value::Null);
    assert!(response.get("error").is_none());
    let response = client.request("textDocument/codeAction", json!({}));
    assert_eq!(error_code(&response), -32600);
    client.notify("exit", Value::Null);
    assert_eq!(client.wait_exit(), 0);
}
