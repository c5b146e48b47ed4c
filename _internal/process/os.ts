/**
 * The system calls behind multiprocessing's processes: `pidfd_open`, waits
 * on a pidfd with `poll` (sync, or nonblocking so the event loop runs),
 * `waitpid`, signals; starting one (`posix_spawn` of a child with chosen
 * descriptors) is in spawner.ts.
 *
 * Why not `Deno.Command`: a Process needs what it cannot give (see
 * DESIGN.md, "Where Deno's own APIs end"): a blocking `joinSync` that reaps
 * the child and reads its signal (Deno reaps its children itself, in the
 * event loop), a descriptor inherited by every process of a program (the
 * resource tracker's pipe: `Deno.Command` children inherit only stdio), and
 * a pre-started spare child that must not count as a leaked resource of a
 * test. `--allow-run` is still required (checked before each spawn).
 *
 * @module
 */

import { cstr, errno, libc } from "../ffi/libc.ts";
import { errno as E, OSError } from "../errors.ts";

const SYS_PIDFD_OPEN = 434n; // x86_64
const WNOHANG = 1;
const POLLIN = 1;
const O_RDONLY = 0;
const F_DUPFD_CLOEXEC = 1030;

export { SIGKILL, SIGTERM } from "../signal_numbers.ts";

/**
 * A wait status as Python's exit code: the code for a normal exit, the
 * negative signal number for a death by signal.
 */
export function exitcodeOf(status: number): number {
  const sig = status & 0x7f;
  return sig === 0 ? (status >> 8) & 0xff : -sig;
}

/**
 * A pidfd for process `pid` (a child or any other process).
 * @returns the descriptor, or -1 if the process is gone.
 */
export function pidfdOpen(pid: number): number {
  const f = libc();
  const r = f.syscall6(
    SYS_PIDFD_OPEN,
    Deno.UnsafePointer.create(BigInt(pid)),
    0,
    0,
    null,
    null,
    0,
  );
  if (r >= 0n) return Number(r);
  const code = errno();
  if (code === E.ESRCH) return -1;
  throw new OSError(code, undefined, "pidfd_open");
}

/** Closes a descriptor. */
export function closeFd(fd: number): void {
  if (fd >= 0) libc().close(fd);
}

/** A duplicate of `fd` at `min` or above, closed on exec. */
export function dupHigh(fd: number, min: number): number {
  const r = libc().fcntl(fd, F_DUPFD_CLOEXEC, BigInt(min));
  if (r < 0) throw new OSError(errno(), undefined, "fcntl");
  return r;
}

function pollTimeout(ms: number): number {
  return ms === Infinity
    ? -1
    : Math.max(0, Math.min(Math.ceil(ms), 2 ** 31 - 1));
}

/**
 * Waits until `fd` is readable (a pidfd: the process ended), blocking the
 * calling thread.
 * @param ms Milliseconds; `Infinity` waits forever.
 * @returns true if readable, false on timeout.
 */
export function pollSync(fd: number, ms: number): boolean {
  const f = libc();
  const pfd = new Int32Array(2);
  const deadline = ms === Infinity ? Infinity : performance.now() + ms;
  for (;;) {
    pfd[0] = fd;
    pfd[1] = POLLIN;
    const left = deadline === Infinity
      ? Infinity
      : deadline - performance.now();
    const r = f.poll(
      new Uint8Array(pfd.buffer),
      1n,
      pollTimeout(Math.max(0, left)),
    );
    if (r > 0) return true;
    if (r === 0) {
      if (deadline - performance.now() <= 0) return false;
      continue;
    }
    const code = errno();
    if (code !== E.EINTR) throw new OSError(code, undefined, "poll");
  }
}

/**
 * Like {@linkcode pollSync} without blocking the event loop (the wait runs
 * on another OS thread and keeps the event loop alive while pending).
 */
export async function pollAsync(fd: number, ms: number): Promise<boolean> {
  const f = libc();
  const deadline = ms === Infinity ? Infinity : performance.now() + ms;
  for (;;) {
    const pfd = new Int32Array([fd, POLLIN]);
    const left = deadline === Infinity
      ? Infinity
      : deadline - performance.now();
    const r = await f.poll_async(
      new Uint8Array(pfd.buffer),
      1n,
      pollTimeout(Math.max(0, left)),
    );
    if (r > 0) return true;
    // A timeout, or EINTR (errno is not readable after a nonblocking call).
    if (deadline - performance.now() <= 0) return false;
  }
}

/**
 * Reaps child `pid` if it has ended, without waiting.
 * @returns its wait status, null while it runs, or undefined if it is not
 *   (or no longer) a child of this process.
 */
export function reap(pid: number): number | null | undefined {
  const f = libc();
  const status = new Int32Array(1);
  for (;;) {
    const r = f.waitpid(pid, new Uint8Array(status.buffer), WNOHANG);
    if (r === pid) return status[0]!;
    if (r === 0) return null;
    const code = errno();
    if (code === E.EINTR) continue;
    return undefined;
  }
}

/**
 * Sends signal `sig` to `pid`.
 * @returns false if the process is gone.
 */
export function signal(pid: number, sig: number): boolean {
  if (libc().kill(pid, sig) === 0) return true;
  const code = errno();
  if (code === E.ESRCH) return false;
  throw new OSError(code, undefined, "kill");
}

/** Ends this process at once with `code` (Python's `os._exit`). */
export function exitNow(code: number): never {
  libc()._exit(code);
  throw new Error("unreachable");
}

/** A pipe: `[read end, write end]`, both closed on exec. */
export function pipe(): [number, number] {
  const fds = new Int32Array(2);
  const O_CLOEXEC = 0o2000000;
  if (libc().pipe2(new Uint8Array(fds.buffer), O_CLOEXEC) !== 0) {
    throw new OSError(errno(), undefined, "pipe2");
  }
  return [fds[0]!, fds[1]!];
}

const utf8 = new TextEncoder();

/** Writes a short message (≤ PIPE_BUF bytes: atomic) to a pipe; ignores errors. */
export function writeMessage(fd: number, text: string): void {
  const bytes = utf8.encode(text);
  libc().write(fd, bytes, BigInt(bytes.length));
}

/** Reads a file through libc (works without `--allow-read`). */
export function readSmallFile(path: string): Uint8Array {
  const f = libc();
  const fd = f.open(cstr(path), O_RDONLY | 0o2000000, 0);
  if (fd < 0) throw new OSError(errno(), undefined, path);
  try {
    const chunks: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      const buf = new Uint8Array(65536);
      const n = Number(f.read(fd, buf, BigInt(buf.length)));
      if (n < 0) {
        const code = errno();
        if (code === E.EINTR) continue;
        throw new OSError(code, undefined, path);
      }
      if (n === 0) break;
      chunks.push(buf.subarray(0, n));
      total += n;
    }
    const out = new Uint8Array(total);
    let at = 0;
    for (const c of chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  } finally {
    f.close(fd);
  }
}
