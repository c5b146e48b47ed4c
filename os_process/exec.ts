import { cString } from "../_internal/args.ts";
import { cstr, errno, libc } from "../_internal/ffi/libc.ts";
import { cstrArray } from "../_internal/ffi/cstrings.ts";
import { requirePermission } from "../_internal/permissions.ts";
import { checkArgs, checkEnv, type Env, splitEnv } from "./_spawn.ts";
import { candidates, trySearch } from "../_internal/spawn.ts";

const SIGPIPE = 13;
const SIGXFSZ = 25;

/**
 * Replaces the process image; returns only by throwing.
 *
 * Deno writes `console.log` and `Deno.stdout.writeSync` output through at
 * once; C stdio buffers (of FFI libraries) are flushed here. SIGPIPE and
 * SIGXFSZ are reset to their default action first (Deno ignores SIGPIPE,
 * and an ignored signal would stay ignored in the new program), and
 * restored if every exec fails.
 */
function execImpl(
  fn: string,
  file: unknown,
  args: unknown,
  env: unknown,
  search: boolean,
): never {
  const path = cString(file, search ? "file" : "path");
  const argv = checkArgs(args, fn);
  const envStrings = env === undefined ? null : checkEnv(env);
  requirePermission({ name: "run", command: path }, path);
  const lib = libc();
  const argvC = cstrArray(argv);
  const envC = envStrings === null ? null : cstrArray(envStrings);
  lib.fflush(null);
  const oldPipe = lib.signal(SIGPIPE, null);
  const oldXfsz = lib.signal(SIGXFSZ, null);
  try {
    trySearch(candidates(path, search, envStrings), (p) => {
      if (envC === null) lib.execv(cstr(p), argvC.array);
      else lib.execve(cstr(p), argvC.array, envC.array);
      return errno();
    });
  } finally {
    lib.signal(SIGPIPE, oldPipe);
    lib.signal(SIGXFSZ, oldXfsz);
  }
  // trySearch returns only on success, and a successful exec never returns.
  throw new Error("unreachable");
}

/**
 * Replaces the current process with the program at `path` (Python's
 * `os.execv`): the process keeps its pid, open descriptors not marked
 * close-on-exec, working directory and environment; nothing after this call
 * runs. It returns only by throwing, when the program cannot be executed.
 *
 * Output written with `console.log` or `Deno.stdout.writeSync` has been
 * written already; await pending asynchronous writes (streams) first, they
 * are lost otherwise (Python's advice to flush files holds). SIGPIPE starts
 * with its default action in the new program.
 *
 * Permissions: `--allow-ffi` and `--allow-run`.
 *
 * @param path The program's path.
 * @param args Its argument list; `args[0]` is its name and must not be empty.
 * @returns Never.
 * @throws {ValueError} If `args` or `args[0]` is empty, or a string holds a
 *   NUL character.
 * @throws {FileNotFoundError} If there is no such program.
 * @throws {PermissionError} If it is not executable, or without `--allow-run`.
 *
 * @example Hand the process over to the shell
 * ```ts ignore
 * import { execv } from "@pyconc/std/os_process";
 *
 * console.log(`pid ${Deno.pid}`);
 * execv("/bin/sh", ["sh", "-c", 'echo "still pid $$"']);
 * ```
 *
 * @example A program that cannot be executed throws, and the process goes on
 * ```ts
 * import { execv, FileNotFoundError } from "@pyconc/std/os_process";
 * import assert from "node:assert/strict";
 *
 * assert.throws(() => execv("/no/such/program", ["x"]), FileNotFoundError);
 * ```
 */
export function execv(path: string, args: readonly string[]): never {
  return execImpl("execv", path, args, undefined, false);
}

/**
 * Like {@linkcode execv}, with `env` as the new program's environment
 * (Python's `os.execve`).
 * @param path The program's path.
 * @param args Its argument list, `args[0]` being its name.
 * @param env The environment: an object of strings or `[key, value]` pairs.
 * @returns Never.
 * @throws {ValueError} For an empty `args` or `args[0]`, or an illegal
 *   variable name (empty, or with "=").
 * @throws {OSError} If the program cannot be executed.
 * @example
 * ```ts
 * import { execve, ValueError } from "@pyconc/std/os_process";
 * import assert from "node:assert/strict";
 *
 * assert.throws(() => execve("/bin/true", ["true"], { "A=B": "c" }), ValueError);
 * ```
 */
export function execve(
  path: string,
  args: readonly string[],
  env: Env,
): never {
  return execImpl("execve", path, args, env, false);
}

