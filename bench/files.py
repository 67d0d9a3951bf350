"""Builds the inputs of the end-to-end benchmarks, deterministically, into bench/out/.

* Two Python files made of real code from the corpus: whole modules concatenated in sorted path
  order from a fixed package until a line count is reached (~20,000 and ~2,000 lines). Modules that
  do not compile on their own are skipped; `from __future__` imports after the first module are
  dropped so that the concatenation still parses. `inputs.json` lists the modules used.
* For each file, a scripted typing session of LSP incremental `didChange` content changes with
  UTF-16 positions: typing a new function character by character (with typos and backspaces),
  deleting lines, pasting and cutting blocks, adding `except: pass` handlers, an import at the top
  and a comment at the end; the typed text includes é, 中文 and emoji. The generator tracks the text
  itself and checks, after every action, that it parses, and at the end that an independent replay
  of the changes from the original text gives the same text.

Usage: python3 bench/files.py   (prints what it built; the drivers call `build()` themselves)
"""

from __future__ import annotations

import ast
import hashlib
import json
import random
import sys
from dataclasses import dataclass, field
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import OUT, corpus_dir, corpus_files, die  # noqa: E402

# (output name, first package folder in the corpus, target line count)
INPUTS = [("large_20k.py", "aiohttp/", 20_000), ("small_2k.py", "flask/", 2_000)]

MIN_EDITS = 500

# How far from the target line count a built file may be.
SLACK = 0.03

# Text typed character by character. Newline plus the next line's indentation is one edit (an
# editor's Enter with auto-indent).
TYPED_FUNCTION = '''def fetch_profile(user_id: int) -> dict:
    """Récupère le profil — 用户资料 🚀."""
    url = f"https://api.example.com/users/{user_id}"
    tag = "用户 🚀"; response = requests.get(url)
    try:
        payload = response.json()
    except:
        pass
    print("profil chargé ✅", user_id)
    return payload'''

TYPED_HANDLER = """async def handle_upload(request):
    data = await request.post()
    name = data["file"].filename
    path = os.path.join("/srv/uploads", name)
    try:
        with open(path, "wb") as fh:
            fh.write(data["file"].file.read())
    except Exception:
        pass
    return {"saved": name, "note": "téléversé — 已上传 📦"}"""

TYPED_COMMENT = "# Vérifier le délai — 超时 ⏱️ 🚀 avant la mise en production"

PASTED_BLOCK = """SECRET_KEY = "s3cr3t-ключ-密钥"
DEBUG = True


def load_orders(cursor, customer):
    query = "SELECT * FROM orders WHERE customer = '%s'" % customer
    cursor.execute(query)
    rows = cursor.fetchall()
    try:
        total = sum(r[2] for r in rows)
    except Exception as exc:
        raise ValueError("bad rows")
    return rows, total


def ping(host):
    try:
        return requests.get("https://" + host + "/health").ok
    except:
        pass
    return False


"""


# ----------------------------------------------------------------------------- the input files


def _read_module(path: Path) -> str | None:
    """The module's text with `\\n` line ends, or None if it is not UTF-8 or has other line breaks."""
    try:
        text = path.read_text(encoding="utf-8").lstrip("\ufeff")
    except (UnicodeDecodeError, OSError):
        return None
    # The LSP knows only \n, \r\n and \r as line ends, some Python APIs also \f, \v, \x1c...:
    # keep files whose lines are the same for every tool.
    if any(ch in text for ch in "\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"):
        return None
    return text if text.endswith("\n") or not text else text + "\n"


def _compiles(text: str, path: Path) -> bool:
    """Whether the module compiles on its own (broken or Python-2 files are skipped)."""
    try:
        compile(text, str(path), "exec", dont_inherit=True)
        return True
    except (SyntaxError, ValueError):
        return False


def _drop_future_imports(text: str) -> str:
    """Removes `from __future__ import ...` statements (they are only legal at a file's top)."""
    lines = text.split("\n")
    for node in ast.parse(text).body:
        if isinstance(node, ast.ImportFrom) and node.module == "__future__":
            for i in range(node.lineno - 1, node.end_lineno):
                lines[i] = ""
    return "\n".join(lines)


