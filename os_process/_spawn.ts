/**
 * What `spawn*`, `exec*` and `system` share: argument and environment
 * checks with Python's errors, and starting a program with the library's
 * `posix_spawn` (`_internal/spawn.ts`, which also holds the PATH search of
 * Python's `os._execvpe`).
 *
 * @module
 */

import { cString, describe } from "../_internal/args.ts";
import { ValueError } from "../_internal/errors.ts";
import { spawn } from "../_internal/spawn.ts";
import { requirePermission } from "../_internal/permissions.ts";

/**
 * An environment for a new program: a plain object, or any iterable of
 * `[key, value]` pairs (a `Map`, or `os_process.environ` itself).
 */
export type Env =
  | Readonly<Record<string, string>>
  | Iterable<readonly [string, string]>;

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
 * Starts a program with the library's posix_spawn and returns its pid. The
 * child is this process's to reap (waitpid). It gets an empty signal mask,
 * and SIGPIPE and SIGXFSZ back at their default action (Deno ignores
 * SIGPIPE, and an ignored signal stays ignored across exec; Python's
 * subprocess restores the same two).
 * @throws {OSError} If the program cannot be started (FileNotFoundError,
 *   PermissionError…), with the path tried.
 * @throws {PermissionError} Without `--allow-run` (or `--allow-ffi`).
 */
export function spawnProgram(program: Program): number {
  requirePermission({ name: "run", command: program.file }, program.file);
  return spawn({
    file: program.file,
    argv: program.args,
    env: program.env,
    search: program.search,
    resetSignals: "python",
  });
}
