/**
 * Where the `preflight` binary comes from, in this order:
 *   1. the `preflight.path` setting (the first entry that exists),
 *   2. the binary bundled in the extension (`bundled/preflight`, in platform-specific packages),
 *   3. `preflight` on `PATH`.
 *
 * Pure: the file system and environment come in through `System`, so the order is unit-tested
 * without VS Code.
 */

import * as path from "node:path";

/** What the resolution needs from the machine. */
export interface System {
  platform: NodeJS.Platform;
  env: Record<string, string | undefined>;
  homedir: string;
  /** Whether `p` exists and is a regular file (following symlinks). */
  isFile(p: string): boolean;
}

/** Where the binary was found. */
export type Source = "setting" | "bundled" | "path";

/** A binary to run. */
export interface Found {
  path: string;
  source: Source;
}

/** Nothing found: every place that was tried, for the error message. */
export interface NotFound {
  tried: string[];
}

/** The executable's file name on this platform. */
export function executableName(platform: NodeJS.Platform): string {
  return platform === "win32" ? "preflight.exe" : "preflight";
}

/** Where a platform-specific package carries the binary, relative to the extension. */
export function bundledPath(extensionPath: string, platform: NodeJS.Platform): string {
  const join = platform === "win32" ? path.win32.join : path.posix.join;
  return join(extensionPath, "bundled", executableName(platform));
}

/** Expands `~` and `${workspaceFolder}` in a configured path; a relative path is taken from the
 *  workspace folder (or left as it is when there is none). */
export function expandConfigured(p: string, sys: System, workspaceFolder?: string): string {
  const pathApi = sys.platform === "win32" ? path.win32 : path.posix;
  let out = p.trim();
  if (workspaceFolder !== undefined) {
    out = out.split("${workspaceFolder}").join(workspaceFolder);
  }
  if (out === "~" || out.startsWith("~/") || out.startsWith("~\\")) {
    out = pathApi.join(sys.homedir, out.slice(1));
  }
  if (!pathApi.isAbsolute(out) && workspaceFolder !== undefined) {
    out = pathApi.join(workspaceFolder, out);
  }
  return out;
}

/** Looks `preflight` up on `PATH` (with `PATHEXT` on Windows). */
export function searchPath(sys: System): { found?: string; tried: string[] } {
  const win = sys.platform === "win32";
  const pathApi = win ? path.win32 : path.posix;
  // Windows spells the variable `Path` as often as `PATH`.
  const pathVar = sys.env.PATH ?? sys.env.Path ?? "";
  const dirs = pathVar.split(win ? ";" : ":").filter((d) => d.length > 0);
  const names = win
    ? (sys.env.PATHEXT ?? ".EXE;.CMD;.BAT")
        .split(";")
        .filter((e) => e.length > 0)
        .map((ext) => `preflight${ext.toLowerCase()}`)
    : ["preflight"];
  const tried: string[] = [];
  for (const dir of dirs) {
    for (const name of names) {
      const candidate = pathApi.join(dir, name);
      tried.push(candidate);
      if (sys.isFile(candidate)) {
        return { found: candidate, tried };
      }
    }
  }
  return { tried };
}

/** Resolves the server binary; see the module comment for the order. */
export function resolveServer(
  configured: readonly string[],
  extensionPath: string,
  sys: System,
  workspaceFolder?: string,
): Found | NotFound {
  const tried: string[] = [];
  for (const entry of configured) {
    if (entry.trim() === "") {
      continue;
    }
    const candidate = expandConfigured(entry, sys, workspaceFolder);
    tried.push(candidate);
    if (sys.isFile(candidate)) {
      return { path: candidate, source: "setting" };
    }
  }
  const bundled = bundledPath(extensionPath, sys.platform);
  tried.push(bundled);
  if (sys.isFile(bundled)) {
    return { path: bundled, source: "bundled" };
  }
  const onPath = searchPath(sys);
  if (onPath.found !== undefined) {
    return { path: onPath.found, source: "path" };
  }
  tried.push("`preflight` on PATH");
  return { tried };
}

/** Narrows a resolution. */
export function isFound(r: Found | NotFound): r is Found {
  return (r as Found).path !== undefined;
}
