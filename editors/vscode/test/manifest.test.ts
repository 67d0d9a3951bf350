// package.json and the code agree: every contributed setting is read with the same default, and
// the commands and activation the extension relies on are declared.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";

import { readSettings } from "../src/settings";

// Compiled to out/test/, so the manifest is two folders up.
const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "package.json"), "utf8"));
const properties: Record<string, { default: unknown; description?: string; markdownDescription?: string }> =
  manifest.contributes.configuration.properties;

test("every setting has a description, and the code reads it with the manifest's default", () => {
  const asked = new Map<string, unknown>();
  readSettings(<T>(key: string, fallback: T): T => {
    asked.set(`preflight.${key}`, fallback);
    return fallback;
  });
  for (const [key, schema] of Object.entries(properties)) {
    assert.ok(schema.description ?? schema.markdownDescription, `${key} has no description`);
    // `trace.server` is read by vscode-languageclient itself (client id `preflight`).
    if (key === "preflight.trace.server") {
      continue;
    }
    assert.ok(asked.has(key), `${key} is contributed but never read`);
    assert.deepEqual(asked.get(key), schema.default, `${key}: default differs`);
  }
  for (const key of asked.keys()) {
    assert.ok(key in properties, `${key} is read but not contributed`);
  }
});

test("commands, activation and entry point", () => {
  const commands = manifest.contributes.commands.map((c: { command: string; category: string; title: string }) =>
    `${c.category}: ${c.title} (${c.command})`,
  );
  assert.deepEqual(commands, [
    "Preflight: Fix all (preflight.fixAll)",
    "Preflight: Restart server (preflight.restart)",
    "Preflight: Show output (preflight.showOutput)",
  ]);
  assert.ok(manifest.activationEvents.includes("onLanguage:python"));
  assert.equal(manifest.main, "./dist/extension.js");
  assert.equal(manifest.engines.vscode, "^1.91.0");
  assert.deepEqual(properties["preflight.run"].default, "onType");
});
