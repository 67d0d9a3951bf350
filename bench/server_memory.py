"""Memory of a language server holding many open files: RSS after opening 200 corpus files.

The 200 files are a deterministic, evenly spaced pick from the sorted list of the corpus's
non-empty UTF-8 .py files (so every package is represented, not just the first one). The server is
started fresh; its RSS right after `initialize` is the baseline. All files are opened, the driver
waits until the diagnostics of every one arrived (so each was parsed and analysed), then reads VmRSS
and VmHWM (the peak) from /proc/PID/status. Reported: MB, lines open, MB per 1,000 lines (of the
total RSS and of the growth over the baseline). ruff server (push mode, same rules as elsewhere) is
measured the same way for comparison.

Usage: python3 bench/server_memory.py [--files 200] [--servers preflight,ruff]
Writes bench/out/server_memory.json.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import OUT, corpus_dir, corpus_files, die, machine, table, write_json  # noqa: E402
from lsp_client import LspClient, ServerDied, Timeout, client_capabilities, read_status  # noqa: E402
from lsp_latency import server_configs  # noqa: E402

SETTLE_SECONDS = 0.5
OPEN_TIMEOUT = 300.0


def pick_files(root: Path, count: int) -> list[tuple[Path, str]]:
    """`count` evenly spaced non-empty UTF-8 files from the sorted corpus, with their text."""
    candidates = []
    for p in corpus_files(root):
        try:
            text = p.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        if text.strip():
            candidates.append((p, text))
    if len(candidates) < count:
        die(f"the corpus has only {len(candidates)} usable files, {count} wanted")
    step = len(candidates) / count
    return [candidates[int(i * step)] for i in range(count)]


def lines_of(text: str) -> int:
    return text.count("\n") + (0 if text.endswith("\n") else 1)


def measure(name: str, config: dict, root: Path, picked: list[tuple[Path, str]]) -> dict:
    """Starts the server, opens every file, waits for all diagnostics, reads its memory."""
    client = LspClient(config["cmd"](), OUT / "logs" / f"memory-{name}.log")
    pid = client.proc.pid
    client.initialize(root, config["init"], client_capabilities(pull=False), timeout=30)
    time.sleep(SETTLE_SECONDS)
    baseline = read_status(pid)
    pending = {p.as_uri() for p, _ in picked}
    started = time.perf_counter()
    for p, text in picked:
        client.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": p.as_uri(), "languageId": "python", "version": 1, "text": text}},
        )

    def arrived(m: dict) -> bool:
        if m.get("method") != "textDocument/publishDiagnostics":
            return False
        uri, version = m["params"]["uri"], m["params"].get("version")
        if version in (None, 1):
            pending.discard(uri)
        return not pending

    try:
        client.wait_for(arrived, OPEN_TIMEOUT)
    except Timeout:
        die(f"{name}: {len(pending)} of {len(picked)} files got no diagnostics in {OPEN_TIMEOUT} s")
    except ServerDied as e:
        die(f"{name} died while opening files: {e}")
    open_seconds = time.perf_counter() - started
    time.sleep(SETTLE_SECONDS)
    after = read_status(pid)
    outcome = client.shutdown()
    if outcome != "clean":
        die(f"{name}: {outcome}")
    total_lines = sum(lines_of(t) for _, t in picked)
    kloc = total_lines / 1000
    rss, base = after["VmRSS"] / 1024, baseline["VmRSS"] / 1024
    return {
        "server": name,
        "files": len(picked),
        "lines": total_lines,
        "bytes": sum(len(t.encode("utf-8")) for _, t in picked),
        "baseline_rss_mb": base,
        "rss_mb": rss,
        "hwm_mb": after["VmHWM"] / 1024,
        "mb_per_kloc": rss / kloc,
        "growth_mb_per_kloc": (rss - base) / kloc,
        "open_all_seconds": open_seconds,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=200)
    ap.add_argument("--servers", default="preflight,ruff")
    args = ap.parse_args()
    root = corpus_dir()
    picked = pick_files(root, args.files)
    configs = server_configs()
    configs["ruff"] = configs["ruff-push"]
    results = []
    for name in args.servers.split(","):
        if name not in configs:
            die(f"unknown server {name}")
        print(f"memory: {name}...", file=sys.stderr, flush=True)
        results.append(measure(name, configs[name], root, picked))
    path = write_json(
        "server_memory.json",
        {
            "machine": machine(),
            "corpus": str(root),
            "picked": [str(p.relative_to(root)) for p, _ in picked],
            "results": results,
        },
    )
    rows = [
        [
            r["server"],
            str(r["files"]),
            str(r["lines"]),
            f"{r['baseline_rss_mb']:.1f}",
            f"{r['rss_mb']:.1f}",
            f"{r['hwm_mb']:.1f}",
            f"{r['mb_per_kloc']:.3f}",
            f"{r['growth_mb_per_kloc']:.3f}",
            f"{r['open_all_seconds']:.2f}",
        ]
        for r in results
    ]
    print(
        table(
            [
                "server",
                "files",
                "lines",
                "baseline MB",
                "RSS MB",
                "peak MB",
                "MB/kLOC",
                "growth MB/kLOC",
                "open+diag s",
            ],
            rows,
        )
    )
    for r in results:
        if r["server"] == "preflight":
            verdict = "PASS" if r["mb_per_kloc"] <= 2 else "MISS"
            print(f"target: RSS <= 2 MB per 1,000 lines open: {r['mb_per_kloc']:.3f}  {verdict}")
    print(f"\nraw numbers: {path}")


if __name__ == "__main__":
    main()
