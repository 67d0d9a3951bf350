//! A minimal LSP client that drives the real `preflight server` binary over stdio, for tests.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

pub const WAIT: Duration = Duration::from_secs(20);

/// What the test gives the server as its stdin and stdout.
#[derive(Debug, Clone, Copy)]
pub enum Channel {
    /// Two pipes, as most clients do.
    Pipes,
    /// One Unix socket for both, as clients built on libuv or Node do.
    Socket,
}

pub struct Client {
    pub child: Child,
    stdin: Box<dyn Write + Send>,
    messages: Receiver<Value>,
    next_id: i64,
    /// Notifications read while waiting for something else.
    backlog: Vec<Value>,
}

impl Client {
    pub fn start() -> Client {
        Self::start_over(Channel::Pipes)
    }

    pub fn start_over(over: Channel) -> Client {
        let mut command = Command::new(env!("CARGO_BIN_EXE_preflight"));
        command.arg("server").stderr(Stdio::null());
        let (child, stdin, stdout): (Child, Box<dyn Write + Send>, Box<dyn Read + Send>) =
            match over {
                Channel::Pipes => {
                    command.stdin(Stdio::piped()).stdout(Stdio::piped());
                    let mut child = command.spawn().expect("start preflight server");
                    let stdin = Box::new(child.stdin.take().unwrap());
                    let stdout = Box::new(child.stdout.take().unwrap());
                    (child, stdin, stdout)
                }
                Channel::Socket => {
                    let (ours, theirs) = std::os::unix::net::UnixStream::pair().unwrap();
                    command
                        .stdin(std::os::fd::OwnedFd::from(theirs.try_clone().unwrap()))
                        .stdout(std::os::fd::OwnedFd::from(theirs));
                    let child = command.spawn().expect("start preflight server");
                    (child, Box::new(ours.try_clone().unwrap()), Box::new(ours))
                }
            };
        // The command holds the server's ends of the channel; without them, the server's exit
        // ends our reads.
        drop(command);
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

    pub fn send(&mut self, message: Value) {
        let body = message.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.stdin.flush().unwrap();
    }

    /// Writes raw bytes, for malformed frames.
    pub fn send_raw(&mut self, raw: &[u8]) {
        self.stdin.write_all(raw).unwrap();
        self.stdin.flush().unwrap();
    }

    /// Waits for a message matching `wanted` (responses, notifications, anything).
    pub fn wait_for(&mut self, what: &str, wanted: impl Fn(&Value) -> bool) -> Value {
        if let Some(pos) = self.backlog.iter().position(&wanted) {
            return self.backlog.remove(pos);
        }
        let deadline = Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let msg = self
                .messages
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("no {what} in time"));
            if wanted(&msg) {
                return msg;
            }
            self.backlog.push(msg);
        }
    }

    /// Every message that arrives within `window` (plus any already read and not yet consumed),
    /// for tests that check something is *not* sent.
    pub fn drain_for(&mut self, window: Duration) -> Vec<Value> {
        let mut out = std::mem::take(&mut self.backlog);
        let deadline = Instant::now() + window;
        while let Ok(msg) = self
            .messages
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
        {
            out.push(msg);
        }
        out
    }

    /// Waits for the process to end and returns its exit code.
    pub fn wait_exit(&mut self) -> i32 {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code().unwrap_or(-1);
            }
            assert!(Instant::now() < deadline, "server did not exit");
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    pub fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    pub fn request(&mut self, method: &str, params: Value) -> Value {
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
    pub fn diagnostics(&mut self, uri: &str, version: Option<i64>) -> Vec<Value> {
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

    pub fn initialize(&mut self, encodings: Option<&[&str]>) -> Value {
        self.initialize_with(encodings, json!({"debounceMs": 0}))
    }

    pub fn initialize_with(&mut self, encodings: Option<&[&str]>, options: Value) -> Value {
        let mut caps = json!({"textDocument": {"publishDiagnostics": {"versionSupport": true}}});
        if let Some(encodings) = encodings {
            caps["general"] = json!({"positionEncodings": encodings});
        }
        self.initialize_with_capabilities(caps, options)
    }

    /// `initialize` declaring `caps` as the client's capabilities.
    pub fn initialize_with_capabilities(&mut self, caps: Value, options: Value) -> Value {
        let response = self.request(
            "initialize",
            json!({"processId": null, "rootUri": null, "capabilities": caps, "initializationOptions": options}),
        );
        self.notify("initialized", json!({}));
        response["result"].clone()
    }

    pub fn open(&mut self, uri: &str, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": text}}),
        );
    }

    pub fn change(&mut self, uri: &str, version: i64, changes: Value) {
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": changes}),
        );
    }

    pub fn stop(mut self) -> i32 {
        let response = self.request("shutdown", Value::Null);
        assert!(response.get("error").is_none(), "{response}");
        self.notify("exit", Value::Null);
        self.wait_exit()
    }
}

/// A client-side position → byte conversion, written independently of the server's.
pub fn offset(text: &str, line: u64, character: u64, utf16: bool) -> usize {
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
pub fn apply(text: &str, edits: &[Value], utf16: bool) -> String {
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

pub fn codes(diagnostics: &[Value]) -> Vec<String> {
    diagnostics
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_string())
        .collect()
}
