/**
 * The `deno run` flags a child process gets: the parent's permissions, and
 * the runtime flags that decide how modules load (Python's spawn passes the
 * interpreter's flags to its children likewise).
 *
 * A permission the parent holds in full (`Deno.permissions` says
 * "granted") becomes `--allow-NAME`; partial grants (`--allow-read=/data`)
 * and every `--deny-*` flag cannot be read back from `Deno.permissions`, so
 * they are copied from the parent's command line.
 *
 * @module
 */

import { readSmallFile } from "./os.ts";

const NAMES = [
  "read",
  "write",
  "net",
  "env",
  "sys",
  "run",
  "ffi",
  "import",
] as const;

/** Runtime flags copied from the parent's command line (with `=value`). */
const COPIED = [
  /^--unstable(-[\w-]+)?$/,
  /^--(config|import-map|lock|location|seed|cert|node-modules-dir|v8-flags|conditions|vendor)=/,
  /^--(no-config|no-lock|frozen|cached-only|no-remote|no-npm|node-modules-dir|vendor)$/,
];
/** Flags whose value is the next argument. */
const WITH_VALUE = new Set([
  "--config",
  "-c",
  "--import-map",
  "--lock",
  "--location",
  "--seed",
  "--cert",
  "--v8-flags",
]);

let cmdline: string[] | undefined;

/** The parent's own command line (argv), read once. */
function ownArgv(): string[] {
  if (cmdline === undefined) {
    try {
      const text = new TextDecoder().decode(
        readSmallFile("/proc/self/cmdline"),
      );
      cmdline = text.split("\0").filter((s) => s !== "");
    } catch {
      cmdline = [];
    }
  }
  return cmdline;
}

/**
 * The flags of `deno run` for a child of this process: permissions first,
 * then the module-loading flags of the parent's command line.
 */
export function childFlags(): string[] {
  const flags: string[] = [];
  const granted = new Set<string>();
  for (const name of NAMES) {
    let state: string;
    try {
      state = Deno.permissions.querySync({ name } as Deno.PermissionDescriptor)
        .state;
    } catch {
      continue;
    }
    if (state === "granted") {
      granted.add(name);
      flags.push(`--allow-${name}`);
    }
  }
  const argv = ownArgv();
  // argv: deno, subcommand, flags…, script, script args: stop at the script.
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith("-")) break;
    const allow = /^--allow-(\w+)=/.exec(a);
    if (allow !== null) {
      if (!granted.has(allow[1]!)) flags.push(a);
      continue;
    }
    if (a.startsWith("--deny-")) {
      flags.push(a);
      continue;
    }
    if (WITH_VALUE.has(a) && i + 1 < argv.length) {
      const name = a === "-c" ? "--config" : a;
      flags.push(`${name}=${argv[++i]}`);
      continue;
    }
    if (COPIED.some((r) => r.test(a))) flags.push(a);
  }
  return flags;
}
