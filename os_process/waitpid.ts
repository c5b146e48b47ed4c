import { cInt, integer } from "../_internal/args.ts";
import { OSError, ValueError } from "../_internal/errors.ts";
import { errno, libc } from "../_internal/ffi/libc.ts";
import { WNOHANG } from "./constants.ts";

const EINTR = 4;

function checked(pid: unknown, options: unknown): [number, number] {
  return [cInt(pid, "pid"), cInt(options, "options")];
}

/**
 * Waits for a child process to change state (Python's `os.waitpid`),
 * blocking the calling thread.
 *
 * `pid > 0` waits for that child; `-1` for any child; `0` for any child in
 * this process group; `< -1` for any child in group `-pid`. With
 * {@linkcode WNOHANG} it returns `[0, 0]` at once if nothing has changed.
 * Interrupted waits are retried (PEP 475).
 *
 * Waiting for "any child" (`pid <= 0`) can also reap children that Deno
 * started (`Deno.Command`, `popen`), whose status Deno then cannot read:
 * prefer waiting for a pid.
 *
 * Permissions: `--allow-ffi`.
 *
 * @param pid Which child.
 * @param options 0, or `WNOHANG`, `WUNTRACED`, `WCONTINUED` or'ed.
 * @returns `[pid, status]`: the child and its wait status (see
 *   {@linkcode waitstatusToExitcode}).
 * @throws {ChildProcessError} If there is no such child (ECHILD).
 * @throws {TypeError} If `pid` or `options` is not an integer.
 *
 * @example
 * ```ts
 * import { P_NOWAIT, spawnvSync, waitpidSync, waitstatusToExitcode } from "@pyconc/std/os_process";
 * import assert from "node:assert/strict";
 *
 * const pid = spawnvSync(P_NOWAIT, "/bin/sh", ["sh", "-c", "exit 3"]);
 * const [who, status] = waitpidSync(pid, 0);
 * assert.equal(who, pid);
 * assert.equal(waitstatusToExitcode(status), 3);
 * ```
 */
export function waitpidSync(pid: number, options: number): [number, number] {
  const [p, o] = checked(pid, options);
  const lib = libc();
  const status = new Int32Array(1);
  for (;;) {
    const r = lib.waitpid(p, status, o);
    if (r >= 0) return [r, r === 0 ? 0 : status[0]!];
    const code = errno();
    if (code !== EINTR) throw new OSError(code);
  }
}

/**
 * Like {@linkcode waitpidSync}, without blocking the event loop: the wait
 * runs on another thread (a `nonblocking` FFI call).
 *
 * @param pid Which child (see {@linkcode waitpidSync}).
 * @param options 0, or `WNOHANG`, `WUNTRACED`, `WCONTINUED` or'ed.
 * @returns `[pid, status]`.
 * @throws {ChildProcessError} If there is no such child (ECHILD).
 *
 * @example
 * ```ts
 * import { P_NOWAIT, spawnv, waitpid, WIFEXITED } from "@pyconc/std/os_process";
 * import assert from "node:assert/strict";
 *
 * const pid = await spawnv(P_NOWAIT, "/bin/true", ["true"]);
 * const [, status] = await waitpid(pid, 0);
 * assert.ok(WIFEXITED(status));
 * ```
 */
export async function waitpid(
  pid: number,
  options: number,
): Promise<[number, number]> {
  const [p, o] = checked(pid, options);
  if (o & WNOHANG) return waitpidSync(p, o);
  const lib = libc();
  for (;;) {
    // errno is not readable after a nonblocking call: on failure, ask
    // again without blocking, which either reproduces the error (ECHILD),
    // finds the child done, or finds it still running (the wait was
    // interrupted), and then waits again.
    const status = new Int32Array(1);
    const r = await lib.waitpid_async(p, status, o);
    if (r > 0) return [r, status[0]!];
    const again = waitpidSync(p, o | WNOHANG);
    if (again[0] !== 0) return again;
  }
}

/**
 * Python's `os.waitstatus_to_exitcode`: the exit code of a wait status, or
 * the negative signal number for a child killed by a signal.
 *
 * @param status A wait status from {@linkcode waitpid} or `system`.
 * @returns The exit code, or `-signal`.
 * @throws {ValueError} For a stopped child's status or an invalid status.
 * @throws {TypeError} If `status` is not an integer.
 *
 * @example
 * ```ts
 * import { waitstatusToExitcode } from "@pyconc/std/os_process";
 * import assert from "node:assert/strict";
 *
 * assert.equal(waitstatusToExitcode(3 << 8), 3);
 * assert.equal(waitstatusToExitcode(9), -9);
 * ```
 */
