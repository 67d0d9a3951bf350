"""Paths, tool lookup and statistics shared by the benchmark drivers.

Kept in one place so that every driver measures the same binary, the same corpus and the same
ruff, and reports percentiles the same way.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
OUT = BENCH / "out"
VENV_BIN = BENCH / ".venv" / "bin"
FETCH = REPO.parent / "shared" / "corpus" / "fetch.sh"

# ruff's nearest equivalents of Preflight's rules (from the issue), used by every ruff run.
RUFF_RULES = "E722,S110,S113,BLE001,S201,S105,S608,T201,B904,TRY400"


def die(message: str) -> None:
    """Stops the benchmark with a non-zero status: a number from a broken run is worse than none."""
    print(f"bench: error: {message}", file=sys.stderr)
    sys.exit(1)


def preflight_bin() -> Path:
    """The binary under test: `PREFLIGHT_BIN`, else the release build of this checkout."""
    path = Path(os.environ.get("PREFLIGHT_BIN", REPO / "target" / "release" / "preflight"))
    if not os.access(path, os.X_OK):
        die(f"no preflight binary at {path} (run `cargo build --release` or set PREFLIGHT_BIN)")
    return path


def venv_tool(name: str) -> Path:
    """A tool from bench/.venv (made by setup.sh), so the compared versions are the pinned ones."""
    path = VENV_BIN / name
    if not os.access(path, os.X_OK):
        die(f"{path} is missing: run `bash bench/setup.sh` first")
    return path


def corpus_dir() -> Path:
    """The large corpus (downloaded on first use by the project's fetch.sh); `BENCH_CORPUS` overrides."""
    if "BENCH_CORPUS" in os.environ:
        return Path(os.environ["BENCH_CORPUS"])
    done = subprocess.run(["bash", str(FETCH), "large"], check=True, capture_output=True, text=True)
    lines = done.stdout.strip().splitlines()
    if not lines:
        die(f"{FETCH} printed no corpus folder")
    return Path(lines[-1])


def corpus_files(root: Path) -> list[Path]:
    """Every .py file of the corpus, in a fixed order (sorted relative paths), skipping dot folders."""
    files = [
        p
        for p in root.rglob("*.py")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts)
    ]
    return sorted(files, key=lambda p: p.relative_to(root).as_posix())


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation, like numpy's default."""
    if not values:
        return float("nan")
    s = sorted(values)
    k = (len(s) - 1) * q / 100
    lo = int(k)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def machine() -> dict:
    """A short description of the machine, stored with every result."""
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_kb = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    except OSError:
        pass
    return {
        "cpu": cpu or platform.processor(),
        "cores": os.cpu_count(),
        "mem_gb": round(mem_kb / 1024 / 1024, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "loadavg_1m": os.getloadavg()[0],
    }


def write_json(name: str, data: dict) -> Path:
    """Writes raw results to bench/out/NAME and returns the path."""
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / name
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def table(headers: list[str], rows: list[list[str]]) -> str:
    """A plain-text table with right-aligned numbers, readable in a terminal and in a log."""
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *rows)]

    def fmt(row: list[str]) -> str:
        return "  ".join(
            str(c).ljust(w) if i == 0 or not _numeric(c) else str(c).rjust(w)
            for i, (c, w) in enumerate(zip(row, widths))
        )

    return "\n".join([fmt(headers), "  ".join("-" * w for w in widths)] + [fmt(r) for r in rows])


def _numeric(cell: object) -> bool:
    text = str(cell).rstrip("x×%")
    try:
        float(text)
        return True
    except ValueError:
        return False
