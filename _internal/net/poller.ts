/**
 * The async waits of this thread's sockets, served by one poller: a short
 * bounded `poll` on the calling thread first, one `poll` on Deno's
 * blocking-task threads (a `nonblocking` FFI call) over every pending wait
 * only when that short wait finds nothing.
 *
 * Why (measured on the 2-core box, Deno 2.9): a `poll` run as a
 * nonblocking FFI call costs ≈ 37 µs from call to resolved promise, more
 * than a whole request/reply between two processes that block in the
 * kernel (≈ 15–20 µs). A request's reply, or a server's next request while
 * a client is busy, usually comes within tens of µs. So a new wait first
 * polls every pending descriptor of the thread without waiting, then
 * sleeps in `ppoll` for at most a caller-given budget (tens of µs for a
 * client, more for a manager's server; see the callers); only if nothing
 * came does it go to the blocking-task thread. This is the adaptive
 * spin-then-block of futex mutexes, except that the bounded part sleeps in
 * the kernel instead of spinning, so on a 2-core box it does not take the
 * core the peer needs to answer (a spin with poll(0) was measured and made
 * replies later; sleeping in ppoll made them sooner). Bounds, so the event
 * loop is never held for long:
 * - a bounded wait is skipped while a wait this poller resolved has not
 *   yet resumed its caller (its microtask would wait behind the sleep);
 * - a bounded wait that found nothing makes the next ones skip the sleep
 *   (1, 2, 4 … 64 of them: a peer that is slow to answer costs the event
 *   loop at most one budget per 64 waits);
 * - after 5 ms of waits answered on the thread without the event loop
 *   turning (no blocking-task poll completed, and the poller not idle for
 *   1 ms in between), a wait goes to the blocking-task thread even when
 *   data is there, so timers and other I/O of the thread get their turn
 *   (a chain of waits answered on the thread is one long macrotask).
 *
 * The blocking-task poll watches every pending wait plus an eventfd: a new
 * wait that it does not cover, or the last wait going away, writes the
 * eventfd so the poll returns and starts again over the current set (no
 * poll is left running once nothing waits; the eventfd is closed then).
 *
 * Close while waiting: a pending wait holds its descriptors ({@linkcode
 * Holder}) until it is answered and the running poll holds them until it
 * returns, so a socket closed meanwhile is shut down (waking the poll) and
 * its number is never reused under a poll.
 *
 * @module
 */

import { libc } from "../ffi/libc.ts";
import { drainWakeFd, openWakeFd, signalWakeFd } from "../ffi/eventfd.ts";
import type { PollWait } from "./io.ts";

const POLLIN = 0x1;
/** Longest run of bounded waits without an event-loop turn. */
const MAX_SYNC_RUN_MS = 5;
/** The most waits that skip the bounded sleep after it found nothing. */
const MAX_SKIP = 64;
const MAX_POLL_MS = 2 ** 31 - 1;
/** Idle this long between waits: a new run starts (see `wait`). */
const IDLE_MS = 1;

interface Pending {
  readonly w: PollWait;
  /** performance.now() ms, Infinity for none. */
  readonly deadline: number;
  readonly resolve: (n: number) => void;
  done: boolean;
}

class Poller {
  #pending: Pending[] = [];
  /** The combined `struct pollfd[]` of the bounded waits (reused). */
  #buf = new Uint8Array(8 * 16);
  #view = new DataView(this.#buf.buffer);
  readonly #ts = new BigInt64Array(2);
  readonly #tsBytes = new Uint8Array(this.#ts.buffer);
  /** The waits the running blocking-task poll covers (null: none runs). */
  #covered: Set<Pending> | null = null;
  #wakeFd = -1;
  /** Waits answered whose callers have not resumed yet. */
  #unresumed = 0;
  #failStreak = 0;
  #skip = 0;
  #lastTurn = performance.now();
  #lastActivity = 0;

  wait(w: PollWait, budgetUs: number): Promise<number> {
    for (const h of w.holders) h.hold();
    let resolve!: (n: number) => void;
    const p = new Promise<number>((r) => resolve = r);
    const deadline = w.timeoutMs === Infinity
      ? Infinity
      : performance.now() + Math.max(0, w.timeoutMs);
    const t = performance.now();
    // Idle for a while: the thread did other work since the last answer,
    // so this is a new run of waits, not the same chain going on.
    if (
      this.#pending.length === 0 && this.#covered === null &&
      t - this.#lastActivity > IDLE_MS
    ) this.#lastTurn = t;
    this.#pending.push({ w, deadline, resolve, done: false });
    this.#pump(budgetUs, t);
    this.#lastActivity = performance.now();
    return p;
  }

  /** A caller whose wait was answered has resumed. */
  resumed(): void {
    if (this.#unresumed > 0) this.#unresumed--;
  }

  #finish(e: Pending, n: number): void {
    e.done = true;
    for (const h of e.w.holders) h.unhold();
    this.#unresumed++;
    e.resolve(n);
  }

