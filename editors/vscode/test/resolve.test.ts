// Binary resolution order and path handling, with a fake file system and environment.
import assert from "node:assert/strict";
import { test } from "node:test";

import { bundledPath, expandConfigured, isFound, resolveServer, searchPath, System } from "../src/resolve";

function fakeSystem(files: string[], env: Record<string, string> = {}, platform: NodeJS.Platform = "linux"): System {
  const set = new Set(files);
  return { platform, env, homedir: platform === "win32" ? "C:\\Users\\ada" : "/home/ada", isFile: (p) => set.has(p) };
}

const EXT = "/ext";

test("the setting wins over the bundled binary and PATH", () => {
  const sys = fakeSystem(["/opt/pf/preflight", "/ext/bundled/preflight", "/usr/bin/preflight"], { PATH: "/usr/bin" });
  assert.deepEqual(resolveServer(["/opt/pf/preflight"], EXT, sys), { path: "/opt/pf/preflight", source: "setting" });
});

test("the first configured path that exists is used; missing ones are skipped", () => {
  const sys = fakeSystem(["/b/preflight"]);
  assert.deepEqual(resolveServer(["/a/preflight", "", "/b/preflight"], EXT, sys), {
    path: "/b/preflight",
    source: "setting",
  });
});

test("the bundled binary comes before PATH", () => {
  const sys = fakeSystem(["/ext/bundled/preflight", "/usr/bin/preflight"], { PATH: "/usr/bin" });
  assert.deepEqual(resolveServer(["/missing/preflight"], EXT, sys), {
    path: "/ext/bundled/preflight",
    source: "bundled",
  });
});

test("PATH is searched in order when nothing else exists", () => {
  const sys = fakeSystem(["/second/preflight", "/third/preflight"], { PATH: "/first::/second:/third" });
  assert.deepEqual(resolveServer([], EXT, sys), { path: "/second/preflight", source: "path" });
});

test("nothing found lists every place tried", () => {
  const sys = fakeSystem([], { PATH: "/usr/bin" });
  const r = resolveServer(["~/bin/preflight"], EXT, sys);
  assert.equal(isFound(r), false);
  assert.deepEqual(r, { tried: ["/home/ada/bin/preflight", "/ext/bundled/preflight", "`preflight` on PATH"] });
});

test("~, ${workspaceFolder} and relative paths are expanded", () => {
  const sys = fakeSystem([]);
  assert.equal(expandConfigured("~/x/preflight", sys), "/home/ada/x/preflight");
  assert.equal(expandConfigured("${workspaceFolder}/.venv/bin/preflight", sys, "/proj"), "/proj/.venv/bin/preflight");
  assert.equal(expandConfigured(".venv/bin/preflight", sys, "/proj"), "/proj/.venv/bin/preflight");
  assert.equal(expandConfigured("  /abs/preflight ", sys, "/proj"), "/abs/preflight");
  const found = resolveServer([".venv/bin/preflight"], EXT, fakeSystem(["/proj/.venv/bin/preflight"]), "/proj");
  assert.deepEqual(found, { path: "/proj/.venv/bin/preflight", source: "setting" });
});

test("Windows: preflight.exe, Path and PATHEXT", () => {
  const sys = fakeSystem(["C:\\tools\\preflight.exe"], { Path: "C:\\Windows;C:\\tools", PATHEXT: ".COM;.EXE" }, "win32");
  assert.equal(bundledPath("C:\\ext", "win32"), "C:\\ext\\bundled\\preflight.exe");
  assert.deepEqual(searchPath(sys).found, "C:\\tools\\preflight.exe");
  assert.deepEqual(resolveServer([], "C:\\ext", sys), { path: "C:\\tools\\preflight.exe", source: "path" });
  assert.equal(expandConfigured("~\\bin\\preflight.exe", sys), "C:\\Users\\ada\\bin\\preflight.exe");
});
