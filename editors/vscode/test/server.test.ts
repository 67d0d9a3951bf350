// The settings the extension sends, as the real server takes them: started with
// `initializationOptions` from `serverSettings`, then changed with didChangeConfiguration the way
// the extension does. Needs PREFLIGHT_BIN (editors/ci.sh sets it); skipped without it.
import assert from "node:assert/strict";
import { ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { test } from "node:test";

import { readSettings, serverSettings } from "../src/settings";

const BIN = process.env.PREFLIGHT_BIN;

interface Message {
  id?: number;
  method?: string;
  params?: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  result?: unknown;
}

/** A minimal stdio LSP client: frames out, frames in, waiting for a matching message. */
class Client {
  private buffer = Buffer.alloc(0);
  private messages: Message[] = [];
  private waiters: Array<() => void> = [];
  private nextId = 1;
  readonly proc: ChildProcessWithoutNullStreams;

  constructor(bin: string) {
    this.proc = spawn(bin, ["server"], { stdio: "pipe" });
    this.proc.stdout.on("data", (chunk: Buffer) => this.read(chunk));
  }

  private read(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const end = this.buffer.indexOf("\r\n\r\n");
      if (end < 0) return;
      const header = this.buffer.subarray(0, end).toString("ascii");
      const length = Number(/Content-Length: (\d+)/i.exec(header)?.[1]);
      if (this.buffer.length < end + 4 + length) return;
      this.messages.push(JSON.parse(this.buffer.subarray(end + 4, end + 4 + length).toString("utf8")));
      this.buffer = this.buffer.subarray(end + 4 + length);
      this.waiters.splice(0).forEach((w) => w());
    }
  }

  send(message: object): void {
    const body = Buffer.from(JSON.stringify({ jsonrpc: "2.0", ...message }), "utf8");
    this.proc.stdin.write(`Content-Length: ${body.length}\r\n\r\n`);
    this.proc.stdin.write(body);
  }

  async waitFor(what: string, match: (m: Message) => boolean, ms = 15_000): Promise<Message> {
    const deadline = Date.now() + ms;
    for (;;) {
      const i = this.messages.findIndex(match);
      if (i >= 0) return this.messages.splice(i, 1)[0];
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${what} within ${ms} ms; have ${JSON.stringify(this.messages)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async request(method: string, params: unknown): Promise<Message> {
    const id = this.nextId++;
    this.send({ id, method, params });
    return this.waitFor(`response to ${method}`, (m) => m.id === id && m.method === undefined);
  }

  notify(method: string, params: unknown): void {
    this.send({ method, params });
  }

  /** Every message so far, without waiting. */
  drain(): Message[] {
    return this.messages.splice(0);
  }
}

const TEXT = "import requests\n\n\ndef f(u):\n    try:\n        return requests.get(u)\n    except Exception:\n        pass\n";

/** The diagnostics of one version, limited to the two rules this test is about. */
async function diagnostics(client: Client, uri: string, version: number): Promise<Message> {
  const m = await client.waitFor(`diagnostics v${version}`, (m) => m.method === "textDocument/publishDiagnostics" && m.params.uri === uri && m.params.version === version);
  m.params.diagnostics = m.params.diagnostics.filter((d: { code: string }) => d.code === "PF101" || d.code === "PF201");
  return m;
}

test("the server accepts the extension's settings and applies changes live", { skip: BIN ? false : "PREFLIGHT_BIN not set" }, async () => {
  const client = new Client(BIN as string);
  try {
    const initial = serverSettings(
      readSettings(<T>(key: string, fallback: T): T => ({ ignore: ["PF101"], severity: { PF201: "error" } } as Record<string, unknown>)[key] as T ?? fallback),
    );
    await client.request("initialize", { processId: null, rootUri: null, capabilities: {}, initializationOptions: { ...initial, debounceMs: 0 } });
    client.notify("initialized", {});
    const uri = "file:///tmp/preflight-vscode-settings/app.py";
    client.notify("textDocument/didOpen", { textDocument: { uri, languageId: "python", version: 1, text: TEXT } });
    const first = await diagnostics(client, uri, 1);
    // PF101 ignored, PF201 raised to error (1).
    assert.deepEqual(first.params.diagnostics.map((d: { code: string; severity: number }) => [d.code, d.severity]), [["PF201", 1]]);

    // What the extension sends when `preflight.ignore` is cleared and `preflight.run` becomes onSave.
    const changed = serverSettings(readSettings(<T>(key: string, fallback: T): T => (key === "run" ? ("onSave" as T) : fallback)));
    client.notify("workspace/didChangeConfiguration", { settings: { preflight: changed } });
    const second = await diagnostics(client, uri, 1);
    assert.deepEqual(second.params.diagnostics.map((d: { code: string }) => d.code), ["PF201", "PF101"]);
    // onSave: a change publishes nothing until didSave.
    client.notify("textDocument/didChange", { textDocument: { uri, version: 2 }, contentChanges: [{ text: "import requests\n" }] });
    await new Promise((r) => setTimeout(r, 400));
    const heard = client.drain();
    const early = heard.filter((m) => m.method === "textDocument/publishDiagnostics");
    assert.deepEqual(early, []);
    client.notify("textDocument/didSave", { textDocument: { uri } });
    const saved = await diagnostics(client, uri, 2);
    assert.deepEqual(saved.params.diagnostics, []);
    // None of the settings drew a warning.
    const warnings = [...heard, ...client.drain()].filter((m) => m.method === "window/showMessage");
    assert.deepEqual(warnings, []);
    await client.request("shutdown", null);
    client.notify("exit", null);
  } finally {
    client.proc.kill();
  }
});
