"""Whole-corpus CLI throughput: `preflight check` against `ruff check` and bandit.

Every tool runs over the large corpus (../shared/corpus/fetch.sh large) several times, round-robin
(one run of each tool per round, so a load change on the machine hits all of them alike). Reported:
median, min and max wall time and the peak RSS of the child (`ru_maxrss` from `os.wait4`). The files
are read once beforehand so "cold" means "no tool cache", not "cold disk".

Modes:
* preflight cold: a fresh, empty `PREFLIGHT_CACHE_DIR` per run (a first run: the cache is written);
  no-cache: `--no-cache`; warm: one cache directory filled by an untimed run, then reused. If the
  binary has no `--no-cache` flag (no cache yet), only cold runs and the others are reported as
  not available.
* ruff cold: `--no-cache`; warm: `--cache-dir` filled by an untimed run. Always `--isolated` (no
  configuration file from the corpus) with the rules nearest to Preflight's.
* bandit: `bandit -r -q`; it is slow, so after a first run over 30 s it gets 3 runs in all.

Findings are expected (exit status 1 for Preflight and bandit); a crash, any other status or an
empty output fails the benchmark.

Usage: python3 bench/cli_throughput.py [--runs 5] [--bandit-runs N] [--skip-bandit]
Writes bench/out/cli_throughput.json; tool output of the last run under bench/out/cli/.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (  # noqa: E402
    OUT,
    RUFF_RULES,
    corpus_dir,
    corpus_files,
    die,
    machine,
    preflight_bin,
    table,
    venv_tool,
    write_json,
)

SLOW_SECONDS = 30.0


@dataclass
class Case:
    """One tool in one mode: how to run it and what it measured."""

    tool: str
    mode: str
    cmd: list[str]
    ok_status: set[int]
    env: dict[str, str] = field(default_factory=dict)
    fresh_cache_env: str | None = None  # an env var set to a new empty directory per run
    runs: list[dict] = field(default_factory=list)
    max_runs: int = 5

    @property
    def name(self) -> str:
        return f"{self.tool} {self.mode}"


def run_once(case: Case, out_dir: Path, tmp: Path) -> dict:
    """Runs the case once; returns wall seconds, peak RSS (MB), exit status and output size."""
    env = {**os.environ, **case.env}
    fresh = None
    if case.fresh_cache_env:
        fresh = tempfile.mkdtemp(prefix="fresh-cache-", dir=tmp)
        env[case.fresh_cache_env] = fresh
    stem = out_dir / case.name.replace(" ", "-")
    try:
        with open(f"{stem}.out", "wb") as out, open(f"{stem}.err", "wb") as err:
            start = time.perf_counter()
            proc = subprocess.Popen(case.cmd, stdout=out, stderr=err, env=env)
            _, status, usage = os.wait4(proc.pid, 0)
            wall = time.perf_counter() - start
            proc.returncode = os.waitstatus_to_exitcode(status)
    finally:
        if fresh:
            shutil.rmtree(fresh, ignore_errors=True)
    code = proc.returncode
    size = Path(f"{stem}.out").stat().st_size
    if code not in case.ok_status:
        tail = Path(f"{stem}.err").read_text(errors="replace")[-2000:]
        die(f"{case.name} exited with status {code}: {' '.join(case.cmd)}\n{tail}")
    if size == 0:
        die(f"{case.name} printed nothing: {' '.join(case.cmd)}")
    return {"seconds": wall, "max_rss_mb": usage.ru_maxrss / 1024, "status": code, "output_bytes": size}


def summary_of(case: Case, out_dir: Path) -> str:
    """What the tool said it checked (from its last output), to show the runs did real work."""
    stem = out_dir / case.name.replace(" ", "-")
    text = Path(f"{stem}.out").read_text(errors="replace")
    if case.tool == "preflight":
        m = re.search(r"Found .*", text) or re.search(r"(No problems|All).*", text)
        return m.group(0).strip() if m else ""
    if case.tool == "ruff":
        m = re.search(r"Found \d+ errors?.*|All checks passed!", text)
        return m.group(0).strip() if m else ""
    m = re.search(r"Total lines of code: \d+", text)
    issues = len(re.findall(r">> Issue:", text))
    return f"{issues} issues; {m.group(0) if m else ''}"


def preflight_cases(corpus: Path, tmp: Path) -> tuple[list[Case], list[str]]:
    """Preflight's modes, depending on whether the binary has a cache."""
    binary = str(preflight_bin())
    help_text = subprocess.run([binary, "check", "--help"], capture_output=True, text=True).stdout
    base = [binary, "check", str(corpus)]
    ok = {0, 1}
    if "--no-cache" not in help_text:
        cold = Case("preflight", "cold", base, ok, fresh_cache_env="PREFLIGHT_CACHE_DIR")
        return [cold], ["preflight has no --no-cache flag (no cache yet): warm and no-cache not run"]
    warm_dir = str(tmp / "preflight-warm")
    os.makedirs(warm_dir)
    return [
        Case("preflight", "cold", base, ok, fresh_cache_env="PREFLIGHT_CACHE_DIR"),
        Case(
            "preflight",
            "no-cache",
            [binary, "check", "--no-cache", str(corpus)],
            ok,
            fresh_cache_env="PREFLIGHT_CACHE_DIR",
        ),
        Case("preflight", "warm", base, ok, env={"PREFLIGHT_CACHE_DIR": warm_dir}),
    ], []


