"""A minimal LSP client over stdio for the benchmarks: JSON-RPC with Content-Length framing.

A reader thread stamps every incoming message with `time.perf_counter()` as soon as its body has
been read (before JSON decoding), answers the server's own requests (configuration, capability
registration, progress) so that no server blocks on us, and queues the rest. The caller waits on
that queue with a timeout; a server that exits is reported as an error, never as a slow answer.
"""

from __future__ import annotations

import json
import queue
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


class ServerDied(RuntimeError):
    """The server process exited or closed its stdout."""


class Timeout(RuntimeError):
    """Nothing matching arrived in time."""


class LspClient:
    """One server process and the messages it sent."""

    def __init__(self, cmd: list[str], stderr_log: Path, env: dict | None = None):
        stderr_log.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(stderr_log, "wb")
        self.proc = subprocess.Popen(
            cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log, env=env
        )
        self._next_id = 0
        self._inbox: queue.Queue = queue.Queue()
        self._write_lock = threading.Lock()
        self._reader = threading.Thread(target=self._read_loop, daemon=True)
        self._reader.start()

    # -- sending

    def _send(self, message: dict) -> float:
        """Writes one framed message; returns the time just before the write."""
        body = json.dumps(message, ensure_ascii=False).encode("utf-8")
        frame = b"Content-Length: %d\r\n\r\n" % len(body) + body
        with self._write_lock:
            t = time.perf_counter()
            try:
                self.proc.stdin.write(frame)
                self.proc.stdin.flush()
            except (BrokenPipeError, OSError) as e:
                raise ServerDied(f"cannot write to the server: {e}") from e
        return t

    def notify(self, method: str, params: Any) -> float:
        """Sends a notification; returns the send time."""
        return self._send({"jsonrpc": "2.0", "method": method, "params": params})

    def request(self, method: str, params: Any) -> tuple[int, float]:
        """Sends a request; returns its id and the send time."""
        self._next_id += 1
        rid = self._next_id
        return rid, self._send({"jsonrpc": "2.0", "id": rid, "method": method, "params": params})

    def call(self, method: str, params: Any, timeout: float) -> Any:
        """Sends a request and waits for its result (raising on an error response)."""
        rid, _ = self.request(method, params)
        _, msg = self.wait_for(lambda m: m.get("id") == rid and "method" not in m, timeout)
        if "error" in msg:
            raise RuntimeError(f"{method} failed: {msg['error']}")
        return msg.get("result")

    # -- receiving

    def _read_loop(self) -> None:
        """Reads frames until EOF; puts (receive time, message) or (time, None) at EOF."""
        out = self.proc.stdout
        try:
            while True:
                length = None
                while True:
                    line = out.readline()
                    if not line:
                        raise EOFError
                    line = line.strip()
                    if not line:
                        break
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value.strip())
                if length is None:
                    raise ValueError("a message without Content-Length")
                body = out.read(length)
                if len(body) < length:
                    raise EOFError
                t = time.perf_counter()
                msg = json.loads(body)
                if "method" in msg and "id" in msg:
                    self._answer(msg)
                self._inbox.put((t, msg))
        except (EOFError, ValueError, OSError):
            self._inbox.put((time.perf_counter(), None))

    def _answer(self, msg: dict) -> None:
        """Answers a server-to-client request the way a plain editor would."""
        if msg["method"] == "workspace/configuration":
            result: Any = [None for _ in msg.get("params", {}).get("items", [])]
        else:
            result = None
        try:
            self._send({"jsonrpc": "2.0", "id": msg["id"], "result": result})
        except ServerDied:
            pass

    def wait_for(self, match: Callable[[dict], bool], timeout: float) -> tuple[float, dict]:
        """The first message (with its arrival time) for which `match` is true; others are dropped."""
        deadline = time.perf_counter() + timeout
        while True:
            left = deadline - time.perf_counter()
            if left <= 0:
                raise Timeout(f"nothing arrived within {timeout} s")
            try:
                t, msg = self._inbox.get(timeout=left)
            except queue.Empty:
                raise Timeout(f"nothing arrived within {timeout} s") from None
            if msg is None:
                self._inbox.put((t, None))  # keep reporting the death to later waits
                raise ServerDied(f"the server exited (status {self.proc.poll()})")
            if match(msg):
                return t, msg

    # -- lifecycle

    def initialize(self, root: Path, init_options: Any, capabilities: dict, timeout: float) -> dict:
        """initialize + initialized; returns the server's InitializeResult."""
        result = self.call(
            "initialize",
            {
                "processId": None,
                "clientInfo": {"name": "preflight-bench"},
                "rootUri": root.as_uri(),
                "workspaceFolders": [{"uri": root.as_uri(), "name": root.name}],
                "capabilities": capabilities,
                "initializationOptions": init_options,
            },
            timeout,
        )
        self.notify("initialized", {})
        return result

    def shutdown(self, timeout: float = 10.0) -> str:
        """shutdown + exit, then waits for the process; returns how it went (for the report)."""
        outcome = "clean"
        try:
            self.call("shutdown", None, timeout)
            self.notify("exit", None)
        except (ServerDied, Timeout, RuntimeError) as e:
            outcome = f"shutdown failed: {e}"
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            code = self.proc.wait(timeout=timeout)
            if code != 0 and outcome == "clean":
                outcome = f"exited with status {code}"
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            outcome = "killed: did not exit after `exit`"
        self._log.close()
        return outcome


def client_capabilities(pull: bool) -> dict:
    """What the benchmark client declares: UTF-16 positions only, versioned diagnostics, and pull
    diagnostics only when `pull` (a server like ruff's then stops pushing)."""
    text_document: dict = {
        "synchronization": {"didSave": True, "dynamicRegistration": False},
        "publishDiagnostics": {"versionSupport": True, "relatedInformation": False},
    }
    if pull:
        text_document["diagnostic"] = {"dynamicRegistration": False, "relatedDocumentSupport": False}
    return {
        "general": {"positionEncodings": ["utf-16"]},
        "textDocument": text_document,
        "workspace": {"configuration": False, "workspaceFolders": True},
    }


def read_status(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak) of a process, in kB, from /proc/PID/status."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0])
    return values
