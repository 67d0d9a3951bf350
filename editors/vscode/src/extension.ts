/**
 * The VS Code side of Preflight: finds the binary, starts `preflight server` through
 * vscode-languageclient, keeps the server's settings in step with VS Code's, and adds the
 * commands, the status bar item and the rule documentation pages (`preflight://rules/PF201`).
 * Diagnostics, quick fixes (the lightbulb) and `source.fixAll.preflight` (fix on save via
 * `editor.codeActionsOnSave`) come from the server itself.
 */

import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";

import * as vscode from "vscode";
import {
  DidChangeConfigurationNotification,
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
  State,
  TransportKind,
} from "vscode-languageclient/node";

import { Found, isFound, resolveServer, System } from "./resolve";
import { readSettings, reaction, serverSettings, Settings } from "./settings";

/** The extension's README explains installing the binary; packaging renames it `readme.md`. */
const INSTALL_HELP = ["readme.md", "README.md"];

/** `source.fixAll.preflight`; a function so that loading the module touches no VS Code API. */
function fixAllKind(): vscode.CodeActionKind {
  return vscode.CodeActionKind.SourceFixAll.append("preflight");
}

let client: LanguageClient | undefined;
let server: (Found & { version: string }) | undefined;
let output: vscode.LogOutputChannel;
let status: vscode.StatusBarItem;
let current: Settings;
let extensionUri: vscode.Uri;
/** Serialises start/stop/restart so that quick setting changes cannot start two servers. */
let lifecycle: Promise<void> = Promise.resolve();

function settings(): Settings {
  const config = vscode.workspace.getConfiguration("preflight");
  return readSettings((key, fallback) => config.get(key, fallback));
}

const system: System = {
  platform: process.platform,
  env: process.env,
  homedir: os.homedir(),
  isFile(p: string): boolean {
    try {
      return fs.statSync(p).isFile();
    } catch {
      return false;
    }
  },
};

/** `preflight --version`, which also proves the file runs on this machine. */
function version(binary: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(binary, ["--version"], { timeout: 10_000 }, (error, stdout) => {
      if (error) {
        reject(error);
      } else {
        resolve(stdout.trim());
      }
    });
  });
}

function showStatus(state: "starting" | "running" | "stopped" | "disabled" | "error", detail = ""): void {
  const icons = {
    starting: "$(sync~spin)",
    running: "$(check)",
    stopped: "$(debug-stop)",
    disabled: "$(circle-slash)",
    error: "$(error)",
  };
  status.text = `${icons[state]} Preflight`;
  const lines = [`Preflight: ${state}`];
  if (server) {
    lines.push(`${server.version} (${server.source}: ${server.path})`);
  }
  if (state === "running") {
    lines.push(`Checks ${current.run === "onSave" ? "on save" : "as you type"}`);
  }
  if (detail) {
    lines.push(detail);
  }
  lines.push("Click to show the output");
  status.tooltip = lines.join("\n");
  status.backgroundColor = state === "error" ? new vscode.ThemeColor("statusBarItem.errorBackground") : undefined;
  status.show();
}

async function notFound(tried: string[]): Promise<void> {
  const message =
    "Preflight: no `preflight` binary found. Install it (pip install preflight-lint, or cargo install --path server " +
    "from a clone) or set `preflight.path`. Tried: " +
    tried.join(", ");
  output.error(message);
  showStatus("error", "No preflight binary found");
  const choice = await vscode.window.showErrorMessage(message, "How to install", "Open settings");
  if (choice === "How to install") {
    const readme = INSTALL_HELP.map((name) => vscode.Uri.joinPath(extensionUri, name)).find((uri) => system.isFile(uri.fsPath));
    if (readme) {
      await vscode.commands.executeCommand("markdown.showPreview", readme);
    }
  } else if (choice === "Open settings") {
    await vscode.commands.executeCommand("workbench.action.openSettings", "preflight.path");
  }
}

/** Platform packages carry the binary; a zip does not always keep its executable bit. */
function ensureExecutable(found: Found): void {
  if (found.source !== "bundled" || process.platform === "win32") {
    return;
  }
  try {
    fs.accessSync(found.path, fs.constants.X_OK);
  } catch {
    try {
      fs.chmodSync(found.path, 0o755);
    } catch (e) {
      output.warn(`Preflight: cannot make ${found.path} executable: ${String(e)}`);
    }
  }
}

