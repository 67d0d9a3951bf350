#!/usr/bin/env bash
# Where users meet Preflight, tested with real clients where one runs on this machine:
#   output formats (SARIF validated against the 2.1.0 schema, GitHub annotations),
#   the pip wheel (built with maturin, installed into a fresh virtualenv, run from there),
#   the pre-commit hook (through pre-commit itself), the Helix snippet, Neovim end to end
#   (headless), and the VS Code extension (unit tests, bundle, .vsix packages inspected).
# Called by .ci/run after the cargo tests; runs on its own too: bash editors/ci.sh
# Installs what it needs (Debian packages only when a tool is missing; Python tools in
# virtualenvs under target/editors; npm packages from the lockfile).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
work=$root/target/editors
mkdir -p "$work"
started=$(date +%s)
summary=()
note() { summary+=("$1"); echo "-- $1"; }
ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

echo "== editors: tools"
missing=()
command -v nvim >/dev/null || missing+=(neovim)
command -v tmux >/dev/null || missing+=(tmux)
command -v node >/dev/null || missing+=(nodejs npm)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
nvim --version | head -n 1
node --version

cargo build -q
debug_bin=$root/target/debug/preflight

tools=$work/tools-venv
if [ ! -x "$tools/bin/pip" ]; then
  python3 -m venv "$tools"
fi
"$tools/bin/pip" install -q "jsonschema>=4,<5" "maturin>=1.9,<2.0" "pre-commit>=3,<5"

