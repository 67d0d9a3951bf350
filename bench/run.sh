#!/usr/bin/env bash
# Preflight's end-to-end benchmarks against ruff and bandit (issue 6). Not run by the tests.
#
#   bash bench/run.sh                                 build target/release/preflight, run everything
#   PREFLIGHT_BIN=/path/to/preflight bash bench/run.sh   measure that binary instead (no build)
#   QUICK=1 bash bench/run.sh                         smoke test: 50 edits, 1 CLI run, no bandit
#
# Steps: setup.sh (ruff + bandit, pinned, in bench/.venv), files.py (inputs built from the corpus
# of ../shared/corpus/fetch.sh large), lsp_latency.py (keystroke -> diagnostics, preflight vs ruff
# server), cli_throughput.py (whole-corpus check vs ruff and bandit; bandit alone takes minutes),
# server_memory.py (RSS with 200 files open). Tables go to stdout, raw numbers to bench/out/*.json,
# server logs to bench/out/logs/. Any crash, lost answer or empty output stops with a non-zero status.
# Run on an otherwise idle machine: the load average is stored with the results.
set -euo pipefail
export PYTHONDONTWRITEBYTECODE=1
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")

if [ -z "${PREFLIGHT_BIN:-}" ]; then
  (cd "$repo" && cargo build --release --bin preflight)
  export PREFLIGHT_BIN="$repo/target/release/preflight"
fi
echo "== preflight: $PREFLIGHT_BIN ($("$PREFLIGHT_BIN" --version))"
echo "== machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"

echo "== setup"
bash "$here/setup.sh"

echo "== inputs"
python3 "$here/files.py"

if [ -n "${QUICK:-}" ]; then
  lsp_args=(--edits 50); cli_args=(--runs 1 --skip-bandit)
else
  lsp_args=(); cli_args=()
fi

echo "== LSP keystroke latency"
python3 "$here/lsp_latency.py" "${lsp_args[@]}"

echo "== CLI throughput"
python3 "$here/cli_throughput.py" "${cli_args[@]}"

echo "== server memory"
python3 "$here/server_memory.py"