def build_file(root: Path, files: list[Path], start: str, target: int) -> tuple[str, list[dict]]:
    """Concatenates whole modules in sorted order, from the first path under `start`, until
    `target` lines (± SLACK); a module that would overshoot is skipped."""
    rel = [p.relative_to(root).as_posix() for p in files]
    first = next((i for i, r in enumerate(rel) if r.startswith(start)), None)
    if first is None:
        die(f"no module under {start} in {root}")
    parts: list[str] = []
    used: list[dict] = []
    lines = 0
    for path, name in zip(files[first:], rel[first:]):
        if lines >= target * (1 - SLACK):
            break
        text = _read_module(path)
        if text is None or not text.strip():
            continue
        header = f"# ---- {name} ----\n"
        n = (header + text).count("\n")
        if lines + n > target * (1 + SLACK):
            continue  # would overshoot: try the next (smaller) module
        if not _compiles(text, path):
            continue
        if parts:
            text = _drop_future_imports(text)
        parts.append(header + text)
        used.append({"path": name, "lines": n})
        lines += n
    if lines < target * (1 - SLACK):
        die(f"the corpus from {start} on has only {lines} usable lines, {target} wanted")
    text = "".join(parts)
    try:
        ast.parse(text)
    except SyntaxError as e:
        die(f"the concatenation from {start} does not parse: {e}")
    return text, used


# ----------------------------------------------------------------------------- the typing session


def utf16_len(s: str) -> int:
    """Length in UTF-16 code units, the LSP's default position unit."""
    return len(s.encode("utf-16-le")) // 2


@dataclass
class Session:
    """A document being edited: the text (tracked here) and the LSP changes made so far."""

    text: str
    edits: list[dict] = field(default_factory=list)
    _parsed: tuple[str, ast.Module] | None = None

    def position(self, offset: int) -> dict:
        """LSP position (line, UTF-16 character) of a code-point offset."""
        line = self.text.count("\n", 0, offset)
        line_start = self.text.rfind("\n", 0, offset) + 1
        return {"line": line, "character": utf16_len(self.text[line_start:offset])}

    def offset(self, line: int, col: int = 0) -> int:
        """Code-point offset of (0-based line, code-point column)."""
        start = 0
        for _ in range(line):
            start = self.text.index("\n", start) + 1
        return start + col

    def replace(self, start: int, end: int, new: str, kind: str) -> int:
        """Replaces text[start:end] by `new` as one didChange; returns the offset after `new`."""
        change = {"range": {"start": self.position(start), "end": self.position(end)}, "text": new}
        self.edits.append({"kind": kind, **change})
        self.text = self.text[:start] + new + self.text[end:]
        return start + len(new)

    def type(self, offset: int, typed: str, kind: str, rng: random.Random) -> int:
        """Types `typed` at `offset` one character per edit, Enter+indent as one edit, with a few
        typos corrected by backspace (deterministic: `rng` is seeded)."""
        i = 0
        while i < len(typed):
            ch = typed[i]
            if ch == "\n":
                j = i + 1
                while j < len(typed) and typed[j] == " ":
                    j += 1
                offset = self.replace(offset, offset, typed[i:j], kind)
                i = j
                continue
            if ch.isalpha() and ch.isascii() and rng.random() < 0.05:
                wrong = rng.choice("qwertyuiopasdfghjklzxcvbnm")
                offset = self.replace(offset, offset, wrong, kind + "/typo")
                offset = self.replace(offset - 1, offset, "", kind + "/backspace")
            offset = self.replace(offset, offset, ch, kind)
            i += 1
        return offset

    def check_parses(self, after: str) -> ast.Module:
        """Every action ends in valid Python; a failure means the script itself is wrong."""
        if self._parsed is not None and self._parsed[0] is self.text:
            return self._parsed[1]
        try:
            tree = ast.parse(self.text)
        except SyntaxError as e:
            die(f"typing session: the text does not parse after {after}: {e}")
            raise
        self._parsed = (self.text, tree)
        return tree


def _start_line(node: ast.stmt) -> int:
    """1-based first line of a statement including its decorators."""
    decorators = getattr(node, "decorator_list", [])
    return min([node.lineno] + [d.lineno for d in decorators])


