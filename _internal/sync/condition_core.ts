/**
 * The condition variable every waiting primitive is layered on, over four
 * words and any lock that follows {@linkcode ConditionLock}.
 *
 * No lost wake-ups, no stolen ones, no spurious ones: wait and notify both
 * run with the lock held, so they can keep exact books.
 *
 * - `WAITERS` counts waiters that have not been granted a wake-up;
 * - `TOKENS` counts granted wake-ups not yet taken;
 * - `EPOCH` is bumped by every notify; a waiter may take a token only if the
 *   epoch moved since it started waiting, so a late-comer cannot steal a
 *   wake-up meant for the threads that were waiting when notify ran;
 * - `SEQ` is the futex word: also bumped by every notify. A waiter reads it
 *   before it looks for a token and sleeps only while it is unchanged, so a
 *   notify landing between the waiter's unlock and its sleep still wakes it.
 *
 * `notify(n)` grants `min(n, WAITERS)` tokens and wakes that many sleepers;
 * every waiter present at that moment is eligible. A waiter that times out
 * takes a token if one is there for it (Python's waiter was notified just
 * as it timed out), otherwise it leaves the count, so no token is stranded.
 *
 * @module
 */

import { RuntimeError, ValueError } from "../errors.ts";
import type { Blocking, WaitWords } from "./words.ts";
import { deadlineOf, remaining } from "./timeout.ts";
import type { LockCore } from "./lock_core.ts";

const SEQ = 0;
const WAITERS = 1;
const TOKENS = 2;
const EPOCH = 3;

/** Words a {@linkcode ConditionCore} uses. */
export const CONDITION_WORDS = 4;

/**
 * The lock protocol a condition needs: CPython's `_release_save`,
 * `_acquire_restore` and `_is_owned`.
 */
export interface ConditionLock {
  /** Releases the lock completely; returns what restores it. */
  releaseSave(): unknown;
  /** Takes the lock back (blocking as needed) in the saved state. */
  acquireRestoring(saved: unknown): Blocking<void>;
  /** Whether the calling thread holds the lock (as well as can be told). */
  isOwned(): boolean;
}

/**
 * The protocol for a plain (non-recursive) lock, as CPython's fallbacks:
 * ownership can only be guessed by trying the lock.
 */
export function plainLockProtocol(lock: LockCore): ConditionLock {
  return {
    releaseSave() {
      lock.release();
      return undefined;
    },
    *acquireRestoring() {
      if (!lock.tryAcquire()) yield* lock.acquiring(Infinity);
    },
    isOwned() {
      if (lock.tryAcquire()) {
        lock.release();
        return false;
      }
      return true;
    },
  };
}

/** A condition variable over four words of a window. */
export class ConditionCore {
  readonly #w: WaitWords;
  readonly #b: number;
  readonly #lock: ConditionLock;

  /**
   * @param words The window.
   * @param base Index of the first of the four words.
   * @param lock The lock the condition is bound to.
   */
  constructor(words: WaitWords, base: number, lock: ConditionLock) {
    this.#w = words;
    this.#b = base;
    this.#lock = lock;
  }

  /** The bound lock's protocol. */
  get lock(): ConditionLock {
    return this.#lock;
  }

  #takeToken(): boolean {
    const w = this.#w, i = this.#b + TOKENS;
    for (let t = w.load(i); t > 0; t = w.load(i)) {
      if (w.compareExchange(i, t, t - 1) === t) return true;
    }
    return false;
  }

  /**
   * Releases the lock, waits for a notify or the timeout, takes the lock
   * back. The caller must hold the lock.
   *
   * @param timeoutMs Milliseconds (`Infinity` for no limit).
   * @returns false if the wait timed out.
   * @throws {RuntimeError} If the lock is not held.
   */
  *waiting(timeoutMs: number): Blocking<boolean> {
    if (!this.#lock.isOwned()) {
      throw new RuntimeError("cannot wait on un-acquired lock");
    }
    const w = this.#w, b = this.#b;
    const epoch = w.load(b + EPOCH);
    w.add(b + WAITERS, 1);
    const saved = this.#lock.releaseSave();
    let woken = false;
    try {
      const deadline = deadlineOf(timeoutMs);
      for (;;) {
        const seq = w.load(b + SEQ);
        if (w.load(b + EPOCH) !== epoch && this.#takeToken()) {
          woken = true;
          break;
        }
        const left = remaining(deadline);
        if (left <= 0) break;
        yield { words: w, index: b + SEQ, expected: seq, timeoutMs: left };
      }
    } finally {
      yield* this.#lock.acquireRestoring(saved);
      if (!woken) {
        // With the lock held again: take a wake-up granted while we were
        // timing out, or stop counting as a waiter.
        if (w.load(b + EPOCH) !== epoch && this.#takeToken()) woken = true;
        else w.add(b + WAITERS, -1);
      }
    }
    return woken;
  }

  /**
   * Wakes up to `n` of the threads waiting now. The caller must hold the lock.
   * @throws {RuntimeError} If the lock is not held.
   * @throws {ValueError} If `n` is negative.
   */
  notify(n: number): void {
    if (!this.#lock.isOwned()) {
      throw new RuntimeError("cannot notify on un-acquired lock");
    }
    if (!(n >= 0)) {
      throw new ValueError(`n must be a non-negative integer, not ${n}`);
    }
    const w = this.#w, b = this.#b;
    const k = Math.min(n, w.load(b + WAITERS));
    if (k <= 0) return;
    // In this order, a process killed part way leaves at worst waiters
    // counted that are not there (a spurious wake-up later), never a
    // waiter left out of the count (a lost one); a sleeper the wake-up
    // missed sees `SEQ` moved at its next slice (shm.ts).
    w.add(b + EPOCH, 1);
    w.add(b + TOKENS, k);
    w.add(b + SEQ, 1);
    w.add(b + WAITERS, -k);
    w.notify(b + SEQ, k);
  }

  /** Wakes every thread waiting now. The caller must hold the lock. */
  notifyAll(): void {
    this.notify(Infinity);
  }

  /** How many threads wait and have not been notified (informational). */
  waiters(): number {
    return this.#w.load(this.#b + WAITERS);
  }
}

/**
 * Python's `Condition.wait_for`: waits until `predicate()` is truthy or the
 * timeout passes; returns the predicate's last value. The caller must hold
 * the lock. The predicate runs as a step, so the async form may await it.
 */
export function* waitingFor(
  cond: ConditionCore,
  predicate: () => unknown,
  timeoutMs: number,
): Blocking<unknown> {
  const deadline = deadlineOf(timeoutMs);
  let result = yield { call: predicate };
  while (!result) {
    const left = remaining(deadline);
    if (left <= 0) break;
    yield* cond.waiting(left);
    result = yield { call: predicate };
  }
  return result;
}
