/**
 * The mutex of the library's own cross-process structures (a queue's
 * lock, a pipe's read and write locks, the heap's allocator lock): the
 * futex mutex of lock_core.ts, with the owner's pid in the lock word, so
 * that a process killed while holding it does not wedge the structure.
 *
 * Word states: 0 unlocked; `pid` locked by process `pid`; `pid | WAITERS`
 * locked, and maybe waited on (only then does an unlock pay for a
 * notify). Taking the lock and recording the owner are one
 * compare-and-swap; a second word holds the owner's start stamp (see
 * owner.ts), written just after and cleared just before the unlock, to
 * tell a dead owner from a new process that got its pid.
 *
 * A waiter whose lock stays with the same owner for a while (10 ms, then
 * doubling up to 200 ms between checks) asks whether the owner is gone;
 * if so it takes the lock over with a compare-and-swap on the very value
 * it saw, and runs the structure's repair (rolling back the update the
 * owner left unfinished, see journal.ts) before using it. Internal locks
 * are held for microseconds, or while their owner waits for the other
 * side of a pipe: a living owner is never taken over.
 *
 * User-visible locks (`multiprocessing.Lock`, …) do not use this: a lock
 * held by a dead process stays held, as in Python.
 *
 * @module
 */

import { type Blocking, runAsync, runSync, SabWords } from "./words.ts";
import type { WaitWords } from "./words.ts";
import { deadlineOf, now, remaining } from "./timeout.ts";
import { ownerGone, ownPid, ownStart, PID_MASK } from "./owner.ts";

const UNLOCKED = 0;
const WAITERS = 0x40000000;
/** The first owner check after this long with the same owner (ms). */
const FIRST_CHECK_MS = 10;
/** Checks back off to this interval (ms). */
const MAX_CHECK_MS = 200;

/** Words a {@linkcode RobustLock} uses (the lock word and the owner's stamp). */
export const ROBUST_LOCK_WORDS = 2;

/** A mutex whose holder, if it dies, is taken over by a waiter. */
export class RobustLock {
  readonly #w: WaitWords;
  readonly #i: number;
  readonly #s: number;
  /** Whether other processes share the lock (else no owner can die). */
  readonly #shared: boolean;
  readonly #stamp: number;
  readonly #repair: (() => void) | undefined;

  /**
   * @param words The window holding the lock.
   * @param index The lock word's index.
   * @param stampIndex The owner's start stamp's index.
   * @param repair Run, with the lock held, after a takeover from a dead owner.
   */
  constructor(
    words: WaitWords,
    index: number,
    stampIndex: number,
    repair?: () => void,
  ) {
    this.#w = words;
    this.#i = index;
    this.#s = stampIndex;
    this.#shared = !(words instanceof SabWords);
    this.#stamp = this.#shared ? ownStart() : 0;
    this.#repair = repair;
  }

  /** Takes the lock if it is free; never blocks. */
  tryAcquire(): boolean {
    if (this.#w.compareExchange(this.#i, UNLOCKED, ownPid) !== UNLOCKED) {
      return false;
    }
    if (this.#shared) this.#w.i32[this.#s] = this.#stamp;
    return true;
  }

  /**
   * Takes the lock, blocking the calling thread up to `timeoutMs`.
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

  /** Takes the lock for a brief internal section, blocking as long as needed. */
  enter(): void {
    if (!this.tryAcquire()) runSync(this.acquiring(Infinity));
  }

  /** The blocking part of acquire, for composition in other algorithms. */
  *acquiring(timeoutMs: number): Blocking<boolean> {
    const w = this.#w, i = this.#i;
    const deadline = deadlineOf(timeoutMs); // the spin counts against it
    if (w.spinUntil(() => w.load(i) === UNLOCKED && this.tryAcquire())) {
      return true;
    }
    let seen = UNLOCKED, since = 0, check = FIRST_CHECK_MS;
    for (;;) {
      let v = w.load(i);
      if (v === UNLOCKED) {
        // Keep the waiters mark: others may still sleep on the word.
        if (w.compareExchange(i, UNLOCKED, ownPid | WAITERS) === UNLOCKED) {
          if (this.#shared) w.i32[this.#s] = this.#stamp;
          return true;
        }
        continue;
      }
      if (!(v & WAITERS)) {
        if (w.compareExchange(i, v, v | WAITERS) !== v) continue;
        v |= WAITERS;
      }
      let sleepMs = Infinity;
      if (this.#shared && (v & PID_MASK) !== ownPid) {
        const t = now();
        if (v !== seen) {
          seen = v;
          since = t;
          check = FIRST_CHECK_MS;
        } else if (t - since >= check) {
          if (this.#takeOver(v)) return true;
          since = t;
          check = Math.min(check * 2, MAX_CHECK_MS);
        }
        sleepMs = since + check - t;
      }
      const left = remaining(deadline);
      if (left <= 0) return false;
      yield {
        words: w,
        index: i,
        expected: v,
        timeoutMs: Math.max(Math.min(left, sleepMs), 1),
      };
    }
  }

  /** Takes the lock from its owner if that owner is gone. */
  #takeOver(v: number): boolean {
    const w = this.#w, i = this.#i;
    if (!ownerGone(v & PID_MASK, w.load(this.#s))) return false;
    if (w.compareExchange(i, v, ownPid | WAITERS) !== v) return false;
    w.store(this.#s, this.#stamp);
    this.#repair?.();
    return true;
  }

  /**
   * Releases the lock.
   * @returns false if it was not locked (nothing changed).
   */
  release(): boolean {
    // A plain store: the exchange after it orders it.
    if (this.#shared) this.#w.i32[this.#s] = 0;
    const old = this.#w.exchange(this.#i, UNLOCKED);
    if (old & WAITERS) this.#w.notify(this.#i, 1);
    return old !== UNLOCKED;
  }

  /** Whether the lock is held (informational only). */
  locked(): boolean {
    return this.#w.load(this.#i) !== UNLOCKED;
  }

  /** The owner's pid, or 0 (informational only). */
  owner(): number {
    return this.#w.load(this.#i) & PID_MASK;
  }
}
