import { cString, integer } from "../_internal/args.ts";
import { ValueError } from "../_internal/errors.ts";
import { P_NOWAIT, P_WAIT } from "./constants.ts";
import {
  checkArgs,
  checkEnv,
  type Env,
  spawnProgram,
  splitEnv,
} from "./_spawn.ts";
import { waitpid, waitpidSync, waitstatusToExitcode } from "./waitpid.ts";

export type { Env } from "./_spawn.ts";

/** Checks everything and starts the child; returns its pid and the mode. */
function start(
  fn: string,
  mode: unknown,
  file: unknown,
  args: unknown,
  env: unknown,
  search: boolean,
): { pid: number; wait: boolean } {
  const m = integer(mode, "mode");
  if (m !== P_WAIT && m !== P_NOWAIT) {
    throw new ValueError(
      `${fn}() mode must be P_WAIT (${P_WAIT}) or P_NOWAIT (${P_NOWAIT}), not ${m}`,
    );
  }
  const path = cString(file, search ? "file" : "path");
  const argv = checkArgs(args, fn);
  const envStrings = env === undefined ? null : checkEnv(env);
  const pid = spawnProgram({ file: path, args: argv, env: envStrings, search });
  return { pid, wait: m === P_WAIT };
}

async function run(
  fn: string,
  mode: unknown,
  file: unknown,
  args: unknown,
  env: unknown,
  search: boolean,
): Promise<number> {
  const { pid, wait } = start(fn, mode, file, args, env, search);
  if (!wait) return pid;
  const [, status] = await waitpid(pid, 0);
  return waitstatusToExitcode(status);
}

function runSync(
  fn: string,
  mode: unknown,
  file: unknown,
  args: unknown,
  env: unknown,
  search: boolean,
): number {
  const { pid, wait } = start(fn, mode, file, args, env, search);
  if (!wait) return pid;
  const [, status] = waitpidSync(pid, 0);
  return waitstatusToExitcode(status);
}

/**
 * Runs the program at `path` with the argument list `args` in a new process
 * (Python's `os.spawnv`), without blocking the event loop.
 *
 * With {@linkcode P_WAIT} it waits and returns the exit code, or `-signal`
 * if a signal killed the child; with {@linkcode P_NOWAIT} it returns the
 * child's pid at once, and the child is yours to reap with `waitpid`.
 * `args[0]` is the program's name as it sees it. The child inherits this
 * process's environment (with changes made through `environ`), working
 * directory and file descriptors not marked close-on-exec; SIGPIPE and
 * SIGXFSZ start with their default action.
 *
 * Difference from Python on Unix: a program that cannot be started throws
 * (FileNotFoundError, PermissionError…), where Python's fork-based
 * implementation reports exit code 127 from the child.
 *
 * Permissions: `--allow-ffi` and `--allow-run`.
 *
 * @param mode `P_WAIT` or `P_NOWAIT`.
 * @param path The program's path.
 * @param args Its argument list; `args[0]` is its name and must not be empty.
 * @returns The exit code (`P_WAIT`), or the pid (`P_NOWAIT`).
 * @throws {ValueError} If `args` or `args[0]` is empty, a string holds a
 *   NUL character, or `mode` is neither P_WAIT nor P_NOWAIT.
 * @throws {FileNotFoundError} If there is no such program.
 * @throws {PermissionError} If it is not executable, or without
 *   `--allow-run`.
 *
 * @example
 * ```ts
 * import { P_WAIT, spawnv } from "@pyconc/std/os_process";
 * import assert from "node:assert/strict";
 *
 * assert.equal(await spawnv(P_WAIT, "/bin/sh", ["sh", "-c", "exit 17"]), 17);
 * ```
 */
export function spawnv(
  mode: number,
  path: string,
  args: readonly string[],
): Promise<number> {
  return run("spawnv", mode, path, args, undefined, false);
}

/**
 * Like {@linkcode spawnv}, blocking the calling thread.
 * @param mode `P_WAIT` or `P_NOWAIT`.
 * @param path The program's path.
 * @param args Its argument list, `args[0]` being its name.
 * @returns The exit code (`P_WAIT`), or the pid (`P_NOWAIT`).
 * @throws {ValueError} For an empty `args` or `args[0]`, or a bad mode.
 * @throws {OSError} If the program cannot be started.
 * @example
 * ```ts
 * import { P_WAIT, spawnvSync } from "@pyconc/std/os_process";
 * import assert from "node:assert/strict";
 *
 * assert.equal(spawnvSync(P_WAIT, "/bin/true", ["true"]), 0);
 * ```
 */
export function spawnvSync(
  mode: number,
  path: string,
  args: readonly string[],
): number {
  return runSync("spawnvSync", mode, path, args, undefined, false);
}

