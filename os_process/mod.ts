/**
 * The process part of Python's `os` module for Deno: the environment,
 * `system`, `popen`, the `spawn*` and `exec*` families, `waitpid`, `kill`,
 * and file descriptors (`open`/`close`) for `mmap` and `subprocess`.
 *
 * Processes are started with libc's `posix_spawn` through Deno's FFI (and
 * `popen` with `Deno.Command`); `exec*` replaces the current process image
 * with libc's `execv`/`execve`. Blocking calls come in two forms:
 * `spawnv()`, `system()`, `waitpid()` return Promises and never block the
 * event loop; `spawnvSync()`, `systemSync()`, `waitpidSync()` block.
 *
 * Permissions: `--allow-ffi` for everything but `environ`/`getenv`/
 * `putenv`/`unsetenv` (`--allow-env`), `popen`, `getpid`, `getppid` and
 * `cpuCount`; and what Deno would ask for the same action: `--allow-run`
 * to start (`system`, `popen`, `spawn*`, `exec*`) or signal (`kill`)
 * processes, `--allow-read`/`--allow-write` for `open`.
 *
 * Differences from Python: `spawn*` throws when the program cannot be
 * started (Python's fork-based version reports exit code 127); `environ` is
 * live, so `putenv`/`unsetenv` show in it; `system` does not ignore SIGINT
 * and SIGQUIT while waiting; children start with SIGPIPE and SIGXFSZ at
 * their default action (Deno ignores SIGPIPE).
 *
 * @example Run commands and read their output
 * ```ts
 * import { P_WAIT, popen, spawnvp, system } from "@pyconc/std/os_process";
 * import assert from "node:assert/strict";
 *
 * assert.equal(await system("exit 2"), 2 << 8); // a wait status
 * assert.equal(await spawnvp(P_WAIT, "sh", ["sh", "-c", "exit 2"]), 2); // an exit code
 * await using f = popen("printf 'a\\nb\\n'");
 * const lines: string[] = [];
 * for await (const line of f) lines.push(line);
 * assert.deepEqual(lines, ["a\n", "b\n"]);
 * ```
 *
 * @module
 */

export * from "./constants.ts";
export { type Environ, environ, getenv, putenv, unsetenv } from "./environ.ts";
export { cpuCount, getpid, getppid, kill } from "./process_ids.ts";
export { system, systemSync } from "./system.ts";
export { popen, PopenFile } from "./popen.ts";
export {
  type Env,
  spawnl,
  spawnle,
  spawnleSync,
  spawnlp,
  spawnlpe,
  spawnlpeSync,
  spawnlpSync,
  spawnlSync,
  spawnv,
  spawnve,
  spawnveSync,
  spawnvp,
  spawnvpe,
  spawnvpeSync,
  spawnvpSync,
  spawnvSync,
} from "./spawn.ts";
export {
  execl,
  execle,
  execlp,
  execlpe,
  execv,
  execve,
  execvp,
  execvpe,
} from "./exec.ts";
export {
  waitpid,
  waitpidSync,
  waitstatusToExitcode,
  WCOREDUMP,
  WEXITSTATUS,
  WIFCONTINUED,
  WIFEXITED,
  WIFSIGNALED,
  WIFSTOPPED,
  WSTOPSIG,
  WTERMSIG,
} from "./waitpid.ts";
export { close, open } from "./open.ts";
export {
  BrokenPipeError,
  ChildProcessError,
  FileExistsError,
  FileNotFoundError,
  OSError,
  PermissionError,
  ProcessLookupError,
  ValueError,
} from "../_internal/errors.ts";
