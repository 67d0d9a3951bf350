"""Keystroke-to-diagnostics latency of `preflight server` and `ruff server`, end to end over stdio.

Each server gets a fresh process per file. The file is opened (time to first diagnostics is
measured), then the scripted typing session of files.py is replayed as incremental `didChange`
notifications, closed loop: an edit is sent only once the diagnostics of the previous one arrived,
so each number is the latency of one keystroke, not a queue. Per edit:

* push (publishDiagnostics): time from writing `didChange` version n to reading the
  `publishDiagnostics` for that document with version n;
* pull (textDocument/diagnostic, what ruff serves to clients that declare pull support): time from
  writing `didChange` to reading the response of a diagnostic request sent right after it.

ruff is configured through `initializationOptions.settings` with the rules nearest to Preflight's
(`lint.select`, `configurationPreference: editorOnly` so no project file changes them); the run fails
if ruff reports any other rule (the settings were not applied). Preflight runs with every rule and
`debounceMs: 0`. After the session, the `except:` typed into the new function must carry a
diagnostic from both servers: proof that the server's text followed the edits (UTF-16 included).

Usage: python3 bench/lsp_latency.py [--edits N] [--files large_20k.py,small_2k.py]
                                    [--servers preflight,ruff-pull,ruff-push] [--timeout 10]
Writes bench/out/lsp_latency.json and server logs under bench/out/logs/.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, str(Path(__file__).resolve().parent))
import files  # noqa: E402
from common import (  # noqa: E402
    OUT,
    RUFF_RULES,
    die,
    machine,
    percentile,
    preflight_bin,
    table,
    venv_tool,
    write_json,
)
from lsp_client import LspClient, ServerDied, Timeout, client_capabilities  # noqa: E402

MAX_CONSECUTIVE_TIMEOUTS = 5


def server_configs() -> dict[str, dict]:
    """How to start and configure each server; `pull` selects the diagnostics model we declare."""
    ruff_options = {
        "settings": {
            "configurationPreference": "editorOnly",
            "lint": {"enable": True, "select": RUFF_RULES.split(",")},
            "logLevel": "warn",
        }
    }
    return {
        "preflight": {
            "cmd": lambda: [str(preflight_bin()), "server"],
            # No debounce; a budget that never cuts the analysis short, so every rule always runs.
            "init": {"debounceMs": 0, "analysisBudgetMs": 600_000},
            "pull": False,
        },
        "ruff-pull": {"cmd": lambda: [str(venv_tool("ruff")), "server"], "init": ruff_options, "pull": True},
        "ruff-push": {"cmd": lambda: [str(venv_tool("ruff")), "server"], "init": ruff_options, "pull": False},
    }


class Session:
    """One server process with one open document, measured edit by edit."""

    def __init__(self, name: str, config: dict, path: Path, timeout: float):
        self.name, self.path, self.timeout = name, path, timeout
        self.uri = path.as_uri()
        self.pull = config["pull"]
        log = OUT / "logs" / f"{name}-{path.stem}.log"
        self.client = LspClient(config["cmd"](), log)
        result = self.client.initialize(
            path.parent, config["init"], client_capabilities(self.pull), timeout=30
        )
        caps = result.get("capabilities", {})
        self.info = {
            "server_info": result.get("serverInfo"),
            "offers_pull": "diagnosticProvider" in caps,
            "position_encoding": caps.get("positionEncoding", "utf-16"),
            "text_document_sync": caps.get("textDocumentSync"),
            "stderr_log": str(log),
        }
        if self.info["position_encoding"] != "utf-16":
            die(f"{name} chose position encoding {self.info['position_encoding']}, not utf-16")
        if self.pull and not self.info["offers_pull"]:
            die(f"{name}: pull diagnostics requested but the server offers no diagnosticProvider")
        self.version = 0
        self.versioned_push = True  # cleared if the server publishes without a version

    def _diagnostics(self, sent: float) -> tuple[float, list[dict]]:
        """Waits for the diagnostics of the current version; returns (latency ms, diagnostics)."""
        if self.pull:
            rid, sent = self.client.request("textDocument/diagnostic", {"textDocument": {"uri": self.uri}})
            t, msg = self.client.wait_for(lambda m: m.get("id") == rid and "method" not in m, self.timeout)
            if "error" in msg:
                raise RuntimeError(f"textDocument/diagnostic failed: {msg['error']}")
            return (t - sent) * 1000, msg["result"].get("items", [])

        def match(m: dict) -> bool:
            if m.get("method") != "textDocument/publishDiagnostics":
                return False
            p = m["params"]
            if p.get("uri") != self.uri:
                return False
            if p.get("version") is None:
                self.versioned_push = False  # closed loop: the first one after sending is ours
                return True
            return p["version"] == self.version

        t, msg = self.client.wait_for(match, self.timeout)
        return (t - sent) * 1000, msg["params"]["diagnostics"]

    def open(self, text: str) -> tuple[float, list[dict]]:
        """didOpen; returns the time to first diagnostics (ms) and those diagnostics."""
        sent = self.client.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": self.uri, "languageId": "python", "version": 0, "text": text}},
        )
        return self._diagnostics(sent)

    def change(self, edit: dict) -> tuple[float, list[dict]]:
        """One incremental didChange; returns its latency (ms) and the diagnostics."""
        self.version += 1
        sent = self.client.notify(
            "textDocument/didChange",
            {
                "textDocument": {"uri": self.uri, "version": self.version},
                "contentChanges": [{"range": edit["range"], "text": edit["text"]}],
            },
        )
        return self._diagnostics(sent)


def code_of(d: dict) -> str:
    code = d.get("code")
    return str(code) if code is not None else ""


def run_one(name: str, config: dict, file: str, manifest: dict, n_edits: int, timeout: float) -> dict:
    """Opens `file` in a fresh `name` server and replays its session; returns the raw record."""
    text, edits, final_sha = files.load_session(manifest, file)
    edits = edits[:n_edits] if n_edits else edits
    path = Path(manifest["inputs"][file]["path"])
    s = Session(name, config, path, timeout)
    try:
        open_ms, diags = s.open(text)
    except Timeout:
        die(f"{name}: no diagnostics within {timeout} s of opening {file}")
    open_count = len(diags)
    open_codes = sorted({code_of(d) for d in diags} - {""})
    latencies: list[float | None] = []
    consecutive = 0
    cut_short = 0
    for edit in edits:
        try:
            ms, diags = s.change(edit)
            latencies.append(ms)
            consecutive = 0
            cut_short += any("stopped analysing" in d.get("message", "") for d in diags)
        except Timeout:
            latencies.append(None)
            consecutive += 1
            if consecutive >= MAX_CONSECUTIVE_TIMEOUTS:
                s.client.shutdown(timeout=2)
                die(f"{name} on {file}: {consecutive} edits in a row got no diagnostics within {timeout} s")
        except ServerDied as e:
            die(f"{name} on {file} after {len(latencies)} edits: {e} (see {s.info['stderr_log']})")
    codes = sorted({code_of(d) for d in diags} - {""})
    if name.startswith("ruff"):
        allowed = set(RUFF_RULES.split(",")) | {"invalid-syntax"}  # syntax errors while typing
        stray = [c for c in open_codes + codes if c not in allowed]
        if stray:
            die(f"{name} reported rules outside the selection ({stray}): its settings were not applied")
    final_check = None
    if len(edits) == len(files.load_session(manifest, file)[1]):
        final_check = check_typed_function(name, file, text, edits, diags, final_sha)
    outcome = s.client.shutdown()
    ok = [x for x in latencies if x is not None]
    return {
        "server": name,
        "mode": "pull" if s.pull else "push",
        "file": file,
        "lines": manifest["inputs"][file]["lines"],
        **s.info,
        "versioned_push": s.versioned_push if not s.pull else None,
        "open_ms": open_ms,
        "open_diagnostics": open_count,
        "open_codes": open_codes,
        "final_diagnostics": len(diags),
        "final_codes": codes,
        "final_check": final_check,
        "edits": len(edits),
        "timeouts": latencies.count(None),
        "analysis_cut_short": cut_short,
        "latency_ms": latencies,
        "kinds": [e["kind"] for e in edits],
        "stats": stats(ok),
        "by_action": by_action(latencies, [e["kind"] for e in edits]),
        "shutdown": outcome,
    }


def check_typed_function(name: str, file: str, text: str, edits: list, diags: list, final_sha: str) -> str:
    """The typed `fetch_profile` must carry the servers' findings at the right places: the bare
    `except:`, and the `requests.get` without timeout that follows non-ASCII text on its line (its
    column is in UTF-16 units). Otherwise the server's copy of the text or its positions differ
    from ours, and the latencies would measure something else."""
    final = files.apply_changes(text, edits)
    if files.sha256(final) != final_sha:
        die(f"the session of {file} no longer replays to its recorded text")
    lines = final.split("\n")
    start = next(i for i, text_line in enumerate(lines) if text_line.startswith("def fetch_profile("))
    except_line = next(i for i in range(start, start + 12) if lines[i].strip() == "except:")
    call_line = next(i for i in range(start, start + 12) if "requests.get(" in lines[i])
    lo = files.utf16_len(lines[call_line][: lines[call_line].index("response")])
    hi = files.utf16_len(lines[call_line][: lines[call_line].index("(url)")])
    at_except = [d for d in diags if d["range"]["start"]["line"] in (except_line, except_line + 1)]
    at_call = [
        d
        for d in diags
        if d["range"]["start"]["line"] == call_line and lo <= d["range"]["start"]["character"] <= hi
    ]
    if not at_except or not at_call:
        near = [
            (d["range"]["start"], code_of(d))
            for d in diags
            if start <= d["range"]["start"]["line"] < start + 12
        ]
        die(
            f"{name} on {file}: expected diagnostics at the typed `except:` (line {except_line + 1}) "
            f"and at `requests.get` (line {call_line + 1}, UTF-16 column {lo}..{hi}); got "
            f"{near}"
        )
    codes = lambda ds: ",".join(sorted({code_of(d) for d in ds}))  # noqa: E731
    return f"except line {except_line + 1}: {codes(at_except)}; call line {call_line + 1}: {codes(at_call)}"


def stats(values: list[float]) -> dict:
    """p50/p95/p99/max/mean of latencies in ms."""
    if not values:
        return {}
    return {
        "n": len(values),
        "p50": percentile(values, 50),
        "p95": percentile(values, 95),
        "p99": percentile(values, 99),
        "max": max(values),
        "mean": sum(values) / len(values),
    }


def by_action(latencies: list[float | None], kinds: list[str]) -> dict:
    """p50 and max per kind of action (typing, paste, delete-line...), to see what is slow."""
    groups: dict[str, list[float]] = {}
    for ms, kind in zip(latencies, kinds):
        if ms is not None:
            groups.setdefault(kind.split("/")[0], []).append(ms)
    return {k: {"n": len(v), "p50": percentile(v, 50), "max": max(v)} for k, v in groups.items()}


def report(results: list[dict]) -> str:
    """The side-by-side table, with each ruff p50 divided by Preflight's on the same file."""
    base = {r["file"]: r["stats"].get("p50") for r in results if r["server"] == "preflight"}
    rows = []
    for r in results:
        st = r["stats"]
        ratio = ""
        if r["server"] != "preflight" and base.get(r["file"]):
            ratio = f"{st['p50'] / base[r['file']]:.2f}x"
        rows.append(
            [
                f"{r['server']} ({r['mode']})",
                f"{r['file']} ({r['lines']} lines)",
                str(r["edits"]),
                str(r["timeouts"]),
                f"{r['open_ms']:.1f}",
                f"{st['p50']:.2f}",
                f"{st['p95']:.2f}",
                f"{st['p99']:.2f}",
                f"{st['max']:.2f}",
                ratio,
            ]
        )
    headers = [
        "server",
        "file",
        "edits",
        "timeouts",
        "open ms",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "max ms",
        "p50 / preflight's",
    ]
    lines = [table(headers, rows), ""]
    for r in results:
        parts = ", ".join(f"{k} {v['p50']:.2f}/{v['max']:.1f}" for k, v in r["by_action"].items())
        lines.append(f"{r['server']} {r['file']}: p50/max ms by action: {parts}")
    for r in results:
        if r["mode"] == "push" and r["server"] != "preflight":
            lines.append(
                f"{r['server']} {r['file']}: publishDiagnostics carried versions: {r['versioned_push']}"
            )
    lines.append(targets(results))
    return "\n".join(lines)