/**
 * Like {@linkcode spawnv}, with `env` as the child's whole environment
 * (Python's `os.spawnve`).
 * @param mode `P_WAIT` or `P_NOWAIT`.
 * @param path The program's path.
 * @param args Its argument list, `args[0]` being its name.
 * @param env The environment: an object of strings or `[key, value]` pairs.
 * @returns The exit code (`P_WAIT`), or the pid (`P_NOWAIT`).
 * @throws {ValueError} For an empty `args` or `args[0]`, a bad mode, or an
 *   illegal variable name (empty, or with "=").
 * @throws {OSError} If the program cannot be started.
 * @example
 * ```ts
 * import { P_WAIT, spawnve } from "@pyconc/std/os_process";
 * import assert from "node:assert/strict";
 *
 * const code = await spawnve(P_WAIT, "/bin/sh", ["sh", "-c", 'exit "$N"'], { N: "5" });
 * assert.equal(code, 5);
 * ```
 */
export function spawnve(
  mode: number,
  path: string,
  args: readonly string[],
  env: Env,
): Promise<number> {
  return run("spawnve", mode, path, args, env, false);
}

/**
 * Like {@linkcode spawnve}, blocking the calling thread.
 * @param mode `P_WAIT` or `P_NOWAIT`.
 * @param path The program's path.
 * @param args Its argument list, `args[0]` being its name.
 * @param env The environment.
 * @returns The exit code (`P_WAIT`), or the pid (`P_NOWAIT`).
 * @throws {ValueError} For bad arguments or environment names.
 * @throws {OSError} If the program cannot be started.
 * @example
 * ```ts
 * import { P_WAIT, spawnveSync } from "@pyconc/std/os_process";
 * import assert from "node:assert/strict";
 *
 * assert.equal(spawnveSync(P_WAIT, "/bin/sh", ["sh", "-c", 'exit "$N"'], { N: "6" }), 6);
 * ```
 */
export function spawnveSync(
  mode: number,
  path: string,
  args: readonly string[],
  env: Env,
): number {
  return runSync("spawnveSync", mode, path, args, env, false);
}

/**
 * Like {@linkcode spawnv}, looking `file` up in PATH when it has no slash
 * (Python's `os.spawnvp`): each entry is tried in order, as a shell does.
 * @param mode `P_WAIT` or `P_NOWAIT`.
 * @param file The program's name (or path).
 * @param args Its argument list, `args[0]` being its name.
 * @returns The exit code (`P_WAIT`), or the pid (`P_NOWAIT`).
 * @throws {ValueError} For an empty `args` or `args[0]`, or a bad mode.
 * @throws {FileNotFoundError} If no PATH entry has the program.
 * @example
 * ```ts
 * import { P_WAIT, spawnvp } from "@pyconc/std/os_process";
 * import assert from "node:assert/strict";
 *
 * assert.equal(await spawnvp(P_WAIT, "sh", ["sh", "-c", "exit 2"]), 2);
 * ```
 */
export function spawnvp(
  mode: number,
  file: string,
  args: readonly string[],
): Promise<number> {
  return run("spawnvp", mode, file, args, undefined, true);
}

/**
 * Like {@linkcode spawnvp}, blocking the calling thread.
 * @param mode `P_WAIT` or `P_NOWAIT`.
 * @param file The program's name (or path).
 * @param args Its argument list, `args[0]` being its name.
 * @returns The exit code (`P_WAIT`), or the pid (`P_NOWAIT`).
 * @throws {ValueError} For an empty `args` or `args[0]`, or a bad mode.
 * @throws {OSError} If the program cannot be started.
 * @example
 * ```ts
 * import { P_WAIT, spawnvpSync } from "@pyconc/std/os_process";
 * import assert from "node:assert/strict";
 *
 * assert.equal(spawnvpSync(P_WAIT, "true", ["true"]), 0);
 * ```
 */
export function spawnvpSync(
  mode: number,
  file: string,
  args: readonly string[],
): number {
  return runSync("spawnvpSync", mode, file, args, undefined, true);
}

/**
 * Like {@linkcode spawnvp} with `env` as the child's environment; PATH is
 * read from `env` (as Python's `os.spawnvpe`), "/bin:/usr/bin" if it has none.
 * @param mode `P_WAIT` or `P_NOWAIT`.
 * @param file The program's name (or path).
 * @param args Its argument list, `args[0]` being its name.
 * @param env The environment.
 * @returns The exit code (`P_WAIT`), or the pid (`P_NOWAIT`).
 * @throws {ValueError} For bad arguments or environment names.
 * @throws {OSError} If the program cannot be started.
 * @example
 * ```ts
 * import { P_WAIT, spawnvpe } from "@pyconc/std/os_process";
 * import assert from "node:assert/strict";
 *
 * assert.equal(await spawnvpe(P_WAIT, "sh", ["sh", "-c", "exit 4"], { PATH: "/bin" }), 4);
 * ```
 */
