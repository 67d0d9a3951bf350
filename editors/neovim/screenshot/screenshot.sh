#!/usr/bin/env bash
# Regenerates editors/neovim/screenshot.png: Neovim (in tmux) showing Preflight's diagnostics and
# the code-action menu, then the file after the quick fix; captured with `tmux capture-pane -e`,
# rendered to HTML (ansi2html.py) and photographed by headless Chromium.
# Needs: nvim, tmux, chromium (apt-get install -y neovim tmux chromium). Not run by CI.
# Usage: editors/neovim/screenshot/screenshot.sh [path/to/preflight]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
bin=$(realpath "${1:-$root/target/debug/preflight}")
work=$(mktemp -d)
session=preflight-shot-$$
cleanup() { tmux kill-session -t "$session" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

mkdir -p "$work/project"
touch "$work/project/pyproject.toml"
cp "$here/../test/fixture.py" "$work/project/app.py"
tmux new-session -d -s "$session" -x 92 -y 20 -c "$work/project" \
  "env TERM=tmux-256color PREFLIGHT_BIN=$bin nvim --clean -n -u $here/init.lua app.py"
tmux set-option -t "$session" -g default-terminal tmux-256color >/dev/null
wait_for() {  # wait_for TEXT: until the pane shows TEXT (10 s at most)
  for _ in $(seq 100); do
    tmux capture-pane -t "$session" -p | grep -qF "$1" && return 0
    sleep 0.1
  done
  echo "screenshot: the pane never showed '$1'"; tmux capture-pane -t "$session" -p; exit 1
}
wait_for "without a timeout"
# On the `requests.get` line, ask for code actions (0.7 lists them in a prompt).
tmux send-keys -t "$session" ":call cursor(5, 12)" Enter
tmux send-keys -t "$session" ":lua vim.lsp.buf.code_action()" Enter
wait_for "Add \`timeout=10\`"
tmux capture-pane -t "$session" -e -p > "$work/before.ansi"
tmux send-keys -t "$session" "1" Enter
wait_for "timeout=10)"
sleep 0.5
tmux send-keys -t "$session" ":echo ''" Enter
sleep 0.3
tmux capture-pane -t "$session" -e -p > "$work/after.ansi"

python3 "$here/ansi2html.py" \
  "Diagnostics as virtual text and signs; code actions for PF201 (:lua vim.lsp.buf.code_action())" "$work/before.ansi" \
  "After choosing 1: the timeout is added and the PF201 diagnostic is gone" "$work/after.ansi" > "$work/page.html"
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$work/chromium" --hide-scrollbars \
  --screenshot="$here/../screenshot.png" --window-size=920,860 "file://$work/page.html" 2>/dev/null
echo "wrote $(realpath "$here/../screenshot.png")"