async function start(): Promise<void> {
  current = settings();
  if (!current.enable) {
    showStatus("disabled");
    return;
  }
  showStatus("starting");
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  const resolved = resolveServer(current.path, extensionUri.fsPath, system, folder);
  if (!isFound(resolved)) {
    server = undefined;
    await notFound(resolved.tried);
    return;
  }
  ensureExecutable(resolved);
  try {
    server = { ...resolved, version: await version(resolved.path) };
  } catch (e) {
    server = undefined;
    const message = `Preflight: ${resolved.path} (from ${resolved.source}) does not run: ${String(e)}`;
    output.error(message);
    showStatus("error", message);
    void vscode.window.showErrorMessage(message, "Open settings").then((choice) => {
      if (choice) {
        void vscode.commands.executeCommand("workbench.action.openSettings", "preflight.path");
      }
    });
    return;
  }
  output.info(`Starting ${server.version} from ${server.path} (${server.source})`);
  const serverOptions: ServerOptions = {
    command: server.path,
    args: ["server"],
    transport: TransportKind.stdio,
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: "file", language: "python" },
      { scheme: "untitled", language: "python" },
      // Configuration files and user rules get their problems as diagnostics while edited.
      { scheme: "file", pattern: "**/{pyproject,preflight}.toml" },
      { scheme: "file", pattern: "**/.preflight/queries/*.scm" },
    ],
    initializationOptions: serverSettings(current),
    outputChannel: output,
    traceOutputChannel: output,
    diagnosticCollectionName: "preflight",
  };
  const created = new LanguageClient("preflight", "Preflight", serverOptions, clientOptions);
  created.onDidChangeState((e) => {
    if (client !== created) {
      return;
    }
    if (e.newState === State.Running) {
      showStatus("running");
    } else if (e.newState === State.Starting) {
      showStatus("starting");
    } else {
      showStatus("stopped", "The server stopped; run \"Preflight: Restart server\"");
    }
  });
  client = created;
  try {
    await created.start();
  } catch (e) {
    showStatus("error", String(e));
    output.error(`Preflight: the server failed to start: ${String(e)}`);
  }
}

async function stop(): Promise<void> {
  const running = client;
  client = undefined;
  if (running) {
    try {
      await running.stop();
    } catch (e) {
      output.warn(`Preflight: stopping the server: ${String(e)}`);
    }
  }
  showStatus(settings().enable ? "stopped" : "disabled");
}

function queue(step: () => Promise<void>): Promise<void> {
  lifecycle = lifecycle.then(step, step);
  return lifecycle;
}

async function onConfigurationChanged(e: vscode.ConfigurationChangeEvent): Promise<void> {
  if (!e.affectsConfiguration("preflight")) {
    return;
  }
  const next = settings();
  const what = reaction(current, next);
  switch (what) {
    case "start":
    case "restart":
      await queue(async () => {
        await stop();
        await start();
      });
      break;
    case "stop":
      current = next;
      await queue(stop);
      break;
    case "notify":
      current = next;
      if (client?.isRunning()) {
        await client.sendNotification(DidChangeConfigurationNotification.type, {
          settings: { preflight: serverSettings(next) },
        });
        showStatus("running");
      }
      break;
    case "none":
      current = next;
      break;
  }
}

/** "Preflight: Fix all": every safe fix in the active file, as one edit. */
async function fixAll(): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  if (!editor) {
    return;
  }
  const document = editor.document;
  const kind = fixAllKind();
  const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>(
    "vscode.executeCodeActionProvider",
    document.uri,
    new vscode.Range(0, 0, 0, 0),
    kind.value,
  );
  const fix = actions?.find((a) => a.kind !== undefined && kind.contains(a.kind) && a.edit);
  if (!fix?.edit) {
    void vscode.window.setStatusBarMessage("Preflight: nothing to fix", 3000);
    return;
  }
  await vscode.workspace.applyEdit(fix.edit);
}

/** Serves `preflight://rules/<code>` (the link on each diagnostic's code) from `preflight explain`. */
class RuleDocs implements vscode.TextDocumentContentProvider {
  provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const code = uri.path.replace(/^\/+/, "").replace(/\.md$/, "");
    return new Promise((resolve) => {
      if (!server || !/^[A-Za-z0-9_-]+$/.test(code)) {
        resolve(`No documentation for \`${code}\`: the Preflight server is not running.`);
        return;
      }
      execFile(server.path, ["explain", code], { timeout: 10_000 }, (error, stdout, stderr) => {
        resolve(error ? `preflight explain ${code}: ${stderr || String(error)}` : stdout);
      });
    });
  }
}

/** Entry point. */
export async function activate(context: vscode.ExtensionContext): Promise<void> {
  extensionUri = context.extensionUri;
  output = vscode.window.createOutputChannel("Preflight", { log: true });
  status = vscode.window.createStatusBarItem("preflight.status", vscode.StatusBarAlignment.Right, 100);
  status.name = "Preflight";
  status.command = "preflight.showOutput";
  context.subscriptions.push(
    output,
    status,
    vscode.commands.registerCommand("preflight.fixAll", fixAll),
    vscode.commands.registerCommand("preflight.restart", () =>
      queue(async () => {
        await stop();
        await start();
      }),
    ),
    vscode.commands.registerCommand("preflight.showOutput", () => output.show(true)),
    vscode.workspace.registerTextDocumentContentProvider("preflight", new RuleDocs()),
    vscode.workspace.onDidChangeConfiguration((e) => onConfigurationChanged(e)),
  );
  await queue(start);
}

/** Stops the server when VS Code closes or the extension is disabled. */
export function deactivate(): Promise<void> {
  return queue(stop);
}