  /** Copies the combined `revents` back to each wait; answers the ready ones. */
  #scatter(view: DataView, at: number, entries: readonly Pending[]): void {
    for (const e of entries) {
      const own = new DataView(e.w.pollfds.buffer, e.w.pollfds.byteOffset);
      let ready = 0;
      for (let i = 0; i < e.w.count; i++, at += 8) {
        const r = view.getInt16(at + 6, true);
        if (!e.done) own.setInt16(i * 8 + 6, r, true);
        if (r !== 0) ready++;
      }
      if (ready > 0 && !e.done) this.#finish(e, ready);
    }
  }

  /** Answers the waits whose time is up (0: timed out). */
  #expire(): void {
    let t = -1;
    for (const e of this.#pending) {
      if (e.done || e.deadline === Infinity) continue;
      if (t < 0) t = performance.now();
      if (e.deadline <= t) {
        const own = new DataView(e.w.pollfds.buffer, e.w.pollfds.byteOffset);
        for (let i = 0; i < e.w.count; i++) own.setInt16(i * 8 + 6, 0, true);
        this.#finish(e, 0);
      }
    }
  }

  #compact(): void {
    this.#pending = this.#pending.filter((e) => !e.done);
  }

  /** Fills the combined buffer; returns the descriptor count. */
  #gather(): number {
    let total = 0;
    for (const e of this.#pending) total += e.w.count;
    if (total * 8 > this.#buf.length) {
      this.#buf = new Uint8Array(total * 16);
      this.#view = new DataView(this.#buf.buffer);
    }
    let off = 0;
    for (const e of this.#pending) {
      const n = e.w.count * 8;
      this.#buf.set(
        n === e.w.pollfds.length ? e.w.pollfds : e.w.pollfds.subarray(0, n),
        off,
      );
      off += n;
    }
    return total;
  }

  #nearestMs(): number {
    let d = Infinity;
    for (const e of this.#pending) if (e.deadline < d) d = e.deadline;
    return d === Infinity ? Infinity : d - performance.now();
  }

  #pump(budgetUs: number, t: number): void {
    const lib = libc();
    if (t - this.#lastTurn >= MAX_SYNC_RUN_MS) return this.#goAsync();
    const total = this.#gather();
    const entries = this.#pending.slice();
    if (lib.poll(this.#buf, BigInt(total), 0) > 0) {
      this.#scatter(this.#view, 0, entries);
      return this.#settled();
    }
    this.#expire();
    if (this.#pending.some((e) => e.done)) return this.#settled();
    if (budgetUs > 0 && this.#unresumed === 0) {
      if (this.#skip > 0) {
        this.#skip--;
      } else {
        const us = Math.max(
          0,
          Math.min(budgetUs, Math.floor(this.#nearestMs() * 1000)),
        );
        this.#ts[0] = BigInt(Math.floor(us / 1e6));
        this.#ts[1] = BigInt((us % 1e6) * 1000);
        if (lib.ppoll(this.#buf, BigInt(total), this.#tsBytes, null) > 0) {
          this.#failStreak = 0;
          this.#scatter(this.#view, 0, entries);
          return this.#settled();
        }
        this.#failStreak = Math.min(this.#failStreak + 1, 6);
        this.#skip = Math.min(2 ** this.#failStreak, MAX_SKIP) - 1;
        this.#expire();
        if (this.#pending.some((e) => e.done)) return this.#settled();
      }
    }
    this.#goAsync();
  }

  /** Makes the blocking-task poll cover every pending wait. */
  #goAsync(): void {
    if (this.#covered === null) {
      void this.#loop();
    } else if (this.#pending.some((e) => !this.#covered!.has(e))) {
      this.#wake();
    }
  }

  /** After waits were answered synchronously. */
  #settled(): void {
    this.#compact();
    if (this.#pending.length === 0) {
      // A running poll that covers nothing left would keep the event loop
      // (and the process) alive: make it return.
      if (this.#covered !== null) this.#wake();
      return;
    }
    // The waits still pending must be watched even if no new wait comes
    // (answering one wait does not mean its caller waits again).
    this.#goAsync();
  }

  #wake(): void {
    signalWakeFd(this.#wakeFd);
  }

  async #loop(): Promise<void> {
    const lib = libc();
    this.#covered = new Set();
    this.#wakeFd = openWakeFd();
    const wakeFd = this.#wakeFd;
    try {
      while (this.#pending.length > 0) {
        const entries = this.#pending.slice();
        this.#covered = new Set(entries);
        let total = 1;
        for (const e of entries) total += e.w.count;
        const buf = new Uint8Array(total * 8);
        const view = new DataView(buf.buffer);
        view.setInt32(0, wakeFd, true);
        view.setInt16(4, POLLIN, true);
        let off = 8;
        for (const e of entries) {
          buf.set(e.w.pollfds.subarray(0, e.w.count * 8), off);
          off += e.w.count * 8;
          for (const h of e.w.holders) h.hold();
        }
        const ms = this.#nearestMs();
        let n: number;
        try {
          n = await lib.poll_async(
            buf,
            BigInt(total),
            // A deadline just passed gives Math.ceil(-0.3) = -0, which
            // Deno's FFI refuses as an i32: clamp to +0.
            ms === Infinity
              ? -1
              : Math.max(0, Math.min(MAX_POLL_MS, Math.ceil(ms))),
          );
        } finally {
          for (const e of entries) for (const h of e.w.holders) h.unhold();
        }
        this.#lastTurn = performance.now();
        if (view.getInt16(6, true) !== 0) drainWakeFd(wakeFd);
        if (n > 0) this.#scatter(view, 8, entries);
        this.#expire();
        this.#compact();
      }
    } finally {
      this.#covered = null;
      this.#wakeFd = -1;
      lib.close(wakeFd);
    }
  }
}

let poller: Poller | undefined;

/**
 * Waits (without blocking the event loop for more than `budgetUs`) for the
 * descriptors of `w`; fills their `revents`.
 * @returns how many are ready (0: timed out).
 */
export function pollerWait(w: PollWait, budgetUs: number): Promise<number> {
  poller ??= new Poller();
  return poller.wait(w, budgetUs);
}

/** Tells the poller that the caller of an answered wait has resumed. */
export function pollerResumed(): void {
  poller?.resumed();
}
