"""Inspects a packaged .vsix (a zip): the manifest, activation, commands and settings, the bundle,
the binary of a platform package, and that the bundle loads in node with `vscode` stubbed out
(VS Code itself cannot be downloaded here, so this proves only that the bundle is complete).

Usage: python3 inspect_vsix.py EXTENSION.vsix [--target linux-x64]
Exits non-zero with a message on the first problem.
"""

import json
import os
import re
import subprocess
import sys
import tempfile
import zipfile


def fail(message):
    print(f"vsix: FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def main():
    path = sys.argv[1]
    target = sys.argv[sys.argv.index("--target") + 1] if "--target" in sys.argv else None
    with zipfile.ZipFile(path) as z:
        names = set(z.namelist())
        for required in ["extension.vsixmanifest", "extension/package.json", "extension/dist/extension.js"]:
            if required not in names:
                fail(f"{required} missing; the package holds {sorted(names)}")
        stray = [n for n in names if "/node_modules/" in n or n.startswith("extension/src/") or n.endswith(".map")]
        if stray:
            fail(f"files that should not ship: {stray[:5]}")
        manifest = json.loads(z.read("extension/package.json"))
        vsixmanifest = z.read("extension.vsixmanifest").decode("utf-8")
        bundle = z.read("extension/dist/extension.js").decode("utf-8")
        binary = f"extension/bundled/preflight{'.exe' if target and target.startswith('win32') else ''}"
        if target:
            if binary not in names:
                fail(f"platform package for {target} without {binary}")
            info = z.getinfo(binary)
            mode = (info.external_attr >> 16) & 0o777
            print(f"vsix: {binary}: {info.file_size} bytes, mode {oct(mode)}")
            if info.file_size < 1_000_000:
                fail(f"{binary} is only {info.file_size} bytes")
            if f'TargetPlatform="{target}"' not in vsixmanifest:
                fail(f"extension.vsixmanifest does not name TargetPlatform {target}")
        with tempfile.TemporaryDirectory() as tmp:
            z.extractall(tmp)
            check_loads(os.path.join(tmp, "extension", "dist", "extension.js"))
            if target and target == os.environ.get("VSIX_RUNNABLE_TARGET"):
                # The bundled binary runs here (zipfile drops the mode, so set it as VS Code keeps it).
                exe = os.path.join(tmp, *binary.split("/"))
                os.chmod(exe, 0o755)
                version = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=30)
                if version.returncode != 0:
                    fail(f"the bundled binary does not run: {version.stderr}")
                print(f"vsix: the bundled binary runs: {version.stdout.strip()}")

    if manifest.get("main") != "./dist/extension.js":
        fail(f"main is {manifest.get('main')}")
    if "onLanguage:python" not in manifest.get("activationEvents", []):
        fail(f"activationEvents {manifest.get('activationEvents')} lack onLanguage:python")
    commands = {c["command"] for c in manifest["contributes"]["commands"]}
    if commands != {"preflight.fixAll", "preflight.restart", "preflight.showOutput"}:
        fail(f"commands {commands}")
    settings = set(manifest["contributes"]["configuration"]["properties"])
    wanted = {"preflight.enable", "preflight.path", "preflight.run", "preflight.select", "preflight.extendSelect",
              "preflight.ignore", "preflight.severity", "preflight.trace.server"}
    if settings != wanted:
        fail(f"settings differ: extra {settings - wanted}, missing {wanted - settings}")
    # Everything but `vscode` is bundled: no other bare require survives.
    requires = set(re.findall(r'require\("([^"./][^"]*)"\)', bundle))
    builtins = set(json.loads(subprocess.run(
        ["node", "-p", "JSON.stringify(require('module').builtinModules)"],
        capture_output=True, text=True, check=True).stdout))
    foreign = {r for r in requires if r != "vscode" and not r.startswith("node:") and r not in builtins}
    if foreign:
        fail(f"the bundle requires modules that are not shipped: {sorted(foreign)}")
    for command in commands:
        if command not in bundle:
            fail(f"the bundle never registers {command}")
    print(f"vsix: OK: {path} ({os.path.getsize(path)} bytes, {len(names)} files, "
          f"engine {manifest['engines']['vscode']}, activation {manifest['activationEvents']})")


LOADER = r"""
const Module = require("module");
const stub = new Proxy(function () {}, {
  // `__esModule` makes the bundle's import helpers use the stub as it is.
  get: (target, prop) => (prop === "__esModule" ? true : stub),
  apply: () => stub,
  construct: () => stub,
});
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  return request === "vscode" ? "vscode" : resolve.call(this, request, ...rest);
};
require.cache["vscode"] = { id: "vscode", filename: "vscode", loaded: true, exports: stub };
const ext = require(process.argv[1]);
if (typeof ext.activate !== "function" || typeof ext.deactivate !== "function") {
  console.error("exports: " + Object.keys(ext));
  process.exit(1);
}
console.log("vsix: the bundle loads and exports activate/deactivate");
"""


def check_loads(bundle):
    result = subprocess.run(["node", "-e", LOADER, bundle], capture_output=True, text=True, timeout=60)
    sys.stdout.write(result.stdout)
    if result.returncode != 0:
        fail(f"the bundle does not load in node: {result.stderr.strip()[-2000:]}")


if __name__ == "__main__":
    main()
