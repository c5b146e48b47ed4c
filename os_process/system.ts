import { cString } from "../_internal/args.ts";
import { OSError } from "../_internal/errors.ts";
import { libc } from "../_internal/ffi/libc.ts";
import { requirePermission } from "../_internal/permissions.ts";
import { spawnProgram } from "./_spawn.ts";
import { waitpid, waitpidSync } from "./waitpid.ts";

/** C's `system()` reports a shell that could not be started as `_exit(127)`. */
const SHELL_FAILED = 127 << 8;
const SHELL = "/bin/sh";

function startShell(command: unknown): number | null {
  const cmd = cString(command, "command");
  // Missing permissions are errors; a shell that cannot start is status 127.
  requirePermission({ name: "run", command: SHELL }, SHELL);
  libc();
  try {
    return spawnProgram({
      file: SHELL,
      args: ["sh", "-c", cmd],
      env: null,
      search: false,
    });
  } catch (e) {
    if (e instanceof OSError) return null;
    throw e;
  }
}

/**
 * Runs `command` in a shell (`/bin/sh -c`) and returns its wait status, as
 * Python's `os.system` on Unix: `exitcode << 8` for a shell that exited,
 * the signal number (plus 0x80 if it dumped core) for one killed by a
 * signal. {@linkcode waitstatusToExitcode} turns it into an exit code. The
 * shell inherits stdin, stdout, stderr and the environment. Does not block
 * the event loop.
 *
 * Difference from C's `system()`: SIGINT and SIGQUIT are not ignored in
 * this process while the command runs.
 *
 * Permissions: `--allow-ffi` and `--allow-run`.
 *
 * @param command A shell command line.
 * @returns The wait status (0 on success).
 * @throws {ValueError} If `command` holds a NUL character.
 * @throws {PermissionError} Without `--allow-run`.
 *
 * @example
 * ```ts
 * import { system, waitstatusToExitcode } from "@pyconc/std/os_process";
 * import assert from "node:assert/strict";
 *
 * assert.equal(await system("exit 3"), 3 << 8);
 * assert.equal(waitstatusToExitcode(await system("kill -9 $$")), -9);
 * ```
 */
export async function system(command: string): Promise<number> {
  const pid = startShell(command);
  if (pid === null) return SHELL_FAILED;
  return (await waitpid(pid, 0))[1];
}

/**
 * Like {@linkcode system}, blocking the calling thread.
 * @param command A shell command line.
 * @returns The wait status (0 on success).
 * @throws {ValueError} If `command` holds a NUL character.
 * @throws {PermissionError} Without `--allow-run`.
 * @example
 * ```ts
 * import { systemSync } from "@pyconc/std/os_process";
 * import assert from "node:assert/strict";
 *
 * assert.equal(systemSync("true"), 0);
 * ```
 */
export function systemSync(command: string): number {
  const pid = startShell(command);
  if (pid === null) return SHELL_FAILED;
  return waitpidSync(pid, 0)[1];
}
