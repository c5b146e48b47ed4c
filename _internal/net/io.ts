/**
 * Waiting on sockets: an I/O algorithm is written once as a generator that
 * yields the `poll(2)` waits it needs, and two drivers run it, as
 * `runSync`/`runAsync` do for the futex primitives: {@linkcode ioSync}
 * blocks the calling thread in `poll`, {@linkcode ioAsync} hands the wait
 * to this thread's poller (`poller.ts`: a short bounded `ppoll` on the
 * thread, then one `poll` over every pending wait on Deno's blocking-task
 * threads), so the event loop never waits for long.
 *
 * Why FFI and this split (measured on the 2-core CI box, Deno 2.9): a
 * failing non-blocking `recv` costs ≈ 3 µs, a `send`+`recv` pair ≈ 8 µs,
 * and a `poll` run as a nonblocking FFI call costs ≈ 37 µs from call to
 * resolved promise (`recv` run that way ≈ 50 µs: the hop is the cost, not
 * the syscall). So an async read or write is first tried synchronously
 * with `MSG_DONTWAIT` (no wait at all when data is there, the common case
 * for a busy connection; the connection then answers without any async
 * machinery), and only a real wait goes to the poller; a `Sync` receive
 * is one blocking `recv` on the (blocking-mode) descriptor, as CPython's
 * read: with a `poll` before each `recv` the Sync ping-pong was slower
 * than CPython's, with one blocking `recv` it is on par or faster. Deno's
 * own sockets cannot serve: they have no synchronous form and do not give
 * their descriptor to FFI, and a helper thread would pay a hop on every
 * call.
 *
 * No spin: spinning (polling with a zero timeout) before a wait was tried
 * twice on this 2-core box (150 µs before an async wait; 30 µs in a
 * manager's server): replies came later or no sooner (the spinning
 * process takes the core the peer needs to answer). The poller's bounded
 * part sleeps in `ppoll` instead. A poller Worker waking the main thread
 * through `Atomics.waitAsync` was measured at ≈ 25 µs a wait: still a
 * hop, and a bounded sleep on the thread needs none.
 *
 * A pending async poll cannot be cancelled; closing a socket that one is
 * waiting on calls `shutdown(2)` (which wakes `poll` on connected and on
 * listening sockets) and closes the descriptor once the poll has returned,
 * so the number is never reused under a waiting thread.
 *
 * @module
 */

import { errno, libc } from "../ffi/libc.ts";
import { errno as E, OSError } from "../errors.ts";
import { now } from "../sync/timeout.ts";
import { pollerResumed, pollerWait } from "./poller.ts";

export const POLLIN = 0x1;
export const POLLOUT = 0x4;
export const POLLERR = 0x8;
export const POLLHUP = 0x10;
export const POLLNVAL = 0x20;

/** What an async poll holds while it waits: close must not free the fd. */
export interface Holder {
  /** Counts a waiter in. */
  hold(): void;
  /** Counts a waiter out (the deferred close runs at zero). */
  unhold(): void;
}

/** One wait: `poll(2)` over `pollfds` (8 bytes per descriptor). */
export interface PollWait {
  pollfds: Uint8Array<ArrayBuffer>;
  count: number;
  /** Milliseconds; Infinity waits forever. */
  timeoutMs: number;
  holders: readonly Holder[];
}

/** An I/O algorithm; each wait resumes with poll's result (-1: retry). */
export type IO<T> = Generator<PollWait, T, number>;

const MAX_POLL_MS = 2 ** 31 - 1;

function pollMs(ms: number): number {
  if (ms === Infinity) return -1;
  if (ms <= 0) return 0;
  return Math.min(Math.ceil(ms), MAX_POLL_MS);
}

/** Runs an I/O algorithm on the calling thread (blocking in `poll`). */
export function ioSync<T>(g: IO<T>): T {
  let r = g.next();
  while (!r.done) {
    const w = r.value;
    const n = libc().poll(w.pollfds, BigInt(w.count), pollMs(w.timeoutMs));
    if (n < 0) {
      const code = errno();
      if (code !== E.EINTR) {
        r = g.throw(new OSError(code));
        continue;
      }
    }
    r = g.next(n < 0 ? -1 : n);
  }
  return r.value;
}

/**
 * How long (µs) an async wait may sleep on the calling thread before it
 * goes to the blocking-task thread, unless its caller says otherwise (see
 * `poller.ts`): a reply from a peer that is serving us usually comes
 * within this.
 */
export const ASYNC_BUDGET_US = 50;

/**
 * Runs an I/O algorithm without blocking the event loop (for more than
 * `budgetUs` per wait; see `poller.ts`). `started`: the result of the
 * generator's first step, when the caller already took it (to finish
 * without a promise when no wait was needed).
 */
export async function ioAsync<T>(
  g: IO<T>,
  budgetUs: number = ASYNC_BUDGET_US,
  started?: IteratorResult<PollWait, T>,
): Promise<T> {
  let r = started ?? g.next();
  while (!r.done) {
    const n = await pollerWait(r.value, budgetUs);
    pollerResumed();
    r = g.next(n);
  }
  return r.value;
}

/** A one-descriptor wait. */
export function pollOne(
  fd: number,
  events: number,
  timeoutMs: number,
  holder: Holder,
): PollWait {
  const pollfds = new Uint8Array(8);
  const v = new DataView(pollfds.buffer);
  v.setInt32(0, fd, true);
  v.setInt16(4, events, true);
  return { pollfds, count: 1, timeoutMs, holders: [holder] };
}

/** The `revents` of entry `i` of a wait. */
export function reventsOf(w: PollWait, i = 0): number {
  return new DataView(w.pollfds.buffer).getInt16(i * 8 + 6, true);
}

/** A deadline (monotonic ms) for a timeout in ms. */
export function deadline(ms: number): number {
  return ms === Infinity ? Infinity : now() + ms;
}

/** Milliseconds left until `d`. */
export function left(d: number): number {
  return d === Infinity ? Infinity : Math.max(0, d - now());
}
