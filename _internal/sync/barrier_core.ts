/**
 * Python's `Barrier`, as CPython writes it: a state machine (filling,
 * draining, resetting, broken) over a `Condition(Lock())`.
 *
 * @module
 */

import { named } from "../named.ts";
import { RuntimeError } from "../errors.ts";
import { LOCK_WORDS, LockCore } from "./lock_core.ts";
import {
  CONDITION_WORDS,
  ConditionCore,
  plainLockProtocol,
  waitingFor,
} from "./condition_core.ts";
import type { Blocking, WaitWords } from "./words.ts";

const LOCK = 0;
const COND = LOCK + LOCK_WORDS;
const STATE = COND + CONDITION_WORDS;
const COUNT = STATE + 1;
const PARTIES = COUNT + 1;

/** Words a {@linkcode BarrierCore} uses. */
export const BARRIER_WORDS = PARTIES + 1;

// The states of CPython's Barrier.
/** Threads are arriving; the barrier has not tripped. */
const FILLING = 0;
/** The barrier tripped; the released threads are leaving. */
const DRAINING = 1;
/** reset() ran while threads were waiting; they leave with an error. */
const RESETTING = -1;
/** abort(), a timeout or a failed action broke the barrier. */
const BROKEN = -2;

/**
 * Python's `threading.BrokenBarrierError`: raised when a barrier is broken
 * or reset while a thread waits on it.
 *
 * @example
 * ```ts
 * import { Barrier, BrokenBarrierError } from "@pyconc/std/threading";
 * import assert from "node:assert/strict";
 *
 * const b = new Barrier(2);
 * b.abort();
 * assert.throws(() => b.waitSync(), BrokenBarrierError);
 * ```
 */
export class BrokenBarrierError extends RuntimeError {
  static {
    named(this, "BrokenBarrierError");
  }
}

/** A barrier over eight words of a window. */
export class BarrierCore {
  readonly #w: WaitWords;
  readonly #b: number;
  readonly #lock: LockCore;
  readonly #cond: ConditionCore;
  readonly #action: (() => unknown) | undefined;

  /**
   * @param words The window.
   * @param base Index of the first word.
   * @param action Run by the last thread to arrive, before the others leave.
   */
  constructor(words: WaitWords, base: number, action?: () => unknown) {
    this.#w = words;
    this.#b = base;
    this.#lock = new LockCore(words, base + LOCK);
    this.#cond = new ConditionCore(
      words,
      base + COND,
      plainLockProtocol(this.#lock),
    );
    this.#action = action;
  }

  /** Sets the party count of a new barrier. */
  init(parties: number): void {
    this.#w.store(this.#b + PARTIES, parties);
  }

  #get(field: number): number {
    return this.#w.load(this.#b + field);
  }

  #set(field: number, value: number): void {
    this.#w.store(this.#b + field, value);
  }

  /** The number of threads required to trip the barrier. */
  parties(): number {
    return this.#get(PARTIES);
  }

  /** Threads currently waiting in the filling phase. */
  nWaiting(): number {
    return this.#get(STATE) === FILLING ? this.#get(COUNT) : 0;
  }

  /** Whether the barrier is broken. */
  broken(): boolean {
    return this.#get(STATE) === BROKEN;
  }

  /**
   * Waits until `parties` threads wait, then releases them all.
   * @returns this thread's arrival index, 0 … parties - 1.
   * @throws {BrokenBarrierError} If the barrier breaks, resets or times out.
   */
  *waiting(timeoutMs: number): Blocking<number> {
    if (!this.#lock.tryAcquire()) yield* this.#lock.acquiring(Infinity);
    try {
      yield* this.#enter();
      const index = this.#get(COUNT);
      this.#set(COUNT, index + 1);
      try {
        if (index + 1 === this.#get(PARTIES)) yield* this.#release();
        else yield* this.#wait(timeoutMs);
        return index;
      } finally {
        this.#set(COUNT, this.#get(COUNT) - 1);
        this.#exit();
      }
    } finally {
      this.#lock.release();
    }
  }

  /** Blocks while the barrier drains or resets from a previous round. */
  *#enter(): Blocking<void> {
    while (this.#get(STATE) === DRAINING || this.#get(STATE) === RESETTING) {
      yield* this.#cond.waiting(Infinity);
    }
    if (this.#get(STATE) < 0) throw new BrokenBarrierError();
  }

  /** The last thread arrived: run the action, then let everyone go. */
  *#release(): Blocking<void> {
    try {
      if (this.#action !== undefined) yield { call: this.#action };
      this.#set(STATE, DRAINING);
      this.#cond.notifyAll();
    } catch (e) {
      this.#break();
      throw e;
    }
  }

  /** Waits for the barrier to trip, break or time out. */
  *#wait(timeoutMs: number): Blocking<void> {
    const tripped = yield* waitingFor(
      this.#cond,
      () => this.#get(STATE) !== FILLING,
      timeoutMs,
    );
    if (!tripped) {
      this.#break();
      throw new BrokenBarrierError();
    }
    if (this.#get(STATE) < 0) throw new BrokenBarrierError();
  }

  /** The last thread out of a draining or resetting barrier refills it. */
  #exit(): void {
    if (this.#get(COUNT) === 0) {
      const state = this.#get(STATE);
      if (state === RESETTING || state === DRAINING) {
        this.#set(STATE, FILLING);
        this.#cond.notifyAll();
      }
    }
  }

  /** Returns the barrier to the empty state; waiters get BrokenBarrierError. */
  reset(): void {
    this.#lock.enter();
    try {
      if (this.#get(COUNT) > 0) {
        const state = this.#get(STATE);
        if (state === FILLING || state === BROKEN) this.#set(STATE, RESETTING);
        // else: already draining or resetting; it refills when they leave
      } else {
        this.#set(STATE, FILLING);
      }
      this.#cond.notifyAll();
    } finally {
      this.#lock.release();
    }
  }

  /** Breaks the barrier: current and future waiters get BrokenBarrierError. */
  abort(): void {
    this.#lock.enter();
    try {
      this.#break();
    } finally {
      this.#lock.release();
    }
  }

  #break(): void {
    this.#set(STATE, BROKEN);
    this.#cond.notifyAll();
  }
}
