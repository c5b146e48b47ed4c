/**
 * A pool's work queue: Python's `SimpleQueue` of work items, embedded in
 * the executor's shared region. An item is the pointer of a future's region
 * (which holds the target and the encoded arguments), a positive integer;
 * `0` is the sentinel that tells a worker to leave, queued behind the
 * items, as Python's `None`.
 *
 * It is made for the pool's hot path, a burst of submits from one thread
 * while the workers take items: a ring of integers in one heap block,
 * under a robust lock held for a few memory accesses (never while
 * allocating user data or waiting), and wake-ups that cost the submitting
 * thread nothing while a worker is awake. A general queue (`queue_core.ts`)
 * costs ≈ 1 µs a put (journal, conditions, generator-driven waits) and a
 * futex wake-up per put whenever a worker sleeps (≈ 5–20 µs on a busy
 * machine): most of a trivial task's cost.
 *
 * Waking, in the way of Go's scheduler: workers in `getSync` count as
 * SPINNING while they look for work (they spin briefly on `TAIL`), then as
 * SLEEPERS while they wait on `SEQ`. A put wakes a sleeper only if no
 * worker is spinning (a spinning one takes the item); a worker that takes
 * an item while more wait and nobody else spins wakes the next one, so a
 * burst reaches every worker without the producer paying for each
 * wake-up. No wake-up can be lost (see `getSync`): a worker counted as
 * spinning when a put looks re-checks the queue after that put, and one
 * that went to sleep before was counted as a sleeper.
 *
 * Robustness (process pools): every update inside the lock is published by
 * one store (the item, then `TAIL`; a grown ring, then `BLOCK`), so an
 * owner killed part way leaves the queue consistent (at worst a leaked
 * block, or its own put undone), and the lock's takeover needs no repair.
 * A process killed while counted as spinning would stop puts from waking
 * sleepers: sleepers therefore wake at least every {@linkcode SLICE_MS}
 * to look again.
 *
 * @module
 */

import type { Heap } from "../sync/heap.ts";
import { RobustLock } from "../sync/robust_lock.ts";
import type { WaitWords } from "../sync/words.ts";

/** What a non-blocking get returns when the queue is empty. */
export const EMPTY = -1;
/** The sentinel (Python's `None` work item). */
export const SENTINEL = 0;

// Words, relative to the queue's base.
const LOCK = 0;
const LOCK_STAMP = 1;
/** Items taken so far (wraps; `TAIL - HEAD` is the count). */
const HEAD = 2;
/** Items put so far. */
const TAIL = 3;
/** The ring: a heap block `[capacity, ...slots]` (0 until the first put). */
const BLOCK = 4;
/** Workers in `getSync` looking for work (not asleep). */
const SPINNING = 5;
/** Workers in `getSync` asleep (or about to sleep) on `SEQ`. */
const SLEEPERS = 6;
/**
 * 1 while a wake-up is on its way (the woken worker is not spinning yet):
 * further puts need not wake another. Cleared by every worker that starts
 * spinning again or is about to sleep, so it cannot outlive the wake-up.
 */
const WAKING = 7;
/** The sleepers' wait word, bumped by each wake-up; on its own cache line. */
const SEQ = 16;

/** Words the queue takes in the executor's region (from an even base). */
export const WORK_QUEUE_WORDS = 18;

/** The first ring's capacity (a power of two). */
const FIRST_CAPACITY = 64;
/** A sleeper's longest wait before it looks at the queue again (ms). */
export const SLICE_MS = 250;

/** The work queue of one executor. */
export class WorkQueue {
  readonly #h: Heap;
  readonly #w: WaitWords;
  readonly #b: number;
  readonly #lock: RobustLock;
  readonly #sliceMs: number;
  /** The ring block the cached view is of, and the view. */
  #ringPtr = 0;
  #ring: Int32Array = new Int32Array(0);