echo "== editors: SARIF against the SARIF 2.1.0 schema"
# The schema comes from an MIT-licensed package that ships it (sarif-2.1.0-rtm.5.json, the
# final 2.1.0 schema); it is fetched here and never committed.
schema_dir=$work/sarif-schema
if [ ! -f "$schema_dir/package/lib/schemas/sarif-2.1.0-rtm.5.json" ]; then
  rm -rf "$schema_dir" && mkdir -p "$schema_dir"
  (cd "$schema_dir" && npm pack -q @microsoft/jest-sarif@1.0.0-beta.0 >/dev/null && tar xzf ./*.tgz)
fi
schema=$schema_dir/package/lib/schemas/sarif-2.1.0-rtm.5.json
set +e
"$debug_bin" check --output-format sarif examples/service > "$work/example.sarif"
status=$?
"$debug_bin" check --output-format github examples/service > "$work/example.github"
set -e
[ "$status" -eq 1 ] || { echo "sarif: expected exit 1, got $status"; exit 1; }
"$tools/bin/python" - "$schema" "$work/example.sarif" <<'EOF'
import copy, json, sys
import jsonschema
schema = json.load(open(sys.argv[1]))
log = json.load(open(sys.argv[2]))
validator = jsonschema.Draft4Validator(schema)
errors = sorted(validator.iter_errors(log), key=lambda e: list(e.path))
for e in errors[:10]:
    print(f"sarif: {'/'.join(map(str, e.path))}: {e.message}")
if errors:
    sys.exit(f"sarif: {len(errors)} schema errors")
# The check itself can fail: a log with a misspelt level does not validate.
broken = copy.deepcopy(log)
broken["runs"][0]["results"][0]["level"] = "fatal"
if validator.is_valid(broken):
    sys.exit("sarif: the validator accepted a broken log")
run = log["runs"][0]
fixes = sum(1 for r in run["results"] if r.get("fixes"))
print(f"sarif: valid: {len(run['results'])} results, {fixes} with fixes, {len(run['tool']['driver']['rules'])} rules")
EOF
note "SARIF of examples/service valid against the SARIF 2.1.0 schema"
if grep -v '^::\(error\|warning\|notice\) file=[^,]*,line=[0-9]*,col=[0-9]*,endLine=[0-9]*,endColumn=[0-9]*,title=PF[0-9]* [a-z-]*::' "$work/example.github"; then
  echo "github: lines above are not workflow commands"; exit 1
fi
note "github format: $(wc -l < "$work/example.github") annotations, all well-formed"

echo "== editors: pip wheel (maturin, bindings = bin)"
t=$(date +%s%N)
rm -rf "$work/wheels"
if ! "$tools/bin/maturin" build --release -o "$work/wheels" > "$work/maturin.log" 2>&1; then
  tail -n 40 "$work/maturin.log"; echo "wheel: maturin failed"; exit 1
fi
wheel=$(ls "$work"/wheels/preflight_lint-*.whl)
wheel_ms=$(ms_since "$t")
rm -rf "$work/wheel-venv"
python3 -m venv "$work/wheel-venv"
"$work/wheel-venv/bin/pip" install -q "$wheel"
"$work/wheel-venv/bin/preflight" --version
set +e
"$work/wheel-venv/bin/preflight" check --no-color examples/service > "$work/wheel-check.txt"
status=$?
set -e
[ "$status" -eq 1 ] || { cat "$work/wheel-check.txt"; echo "wheel: expected exit 1, got $status"; exit 1; }
grep -q " PF201 " "$work/wheel-check.txt" || { echo "wheel: no PF201 in the output"; exit 1; }
note "wheel $(basename "$wheel"): $(du -k "$wheel" | cut -f1) KB, built in ${wheel_ms} ms, installed in a fresh venv, check works"
# The Helix snippet and Neovim run the binary the way users get it: `preflight` on PATH.
export PATH=$work/wheel-venv/bin:$PATH

echo "== editors: pre-commit hook"
"$tools/bin/pre-commit" validate-manifest .pre-commit-hooks.yaml
hookrepo=$work/hook-repo
rm -rf "$hookrepo" && mkdir -p "$hookrepo"
printf 'import requests\n\n\ndef f(u):\n    return requests.get(u)\n' > "$hookrepo/bad.py"
printf 'x = 1\n' > "$hookrepo/good.py"
git -C "$hookrepo" init -q
git -C "$hookrepo" add bad.py good.py
# The hook exactly as .pre-commit-hooks.yaml defines it, but with `language: system` so that it
# runs the wheel installed above instead of building this repository again inside pre-commit
# (measured: 230 s on 2 cores). Installing the package is what the wheel step tested; this tests
# the hook: its entry, file types, arguments and exit status, through pre-commit itself.
"$tools/bin/python" - .pre-commit-hooks.yaml "$hookrepo/.pre-commit-config.yaml" <<'EOF'
import sys, yaml
hooks = yaml.safe_load(open(sys.argv[1]))
hook = next(h for h in hooks if h["id"] == "preflight")
assert hook["language"] == "python", hook
hook = dict(hook, language="system")
yaml.safe_dump({"repos": [{"repo": "local", "hooks": [hook]}]}, open(sys.argv[2], "w"))
EOF
git -C "$hookrepo" add .pre-commit-config.yaml
t=$(date +%s%N)
export PRE_COMMIT_HOME=$work/pre-commit-home
set +e
(cd "$hookrepo" && "$tools/bin/pre-commit" run preflight --files bad.py good.py) > "$work/pre-commit-bad.txt" 2>&1
bad=$?
(cd "$hookrepo" && "$tools/bin/pre-commit" run preflight --files good.py) > "$work/pre-commit-good.txt" 2>&1
good=$?
set -e
if [ "$bad" -eq 0 ] || ! grep -q "bad.py:5:12: PF201" "$work/pre-commit-bad.txt"; then
  cat "$work/pre-commit-bad.txt"; echo "pre-commit: bad.py passed the hook"; exit 1
fi
[ "$good" -eq 0 ] || { cat "$work/pre-commit-good.txt"; echo "pre-commit: good.py failed the hook"; exit 1; }
note "pre-commit (the hook's definition, run by pre-commit): bad.py fails with PF201, good.py passes ($(ms_since "$t") ms)"

echo "== editors: Helix snippet"
python3 editors/helix/test_snippet.py
note "Helix snippet: valid TOML, its command serves diagnostics (no hx here: see README)"

echo "== editors: Neovim end to end (headless, real client)"
t=$(date +%s%N)
bash editors/neovim/test/run.sh "$(command -v preflight)"
note "Neovim $(nvim --version | head -n 1 | cut -d' ' -f2): quick fix, fix all and onSave end to end in $(ms_since "$t") ms"

echo "== editors: VS Code extension"
(
  cd editors/vscode
  npm ci --prefer-offline --no-audit --no-fund --loglevel=error
  npm run -s typecheck
  PREFLIGHT_BIN=$debug_bin npm test 2>&1 | tee "$work/vscode-test.txt" | grep -E "^# (tests|pass|fail|skipped)"
  grep -q "^# fail 0" "$work/vscode-test.txt" && grep -q "^# skipped 0" "$work/vscode-test.txt"
  npm run -s package >/dev/null
  python3 scripts/inspect_vsix.py preflight.vsix
  # A platform package with the binary bundled, as published per target.
  rm -rf bundled && mkdir bundled && cp "$(command -v preflight)" bundled/preflight
  npx vsce package --no-dependencies --allow-missing-repository --target linux-x64 --out preflight-linux-x64.vsix >/dev/null
  rm -rf bundled
  VSIX_RUNNABLE_TARGET=linux-x64 python3 scripts/inspect_vsix.py preflight-linux-x64.vsix --target linux-x64
)
note "VS Code: node tests pass; .vsix $(du -k editors/vscode/preflight.vsix | cut -f1) KB, linux-x64 .vsix $(du -k editors/vscode/preflight-linux-x64.vsix | cut -f1) KB inspected"

echo "== editors: summary ($(( $(date +%s) - started )) s)"
printf '  %s\n' "${summary[@]}"
