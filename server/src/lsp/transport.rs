//! The stdio transport in front of tower-lsp-server: frames messages ourselves so that a malformed
//! one costs only itself.
//!
//! tower-lsp-server reads stdin through a `FramedRead`, which ends the stream after the first
//! decoding error: one frame of bad JSON from a client would leave the server deaf. So every
//! frame is read and validated here first. Well-formed messages are passed on unchanged over an
//! in-memory pipe; a malformed one is answered with the JSON-RPC error the specification asks for
//! (`-32700` parse error, `-32600` invalid request) and logged. The server's own output is copied
//! to stdout frame by frame, so those error responses never interleave with its messages.

use serde_json::{json, Value};
use std::sync::Arc;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};

use tokio::sync::Mutex;
use tower_lsp_server::jsonrpc::{Request, Response};

/// Frames larger than this are refused rather than buffered (the largest sane document plus JSON).
const MAX_FRAME_BYTES: usize = 512 * 1024 * 1024;

/// What one read from the stream produced.
#[derive(Debug, PartialEq, Eq)]
pub enum Frame {
    /// A body of the announced length.
    Body(Vec<u8>),
    /// Headers without a usable `Content-Length`; the reader has moved on.
    BadHeader(String),
}

/// Reads the next frame; `Ok(None)` at the end of the stream.
///
/// Resynchronises after garbage: a header line is recognised wherever `Content-Length:` appears in it.
pub async fn read_frame<R: AsyncRead + Unpin>(
    reader: &mut BufReader<R>,
) -> std::io::Result<Option<Frame>> {
    let mut length: Option<Result<usize, String>> = None;
    let mut saw_anything = false;
    loop {
        let mut line = Vec::new();
        if reader.read_until(b'\n', &mut line).await? == 0 {
            return Ok(None);
        }
        let text = String::from_utf8_lossy(&line);
        let trimmed = text.trim_end_matches(['\r', '\n']);
        if trimmed.is_empty() {
            if saw_anything {
                break;
            }
            continue;
        }
        saw_anything = true;
        if let Some(at) = trimmed.find("Content-Length:") {
            let value = trimmed[at + "Content-Length:".len()..].trim();
            length = Some(
                value
                    .parse::<usize>()
                    .map_err(|_| format!("invalid Content-Length `{value}`")),
            );
        }
        // Other headers (Content-Type) and garbage lines are skipped.
    }
    let length = match length {
        None => return Ok(Some(Frame::BadHeader("no Content-Length header".into()))),
        Some(Err(e)) => return Ok(Some(Frame::BadHeader(e))),
        Some(Ok(n)) if n > MAX_FRAME_BYTES => {
            return Ok(Some(Frame::BadHeader(format!(
                "Content-Length {n} is over the {MAX_FRAME_BYTES}-byte limit"
            ))))
        }
        Some(Ok(n)) => n,
    };
    let mut body = vec![0; length];
    reader.read_exact(&mut body).await?;
    Ok(Some(Frame::Body(body)))
}

fn frame(body: &[u8]) -> Vec<u8> {
    let mut out = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    out.extend_from_slice(body);
    out
}

fn error_frame(id: Value, code: i64, message: String) -> Vec<u8> {
    let body = json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}});
    frame(body.to_string().as_bytes())
}

/// Checks a body: `Ok` when tower-lsp-server can decode it, else the error response to send.
pub fn validate(body: &[u8]) -> Result<(), Vec<u8>> {
    let value: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => {
            return Err(error_frame(
                Value::Null,
                -32700,
                format!("Parse error: {e}"),
            ))
        }
    };
    let is_request = serde_json::from_value::<Request>(value.clone()).is_ok();
    if is_request || serde_json::from_value::<Response>(value.clone()).is_ok() {
        return Ok(());
    }
    let id = match value.get("id") {
        Some(id @ (Value::Number(_) | Value::String(_))) => id.clone(),
        _ => Value::Null,
    };
    Err(error_frame(
        id,
        -32600,
        "Invalid request: not a JSON-RPC 2.0 message".into(),
    ))
}

async fn write_frame<O: AsyncWrite + Unpin>(out: &Mutex<O>, bytes: &[u8]) -> std::io::Result<()> {
    let mut out = out.lock().await;
    out.write_all(bytes).await?;
    out.flush().await
}

/// Stdin, whichever kind of file the client gave us.
pub type Reader = Box<dyn AsyncRead + Unpin + Send>;
/// Stdout, whichever kind of file the client gave us.
pub type Writer = Box<dyn AsyncWrite + Unpin + Send>;

/// Stdin for reading. A pipe or a socket (what editors start a language server with) is polled
/// by the runtime like any socket; tokio's own `stdin` would read it on a blocking-pool thread, a
/// hand-over between threads on every message. Anything else (a file, a terminal) goes through
/// that `stdin`.
pub fn stdin() -> Reader {
    #[cfg(unix)]
    if let Some(reader) = polled::reader() {
        return reader;
    }
    Box::new(tokio::io::stdin())
}

/// Stdout for writing, chosen as [`stdin`] is: tokio's `stdout` would hand every frame to a
/// blocking-pool thread and wait for it, which took longer than the frame's write itself.
pub fn stdout() -> Writer {
    #[cfg(unix)]
    if let Some(writer) = polled::writer() {
        return writer;
    }
    Box::new(tokio::io::stdout())
}

/// Stdin and stdout registered with the runtime's I/O driver when they are pipes or sockets.
///
/// Each works on its own duplicate of the descriptor, which it puts in non-blocking mode (a flag
/// of the open file the client handed us, not shared with the client's end); dropping it closes
/// only the duplicate.
#[cfg(unix)]
mod polled {
    use super::{Reader, Writer};
    use std::fs::File;
    use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
    use std::os::unix::fs::FileTypeExt;