def ruff_cases(corpus: Path, tmp: Path) -> list[Case]:
    ruff = str(venv_tool("ruff"))
    common = [ruff, "check", "--isolated", "--select", RUFF_RULES, "--exit-zero"]
    warm_dir = str(tmp / "ruff-warm")
    os.makedirs(warm_dir)
    return [
        Case("ruff", "cold", common + ["--no-cache", str(corpus)], {0}),
        Case("ruff", "warm", common + ["--cache-dir", warm_dir, str(corpus)], {0}),
    ]


def bandit_case(corpus: Path, runs: int) -> Case:
    return Case("bandit", "cold", [str(venv_tool("bandit")), "-r", "-q", str(corpus)], {0, 1}, max_runs=runs)


def preread(corpus: Path) -> tuple[int, int]:
    """Reads every .py file once (page cache); returns (files, lines)."""
    n_files = n_lines = 0
    for p in corpus_files(corpus):
        data = p.read_bytes()
        n_files += 1
        n_lines += data.count(b"\n")
    return n_files, n_lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5, help="timed runs per tool and mode (>= 5 for figures)")
    ap.add_argument(
        "--bandit-runs",
        type=int,
        default=0,
        help="timed bandit runs (default: --runs, or 3 once a run took over 30 s)",
    )
    ap.add_argument("--skip-bandit", action="store_true")
    args = ap.parse_args()

    corpus = corpus_dir()
    out_dir = OUT / "cli"
    out_dir.mkdir(parents=True, exist_ok=True)
    n_files, n_lines = preread(corpus)
    print(f"cli: corpus {corpus}: {n_files} .py files, {n_lines} lines", file=sys.stderr)

    with tempfile.TemporaryDirectory(prefix="preflight-bench-") as tmp:
        cases, notes = preflight_cases(corpus, Path(tmp))
        cases += ruff_cases(corpus, Path(tmp))
        if not args.skip_bandit:
            cases.append(bandit_case(corpus, args.bandit_runs or args.runs))
        measure(cases, args, out_dir, Path(tmp), notes)

    results = []
    for c in cases:
        secs = [r["seconds"] for r in c.runs]
        results.append(
            {
                "tool": c.tool,
                "mode": c.mode,
                "cmd": c.cmd,
                "runs": c.runs,
                "median_s": statistics.median(secs),
                "min_s": min(secs),
                "max_s": max(secs),
                "peak_rss_mb": max(r["max_rss_mb"] for r in c.runs),
                "said": summary_of(c, out_dir),
            }
        )
    path = write_json(
        "cli_throughput.json",
        {
            "machine": machine(),
            "corpus": {"path": str(corpus), "files": n_files, "lines": n_lines},
            "notes": notes,
            "results": results,
        },
    )
    print(report(results, notes, n_files, n_lines))
    print(f"\nraw numbers: {path}")


