/**
 * What `spawn*`, `exec*` and `system` share: argument and environment
 * checks with Python's errors, the PATH search of Python's `os._execvpe`,
 * and starting a program with `posix_spawn`.
 *
 * @module
 */

import { cString, describe } from "../_internal/args.ts";
import { OSError, ValueError } from "../_internal/errors.ts";
import { cstr, cstrArray, libc } from "../_internal/ffi/libc.ts";
import { requirePermission } from "../_internal/permissions.ts";

/**
 * An environment for a new program: a plain object, or any iterable of
 * `[key, value]` pairs (a `Map`, or `os_process.environ` itself).
 */
export type Env =
  | Readonly<Record<string, string>>
  | Iterable<readonly [string, string]>;

/** Python's `os.defpath` on Linux: the search path when PATH is unset. */
const DEFPATH = "/bin:/usr/bin";

/**
 * Checks a program's argument list by Python's rules.
 * @param fn The calling function's name, for messages.
 * @throws {TypeError} If `args` is not an array of strings.
 * @throws {ValueError} If `args` is empty, `args[0]` is empty, or an
 *   argument holds a NUL character.
 */
export function checkArgs(args: unknown, fn: string): string[] {
  if (!Array.isArray(args)) {
    throw new TypeError(
      `${fn}() args must be an array of strings, not ${describe(args)}`,
    );
  }
  if (args.length === 0) {
    throw new ValueError(
      `${fn}() args must not be empty: args[0] is the program's name`,
    );
  }
  const out = args.map((a, i) => cString(a, `args[${i}]`));
  if (out[0] === "") {
    throw new ValueError(
      `${fn}() args[0] (the program's name) cannot be empty`,
    );
  }
  return out;
}

/**
 * Checks an environment by Python's rules and returns its `KEY=value`
 * strings.
 * @throws {TypeError} If `env` is not a mapping of strings.
 * @throws {ValueError} For an empty name, a name with "=", or a NUL
 *   character ("illegal environment variable name", "embedded null byte").
 */
export function checkEnv(env: unknown): string[] {
  if (typeof env !== "object" || env === null) {
    throw new TypeError(
      `env must be an object of strings or an iterable of [key, value] pairs, not ${
        describe(env)
      }`,
    );
  }
  const pairs: Iterable<readonly [unknown, unknown]> = Symbol.iterator in env
    ? env as Iterable<readonly [unknown, unknown]>
    : Object.entries(env);
  const out: string[] = [];
  for (const pair of pairs) {
    if (!Array.isArray(pair) || pair.length !== 2) {
      throw new TypeError(
        `env entries must be [key, value] pairs, not ${describe(pair)}`,
      );
    }
    const key = cString(pair[0], "env key");
    const value = cString(pair[1], `env["${key}"]`);
    if (key === "" || key.includes("=")) {
      throw new ValueError(
        `Illegal environment variable name: ${describe(key)}`,
      );
    }
    out.push(`${key}=${value}`);
  }
  return out;
}

/**
 * Splits the rest arguments of the `l…e` variants (`spawnle`, `execlpe`…)
 * into the argument list and the environment, which comes last.
 * @throws {TypeError} If there is no argument at all.
 */
export function splitEnv(
  fn: string,
  argsAndEnv: readonly unknown[],
): [unknown[], unknown] {
  if (argsAndEnv.length === 0) {
    throw new TypeError(`${fn}() needs an environment as its last argument`);
  }
  return [argsAndEnv.slice(0, -1), argsAndEnv[argsAndEnv.length - 1]];
}

/** The value of PATH in a `KEY=value` list, or undefined. */
function pathOf(envStrings: readonly string[]): string | undefined {
  for (const kv of envStrings) {
    if (kv.startsWith("PATH=")) return kv.slice(5);
  }
  return undefined;
}

/** PATH of this process (libc's live environment, as execvp reads it). */
function processPath(): string | undefined {
  const p = libc().getenv(cstr("PATH"));
  return p === null ? undefined : Deno.UnsafePointerView.getCString(p);
}

/**
 * The paths to try for `file`, as Python's `os._execvpe`: `file` itself if
 * it has a slash, else each PATH entry joined with it (an empty entry is the
 * current directory). PATH comes from `envStrings` when given (Python's
 * `get_exec_path(env)`), else from the process; unset, it is "/bin:/usr/bin".
 */
export function candidates(
  file: string,
  search: boolean,
  envStrings: readonly string[] | null,
): string[] {
  if (!search || file.includes("/")) return [file];
  const path = (envStrings === null ? processPath() : pathOf(envStrings)) ??
    DEFPATH;
  return path.split(":").map((dir) =>
    dir === "" ? file : dir.endsWith("/") ? dir + file : `${dir}/${file}`
  );
}

