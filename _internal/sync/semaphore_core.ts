/**
 * Python's `Semaphore` and `BoundedSemaphore`, layered as CPython layers
 * them: a counter guarded by a `Condition(Lock())`.
 *
 * @module
 */

import { LOCK_WORDS, LockCore } from "./lock_core.ts";
import {
  CONDITION_WORDS,
  ConditionCore,
  plainLockProtocol,
} from "./condition_core.ts";
import type { Blocking, WaitWords } from "./words.ts";
import { deadlineOf, remaining } from "./timeout.ts";

const LOCK = 0;
const COND = LOCK + LOCK_WORDS;
const VALUE = COND + CONDITION_WORDS;
const INITIAL = VALUE + 1;

/** Words a {@linkcode SemaphoreCore} uses. */
export const SEMAPHORE_WORDS = INITIAL + 1;

/**
 * The largest counter a semaphore (and a barrier's party count) holds: its
 * words are 32-bit, as a C `int` (SEM_VALUE_MAX on Linux). Larger counts
 * are refused, never wrapped.
 */
export const COUNT_MAX = 0x7fffffff;

/** What {@linkcode SemaphoreCore.release} did. */
export type ReleaseResult =
  /** Added. */
  | "ok"
  /** Refused: a bounded semaphore would pass its initial value. */
  | "bounded"
  /** Refused: the counter would pass {@linkcode COUNT_MAX}. */
  | "overflow";

/** A counting semaphore over seven words of a window. */
export class SemaphoreCore {
  readonly #w: WaitWords;
  readonly #b: number;
  readonly #lock: LockCore;
  readonly #cond: ConditionCore;

  /**
   * @param words The window.
   * @param base Index of the first word.
   */
  constructor(words: WaitWords, base: number) {
    this.#w = words;
    this.#b = base;
    this.#lock = new LockCore(words, base + LOCK);
    this.#cond = new ConditionCore(
      words,
      base + COND,
      plainLockProtocol(this.#lock),
    );
  }

  /** Sets the initial value of a new semaphore. */
  init(value: number): void {
    this.#w.store(this.#b + VALUE, value);
    this.#w.store(this.#b + INITIAL, value);
  }

  /** The counter (informational). */
  value(): number {
    return this.#w.load(this.#b + VALUE);
  }

  /** Takes one unit if one is free right now; never blocks. */
  tryAcquire(): boolean {
    if (!this.#lock.tryAcquire()) return false;
    const w = this.#w, i = this.#b + VALUE;
    const ok = w.load(i) > 0;
    if (ok) w.add(i, -1);
    this.#lock.release();
    return ok;
  }

  /**
   * Python's `acquire(blocking=True, timeout)`: waits while the counter is 0.
   * @param timeoutMs Milliseconds (`Infinity` for no limit, 0 to try once).
   */
  *acquiring(timeoutMs: number): Blocking<boolean> {
    if (!this.#lock.tryAcquire()) yield* this.#lock.acquiring(Infinity);
    const w = this.#w, i = this.#b + VALUE;
    try {
      const deadline = deadlineOf(timeoutMs);
      while (w.load(i) === 0) {
        const left = remaining(deadline);
        if (left <= 0) return false;
        yield* this.#cond.waiting(left);
      }
      w.add(i, -1);
      return true;
    } finally {
      this.#lock.release();
    }
  }

  /**
   * Adds `n` to the counter and wakes up to `n` waiters, unless the counter
   * would pass its initial value (with `bounded`) or {@linkcode COUNT_MAX}:
   * then nothing changes, and the caller raises its module's error.
   * @param bounded Refuse to go above the initial value (BoundedSemaphore).
   */
  release(n: number, bounded: boolean): ReleaseResult {
    this.#lock.enter();
    try {
      const w = this.#w, b = this.#b;
      const value = w.load(b + VALUE);
      if (bounded && value + n > w.load(b + INITIAL)) return "bounded";
      if (value + n > COUNT_MAX) return "overflow";
      w.add(b + VALUE, n);
      this.#cond.notify(n);
      return "ok";
    } finally {
      this.#lock.release();
    }
  }
}