def _nearest(nodes: list, key, target: float):
    return min(nodes, key=lambda n: (abs(key(n) - target), key(n)))


def _top_level_anchor(s: Session, fraction: float) -> int:
    """Offset of the start of the top-level statement nearest `fraction` of the file (after the
    leading imports, so nothing is put before a `from __future__` import)."""
    tree = s.check_parses("an action")
    body = [n for n in tree.body if not isinstance(n, (ast.Import, ast.ImportFrom))][1:]
    lines = s.text.count("\n")
    node = _nearest(body, _start_line, fraction * lines)
    return s.offset(_start_line(node) - 1)


def _after_imports(s: Session) -> int:
    """Offset of the first top-level statement after the leading docstring and imports."""
    tree = s.check_parses("an action")
    for i, node in enumerate(tree.body):
        is_doc = i == 0 and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
        if not (is_doc or isinstance(node, (ast.Import, ast.ImportFrom))):
            return s.offset(_start_line(node) - 1)
    return len(s.text)


def type_block(s: Session, fraction: float, typed: str, kind: str, rng: random.Random) -> None:
    """Opens two blank lines before a top-level statement and types `typed` there."""
    at = _top_level_anchor(s, fraction)
    for _ in range(3):
        s.replace(at, at, "\n", kind + "/enter")
    s.type(at + 1, typed, kind, rng)
    s.check_parses(kind)


def add_except_pass(s: Session, fraction: float, rng: random.Random) -> None:
    """Types a bare `except:` + `pass` after the last handler of an existing try statement."""
    tree = s.check_parses("an action")
    tries = [
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.Try) and n.handlers and all(h.type is not None for h in n.handlers)
    ]
    if not tries:
        return
    lines = s.text.count("\n")
    node = _nearest(tries, lambda n: n.lineno, fraction * lines)
    try_line = s.text.split("\n")[node.lineno - 1]
    indent = try_line[: len(try_line) - len(try_line.lstrip())]
    end_line = node.handlers[-1].end_lineno  # 1-based; insert at the end of that line
    at = s.offset(end_line) - 1
    s.type(at, f"\n{indent}except:\n{indent}    pass", "except-pass", rng)
    s.check_parses("except-pass")


def delete_lines(s: Session, fraction: float) -> None:
    """Deletes a function line by line from its last line up (Ctrl+Shift+K in a row)."""
    tree = s.check_parses("an action")
    candidates = []
    for parent in ast.walk(tree):
        body = getattr(parent, "body", None)
        if not isinstance(body, list) or len(body) < 2:
            continue
        for n in body:
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)):
                if 6 <= n.end_lineno - _start_line(n) + 1 <= 20:
                    candidates.append(n)
    if not candidates:
        return
    lines = s.text.count("\n")
    node = _nearest(candidates, _start_line, fraction * lines)
    for line in range(node.end_lineno, _start_line(node) - 1, -1):
        start = s.offset(line - 1)
        s.replace(start, s.offset(line), "", "delete-line")
    s.check_parses("delete-line")


def cut_function(s: Session, fraction: float) -> None:
    """Cuts a whole top-level function or class in one edit (select + Ctrl+X)."""
    tree = s.check_parses("an action")
    defs = [
        n
        for n in tree.body
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        and n.end_lineno - _start_line(n) < 80
    ]
    if not defs:
        return
    lines = s.text.count("\n")
    node = _nearest(defs, _start_line, fraction * lines)
    s.replace(s.offset(_start_line(node) - 1), s.offset(node.end_lineno), "", "cut")
    s.check_parses("cut")


def paste(s: Session, fraction: float) -> None:
    """Pastes a block of service code (one edit) before a top-level statement."""
    at = _top_level_anchor(s, fraction)
    s.replace(at, at, PASTED_BLOCK, "paste")
    s.check_parses("paste")