  /**
   * @param h The heap holding the executor.
   * @param ptr The executor's region.
   * @param base The queue's first word in it (even).
   * @param sliceMs A sleeper's longest wait (tests make it endless, so that
   *   a lost wake-up hangs instead of costing a slice).
   */
  constructor(h: Heap, ptr: number, base: number, sliceMs = SLICE_MS) {
    this.#h = h;
    this.#sliceMs = sliceMs;
    this.#b = base;
    this.#w = h.words(ptr, base + WORK_QUEUE_WORDS);
    this.#lock = new RobustLock(this.#w, base + LOCK, base + LOCK_STAMP);
  }

  /** Sets up the queue in a fresh (zeroed) region: nothing to do. */
  static init(_h: Heap, _ptr: number, _base: number): void {}

  /** Frees the queue's storage (the executor's last reference went). */
  static destroy(h: Heap, ptr: number, base: number): void {
    const w = h.int32(ptr, base + WORK_QUEUE_WORDS);
    const block = Atomics.exchange(w, base + BLOCK, 0);
    if (block !== 0) h.free(block);
  }

  /** The view of the ring (the lock held). */
  #ringView(): Int32Array {
    const block = this.#w.load(this.#b + BLOCK);
    if (block !== this.#ringPtr) {
      const cap = block === 0 ? 0 : this.#h.int32(block, 1)[0]!;
      this.#ring = block === 0
        ? new Int32Array(0)
        : this.#h.int32(block, 1 + cap);
      this.#ringPtr = block;
    }
    return this.#ring;
  }

  /** Doubles the ring (the lock held); the items keep their indices. */
  #grow(ring: Int32Array, head: number, n: number): Int32Array {
    const h = this.#h;
    const oldCap = ring.length === 0 ? 0 : ring[0]!;
    const cap = Math.max(FIRST_CAPACITY, oldCap * 2);
    const block = h.alloc(4 * (1 + cap), false);
    const next = h.int32(block, 1 + cap);
    next[0] = cap;
    for (let j = 0; j < n; j++) {
      const at = (head + j) | 0;
      next[1 + (at & (cap - 1))] = ring[1 + (at & (oldCap - 1))]!;
    }
    // One store publishes the new ring; a death before it leaks `block`.
    const old = this.#w.exchange(this.#b + BLOCK, block);
    this.#ringPtr = block;
    this.#ring = next;
    if (old !== 0) h.free(old);
    return next;
  }

  /** Appends an item (a future's region); never waits. */
  put(ptr: number): void {
    const w = this.#w, b = this.#b;
    this.#lock.enter();
    try {
      let ring = this.#ringView();
      const head = w.load(b + HEAD), tail = w.load(b + TAIL);
      const n = (tail - head) | 0;
      if (ring.length === 0 || n >= ring[0]!) ring = this.#grow(ring, head, n);
      ring[1 + (tail & (ring[0]! - 1))] = ptr;
      w.store(b + TAIL, (tail + 1) | 0); // publishes the item
    } finally {
      this.#lock.release();
    }
    // A worker looking for work takes it: wake one only if none is.
    this.#wakeIfIdle();
  }

  /** Appends a sentinel. */
  putSentinel(): void {
    this.put(SENTINEL);
  }

  /**
   * Wakes one sleeper if no worker is spinning and no wake-up is on its
   * way already.
   */
  #wakeIfIdle(): void {
    const w = this.#w, b = this.#b;
    if (
      w.load(b + SPINNING) === 0 && w.load(b + SLEEPERS) > 0 &&
      w.compareExchange(b + WAKING, 0, 1) === 0
    ) {
      w.add(b + SEQ, 1);
      w.notify(b + SEQ, 1);
    }
  }

  /** Takes an item or sentinel if one is there; never waits. */
  getNowait(): number {
    const w = this.#w, b = this.#b;
    // Unlocked peek: an empty queue costs no lock (the common case of a
    // spinning worker); a put seen here is complete once TAIL moved.
    if (w.load(b + TAIL) === w.load(b + HEAD)) return EMPTY;
    this.#lock.enter();
    try {
      const head = w.load(b + HEAD);
      if (w.load(b + TAIL) === head) return EMPTY;
      const ring = this.#ringView();
      const item = ring[1 + (head & (ring[0]! - 1))]!;
      w.store(b + HEAD, (head + 1) | 0);
      return item;
    } finally {
      this.#lock.release();
    }
  }

  /**
   * Takes an item or sentinel, blocking the calling thread until one comes.
   *
   * Why no wake-up is lost: a put stores `TAIL`, then reads SPINNING, then
   * SLEEPERS. A worker going to sleep counts itself a sleeper, stops
   * counting as spinning, reads `SEQ`, then looks at the queue once more
   * before it waits on `SEQ`. So a worker the put saw spinning looks at
   * the queue after the item is in; if it saw none spinning, every worker
   * past its last look is counted as a sleeper, and the put bumps `SEQ`
   * before it notifies: the sleeper either is woken, or finds `SEQ` moved
   * and looks again. A put that skips the wake-up because WAKING is set
   * relies on the woken worker: it clears WAKING only after it counts as
   * spinning again (then takes the item), and a worker that read `SEQ`
   * after the flag was set clears it before it sleeps.
   */
  getSync(): number {
    this.#w.add(this.#b + SPINNING, 1);
    for (;;) {
      const item = this.#look();
      if (item !== EMPTY) return item;
      const seq = this.#toSleep();
      if (seq !== null) this.#w.wait(this.#b + SEQ, seq, this.#sliceMs);
      this.#awake();
    }
  }

  /**
   * Like {@linkcode getSync} without blocking the event loop (a consumer
   * that is a thread's event loop, such as distributed's Redis thread).
   */
  async get(): Promise<number> {
    this.#w.add(this.#b + SPINNING, 1);
    for (;;) {
      const item = this.#look();
      if (item !== EMPTY) return item;
      const seq = this.#toSleep();
      if (seq !== null) {
        await this.#w.waitAsync(this.#b + SEQ, seq, this.#sliceMs);
      }
      this.#awake();
    }
  }

  /**
   * A spinning consumer's look: takes an item if there is one (then stops
   * counting as spinning, and passes a wake-up on if more wait and nobody
   * else is awake to take them); else spins briefly for a put.
   * @returns the item, or EMPTY if none came during the spin.
   */
  #look(): number {
    const w = this.#w, b = this.#b;
    for (;;) {
      const item = this.getNowait();
      if (item !== EMPTY) {
        w.add(b + SPINNING, -1);
        if (w.load(b + TAIL) !== w.load(b + HEAD)) this.#wakeIfIdle();
        return item;
      }
      if (!w.spin(b + TAIL, w.load(b + TAIL))) return EMPTY;
    }
  }

  /**
   * Moves a spinning consumer to the sleepers.
   * @returns the `SEQ` value to wait on, or null if an item came meanwhile.
   */
  #toSleep(): number | null {
    const w = this.#w, b = this.#b;
    w.add(b + SLEEPERS, 1);
    w.add(b + SPINNING, -1);
    const seq = w.load(b + SEQ);
    if (w.load(b + TAIL) !== w.load(b + HEAD)) return null;
    // After SEQ was read: a wake-up flagged before then is either ours
    // (SEQ moved: the wait returns at once) or went to a consumer that
    // clears the flag again when it runs.
    w.store(b + WAKING, 0);
    return seq;
  }

  /** Moves a sleeper (woken, timed out, or that did not sleep) back to spinning. */
  #awake(): void {
    const w = this.#w, b = this.#b;
    w.add(b + SPINNING, 1);
    w.add(b + SLEEPERS, -1);
    w.store(b + WAKING, 0);
  }

  /** Items and sentinels waiting (informational). */
  size(): number {
    const w = this.#w, b = this.#b;
    return (w.load(b + TAIL) - w.load(b + HEAD)) | 0;
  }
}
