/**
 * subprocess's side of starting a child: Python's environment checks and
 * error naming, over the library's one `posix_spawn` (see
 * `_internal/spawn.ts`).
 *
 * @module
 */

import { cstr, errno as lastErrno, libc } from "../_internal/ffi/libc.ts";
import { OSError, ValueError } from "../_internal/errors.ts";
import { type ChildFd, spawn as spawnChild } from "../_internal/spawn.ts";

export type { ChildFd };

/** Everything a Popen asks of posix_spawn. */
export interface SpawnPlan {
  /** The program: a path, or a name to look up in PATH. */
  program: string;
  /** The child's argv (argv[0] included). */
  argv: readonly string[];
  /** The environment, or null to pass this process's own. */
  env: Record<string, string> | null;
  cwd: string | null;
  stdio: readonly [ChildFd, ChildFd, ChildFd];
  /** More descriptors for the child: `fd` becomes `target` (`passFds`). */
  extra: readonly { fd: number; target: number }[];
  startNewSession: boolean;
  /** A process group to join (0: a new one with the child's pid), or null. */
  processGroup: number | null;
  restoreSignals: boolean;
  /** Close every descriptor but 0–2 and `extra`'s targets in the child. */
  closeFds: boolean;
}

const X_OK = 1;

/** Python's checks of an `env` mapping, as `KEY=value` strings. */
function envArray(env: Record<string, string>): string[] {
  const out: string[] = [];
  for (const [key, value] of Object.entries(env)) {
    if (typeof value !== "string") {
      throw new TypeError(
        `env values must be strings, not ${typeof value} (key '${key}')`,
      );
    }
    if (key.includes("\0") || value.includes("\0")) {
      throw new ValueError("embedded null byte");
    }
    if (key === "" || key.includes("=")) {
      throw new ValueError(`illegal environment variable name: '${key}'`);
    }
    out.push(`${key}=${value}`);
  }
  return out;
}

/**
 * Starts the child.
 * @returns its pid.
 * @throws {OSError} The errno-selected subclass when the program cannot be
 *   started, naming the program as given (or `cwd` when that is at fault),
 *   as Python's subprocess does.
 */
export function spawn(plan: SpawnPlan): number {
  try {
    return spawnChild({
      file: plan.program,
      argv: plan.argv,
      env: plan.env === null ? null : envArray(plan.env),
      search: true,
      cwd: plan.cwd,
      stdio: plan.stdio,
      extra: plan.extra,
      startNewSession: plan.startNewSession,
      processGroup: plan.processGroup,
      resetSignals: plan.restoreSignals ? "python" : "none",
      closeFds: plan.closeFds,
    });
  } catch (e) {
    // Errors without a file name are about the plan (a bad descriptor),
    // not the program: Python names no file for them either.
    if (!(e instanceof OSError) || e.errno === null || e.filename === null) {
      throw e;
    }
    if (plan.cwd !== null && libc().access(cstr(plan.cwd), X_OK) !== 0) {
      throw new OSError(lastErrno(), undefined, plan.cwd);
    }
    throw new OSError(e.errno, undefined, plan.program);
  }
}
