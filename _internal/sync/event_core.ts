/**
 * Python's `Event`: a flag guarded by a `Condition(Lock())`, as CPython.
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

const LOCK = 0;
const COND = LOCK + LOCK_WORDS;
const FLAG = COND + CONDITION_WORDS;

/** Words an {@linkcode EventCore} uses. */
export const EVENT_WORDS = FLAG + 1;

/** An event flag over six words of a window. */
export class EventCore {
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

  /** Whether the flag is set. */
  isSet(): boolean {
    return this.#w.load(this.#b + FLAG) !== 0;
  }

  /** Sets the flag and wakes every waiter. */
  set(): void {
    this.#lock.enter();
    try {
      this.#w.store(this.#b + FLAG, 1);
      this.#cond.notifyAll();
    } finally {
      this.#lock.release();
    }
  }

  /** Clears the flag. */
  clear(): void {
    this.#lock.enter();
    this.#w.store(this.#b + FLAG, 0);
    this.#lock.release();
  }

  /**
   * Waits until the flag is set or the timeout passes.
   * @returns the flag as the wait ended (true unless timed out).
   */
  *waiting(timeoutMs: number): Blocking<boolean> {
    if (!this.#lock.tryAcquire()) yield* this.#lock.acquiring(Infinity);
    try {
      if (this.#w.load(this.#b + FLAG) !== 0) return true;
      return yield* this.#cond.waiting(timeoutMs);
    } finally {
      this.#lock.release();
    }
  }
}
