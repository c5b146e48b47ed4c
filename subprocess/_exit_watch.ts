/**
 * Waits for children to end without blocking the event loop.
 *
 * A wait without a time limit blocks one of Deno's pool threads in
 * `waitid(P_PIDFD, …, WEXITED | WNOWAIT)` (a `nonblocking` FFI call): the
 * kernel wakes that thread when the child ends and the thread wakes the
 * event loop, two wake-ups in all. (A SIGCHLD listener, the earlier way,
 * takes three: the signal interrupts this thread, Deno's signal thread
 * reads the handler's byte, then wakes the event loop. And once installed
 * it stays, so every later child's end, even one reaped by a blocking
 * `waitSync`, paid for the handler and the signal thread: ≈ 30 µs a start
 * on a 2-core VM.) `WNOWAIT` leaves the reaping to the Popen, so `poll()`
 * stays the one place that does it. The pidfd is the wait's own, closed
 * once the call has returned, so no number can be reused under the thread.
 *
 * A wait with a time limit cannot leave a thread blocked behind it (nor
 * an op that keeps the event loop alive once it gave up): it polls the
 * Popen's pidfd through the reactor, which cancels its poll when the wait
 * expires. So do waits past `MAX_BLOCKED` pending at once, so that
 * thousands of waiting children take one pool thread, not thousands.
 * (A Worker that ends while an untimed wait is pending leaves that thread
 * blocked until the child ends; the thread then returns to the pool.)
 *
 * Either way an async wait costs a thread hop that a blocking `waitpid`
 * does not: Deno cannot watch a pidfd in its own event loop (Deno.Command
 * can, through tokio, but only for its own children). The `subprocess`
 * benchmark's two "waitid on a pool thread" floor rows measure it: one
 * beside the blocking floor, one making exactly `run(["true"])`'s system
 * calls without the library, beside CPython's `run`.
 *
 * @module
 */

import { libc } from "../_internal/ffi/libc.ts";
import { pollAsync, POLLIN } from "./_reactor.ts";

const P_PIDFD = 3;
const WEXITED = 4;
const WNOWAIT = 0x01000000;
/** Untimed waits that may each block a pool thread at once. */
const MAX_BLOCKED = 16;
let blocked = 0;
/**
 * Where the waits' siginfo goes: never read (poll() reaps and reads the
 * status), so concurrent waits may share it.
 */
const siginfo = new Uint8Array(128);

/** A child to wait for. */
export interface ExitWatch {
  /** Reaps without blocking; true once the child has ended. */
  ended: () => boolean;
  /** The child's pid (not yet reaped while `ended()` is false). */
  pid: number;
  /** The Popen's pidfd (readable once the child has ended). */
  pidfd: () => number;
}

/**
 * Resolves once the child has ended or `timeoutMs` has passed, or earlier
 * (a failed call): callers reap with `ended()` (poll) and wait again if
 * need be. Callers have just seen `ended()` false, synchronously (so the
 * pid is not reaped, hence not reused).
 *
 * @param child The child.
 * @param timeoutMs How long to wait at most (`Infinity`: no limit).
 */
export async function waitExit(
  child: ExitWatch,
  timeoutMs: number,
): Promise<void> {
  if (timeoutMs <= 0) return;
  if (timeoutMs === Infinity && blocked < MAX_BLOCKED) {
    const lib = libc();
    // Not reaped (ended() was false just now): the pid is still ours.
    const fd = lib.pidfd_open(child.pid, 0);
    if (fd >= 0) {
      blocked++;
      try {
        // Its result needs no check: an error (ECHILD once someone else
        // reaped it) returns at once too, and the caller's poll tells.
        await lib.waitid_async(P_PIDFD, fd, siginfo, WEXITED | WNOWAIT);
      } finally {
        blocked--;
        lib.close(fd);
      }
      return;
    }
  }
  await pollAsync([{ fd: child.pidfd(), events: POLLIN }], timeoutMs);
}
