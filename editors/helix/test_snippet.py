"""Checks the Helix snippet (languages.toml): it is valid TOML in the shape Helix reads, Python
lists Preflight beside pyright and ruff, and its command, run exactly as written (so `preflight`
must be on PATH), starts a server that takes the snippet's `config` as initializationOptions,
negotiates UTF-8 as Helix asks, and publishes diagnostics.

Helix itself is not installable here (see the README), so this is the part that can be tested.
Exits non-zero on the first problem.
"""

import json
import os
import shutil
import subprocess
import sys
import tomllib

HERE = os.path.dirname(os.path.abspath(__file__))


def fail(message):
    print(f"helix: FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def frame(message):
    body = json.dumps(message).encode("utf-8")
    return b"Content-Length: %d\r\n\r\n%s" % (len(body), body)


def read_message(stream):
    length = None
    while True:
        line = stream.readline()
        if not line:
            fail("the server closed its output")
        line = line.strip()
        if not line:
            break
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    return json.loads(stream.read(length))


def main():
    with open(os.path.join(HERE, "languages.toml"), "rb") as f:
        config = tomllib.load(f)
    server = config["language-server"]["preflight"]
    python = [lang for lang in config["language"] if lang["name"] == "python"]
    if len(python) != 1:
        fail(f"expected one [[language]] python table, found {len(python)}")
    servers = python[0]["language-servers"]
    if servers[-1] != "preflight" or not {"pyright", "ruff"} <= set(servers):
        fail(f"python language-servers are {servers}")
    if not isinstance(server.get("args", []), list) or not isinstance(server.get("config", {}), dict):
        fail("args must be a list and config a table")
    # The README's copy of the snippet says the same (comments aside).
    with open(os.path.join(HERE, "..", "..", "README.md"), encoding="utf-8") as f:
        readme = f.read()
    blocks = [b for b in readme.split("```toml\n")[1:] if "[language-server.preflight]" in b]
    if len(blocks) != 1:
        fail(f"expected one Helix snippet in README.md, found {len(blocks)}")
    if tomllib.loads(blocks[0].split("```")[0]) != config:
        fail("the README's Helix snippet differs from editors/helix/languages.toml")
    command = shutil.which(server["command"])
    if command is None:
        fail(f"`{server['command']}` is not on PATH")

    proc = subprocess.Popen([command, *server["args"]], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL)
    try:
        send = lambda m: (proc.stdin.write(frame(m)), proc.stdin.flush())
        send({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "processId": os.getpid(), "rootUri": None,
            # What Helix 25.01 offers: UTF-8 first, push diagnostics.
            "capabilities": {"general": {"positionEncodings": ["utf-8", "utf-32", "utf-16"]}},
            "initializationOptions": server.get("config", {})}})
        response = read_message(proc.stdout)
        result = response.get("result") or fail(f"initialize failed: {response}")
        if result["serverInfo"]["name"] != "preflight":
            fail(f"serverInfo {result['serverInfo']}")
        if result["capabilities"].get("positionEncoding") != "utf-8":
            fail(f"encoding {result['capabilities'].get('positionEncoding')}")
        send({"jsonrpc": "2.0", "method": "initialized", "params": {}})
        uri = "file:///tmp/preflight-helix-check/app.py"
        send({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
            "uri": uri, "languageId": "python", "version": 1,
            "text": "import requests\n\nrequests.get('https://example.invalid')\n"}}})
        while True:
            message = read_message(proc.stdout)
            if message.get("method") == "window/showMessage":
                fail(f"the server complained about the snippet's config: {message['params']['message']}")
            if message.get("method") == "textDocument/publishDiagnostics":
                break
        codes = [d["code"] for d in message["params"]["diagnostics"]]
        if "PF201" not in codes:
            fail(f"diagnostics {codes}")
        send({"jsonrpc": "2.0", "id": 2, "method": "shutdown", "params": None})
        while read_message(proc.stdout).get("id") != 2:
            pass
        send({"jsonrpc": "2.0", "method": "exit", "params": None})
        status = proc.wait(timeout=10)
        if status != 0:
            fail(f"exit status {status}")
    finally:
        if proc.poll() is None:
            proc.kill()
    print(f"helix: OK: snippet valid, `{server['command']} {' '.join(server['args'])}` ({command}) "
          f"served PF201 over UTF-8 with config {server.get('config')}")


if __name__ == "__main__":
    main()