/**
 * Tries `attempt` on each candidate path as Python's `os._execvpe` does:
 * "not found" errors move on; the first other error wins at the end.
 * `attempt` returns 0 on success or an errno value.
 */
export function trySearch(
  paths: readonly string[],
  attempt: (path: string) => number,
): { path: string } {
  let saved: { code: number; path: string } | null = null;
  let last: { code: number; path: string } | null = null;
  for (const path of paths) {
    const code = attempt(path);
    if (code === 0) return { path };
    last = { code, path };
    if (code !== ENOENT && code !== ENOTDIR && saved === null) saved = last;
  }
  const err = saved ?? last!;
  throw new OSError(err.code, undefined, err.path);
}

const ENOENT = 2;
const ENOTDIR = 20;
const SIGPIPE = 13;
const SIGXFSZ = 25;
const POSIX_SPAWN_SETSIGDEF = 0x04;
const POSIX_SPAWN_SETSIGMASK = 0x08;

let spawnAttr: Uint8Array | undefined;

/**
 * The posix_spawn attributes every child gets, made once: an empty signal
 * mask, and SIGPIPE and SIGXFSZ back to their default action (Deno ignores
 * SIGPIPE, and an ignored signal stays ignored across exec; Python's
 * subprocess restores the same two).
 */
function attributes(): Uint8Array {
  if (spawnAttr !== undefined) return spawnAttr;
  const lib = libc();
  // posix_spawnattr_t is 336 bytes in glibc; sigset_t 128. Room to spare.
  const attr = new Uint8Array(new BigUint64Array(64).buffer);
  const def = new Uint8Array(new BigUint64Array(16).buffer);
  const mask = new Uint8Array(new BigUint64Array(16).buffer);
  lib.posix_spawnattr_init(attr);
  lib.sigemptyset(def);
  lib.sigaddset(def, SIGPIPE);
  lib.sigaddset(def, SIGXFSZ);
  lib.sigemptyset(mask);
  lib.posix_spawnattr_setsigdefault(attr, def);
  lib.posix_spawnattr_setsigmask(attr, mask);
  lib.posix_spawnattr_setflags(
    attr,
    POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK,
  );
  return spawnAttr = attr;
}

/**
 * A copy of libc's `environ` array (the pointers, not the strings): the
 * environment this process has now, including changes made through
 * `Deno.env` and `environ`. Valid until the environment next changes, so
 * use it at once (as C code passing `environ` to posix_spawn does: a Worker
 * changing the environment at that very moment is the same race there).
 */
function currentEnviron(): Uint8Array<ArrayBuffer> {
  const lib = libc();
  const addr = lib.environ;
  const head = addr === null
    ? 0n
    : new Deno.UnsafePointerView(addr).getBigUint64();
  const ptrs: bigint[] = [];
  if (head !== 0n) {
    const array = new Deno.UnsafePointerView(Deno.UnsafePointer.create(head)!);
    for (let i = 0;; i++) {
      const p = array.getBigUint64(i * 8);
      if (p === 0n) break;
      ptrs.push(p);
    }
  }
  const out = new BigUint64Array(ptrs.length + 1);
  out.set(ptrs);
  return new Uint8Array(out.buffer);
}

/** What to start. */
export interface Program {
  /** The program (a path, or a name to look up in PATH when `search`). */
  file: string;
  /** Its argument list, `args[0]` being its name. */
  args: readonly string[];
  /** `KEY=value` strings, or null to inherit this process's environment. */
  env: readonly string[] | null;
  /** Whether to look `file` up in PATH (the `p` variants). */
  search: boolean;
}

/**
 * Starts a program with posix_spawn and returns its pid. The child is this
 * process's to reap (waitpid).
 * @throws {OSError} If the program cannot be started (FileNotFoundError,
 *   PermissionError…), with the path tried.
 * @throws {PermissionError} Without `--allow-run` (or `--allow-ffi`).
 */
export function spawnProgram(program: Program): number {
  requirePermission({ name: "run", command: program.file }, program.file);
  const lib = libc();
  const attr = attributes();
  const argv = cstrArray(program.args);
  const ownEnv = program.env === null ? null : cstrArray(program.env);
  const pid = new Int32Array(1);
  trySearch(candidates(program.file, program.search, program.env), (path) => {
    const envp = ownEnv === null ? currentEnviron() : ownEnv.array;
    return lib.posix_spawn(
      pid,
      cstr(path),
      null,
      Deno.UnsafePointer.of(attr),
      argv.array,
      envp,
    );
  });
  // Keep the strings the arrays point to alive until here.
  void argv.keep;
  void ownEnv?.keep;
  return pid[0]!;
}
