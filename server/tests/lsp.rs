//! End-to-end tests of `preflight server`: the real binary, driven over stdio like an editor would.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

const WAIT: Duration = Duration::from_secs(20);

struct Client {
    child: Child,
    stdin: ChildStdin,
    messages: Receiver<Value>,
    next_id: i64,
    /// Notifications read while waiting for something else.
    backlog: Vec<Value>,
}

impl Client {
    fn start() -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_preflight"))
            .arg("server")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start preflight server");
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            loop {
                let mut length = None;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(v) = line.strip_prefix("Content-Length: ") {
                        length = v.parse::<usize>().ok();
                    }
                }
                let mut body = vec![0; length.expect("Content-Length header")];
                if reader.read_exact(&mut body).is_err() {
                    return;
                }
                let value: Value = serde_json::from_slice(&body).expect("server sends JSON");
                if tx.send(value).is_err() {
                    return;
                }
            }
        });
        Client {
            child,
            stdin,
            messages: rx,
            next_id: 1,
            backlog: Vec::new(),
        }
    }

    fn send(&mut self, message: Value) {
        let body = message.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.stdin.flush().unwrap();
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        let deadline = Instant::now() + WAIT;
        loop {
            let msg = self
                .messages
                .recv_timeout(deadline - Instant::now())
                .expect("response in time");
            if msg.get("id") == Some(&json!(id)) && msg.get("method").is_none() {
                return msg;
            }
            self.backlog.push(msg);
        }
    }

    /// Waits for the `publishDiagnostics` of `uri` at `version` (older ones are skipped).
    fn diagnostics(&mut self, uri: &str, version: Option<i64>) -> Vec<Value> {
        let wanted = |m: &Value| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == uri
                && match version {
                    Some(v) => m["params"]["version"] == v,
                    None => m["params"]["version"].is_null(),
                }
        };
        if let Some(pos) = self.backlog.iter().position(wanted) {
            let m = self.backlog.remove(pos);
            return m["params"]["diagnostics"].as_array().unwrap().clone();
        }
        let deadline = Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let msg = self
                .messages
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("diagnostics for {uri} v{version:?}"));
            if wanted(&msg) {
                return msg["params"]["diagnostics"].as_array().unwrap().clone();
            }
            if msg["method"] == "textDocument/publishDiagnostics" && msg["params"]["uri"] == uri {
                if let (Some(got), Some(want)) = (msg["params"]["version"].as_i64(), version) {
                    assert!(got <= want, "published v{got} while waiting for v{want}");
                }
            }
            self.backlog.push(msg);
        }
    }

    fn initialize(&mut self, encodings: Option<&[&str]>) -> Value {
        let mut caps = json!({"textDocument": {"publishDiagnostics": {"versionSupport": true}}});
        if let Some(encodings) = encodings {
            caps["general"] = json!({"positionEncodings": encodings});
        }
        let response = self.request(
            "initialize",
            json!({"processId": null, "rootUri": null, "capabilities": caps, "initializationOptions": {"debounceMs": 0}}),
        );
        self.notify("initialized", json!({}));
        response["result"].clone()
    }

    fn open(&mut self, uri: &str, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": text}}),
        );
    }

    fn change(&mut self, uri: &str, version: i64, changes: Value) {
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": changes}),
        );
    }

    fn stop(mut self) -> i32 {
        let response = self.request("shutdown", Value::Null);
        assert!(response.get("error").is_none(), "{response}");
        self.notify("exit", Value::Null);
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code().unwrap_or(-1);
            }
            assert!(Instant::now() < deadline, "server did not exit");
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

/// A client-side position → byte conversion, written independently of the server's.
fn offset(text: &str, line: u64, character: u64, utf16: bool) -> usize {
    let mut start = 0;
    for _ in 0..line {
        start += text[start..].find('\n').unwrap() + 1;
    }
    let mut units = 0;
    for (i, c) in text[start..].char_indices() {
        if units >= character as usize || c == '\n' {
            return start + i;
        }
        units += if utf16 { c.len_utf16() } else { c.len_utf8() };
    }
    text.len()
}

/// Applies LSP text edits (non-overlapping) to a text.
fn apply(text: &str, edits: &[Value], utf16: bool) -> String {
    let mut spans: Vec<(usize, usize, String)> = edits
        .iter()
        .map(|e| {
            let r = &e["range"];
            let s = offset(
                text,
                r["start"]["line"].as_u64().unwrap(),
                r["start"]["character"].as_u64().unwrap(),
                utf16,
            );
            let t = offset(
                text,
                r["end"]["line"].as_u64().unwrap(),
                r["end"]["character"].as_u64().unwrap(),
                utf16,
            );
            (
                s,
                t,
                e.get("newText")
                    .unwrap_or(&e["text"])
                    .as_str()
                    .unwrap()
                    .to_string(),
            )
        })
        .collect();
    spans.sort_by_key(|s| std::cmp::Reverse((s.0, s.1)));
    let mut out = text.to_string();
    for (s, t, new) in spans {
        out.replace_range(s..t, &new);
    }
    out
}

fn codes(diagnostics: &[Value]) -> Vec<String> {
    diagnostics
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_string())
        .collect()
}

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
        json!({"textDocument": {"uri": uri}, "range": {"start": {"line": 11, "character": 8}, "end": {"line": 11, "character": 12}},
               "context": {"diagnostics": [], "only": ["quickfix"]}}),
    );
    let actions = response["result"]
        .as_array()
        .unwrap_or_else(|| panic!("{response}"));
    assert_eq!(actions.len(), 1, "{response}");
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
