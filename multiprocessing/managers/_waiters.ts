/**
 * A FIFO of waiters inside the server's event loop: the one blocking
 * building block of the server's locks, conditions, events and queues.
 *
 * The server is single-threaded JS, so the shared-memory sync core is not
 * needed here; a waiter is a Promise, woken in arrival order. A timed wait
 * owns one timer, cleared when it is woken.
 *
 * @module
 */

import { EOFError, ValueError } from "../../_internal/errors.ts";

interface Waiter {
  wake(ok: boolean): void;
  fail(e: Error): void;
}

/** Checks a Python timeout (seconds, null for none). */
export function checkTimeout(
  timeout: unknown,
  what = "timeout",
): number | null {
  if (timeout === null || timeout === undefined) return null;
  if (typeof timeout === "bigint") timeout = Number(timeout);
  if (typeof timeout !== "number" || Number.isNaN(timeout)) {
    throw new TypeError(`'${what}' must be a number or None`);
  }
  return timeout;
}

/** Seconds left until `deadline` (ms, from performance.now()), or null. */
export function remaining(deadline: number | null): number | null {
  return deadline === null
    ? null
    : Math.max(0, (deadline - performance.now()) / 1000);
}

/** A deadline (ms) for a timeout in seconds, or null for none. */
export function deadlineOf(timeout: number | null): number | null {
  return timeout === null ? null : performance.now() + timeout * 1000;
}

/** A FIFO of parked waiters. */
export class Waiters {
  #queue: Waiter[] = [];
  #closed = false;

  /** How many are parked. */
  get size(): number {
    return this.#queue.length;
  }

  /**
   * Parks until woken (→ true) or until `timeout` seconds pass (→ false).
   * A timeout ≤ 0 returns false at once.
   */
  wait(timeout: number | null): Promise<boolean> {
    if (this.#closed) return Promise.reject(closedError());
    if (timeout !== null && timeout <= 0) return Promise.resolve(false);
    return new Promise((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const w: Waiter = {
        wake: (ok) => {
          if (timer !== undefined) clearTimeout(timer);
          resolve(ok);
        },
        fail: (e) => {
          if (timer !== undefined) clearTimeout(timer);
          reject(e);
        },
      };
      this.#queue.push(w);
      if (timeout !== null) {
        timer = setTimeout(() => {
          const i = this.#queue.indexOf(w);
          if (i >= 0) this.#queue.splice(i, 1);
          resolve(false);
        }, Math.min(timeout * 1000, 2 ** 31 - 1));
      }
    });
  }

  /** Wakes up to `n` waiters, oldest first; returns how many. */
  notify(n = 1): number {
    let woken = 0;
    while (woken < n && this.#queue.length > 0) {
      this.#queue.shift()!.wake(true);
      woken++;
    }
    return woken;
  }

  /**
   * Fails every waiter and every later wait: the server is shutting down
   * (their timers go, so nothing outlives the server).
   */
  close(): void {
    this.#closed = true;
    for (const w of this.#queue.splice(0)) w.fail(closedError());
  }

  /** Wakes every waiter. */
  notifyAll(): number {
    return this.notify(this.#queue.length);
  }
}

function closedError(): Error {
  return new EOFError("The manager's server is shutting down");
}

/** Python's check on `Queue.put`/`get` timeouts. */
export function checkNonNegative(timeout: number | null): void {
  if (timeout !== null && timeout < 0) {
    throw new ValueError("'timeout' must be a non-negative number");
  }
}