export function spawnvpe(
  mode: number,
  file: string,
  args: readonly string[],
  env: Env,
): Promise<number> {
  return run("spawnvpe", mode, file, args, env, true);
}

/**
 * Like {@linkcode spawnvpe}, blocking the calling thread.
 * @param mode `P_WAIT` or `P_NOWAIT`.
 * @param file The program's name (or path).
 * @param args Its argument list, `args[0]` being its name.
 * @param env The environment (PATH is read from it).
 * @returns The exit code (`P_WAIT`), or the pid (`P_NOWAIT`).
 * @throws {ValueError} For bad arguments or environment names.
 * @throws {OSError} If the program cannot be started.
 * @example
 * ```ts
 * import { P_WAIT, spawnvpeSync } from "@pyconc/std/os_process";
 * import assert from "node:assert/strict";
 *
 * assert.equal(spawnvpeSync(P_WAIT, "true", ["true"], { PATH: "/usr/bin:/bin" }), 0);
 * ```
 */
export function spawnvpeSync(
  mode: number,
  file: string,
  args: readonly string[],
  env: Env,
): number {
  return runSync("spawnvpeSync", mode, file, args, env, true);
}

/**
 * {@linkcode spawnv} with the arguments spread (Python's `os.spawnl`).
 * @param mode `P_WAIT` or `P_NOWAIT`.
 * @param path The program's path.
 * @param args Its arguments, the first being its name.
 * @returns The exit code (`P_WAIT`), or the pid (`P_NOWAIT`).
 * @throws {ValueError} If no argument is given, or the first is empty.
 * @throws {OSError} If the program cannot be started.
 * @example
 * ```ts
 * import { P_WAIT, spawnl } from "@pyconc/std/os_process";
 * import assert from "node:assert/strict";
 *
 * assert.equal(await spawnl(P_WAIT, "/bin/sh", "sh", "-c", "exit 9"), 9);
 * ```
 */
export function spawnl(
  mode: number,
  path: string,
  ...args: string[]
): Promise<number> {
  return run("spawnl", mode, path, args, undefined, false);
}

/**
 * Like {@linkcode spawnl}, blocking the calling thread.
 * @param mode `P_WAIT` or `P_NOWAIT`.
 * @param path The program's path.
 * @param args Its arguments, the first being its name.
 * @returns The exit code (`P_WAIT`), or the pid (`P_NOWAIT`).
 * @throws {ValueError} If no argument is given, or the first is empty.
 * @throws {OSError} If the program cannot be started.
 * @example
 * ```ts
 * import { P_WAIT, spawnlSync } from "@pyconc/std/os_process";
 * import assert from "node:assert/strict";
 *
 * assert.equal(spawnlSync(P_WAIT, "/bin/sh", "sh", "-c", "exit 9"), 9);
 * ```
 */
export function spawnlSync(
  mode: number,
  path: string,
  ...args: string[]
): number {
  return runSync("spawnlSync", mode, path, args, undefined, false);
}

/**
 * {@linkcode spawnve} with the arguments spread and the environment last
 * (Python's `os.spawnle`).
 * @param mode `P_WAIT` or `P_NOWAIT`.
 * @param path The program's path.
 * @param argsAndEnv Its arguments, then the environment.
 * @returns The exit code (`P_WAIT`), or the pid (`P_NOWAIT`).
 * @throws {ValueError} For bad arguments or environment names.
 * @throws {TypeError} If the last argument is not an environment.
 * @throws {OSError} If the program cannot be started.
 * @example
 * ```ts
 * import { P_WAIT, spawnle } from "@pyconc/std/os_process";
 * import assert from "node:assert/strict";
 *
 * assert.equal(await spawnle(P_WAIT, "/bin/sh", "sh", "-c", 'exit "$N"', { N: "8" }), 8);
 * ```
 */
export function spawnle(
  mode: number,
  path: string,
  ...argsAndEnv: [...args: string[], env: Env]
): Promise<number> {
  const [args, env] = splitEnv("spawnle", argsAndEnv);
  return run("spawnle", mode, path, args, env, false);
}

