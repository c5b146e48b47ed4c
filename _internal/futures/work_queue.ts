/**
 * A pool's work queue: Python's `SimpleQueue` of work items, in the
 * executor's shared region. An item is a future's region (it holds the
 * target and the encoded arguments), linked through its `Q_NEXT` word, so a
 * put allocates nothing; `0` is the sentinel that tells a worker to leave.
 *
 * A mutex guards the links; a count word says how many items (and
 * sentinels) wait, and getters sleep on it while it is 0, as a semaphore's
 * waiters do. A put notifies only when a getter sleeps.
 *
 * @module
 */

import type { Heap } from "../sync/heap.ts";
import { LockCore } from "../sync/lock_core.ts";
import type { Blocking, WaitWords } from "../sync/words.ts";
import { deadlineOf, remaining } from "../sync/timeout.ts";
import { F, X } from "./layout.ts";

/** What a get returns when the timeout passed. */
export const EMPTY = -1;
/** What a get returns for a sentinel. */
export const SENTINEL = 0;

/** The work queue of one executor. */
export class WorkQueue {
  readonly #x: WaitWords;
  readonly #all: Int32Array;
  readonly #lock: LockCore;

  /**
   * @param h The heap holding the executor and its items.
   * @param x The executor's words.
   */
  constructor(h: Heap, x: WaitWords) {
    this.#x = x;
    this.#all = new Int32Array(h.backing.buffer);
    this.#lock = new LockCore(x, X.Q_LOCK);
  }

  /** Appends an item (a future's region); never blocks. */
  put(ptr: number): void {
    const x = this.#x, all = this.#all;
    Atomics.store(all, ptr * 4 + F.Q_NEXT, 0);
    this.#lock.enter();
    const tail = x.load(X.Q_TAIL);
    if (tail === 0) x.store(X.Q_HEAD, ptr);
    else Atomics.store(all, tail * 4 + F.Q_NEXT, ptr);
    x.store(X.Q_TAIL, ptr);
    this.#lock.release();
    this.#signal();
  }

  /** Appends a sentinel (served after every item). */
  putSentinel(): void {
    this.#lock.enter();
    this.#x.add(X.Q_SENTINELS, 1);
    this.#lock.release();
    this.#signal();
  }

  #signal(): void {
    const x = this.#x;
    x.add(X.Q_COUNT, 1);
    if (x.load(X.Q_SLEEPERS) > 0) x.notify(X.Q_COUNT, 1);
  }

  /** Takes one item or sentinel if there is one; never blocks. */
  getNowait(): number {
    const x = this.#x;
    for (;;) {
      const c = x.load(X.Q_COUNT);
      if (c <= 0) return EMPTY;
      if (x.compareExchange(X.Q_COUNT, c, c - 1) === c) return this.#take();
    }
  }

  /**
   * Takes one item or sentinel, waiting up to `timeoutMs`.
   * @returns the item, {@linkcode SENTINEL}, or {@linkcode EMPTY} on timeout.
   */
  *getting(timeoutMs: number): Blocking<number> {
    const x = this.#x;
    const deadline = deadlineOf(timeoutMs);
    for (;;) {
      const got = this.getNowait();
      if (got !== EMPTY) return got;
      const left = remaining(deadline);
      if (left <= 0) return EMPTY;
      x.add(X.Q_SLEEPERS, 1);
      try {
        yield { words: x, index: X.Q_COUNT, expected: 0, timeoutMs: left };
      } finally {
        x.add(X.Q_SLEEPERS, -1);
      }
    }
  }

  /** Unlinks the head (the caller took one unit of the count). */
  #take(): number {
    const x = this.#x, all = this.#all;
    this.#lock.enter();
    try {
      const head = x.load(X.Q_HEAD);
      if (head === 0) {
        x.add(X.Q_SENTINELS, -1);
        return SENTINEL;
      }
      const next = Atomics.load(all, head * 4 + F.Q_NEXT);
      x.store(X.Q_HEAD, next);
      if (next === 0) x.store(X.Q_TAIL, 0);
      return head;
    } finally {
      this.#lock.release();
    }
  }

  /** Items and sentinels waiting (informational). */
  size(): number {
    return Math.max(0, this.#x.load(X.Q_COUNT));
  }
}