export function waitstatusToExitcode(status: number): number {
  const s = integer(status, "status");
  if (s < 0 || s > 0xffff) {
    throw new ValueError(`Invalid wait status: ${s}`);
  }
  if (WIFEXITED(s)) return WEXITSTATUS(s);
  if (WIFSIGNALED(s)) return -WTERMSIG(s);
  if (WIFSTOPPED(s)) {
    throw new ValueError(
      `Process stopped by delivery of signal ${WSTOPSIG(s)}`,
    );
  }
  throw new ValueError(`Invalid wait status: ${s}`);
}

/**
 * Python's `os.WIFEXITED`: whether the child exited normally.
 * @param status A wait status.
 * @returns Whether it exited (with `exit` or by returning from `main`).
 * @example
 * ```ts
 * import { WIFEXITED } from "@pyconc/std/os_process";
 * import assert from "node:assert/strict";
 * assert.ok(WIFEXITED(256));
 * ```
 */
export function WIFEXITED(status: number): boolean {
  return (status & 0x7f) === 0;
}

/**
 * Python's `os.WEXITSTATUS`: the exit code of a child that exited.
 * @param status A wait status.
 * @returns The exit code (meaningful if {@linkcode WIFEXITED}).
 * @example
 * ```ts
 * import { WEXITSTATUS } from "@pyconc/std/os_process";
 * import assert from "node:assert/strict";
 * assert.equal(WEXITSTATUS(3 << 8), 3);
 * ```
 */
export function WEXITSTATUS(status: number): number {
  return (status >> 8) & 0xff;
}

/**
 * Python's `os.WIFSIGNALED`: whether a signal killed the child.
 * @param status A wait status.
 * @returns Whether the child was killed by a signal.
 * @example
 * ```ts
 * import { WIFSIGNALED } from "@pyconc/std/os_process";
 * import assert from "node:assert/strict";
 * assert.ok(WIFSIGNALED(9));
 * ```
 */
export function WIFSIGNALED(status: number): boolean {
  const sig = status & 0x7f;
  return sig !== 0 && sig !== 0x7f;
}

/**
 * Python's `os.WTERMSIG`: the signal that killed the child.
 * @param status A wait status.
 * @returns The signal number (meaningful if {@linkcode WIFSIGNALED}).
 * @example
 * ```ts
 * import { WTERMSIG } from "@pyconc/std/os_process";
 * import assert from "node:assert/strict";
 * assert.equal(WTERMSIG(9), 9);
 * ```
 */
export function WTERMSIG(status: number): number {
  return status & 0x7f;
}

/**
 * Python's `os.WCOREDUMP`: whether the killed child dumped core.
 * @param status A wait status.
 * @returns Whether a core dump was made.
 * @example
 * ```ts
 * import { WCOREDUMP } from "@pyconc/std/os_process";
 * import assert from "node:assert/strict";
 * assert.ok(WCOREDUMP(0x80 | 11));
 * ```
 */
export function WCOREDUMP(status: number): boolean {
  return (status & 0x80) !== 0;
}

/**
 * Python's `os.WIFSTOPPED`: whether the child is stopped (reported with
 * `WUNTRACED`).
 * @param status A wait status.
 * @returns Whether the child was stopped by a signal.
 * @example
 * ```ts
 * import { WIFSTOPPED } from "@pyconc/std/os_process";
 * import assert from "node:assert/strict";
 * assert.ok(WIFSTOPPED((19 << 8) | 0x7f));
 * ```
 */
export function WIFSTOPPED(status: number): boolean {
  return (status & 0xff) === 0x7f;
}

/**
 * Python's `os.WSTOPSIG`: the signal that stopped the child.
 * @param status A wait status.
 * @returns The signal number (meaningful if {@linkcode WIFSTOPPED}).
 * @example
 * ```ts
 * import { WSTOPSIG } from "@pyconc/std/os_process";
 * import assert from "node:assert/strict";
 * assert.equal(WSTOPSIG((19 << 8) | 0x7f), 19);
 * ```
 */
export function WSTOPSIG(status: number): number {
  return (status >> 8) & 0xff;
}

/**
 * Python's `os.WIFCONTINUED`: whether the child was continued by SIGCONT
 * (reported with `WCONTINUED`).
 * @param status A wait status.
 * @returns Whether the child was continued.
 * @example
 * ```ts
 * import { WIFCONTINUED } from "@pyconc/std/os_process";
 * import assert from "node:assert/strict";
 * assert.ok(WIFCONTINUED(0xffff));
 * ```
 */
export function WIFCONTINUED(status: number): boolean {
  return status === 0xffff;
}