def make_session(text: str, seed: int = 6) -> Session:
    """The scripted session: a realistic mix of actions at several places of the file."""
    rng = random.Random(seed)
    s = Session(text)
    at = _after_imports(s)
    s.replace(at, at, "\n", "import/enter")
    s.type(at, "import requests", "import", rng)
    s.check_parses("import")
    type_block(s, 0.5, TYPED_FUNCTION, "type-function", rng)
    add_except_pass(s, 0.55, rng)
    delete_lines(s, 0.25)
    paste(s, 0.75)
    add_except_pass(s, 0.3, rng)
    cut_function(s, 0.4)
    type_block(s, 0.9, TYPED_HANDLER, "type-handler", rng)
    paste(s, 0.1)
    add_except_pass(s, 0.8, rng)
    end = len(s.text)
    s.type(end, "\n" + TYPED_COMMENT + "\n", "comment", rng)
    s.check_parses("comment")
    if len(s.edits) < MIN_EDITS:
        die(f"the typing session has {len(s.edits)} edits, fewer than {MIN_EDITS}")
    return s


def apply_changes(text: str, edits: list[dict]) -> str:
    """Replays LSP changes from scratch, converting UTF-16 positions independently of Session, to
    check the generated positions."""
    for e in edits:
        lines = text.split("\n")
        start = _utf16_offset(lines, e["range"]["start"])
        end = _utf16_offset(lines, e["range"]["end"])
        text = text[:start] + e["text"] + text[end:]
    return text


def _utf16_offset(lines: list[str], pos: dict) -> int:
    """Code-point offset of an LSP position, by encoding the line to UTF-16."""
    line = pos["line"]
    before = len("\n".join(lines[:line])) + (1 if line else 0)
    units = lines[line].encode("utf-16-le")
    if pos["character"] * 2 > len(units):
        raise ValueError(f"position past the end of its line: {pos}")
    return before + len(units[: pos["character"] * 2].decode("utf-16-le"))


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def build(verbose: bool = True) -> dict:
    """Builds (or rebuilds: the result is the same) every input; returns the manifest."""
    root = corpus_dir()
    files = corpus_files(root)
    OUT.mkdir(parents=True, exist_ok=True)
    manifest = {"corpus": str(root), "inputs": {}}
    for name, start, target in INPUTS:
        text, used = build_file(root, files, start, target)
        (OUT / name).write_text(text, encoding="utf-8")
        session = make_session(text)
        if apply_changes(text, session.edits) != session.text:
            die(f"replaying the session of {name} does not give the tracked text")
        kinds: dict[str, int] = {}
        for e in session.edits:
            kinds[e["kind"]] = kinds.get(e["kind"], 0) + 1
        session_file = OUT / (Path(name).stem + ".session.json")
        session_file.write_text(
            json.dumps(
                {"file": name, "final_sha256": sha256(session.text), "edits": session.edits},
                ensure_ascii=False,
            ),
            encoding="utf-8",
        )
        manifest["inputs"][name] = {
            "path": str(OUT / name),
            "lines": text.count("\n"),
            "bytes": len(text.encode("utf-8")),
            "sha256": sha256(text),
            "modules": used,
            "session": str(session_file),
            "edits": len(session.edits),
            "edit_kinds": kinds,
            "final_sha256": sha256(session.text),
        }
        if verbose:
            first, last = used[0]["path"], used[-1]["path"]
            print(
                f"{name}: {text.count(chr(10))} lines from {len(used)} modules "
                f"({first} .. {last}); session: {len(session.edits)} edits {kinds}"
            )
    (OUT / "inputs.json").write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    return manifest


def ensure_built() -> dict:
    """The manifest of the inputs, building them if missing or changed (checked by hash)."""
    manifest_path = OUT / "inputs.json"
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        for info in manifest["inputs"].values():
            text = Path(info["path"]).read_text(encoding="utf-8")
            if sha256(text) != info["sha256"] or not Path(info["session"]).is_file():
                raise ValueError("changed")
        if {name for name, _, _ in INPUTS} != set(manifest["inputs"]):
            raise ValueError("other inputs")
        return manifest
    except (OSError, ValueError, KeyError):
        return build()


def load_session(manifest: dict, name: str) -> tuple[str, list[dict], str]:
    """The original text, the edits and the expected final text hash of one input."""
    info = manifest["inputs"][name]
    text = Path(info["path"]).read_text(encoding="utf-8")
    data = json.loads(Path(info["session"]).read_text(encoding="utf-8"))
    return text, data["edits"], data["final_sha256"]


if __name__ == "__main__":
    build()
