"""Turns `tmux capture-pane -e -p` output (text with SGR escapes) into an HTML page of terminal
panes, for a headless-browser screenshot. Usage: ansi2html.py TITLE1 FILE1 [TITLE2 FILE2 ...] > page.html
"""

import html
import re
import sys

BASE = ["#1d1f21", "#cc6666", "#b5bd68", "#f0c674", "#81a2be", "#b294bb", "#8abeb7", "#c5c8c6",
        "#666666", "#d54e53", "#b9ca4a", "#e7c547", "#7aa6da", "#c397d8", "#70c0b1", "#eaeaea"]
FG, BG = "#c5c8c6", "#1d1f21"


def xterm(n):
    if n < 16:
        return BASE[n]
    if n < 232:
        n -= 16
        steps = [0, 95, 135, 175, 215, 255]
        return "#%02x%02x%02x" % (steps[n // 36], steps[(n // 6) % 6], steps[n % 6])
    level = 8 + (n - 232) * 10
    return "#%02x%02x%02x" % (level, level, level)


def render(text):
    state = {"fg": None, "bg": None, "bold": False, "italic": False, "underline": False, "reverse": False}
    out = []
    for part in re.split(r"(\x1b\[[0-9;:]*m)", text):
        if part.startswith("\x1b["):
            codes = [int(c) if c else 0 for c in re.split(r"[;:]", part[2:-1])] or [0]
            i = 0
            while i < len(codes):
                c = codes[i]
                if c == 0:
                    state = {k: (False if isinstance(v, bool) else None) for k, v in state.items()}
                elif c == 1:
                    state["bold"] = True
                elif c == 3:
                    state["italic"] = True
                elif c == 4:
                    state["underline"] = True
                elif c == 7:
                    state["reverse"] = True
                elif c == 22:
                    state["bold"] = False
                elif c == 23:
                    state["italic"] = False
                elif c == 24:
                    state["underline"] = False
                elif c == 27:
                    state["reverse"] = False
                elif 30 <= c <= 37:
                    state["fg"] = BASE[c - 30]
                elif 90 <= c <= 97:
                    state["fg"] = BASE[c - 90 + 8]
                elif 40 <= c <= 47:
                    state["bg"] = BASE[c - 40]
                elif 100 <= c <= 107:
                    state["bg"] = BASE[c - 100 + 8]
                elif c == 39:
                    state["fg"] = None
                elif c == 49:
                    state["bg"] = None
                elif c in (38, 48) and i + 1 < len(codes):
                    key = "fg" if c == 38 else "bg"
                    if codes[i + 1] == 5 and i + 2 < len(codes):
                        state[key] = xterm(codes[i + 2])
                        i += 2
                    elif codes[i + 1] == 2 and i + 4 < len(codes):
                        state[key] = "#%02x%02x%02x" % tuple(codes[i + 2:i + 5])
                        i += 4
                i += 1
            continue
        if not part:
            continue
        fg, bg = state["fg"] or FG, state["bg"] or BG
        if state["reverse"]:
            fg, bg = bg, fg
        style = f"color:{fg};background:{bg}"
        if state["bold"]:
            style += ";font-weight:bold"
        if state["italic"]:
            style += ";font-style:italic"
        if state["underline"]:
            style += ";text-decoration:underline"
        out.append(f'<span style="{style}">{html.escape(part)}</span>')
    return "".join(out)


def main():
    args = sys.argv[1:]
    panes = []
    for title, path in zip(args[0::2], args[1::2]):
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read().rstrip("\n")
        panes.append(f'<figure><figcaption>{html.escape(title)}</figcaption><pre>{render(text)}</pre></figure>')
    print(f"""<!doctype html><meta charset="utf-8"><style>
body {{ margin: 0; padding: 16px; background: #f4f4f4; font-family: sans-serif; display: flex; flex-direction: column; gap: 16px; }}
figure {{ margin: 0; }}
figcaption {{ font-size: 14px; color: #333; margin-bottom: 6px; }}
pre {{ margin: 0; padding: 10px 12px; background: {BG}; color: {FG}; border-radius: 6px;
      font: 14px/1.35 "DejaVu Sans Mono", "Liberation Mono", monospace; display: inline-block; }}
</style>{''.join(panes)}""")


if __name__ == "__main__":
    main()
