#!/usr/bin/env bash
# Runs `preflight check` over a tree of real Python code and fails on any panic or crash.
# Usage: check-tree.sh PREFLIGHT_BINARY DIR
# Findings (exit 1) and unreadable files (exit 2, e.g. deliberately non-UTF-8 test files) are fine;
# a signal, another exit code, or "panicked" on stderr is not.
set -uo pipefail
bin=$1; dir=$2
err=$(mktemp)
start=$(date +%s.%N)
"$bin" check --output-format json "$dir" > "$err.json" 2> "$err"
status=$?
end=$(date +%s.%N)
files=$(find "$dir" -name '*.py' | wc -l)
findings=$(grep -c '"code":' "$err.json" || true)
printf 'checked %s .py files under %s in %.2fs: exit %s, %s findings\n' "$files" "$dir" "$(echo "$end - $start" | bc)" "$status" "$findings"
if grep -q "panicked" "$err"; then
  echo "a rule or the parser panicked:"; grep -B2 -A5 panicked "$err" | head -40; exit 1
fi
case $status in
  0|1|2) ;;
  *) echo "preflight crashed (exit $status)"; tail -20 "$err"; exit 1 ;;
esac
rm -f "$err" "$err.json"
