#!/usr/bin/env bash
# Creates bench/.venv with the tools Preflight is compared against (ruff and bandit), at pinned
# versions so that figures from different days compare. Idempotent: a venv that already has the
# pinned versions is left alone. Prints the versions. Usage: bash bench/setup.sh
set -euo pipefail
RUFF_VERSION=0.17.6
BANDIT_VERSION=1.9.4
here=$(cd "$(dirname "$0")" && pwd)
venv="$here/.venv"
python=${PYTHON:-python3}

if [ ! -x "$venv/bin/python" ]; then
  "$python" -m venv "$venv"
fi
have() { "$venv/bin/python" -m pip show "$1" 2>/dev/null | sed -n 's/^Version: //p'; }
if [ "$(have ruff)" != "$RUFF_VERSION" ] || [ "$(have bandit)" != "$BANDIT_VERSION" ]; then
  "$venv/bin/python" -m pip install -q --disable-pip-version-check \
    "ruff==$RUFF_VERSION" "bandit==$BANDIT_VERSION"
fi
echo "ruff:   $("$venv/bin/ruff" --version)"
echo "bandit: $("$venv/bin/bandit" --version 2>&1 | head -1)"