/**
 * Like {@linkcode spawnle}, blocking the calling thread.
 * @param mode `P_WAIT` or `P_NOWAIT`.
 * @param path The program's path.
 * @param argsAndEnv Its arguments, then the environment.
 * @returns The exit code (`P_WAIT`), or the pid (`P_NOWAIT`).
 * @throws {ValueError} For bad arguments or environment names.
 * @throws {OSError} If the program cannot be started.
 * @example
 * ```ts
 * import { P_WAIT, spawnleSync } from "@pyconc/std/os_process";
 * import assert from "node:assert/strict";
 *
 * assert.equal(spawnleSync(P_WAIT, "/bin/sh", "sh", "-c", 'exit "$N"', { N: "8" }), 8);
 * ```
 */
export function spawnleSync(
  mode: number,
  path: string,
  ...argsAndEnv: [...args: string[], env: Env]
): number {
  const [args, env] = splitEnv("spawnleSync", argsAndEnv);
  return runSync("spawnleSync", mode, path, args, env, false);
}

/**
 * {@linkcode spawnvp} with the arguments spread (Python's `os.spawnlp`).
 * @param mode `P_WAIT` or `P_NOWAIT`.
 * @param file The program's name (looked up in PATH) or path.
 * @param args Its arguments, the first being its name.
 * @returns The exit code (`P_WAIT`), or the pid (`P_NOWAIT`).
 * @throws {ValueError} If no argument is given, or the first is empty.
 * @throws {OSError} If the program cannot be started.
 * @example
 * ```ts
 * import { P_WAIT, spawnlp } from "@pyconc/std/os_process";
 * import assert from "node:assert/strict";
 *
 * assert.equal(await spawnlp(P_WAIT, "sh", "sh", "-c", "exit 1"), 1);
 * ```
 */
export function spawnlp(
  mode: number,
  file: string,
  ...args: string[]
): Promise<number> {
  return run("spawnlp", mode, file, args, undefined, true);
}

/**
 * Like {@linkcode spawnlp}, blocking the calling thread.
 * @param mode `P_WAIT` or `P_NOWAIT`.
 * @param file The program's name (looked up in PATH) or path.
 * @param args Its arguments, the first being its name.
 * @returns The exit code (`P_WAIT`), or the pid (`P_NOWAIT`).
 * @throws {ValueError} If no argument is given, or the first is empty.
 * @throws {OSError} If the program cannot be started.
 * @example
 * ```ts
 * import { P_WAIT, spawnlpSync } from "@pyconc/std/os_process";
 * import assert from "node:assert/strict";
 *
 * assert.equal(spawnlpSync(P_WAIT, "sh", "sh", "-c", "exit 1"), 1);
 * ```
 */
export function spawnlpSync(
  mode: number,
  file: string,
  ...args: string[]
): number {
  return runSync("spawnlpSync", mode, file, args, undefined, true);
}

/**
 * {@linkcode spawnvpe} with the arguments spread and the environment last
 * (Python's `os.spawnlpe`).
 * @param mode `P_WAIT` or `P_NOWAIT`.
 * @param file The program's name (looked up in the env's PATH) or path.
 * @param argsAndEnv Its arguments, then the environment.
 * @returns The exit code (`P_WAIT`), or the pid (`P_NOWAIT`).
 * @throws {ValueError} For bad arguments or environment names.
 * @throws {OSError} If the program cannot be started.
 * @example
 * ```ts
 * import { P_WAIT, spawnlpe } from "@pyconc/std/os_process";
 * import assert from "node:assert/strict";
 *
 * assert.equal(await spawnlpe(P_WAIT, "sh", "sh", "-c", "exit 3", { PATH: "/bin" }), 3);
 * ```
 */
export function spawnlpe(
  mode: number,
  file: string,
  ...argsAndEnv: [...args: string[], env: Env]
): Promise<number> {
  const [args, env] = splitEnv("spawnlpe", argsAndEnv);
  return run("spawnlpe", mode, file, args, env, true);
}

/**
 * Like {@linkcode spawnlpe}, blocking the calling thread.
 * @param mode `P_WAIT` or `P_NOWAIT`.
 * @param file The program's name (looked up in the env's PATH) or path.
 * @param argsAndEnv Its arguments, then the environment.
 * @returns The exit code (`P_WAIT`), or the pid (`P_NOWAIT`).
 * @throws {ValueError} For bad arguments or environment names.
 * @throws {OSError} If the program cannot be started.
 * @example
 * ```ts
 * import { P_WAIT, spawnlpeSync } from "@pyconc/std/os_process";
 * import assert from "node:assert/strict";
 *
 * assert.equal(spawnlpeSync(P_WAIT, "sh", "sh", "-c", "exit 3", { PATH: "/bin" }), 3);
 * ```
 */
export function spawnlpeSync(
  mode: number,
  file: string,
  ...argsAndEnv: [...args: string[], env: Env]
): number {
  const [args, env] = splitEnv("spawnlpeSync", argsAndEnv);
  return runSync("spawnlpeSync", mode, file, args, env, true);
}
