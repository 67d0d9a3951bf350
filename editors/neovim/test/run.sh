#!/usr/bin/env bash
# Runs the Neovim end-to-end test (test/e2e.lua) in both run modes against a Preflight binary.
# Usage: editors/neovim/test/run.sh [path/to/preflight]   (default: target/debug/preflight)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
bin=$(realpath "${1:-$root/target/debug/preflight}")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for mode in onType onSave; do
  mkdir -p "$work/$mode"
  # A project of its own, so no configuration from this repository applies.
  touch "$work/$mode/pyproject.toml"
  cp "$here/fixture.py" "$work/$mode/app.py"
  start=$(date +%s%N)
  # --clean: no user config or plugins; the plugin comes from this folder only.
  PREFLIGHT_BIN=$bin PREFLIGHT_FILE="$work/$mode/app.py" PREFLIGHT_MODE=$mode \
    timeout 120 nvim --headless --clean -n \
      --cmd "set runtimepath^=$root/editors/neovim" \
      -c "luafile $here/e2e.lua" </dev/null
  echo "neovim e2e ($mode): passed in $(( ($(date +%s%N) - start) / 1000000 )) ms"
done
