// VS Code settings -> what the server receives, and how a change is applied.
import assert from "node:assert/strict";
import { test } from "node:test";

import { Getter, reaction, readSettings, serverSettings, Settings } from "../src/settings";

function getter(values: Record<string, unknown>): Getter {
  return <T>(key: string, fallback: T): T => (key in values ? (values[key] as T) : fallback);
}

const defaults = readSettings(getter({}));

test("defaults: enabled, on type, and the server gets only the run mode", () => {
  assert.deepEqual(defaults, {
    enable: true,
    path: [],
    run: "onType",
    select: [],
    extendSelect: [],
    ignore: [],
    severity: {},
  });
  // An empty `select` would mean "no rules" to the server, so it is not sent.
  assert.deepEqual(serverSettings(defaults), { run: "onType" });
});

test("rule selection and severities are passed through in the server's camelCase keys", () => {
  const s = readSettings(
    getter({
      run: "onSave",
      select: ["PF2", "error-handling"],
      extendSelect: ["PF401"],
      ignore: ["PF101", "  "],
      severity: { PF201: "error", network: "info" },
    }),
  );
  assert.deepEqual(serverSettings(s), {
    run: "onSave",
    select: ["PF2", "error-handling"],
    extendSelect: ["PF401"],
    ignore: ["PF101"],
    severity: { PF201: "error", network: "info" },
  });
});

test("hand-edited values of the wrong type fall back to the defaults", () => {
  const s = readSettings(getter({ enable: "yes", run: "always", select: "PF201", ignore: [1, "PF102"], severity: ["x"] }));
  assert.equal(s.enable, true);
  assert.equal(s.run, "onType");
  assert.deepEqual(s.select, []);
  assert.deepEqual(s.ignore, ["PF102"]);
  assert.deepEqual(s.severity, {});
  assert.equal(readSettings(getter({ enable: false })).enable, false);
});

test("a change is applied without a reload: notify, restart, start or stop", () => {
  const change = (over: Partial<Settings>, from: Settings = defaults) => reaction(from, { ...from, ...over });
  assert.equal(change({ run: "onSave" }), "notify");
  assert.equal(change({ select: ["PF1"] }), "notify");
  assert.equal(change({ severity: { PF201: "hint" } }), "notify");
  assert.equal(change({ path: ["/opt/preflight"] }), "restart");
  assert.equal(change({ enable: false }), "stop");
  const disabled = { ...defaults, enable: false };
  assert.equal(change({ enable: true }, disabled), "start");
  assert.equal(change({ run: "onSave" }, disabled), "none");
  assert.equal(change({}), "none");
});
