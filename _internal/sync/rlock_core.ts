/**
 * The recursive lock: a {@linkcode LockCore} plus an owner (process id and
 * thread ident) and a recursion count, as CPython's `_thread.RLock`.
 *
 * Only the owner writes the owner words, and it clears them before the
 * final release, so a thread reading them can see its own identity only if
 * it is the owner: the check needs no extra synchronisation.
 *
 * @module
 */

import { RuntimeError } from "../errors.ts";
import { LockCore } from "./lock_core.ts";
import { currentIdent, pid } from "./identity.ts";
import type { Blocking, WaitWords } from "./words.ts";
import type { ConditionLock } from "./condition_core.ts";

const LOCK = 0;
const OWNER_PID = 1;
const OWNER_TID = 2;
const COUNT = 3;

/** Words an {@linkcode RLockCore} uses. */
export const RLOCK_WORDS = 4;

/** What `_release_save` hands back to `_acquire_restore`. */
type Saved = { count: number; pid: number; tid: number };

/** A recursive lock over four words of a window. */
export class RLockCore implements ConditionLock {
  readonly #w: WaitWords;
  /** The words themselves, for the owner-only fast paths. */
  readonly #a: Int32Array;
  readonly #b: number;
  readonly #lock: LockCore;

  /**
   * @param words The window.
   * @param base Index of the first of the four words.
   */
  constructor(words: WaitWords, base: number) {
    this.#w = words;
    this.#a = words.i32;
    this.#b = base;
    this.#lock = new LockCore(words, base + LOCK);
  }

  /**
   * True if the calling thread owns the lock. Plain reads suffice: a thread
   * can only ever read its own identity here if it wrote it.
   */
  isOwned(): boolean {
    const a = this.#a, b = this.#b;
    return a[b + OWNER_TID] === currentIdent() && a[b + OWNER_PID] === pid;
  }

  /** Re-entry by the owner, or an uncontended take; never blocks. */
  tryAcquire(): boolean {
    if (this.isOwned()) {
      this.#a[this.#b + COUNT]! += 1; // only the owner writes the count
      return true;
    }
    if (!this.#lock.tryAcquire()) return false;
    this.#own(1);
    return true;
  }

  /** The blocking part of acquire (after {@linkcode tryAcquire} failed). */
  *acquiring(timeoutMs: number): Blocking<boolean> {
    if (!(yield* this.#lock.acquiring(timeoutMs))) return false;
    this.#own(1);
    return true;
  }

  // Plain writes: only the owner writes and reads these words as its own
  // (see isOwned), and the mutex's acquire and release order them for
  // everyone else. Atomic stores would put six full fences on every
  // acquire/release pair, on the cache line other threads spin on.
  #own(count: number): void {
    const a = this.#a, b = this.#b;
    a[b + OWNER_PID] = pid;
    a[b + OWNER_TID] = currentIdent();
    a[b + COUNT] = count;
  }

  #disown(): void {
    const a = this.#a, b = this.#b;
    a[b + COUNT] = 0;
    a[b + OWNER_TID] = 0;
    a[b + OWNER_PID] = 0;
  }

  /**
   * Releases one level of ownership.
   * @throws {RuntimeError} If the calling thread does not own the lock.
   */
  release(): void {
    if (!this.isOwned()) {
      throw new RuntimeError("cannot release un-acquired lock");
    }
    const a = this.#a, b = this.#b;
    if (--a[b + COUNT]! === 0) {
      this.#disown();
      this.#lock.release();
    }
  }

  /** Releases every level (Condition.wait); returns what restores them. */
  releaseSave(): Saved {
    const w = this.#w, b = this.#b;
    const count = w.load(b + COUNT);
    if (count === 0 || !this.isOwned()) {
      throw new RuntimeError("cannot release un-acquired lock");
    }
    const saved = {
      count,
      pid: w.load(b + OWNER_PID),
      tid: w.load(b + OWNER_TID),
    };
    this.#disown();
    this.#lock.release();
    return saved;
  }

  /** Takes the lock again with the saved recursion depth. */
  *acquireRestoring(saved: unknown): Blocking<void> {
    if (!this.#lock.tryAcquire()) yield* this.#lock.acquiring(Infinity);
    const s = saved as Saved;
    const w = this.#w, b = this.#b;
    w.store(b + OWNER_PID, s.pid);
    w.store(b + OWNER_TID, s.tid);
    w.store(b + COUNT, s.count);
  }

  /** Owner ident and recursion count (informational, for repr). */
  state(): { locked: boolean; owner: number; count: number } {
    const w = this.#w, b = this.#b;
    return {
      locked: this.#lock.locked(),
      owner: w.load(b + OWNER_TID),
      count: w.load(b + COUNT),
    };
  }
}