    /// A pipe or a socket, as a duplicate of the descriptor that becomes the polled stream.
    enum Polled {
        Pipe(File),
        Socket(tokio::net::UnixStream),
    }

    /// `None` for anything but a pipe or a socket (or when the runtime refuses it).
    fn open(fd: BorrowedFd<'_>, name: &str) -> Option<Polled> {
        let file = File::from(fd.try_clone_to_owned().ok()?);
        let kind = file.metadata().ok()?.file_type();
        let polled = if kind.is_fifo() {
            Polled::Pipe(file)
        } else if kind.is_socket() {
            let socket = std::os::unix::net::UnixStream::from(OwnedFd::from(file));
            socket.set_nonblocking(true).ok()?;
            Polled::Socket(tokio::net::UnixStream::from_std(socket).ok()?)
        } else {
            return None;
        };
        tracing::debug!(pipe = kind.is_fifo(), "{name} polled by the runtime");
        Some(polled)
    }

    pub fn reader() -> Option<Reader> {
        Some(match open(std::io::stdin().as_fd(), "stdin")? {
            Polled::Pipe(file) => Box::new(tokio::net::unix::pipe::Receiver::from_file(file).ok()?),
            Polled::Socket(socket) => Box::new(socket),
        })
    }

    pub fn writer() -> Option<Writer> {
        Some(match open(std::io::stdout().as_fd(), "stdout")? {
            Polled::Pipe(file) => Box::new(tokio::net::unix::pipe::Sender::from_file(file).ok()?),
            Polled::Socket(socket) => Box::new(socket),
        })
    }
}

/// The pipes the protocol server reads from and writes to, in place of stdin and stdout.
pub struct Pipes {
    pub input: tokio::io::DuplexStream,
    pub output: tokio::io::DuplexStream,
    /// Ends when everything the server wrote has reached stdout.
    pub flushed: tokio::task::JoinHandle<()>,
}

/// Starts the tasks that sit between stdin/stdout and the protocol server.
pub fn start<I, O>(stdin: I, stdout: O) -> Pipes
where
    I: AsyncRead + Unpin + Send + 'static,
    O: AsyncWrite + Unpin + Send + 'static,
{
    let (mut to_server, server_input) = tokio::io::duplex(1 << 20);
    let (server_output, from_server) = tokio::io::duplex(1 << 20);
    // Whole frames only, from either task, so error responses never split a server message.
    let stdout = Arc::new(Mutex::new(stdout));

    let errors = stdout.clone();
    tokio::spawn(async move {
        let mut reader = BufReader::new(stdin);
        loop {
            match read_frame(&mut reader).await {
                Ok(Some(Frame::Body(body))) => match validate(&body) {
                    Ok(()) => {
                        if to_server.write_all(&frame(&body)).await.is_err() {
                            break;
                        }
                    }
                    Err(response) => {
                        tracing::error!("malformed message from the client answered with an error");
                        if write_frame(&errors, &response).await.is_err() {
                            break;
                        }
                    }
                },
                Ok(Some(Frame::BadHeader(why))) => {
                    tracing::error!("skipped a message with bad headers: {why}")
                }
                Ok(None) => break,
                Err(e) => {
                    tracing::error!("reading stdin failed: {e}");
                    break;
                }
            }
        }
        // Dropping `to_server` tells the protocol server the client is gone.
    });

    let flushed = tokio::spawn(async move {
        let mut reader = BufReader::new(from_server);
        while let Ok(Some(Frame::Body(body))) = read_frame(&mut reader).await {
            if write_frame(&stdout, &frame(&body)).await.is_err() {
                break;
            }
        }
    });

    Pipes {
        input: server_input,
        output: server_output,
        flushed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn frames(input: &[u8]) -> Vec<Frame> {
        let mut reader = BufReader::new(input);
        let mut out = Vec::new();
        while let Ok(Some(f)) = read_frame(&mut reader).await {
            out.push(f);
        }
        out
    }

    #[tokio::test]
    async fn reads_frames_and_resynchronises_after_garbage() {
        let input = b"Content-Length: 2\r\n\r\n{}garbage\r\nContent-Length: x\r\n\r\nContent-Length: 4\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\nnull";
        assert_eq!(
            frames(input).await,
            vec![
                Frame::Body(b"{}".to_vec()),
                Frame::BadHeader("invalid Content-Length `x`".into()),
                Frame::Body(b"null".to_vec()),
            ]
        );
        // A short Content-Length leaves the rest of the body glued to the next header.
        let input = b"Content-Length: 3\r\n\r\n{\"a\": 1}Content-Length: 2\r\n\r\n[]";
        assert_eq!(
            frames(input).await,
            vec![Frame::Body(b"{\"a".to_vec()), Frame::Body(b"[]".to_vec())]
        );
    }

    #[test]
    fn validation_answers_like_the_specification() {
        assert!(validate(br#"{"jsonrpc":"2.0","id":1,"method":"shutdown"}"#).is_ok());
        assert!(validate(br#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#).is_ok());
        let parse = String::from_utf8(validate(b"{not json").unwrap_err()).unwrap();
        assert!(
            parse.contains("-32700") && parse.contains("\"id\":null"),
            "{parse}"
        );
        let invalid =
            String::from_utf8(validate(br#"{"jsonrpc":"1.0","id":7,"method":"x"}"#).unwrap_err())
                .unwrap();
        assert!(
            invalid.contains("-32600") && invalid.contains("\"id\":7"),
            "{invalid}"
        );
    }
}
