/**
 * The mutex every lock of the package is built on: Drepper's three-state
 * futex mutex ("Futexes Are Tricky", mutex 2) over one wait word, with a
 * bounded spin before sleeping.
 *
 * Word states: 0 unlocked, 1 locked, 2 locked and maybe waited on. Only an
 * unlock that sees 2 pays for a notify.
 *
 * @module
 */

import { type Blocking, runAsync, runSync, type WaitWords } from "./words.ts";
import { deadlineOf, remaining } from "./timeout.ts";

const UNLOCKED = 0;
const LOCKED = 1;
const CONTENDED = 2;

/** Words a {@linkcode LockCore} uses. */
export const LOCK_WORDS = 1;

/** A non-recursive mutex in one word of a {@linkcode WaitWords} window. */
export class LockCore {
  readonly #w: WaitWords;
  readonly #i: number;

  /**
   * @param words The window holding the lock word.
   * @param index The lock word's index in the window.
   */
  constructor(words: WaitWords, index: number) {
    this.#w = words;
    this.#i = index;
  }

  /** Takes the lock if it is free; never blocks. */
  tryAcquire(): boolean {
    return this.#w.compareExchange(this.#i, UNLOCKED, LOCKED) === UNLOCKED;
  }

  /**
   * Takes the lock, blocking the calling thread up to `timeoutMs`.
   * @param timeoutMs Milliseconds; 0 tries once, `Infinity` waits forever.
   * @returns true if the lock was taken.
   */
  acquireSync(timeoutMs: number): boolean {
    return this.tryAcquire() ||
      (timeoutMs > 0 && runSync(this.acquiring(timeoutMs)));
  }

  /** Like {@linkcode acquireSync}, without blocking the event loop. */
  acquire(timeoutMs: number): Promise<boolean> {
    if (this.tryAcquire()) return Promise.resolve(true);
    if (timeoutMs <= 0) return Promise.resolve(false);
    return runAsync(this.acquiring(timeoutMs));
  }

  /** The blocking part of acquire, for composition in other algorithms. */
  *acquiring(timeoutMs: number): Blocking<boolean> {
    const w = this.#w, i = this.#i;
    const deadline = deadlineOf(timeoutMs); // the spin counts against it
    // Spin first without marking the lock contended, so that a short hold
    // costs its owner no notify.
    if (
      w.spinUntil(() =>
        w.load(i) === UNLOCKED &&
        w.compareExchange(i, UNLOCKED, LOCKED) === UNLOCKED
      )
    ) {
      return true;
    }
    while (w.exchange(i, CONTENDED) !== UNLOCKED) {
      const left = remaining(deadline);
      if (left <= 0) return false;
      yield { words: w, index: i, expected: CONTENDED, timeoutMs: left };
    }
    return true;
  }

  /**
   * Takes the lock for a brief internal critical section, blocking as long
   * as needed (the cheap path is one compare-and-swap).
   */
  enter(): void {
    if (!this.tryAcquire()) runSync(this.acquiring(Infinity));
  }

  /**
   * Releases the lock.
   * @returns false if it was not locked (nothing changed).
   */
  release(): boolean {
    const old = this.#w.exchange(this.#i, UNLOCKED);
    if (old === CONTENDED) this.#w.notify(this.#i, 1);
    return old !== UNLOCKED;
  }

  /** Whether the lock is held (informational only: it can change at once). */
  locked(): boolean {
    return this.#w.load(this.#i) !== UNLOCKED;
  }
}