/**
 * Like {@linkcode execv}, looking `file` up in PATH when it has no slash
 * (Python's `os.execvp`).
 * @param file The program's name (or path).
 * @param args Its argument list, `args[0]` being its name.
 * @returns Never.
 * @throws {ValueError} For an empty `args` or `args[0]`.
 * @throws {FileNotFoundError} If no PATH entry has the program.
 * @example
 * ```ts
 * import { execvp, FileNotFoundError } from "@pyconc/std/os_process";
 * import assert from "node:assert/strict";
 *
 * assert.throws(() => execvp("no-such-program-x", ["x"]), FileNotFoundError);
 * ```
 */
export function execvp(file: string, args: readonly string[]): never {
  return execImpl("execvp", file, args, undefined, true);
}

/**
 * Like {@linkcode execvp} with `env` as the environment; PATH is read from
 * `env`, "/bin:/usr/bin" if it has none (Python's `os.execvpe`).
 * @param file The program's name (or path).
 * @param args Its argument list, `args[0]` being its name.
 * @param env The environment.
 * @returns Never.
 * @throws {ValueError} For bad arguments or environment names.
 * @throws {OSError} If the program cannot be executed.
 * @example
 * ```ts
 * import { execvpe, ValueError } from "@pyconc/std/os_process";
 * import assert from "node:assert/strict";
 *
 * assert.throws(() => execvpe("true", [], {}), ValueError);
 * ```
 */
export function execvpe(
  file: string,
  args: readonly string[],
  env: Env,
): never {
  return execImpl("execvpe", file, args, env, true);
}

/**
 * {@linkcode execv} with the arguments spread (Python's `os.execl`).
 * @param path The program's path.
 * @param args Its arguments, the first being its name.
 * @returns Never.
 * @throws {ValueError} If no argument is given, or the first is empty.
 * @throws {OSError} If the program cannot be executed.
 * @example
 * ```ts
 * import { execl, ValueError } from "@pyconc/std/os_process";
 * import assert from "node:assert/strict";
 *
 * assert.throws(() => execl("/bin/true"), ValueError);
 * ```
 */
export function execl(path: string, ...args: string[]): never {
  return execImpl("execl", path, args, undefined, false);
}

/**
 * {@linkcode execve} with the arguments spread and the environment last
 * (Python's `os.execle`).
 * @param path The program's path.
 * @param argsAndEnv Its arguments, then the environment.
 * @returns Never.
 * @throws {ValueError} For bad arguments or environment names.
 * @throws {OSError} If the program cannot be executed.
 * @example
 * ```ts
 * import { execle, ValueError } from "@pyconc/std/os_process";
 * import assert from "node:assert/strict";
 *
 * assert.throws(() => execle("/bin/true", "", {}), ValueError);
 * ```
 */
export function execle(
  path: string,
  ...argsAndEnv: [...args: string[], env: Env]
): never {
  const [args, env] = splitEnv("execle", argsAndEnv);
  return execImpl("execle", path, args, env, false);
}

/**
 * {@linkcode execvp} with the arguments spread (Python's `os.execlp`).
 * @param file The program's name (looked up in PATH) or path.
 * @param args Its arguments, the first being its name.
 * @returns Never.
 * @throws {ValueError} If no argument is given, or the first is empty.
 * @throws {OSError} If the program cannot be executed.
 * @example
 * ```ts
 * import { execlp, FileNotFoundError } from "@pyconc/std/os_process";
 * import assert from "node:assert/strict";
 *
 * assert.throws(() => execlp("no-such-program-x", "x"), FileNotFoundError);
 * ```
 */
export function execlp(file: string, ...args: string[]): never {
  return execImpl("execlp", file, args, undefined, true);
}

/**
 * {@linkcode execvpe} with the arguments spread and the environment last
 * (Python's `os.execlpe`).
 * @param file The program's name (looked up in the env's PATH) or path.
 * @param argsAndEnv Its arguments, then the environment.
 * @returns Never.
 * @throws {ValueError} For bad arguments or environment names.
 * @throws {OSError} If the program cannot be executed.
 * @example
 * ```ts
 * import { execlpe, FileNotFoundError } from "@pyconc/std/os_process";
 * import assert from "node:assert/strict";
 *
 * assert.throws(() => execlpe("true", "true", { PATH: "/nowhere" }), FileNotFoundError);
 * ```
 */
export function execlpe(
  file: string,
  ...argsAndEnv: [...args: string[], env: Env]
): never {
  const [args, env] = splitEnv("execlpe", argsAndEnv);
  return execImpl("execlpe", file, args, env, true);
}
