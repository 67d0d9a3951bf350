/**
 * The extension's settings and what the server receives from them.
 *
 * `preflight.enable`, `preflight.path` and `preflight.trace.server` belong to the extension; the
 * rest are sent to the server as `initializationOptions` at start and as
 * `workspace/didChangeConfiguration` when they change (the server applies them without a restart;
 * README, "Configuration"). Pure, so it is unit-tested without VS Code.
 */

/** `preflight.run`. */
export type RunMode = "onType" | "onSave";

/** Every `preflight.*` setting, as read. */
export interface Settings {
  enable: boolean;
  path: string[];
  run: RunMode;
  select: string[];
  extendSelect: string[];
  ignore: string[];
  severity: Record<string, string>;
}

/** Reads a setting with a fallback, as `WorkspaceConfiguration.get` does. */
export type Getter = <T>(key: string, fallback: T) => T;

function stringList(value: unknown): string[] {
  if (!Array.isArray(value)) {
    return [];
  }
  return value.filter((v): v is string => typeof v === "string" && v.trim() !== "").map((v) => v.trim());
}

function stringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return out;
  }
  for (const [key, level] of Object.entries(value as Record<string, unknown>)) {
    if (typeof level === "string") {
      out[key] = level;
    }
  }
  return out;
}

/** Reads the settings, tolerating hand-edited values of the wrong type. */
export function readSettings(get: Getter): Settings {
  const run = get<unknown>("run", "onType");
  return {
    enable: get<unknown>("enable", true) !== false,
    path: stringList(get<unknown>("path", [])),
    run: run === "onSave" ? "onSave" : "onType",
    select: stringList(get<unknown>("select", [])),
    extendSelect: stringList(get<unknown>("extendSelect", [])),
    ignore: stringList(get<unknown>("ignore", [])),
    severity: stringMap(get<unknown>("severity", {})),
  };
}

/** What the server receives. Empty lists and maps are left out: to the server an empty `select`
 *  would mean "no rules", while in VS Code it is the untouched default. */
export function serverSettings(s: Settings): Record<string, unknown> {
  const out: Record<string, unknown> = { run: s.run };
  if (s.select.length > 0) {
    out.select = s.select;
  }
  if (s.extendSelect.length > 0) {
    out.extendSelect = s.extendSelect;
  }
  if (s.ignore.length > 0) {
    out.ignore = s.ignore;
  }
  if (Object.keys(s.severity).length > 0) {
    out.severity = s.severity;
  }
  return out;
}

/** What a settings change requires. */
export type Reaction = "none" | "notify" | "restart" | "start" | "stop";

/** Decides how to react to a configuration change, given which `preflight.*` keys it affects. */
export function reaction(before: Settings, after: Settings): Reaction {
  if (before.enable !== after.enable) {
    return after.enable ? "start" : "stop";
  }
  if (!after.enable) {
    return "none";
  }
  if (JSON.stringify(before.path) !== JSON.stringify(after.path)) {
    return "restart";
  }
  if (JSON.stringify(serverSettings(before)) !== JSON.stringify(serverSettings(after))) {
    return "notify";
  }
  return "none";
}
