import { cInt } from "../_internal/args.ts";
import { libc, raiseErrno } from "../_internal/ffi/libc.ts";
import { requirePermission } from "../_internal/permissions.ts";
import { signalNumber, SIGRTMAX } from "../_internal/signal_table.ts";
import { ValueError } from "../_internal/errors.ts";

/**
 * This process's id (Python's `os.getpid`).
 * @returns The pid.
 * @example
 * ```ts
 * import { getpid } from "@pyconc/std/os_process";
 * import assert from "node:assert/strict";
 *
 * assert.equal(getpid(), Deno.pid);
 * ```
 */
export function getpid(): number {
  return Deno.pid;
}

/**
 * The parent process's id (Python's `os.getppid`); 1 (or a subreaper) once
 * the parent has exited.
 * @returns The parent's pid.
 * @example
 * ```ts
 * import { getppid } from "@pyconc/std/os_process";
 * import assert from "node:assert/strict";
 *
 * assert.ok(getppid() > 0);
 * ```
 */
export function getppid(): number {
  return Deno.ppid;
}

/**
 * Sends a signal to a process (Python's `os.kill`): `pid > 0` that process,
 * `0` this process group, `-1` every process it may signal, `< -1` group
 * `-pid`. Signal 0 sends nothing and checks that the process exists.
 *
 * Permissions: `--allow-ffi` and `--allow-run`.
 *
 * @param pid The target.
 * @param sig A signal number, or a `Deno.Signal` name (`"SIGTERM"`).
 * @throws {ProcessLookupError} If there is no such process (ESRCH).
 * @throws {PermissionError} If it may not be signalled (EPERM), or without
 *   `--allow-run`.
 * @throws {ValueError} For an unknown signal name or number.
 * @throws {TypeError} If `pid` or `sig` has the wrong type.
 *
 * @example Check that a process exists
 * ```ts
 * import { kill } from "@pyconc/std/os_process";
 *
 * kill(Deno.pid, 0);
 * ```
 */
export function kill(pid: number, sig: number | Deno.Signal): void {
  const p = cInt(pid, "pid");
  const s = signalNumber(sig);
  if (s < 0 || s > SIGRTMAX) {
    throw new ValueError(`Invalid signal number: ${s} (0 to ${SIGRTMAX})`);
  }
  requirePermission({ name: "run" });
  if (libc().kill(p, s) !== 0) raiseErrno();
}

const _SC_NPROCESSORS_ONLN = 84;

/**
 * The number of CPUs in the system (Python's `os.cpu_count`: the CPUs
 * online, not the ones this process may use), or null if unknown. Without
 * `--allow-ffi` it falls back to `navigator.hardwareConcurrency` (the CPUs
 * this process may use).
 * @returns The CPU count, or null.
 * @example
 * ```ts
 * import { cpuCount } from "@pyconc/std/os_process";
 * import assert from "node:assert/strict";
 *
 * assert.ok((cpuCount() ?? 1) >= 1);
 * ```
 */
export function cpuCount(): number | null {
  if (Deno.permissions.querySync({ name: "ffi" }).state === "granted") {
    const n = Number(libc().sysconf(_SC_NPROCESSORS_ONLN));
    if (n >= 1) return n;
  }
  const hc = navigator.hardwareConcurrency;
  return typeof hc === "number" && hc >= 1 ? hc : null;
}