def targets(results: list[dict]) -> str:
    """The issue's keystroke targets on the 20,000-line file, as PASS/MISS (reported, not enforced)."""
    pf = next((r for r in results if r["server"] == "preflight" and r["file"] == "large_20k.py"), None)
    if not pf:
        return ""
    st = pf["stats"]
    out = ["", "targets (large_20k.py):"]
    out.append(f"  p50 <= 2 ms:   {st['p50']:.2f} ms  {'PASS' if st['p50'] <= 2 else 'MISS'}")
    out.append(f"  p99 <= 10 ms:  {st['p99']:.2f} ms  {'PASS' if st['p99'] <= 10 else 'MISS'}")
    for r in results:
        if r["server"] != "preflight" and r["file"] == "large_20k.py":
            ratio = r["stats"]["p50"] / st["p50"]
            out.append(
                f"  >= 10x lower p50 than {r['server']}: {ratio:.2f}x  {'PASS' if ratio >= 10 else 'MISS'}"
            )
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--edits", type=int, default=0, help="replay only the first N edits (0: all)")
    ap.add_argument("--files", default="large_20k.py,small_2k.py")
    ap.add_argument("--servers", default="preflight,ruff-pull,ruff-push")
    ap.add_argument("--timeout", type=float, default=10.0, help="seconds per edit before it counts as lost")
    args = ap.parse_args()
    manifest = files.ensure_built()
    configs = server_configs()
    results = []
    for file in args.files.split(","):
        for name in args.servers.split(","):
            if name not in configs:
                die(f"unknown server {name}; known: {', '.join(configs)}")
            print(f"lsp: {name} on {file}...", file=sys.stderr, flush=True)
            started = time.perf_counter()
            results.append(run_one(name, configs[name], file, manifest, args.edits, args.timeout))
            print(f"lsp: {name} on {file} took {time.perf_counter() - started:.1f} s", file=sys.stderr)
    path = write_json("lsp_latency.json", {"machine": machine(), "results": results})
    print(report(results))
    print(f"\nraw numbers: {path}")
    problems = [f"{r['server']}/{r['file']}: {r['timeouts']} timeouts" for r in results if r["timeouts"]]
    problems += [f"{r['server']}/{r['file']}: {r['shutdown']}" for r in results if r["shutdown"] != "clean"]
    problems += [
        f"{r['server']}/{r['file']}: the analysis budget cut {r['analysis_cut_short']} analyses short"
        for r in results
        if r["analysis_cut_short"]
    ]
    if problems:
        die("; ".join(problems))


if __name__ == "__main__":
    main()