def measure(cases: list[Case], args: argparse.Namespace, out_dir: Path, tmp: Path, notes: list[str]) -> None:
    """Fills the warm caches, then runs every case round-robin until each has its runs."""
    for c in cases:
        if c.tool != "bandit":
            c.max_runs = args.runs
    for c in cases:  # fill the warm caches (untimed)
        if c.mode == "warm":
            print(f"cli: warming {c.name}", file=sys.stderr, flush=True)
            run_once(c, out_dir, tmp)
            cache = c.env.get("PREFLIGHT_CACHE_DIR") or next(
                (c.cmd[i + 1] for i, x in enumerate(c.cmd) if x == "--cache-dir"), None
            )
            if cache and not any(Path(cache).iterdir()):
                notes.append(f"{c.name}: the cache directory stayed empty after the warming run")

    rounds = max(c.max_runs for c in cases)
    for i in range(rounds):
        for c in cases:
            if len(c.runs) >= c.max_runs:
                continue
            r = run_once(c, out_dir, tmp)
            c.runs.append(r)
            print(
                f"cli: round {i + 1}: {c.name}: {r['seconds']:.2f} s, {r['max_rss_mb']:.0f} MB",
                file=sys.stderr,
                flush=True,
            )
            if c.tool == "bandit" and i == 0 and not args.bandit_runs and r["seconds"] > SLOW_SECONDS:
                c.max_runs = min(c.max_runs, 3)
                notes.append(f"bandit took {r['seconds']:.0f} s (> {SLOW_SECONDS:.0f} s): 3 runs only")


def report(results: list[dict], notes: list[str], n_files: int, n_lines: int) -> str:
    """The table (ratios against ruff in the matching mode) and the issue's targets."""
    ruff = {r["mode"]: r["median_s"] for r in results if r["tool"] == "ruff"}
    rows = []
    for r in results:
        ref = ruff.get("warm" if r["mode"] == "warm" else "cold")
        rows.append(
            [
                r["tool"],
                r["mode"],
                str(len(r["runs"])),
                f"{r['median_s']:.2f}",
                f"{r['min_s']:.2f}",
                f"{r['max_s']:.2f}",
                f"{r['peak_rss_mb']:.0f}",
                f"{r['median_s'] / ref:.2f}x" if ref else "",
            ]
        )
    lines = [
        f"corpus: {n_files} files, {n_lines} lines",
        table(["tool", "mode", "runs", "median s", "min s", "max s", "peak RSS MB", "vs ruff"], rows),
    ]
    lines += [f"{r['tool']} {r['mode']}: {r['said']}" for r in results]
    lines += [f"note: {n}" for n in notes]
    med = {(r["tool"], r["mode"]): r["median_s"] for r in results}
    pf_cold, rf_cold = med.get(("preflight", "cold")), med.get(("ruff", "cold"))
    lines.append("targets:")
    if pf_cold and rf_cold:
        v = pf_cold / rf_cold
        lines.append(f"  cold <= 2x ruff --no-cache:  {v:.2f}x  {'PASS' if v <= 2 else 'MISS'}")
    if pf_cold and ("bandit", "cold") in med:
        v = med[("bandit", "cold")] / pf_cold
        lines.append(f"  >= 30x faster than bandit:   {v:.1f}x  {'PASS' if v >= 30 else 'MISS'}")
    if ("preflight", "warm") in med and ("ruff", "warm") in med:
        a, b = med[("preflight", "warm")], med[("ruff", "warm")]
        lines.append(f"  warm <= ruff warm:           {a:.2f} s vs {b:.2f} s  {'PASS' if a <= b else 'MISS'}")
    else:
        lines.append("  warm <= ruff warm:           not measured (no cache in this binary)")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
