/**
 * The queue algorithm, written once: CPython's `queue.Queue` (one mutex,
 * three conditions `notEmpty`, `notFull`, `allTasksDone`, a count of
 * unfinished tasks) over a heap object, with the ordering policy (FIFO,
 * LIFO, binary heap) as the only difference between the classes.
 *
 * It works on any {@linkcode Heap} — the process's SharedArrayBuffer heap
 * for `queue`, a shared-memory heap for `multiprocessing` — and its
 * blocking methods are generators driven by `runSync`/`runAsync`, so the
 * async and Sync forms cannot drift apart.
 *
 * Items are encoded before the lock is taken (a bad item fails there, and
 * nothing is enqueued) and decoded after it is released; inside the
 * critical section only slot copies and, rarely, a storage reallocation
 * happen, and every section releases the lock in a `finally`.
 *
 * @module
 */

import { OverflowError, ValueError } from "../errors.ts";
import type { Heap } from "../sync/heap.ts";
import { LOCK_WORDS, LockCore } from "../sync/lock_core.ts";
import {
  CONDITION_WORDS,
  ConditionCore,
  type ConditionLock,
} from "../sync/condition_core.ts";
import {
  type Blocking,
  runAsync,
  runSync,
  type WaitResult,
  WaitWords,
} from "../sync/words.ts";
import { deadlineOf, remaining, TIMEOUT_MAX, toMs } from "../sync/timeout.ts";
import { Empty, Full } from "./errors.ts";
import {
  destroySlot,
  discard,
  finish,
  type Item,
  prepare,
  Taken,
} from "./item.ts";
import { Order, Storage, STORAGE_WORDS } from "./storage.ts";

export { Order };

// Words, relative to the core's base (which must be even: float64 fields).
// The three conditions' words sit 16 words (64 bytes, a cache line) apart
// from each other and from the lock and fields: a thread spinning on a
// condition's sequence word then does not lose its cache line to every
// write the lock holder makes.
const LINE = 16;
const LOCK = 0;
const ORDER = LOCK + LOCK_WORDS;
const FLAGS = ORDER + 1;
const STORE = FLAGS + 1;
const F64 = (STORE + STORAGE_WORDS + 1) & ~1; // float64 fields start here
/** Float64 fields (index in the float64 view). */
const MAXSIZE = 0;
const UNFINISHED = 1;
const NOT_EMPTY = LINE;
const NOT_FULL = NOT_EMPTY + LINE;
const ALL_DONE = NOT_FULL + LINE;

/** Words a {@linkcode QueueCore} uses. */
export const QUEUE_WORDS = ALL_DONE + CONDITION_WORDS;

/** Flag: the queue counts unfinished tasks (not SimpleQueue). */
const TRACK_TASKS = 1;

const TIMEOUT_ERROR = "'timeout' must be a non-negative number";

/**
 * Python's rules for a blocking call's timeout.
 * @returns milliseconds (`Infinity` for none).
 */
function blockingMs(
  timeout: number | null | undefined,
  negativeIsError: boolean,
): number {
  if (timeout === null || timeout === undefined) return Infinity;
  if (typeof timeout === "number" && timeout < 0) {
    if (negativeIsError) throw new ValueError(TIMEOUT_ERROR);
    return 0;
  }
  // Too large only matters if the call has to wait (as in Python, where
  // the lock's acquire refuses it): NaN marks it until then.
  if (typeof timeout === "number" && timeout > TIMEOUT_MAX) return NaN;
  return toMs(timeout);
}

/** The deadline of a wait that is about to happen. */
function waitDeadline(timeoutMs: number): number {
  if (Number.isNaN(timeoutMs)) {
    throw new OverflowError("timeout value is too large");
  }
  return deadlineOf(timeoutMs);
}

/**
 * The conditions' words, with wake-ups that can be held back until the
 * lock is released: a thread woken inside the critical section would only
 * find the lock taken (and the waker would pay for the wake-up while it
 * holds the lock). The bookkeeping of a notify still happens under the lock;
 * only the futex wake moves, so no wake-up is lost.
 */
class LateWakes extends WaitWords {
  readonly #inner: WaitWords;
  #holding = false;
  readonly #pending: number[] = [];

  constructor(inner: WaitWords) {
    super(inner.i32);
    this.#inner = inner;
  }

  override wait(i: number, expected: number, timeoutMs: number): WaitResult {
    return this.#inner.wait(i, expected, timeoutMs);
  }

  override waitAsync(
    i: number,
    expected: number,
    timeoutMs: number,
  ): Promise<WaitResult> {
    return this.#inner.waitAsync(i, expected, timeoutMs);
  }

  // Not reached (wait and waitAsync go to the inner words): required members.
  protected sleep(i: number, expected: number, timeoutMs: number): WaitResult {
    return this.#inner.wait(i, expected, timeoutMs);
  }

  protected sleepAsync(
    i: number,
    expected: number,
    timeoutMs: number,
  ): Promise<WaitResult> {
    return this.#inner.waitAsync(i, expected, timeoutMs);
  }

  notify(i: number, count: number): number {
    if (!this.#holding) return this.#inner.notify(i, count);
    this.#pending.push(i, count);
    return count;
  }

  /** Holds back the wake-ups of the notifies that follow. */
  hold(): void {
    this.#holding = true;
  }

  /** Does the held-back wake-ups (after the lock is released). */
  flush(): void {
    this.#holding = false;
    const pending = this.#pending;
    for (let k = 0; k < pending.length; k += 2) {
      this.#inner.notify(pending[k]!, pending[k + 1]!);
    }
    pending.length = 0;
  }
}

/** A queue over one heap object. */
export class QueueCore {
  readonly #heap: Heap;
  readonly #q: Int32Array;
  readonly #b: number;
  readonly #f64: Float64Array;
  readonly #lock: LockCore;
  readonly #notEmpty: ConditionCore;
  readonly #notFull: ConditionCore;
  readonly #allDone: ConditionCore;
  readonly #store: Storage;
  readonly #late: LateWakes;
  readonly #ordered: boolean;
  readonly #tracks: boolean;

  /**
   * Binds to a queue object (made with {@linkcode QueueCore.init}).
   *
   * @param heap The heap holding it.
   * @param ptr The object's pointer.
   * @param base Index of the core's first word in the object (even).
   */
  constructor(heap: Heap, ptr: number, base: number) {
    this.#heap = heap;
    this.#b = base;
    const words = heap.words(ptr, base + QUEUE_WORDS);
    this.#q = words.i32;
    this.#f64 = heap.float64(ptr, base + F64, 2);
    this.#lock = new LockCore(words, base + LOCK);
    const lock = this.#lock;
    // The core always holds its lock when it waits or notifies.
    const protocol: ConditionLock = {
      releaseSave() {
        lock.release();
      },
      *acquireRestoring() {
        if (!lock.tryAcquire()) yield* lock.acquiring(Infinity);
      },
      isOwned: () => true,
    };
    const late = this.#late = new LateWakes(words);
    this.#notEmpty = new ConditionCore(late, base + NOT_EMPTY, protocol);
    this.#notFull = new ConditionCore(late, base + NOT_FULL, protocol);
    this.#allDone = new ConditionCore(late, base + ALL_DONE, protocol);
    const order = this.#q[base + ORDER]!;
    this.#store = new Storage(heap, this.#q, base + STORE, order);
    this.#ordered = order === Order.PRIORITY;
    this.#tracks = (this.#q[base + FLAGS]! & TRACK_TASKS) !== 0;
  }

  /**
   * Sets up a fresh (zeroed) queue object.
   *
   * @param order An {@linkcode Order}.
   * @param maxsize Python's `maxsize` (≤ 0: unbounded).
   * @param trackTasks Whether `taskDone`/`join` count tasks.
   */
  static init(
    heap: Heap,
    ptr: number,
    base: number,
    order: number,
    maxsize: number,
    trackTasks: boolean,
  ): void {
    const q = heap.int32(ptr, base + QUEUE_WORDS);
    q[base + ORDER] = order;
    q[base + FLAGS] = trackTasks ? TRACK_TASKS : 0;
    heap.float64(ptr, base + F64, 2)[MAXSIZE] = maxsize;
  }

  /** Frees the items still queued and the storage (the last reference went). */
  static destroy(heap: Heap, ptr: number, base: number): void {
    const q = heap.int32(ptr, base + QUEUE_WORDS);
    Storage.destroy(
      heap,
      q,
      base + STORE,
      (all, w) => destroySlot(heap, all, w),
    );
  }

  /** The ordering policy. */
  get order(): number {
    return this.#q[this.#b + ORDER]!;
  }

  /** Whether the queue counts tasks. */
  get tracksTasks(): boolean {
    return this.#tracks;
  }

  /** Python's `maxsize` (shared: every holder sees a change). */
  get maxsize(): number {
    return this.#f64[MAXSIZE]!;
  }

  set maxsize(value: number) {
    this.#lock.enter();
    this.#f64[MAXSIZE] = value;
    this.#lock.release();
  }

  /** Python's `unfinished_tasks`. */
  get unfinishedTasks(): number {
    this.#lock.enter();
    const n = this.#f64[UNFINISHED]!;
    this.#lock.release();
    return n;
  }

  /** The number of items (informational only). */
  qsize(): number {
    return this.#store.count();
  }

  /** Whether there is no item (informational only). */
  empty(): boolean {
    return this.#store.count() === 0;
  }

  /** Whether a bounded queue has no free slot (informational only). */
  full(): boolean {
    const max = this.#f64[MAXSIZE]!;
    return max > 0 && max <= this.#store.count();
  }

  /** Validates `put`'s timeout and prepares the item. */
  #preparePut(
    value: unknown,
    block: boolean,
    timeout: number | null | undefined,
  ): [Item, number] {
    const max = this.#f64[MAXSIZE]!;
    const ms = block ? blockingMs(timeout, max > 0) : 0;
    // Python's put_nowait on a full queue raises Full whatever the item is.
    if (!block && max > 0 && this.#store.count() >= max) throw new Full();
    return [prepare(this.#heap, value, this.#ordered), ms];
  }

  /**
   * Python's `put`, blocking the calling thread.
   * @throws {Full} If no slot freed up in time (or at once, with `block` false).
   * @throws {TypeError} If the item cannot cross, or a priority queue cannot order it.
   * @throws {ValueError} If the timeout is negative on a bounded queue.
   */
  putSync(
    value: unknown,
    block: boolean,
    timeout: number | null | undefined,
  ): void {
    const [item, ms] = this.#preparePut(value, block, timeout);
    try {
      runSync(this.#putting(item, block, ms));
    } catch (e) {
      discard(this.#heap, item);
      throw e;
    }
  }

  /** Python's `put`, without blocking the event loop. Errors as {@linkcode putSync}. */
  async put(
    value: unknown,
    block: boolean,
    timeout: number | null | undefined,
  ): Promise<void> {
    const [item, ms] = this.#preparePut(value, block, timeout);
    try {
      await runAsync(this.#putting(item, block, ms));
    } catch (e) {
      discard(this.#heap, item);
      throw e;
    }
  }

  /** Waits for a free slot and stores the item; throws only if it stored nothing. */
  *#putting(item: Item, block: boolean, timeoutMs: number): Blocking<void> {
    const lock = this.#lock;
    if (!lock.tryAcquire()) yield* lock.acquiring(Infinity);
    try {
      const f64 = this.#f64, store = this.#store;
      if (f64[MAXSIZE]! > 0 && store.n >= f64[MAXSIZE]!) {
        if (!block) throw new Full();
        const deadline = waitDeadline(timeoutMs);
        do {
          const left = remaining(deadline);
          if (left <= 0) throw new Full();
          yield* this.#notFull.waiting(left);
        } while (f64[MAXSIZE]! > 0 && store.n >= f64[MAXSIZE]!);
      }
      try {
        store.push(item);
      } catch (e) {
        // The slot this put may have been woken for stays free: pass the
        // wake-up on to another waiting put.
        this.#late.hold();
        this.#notFull.notify(1);
        throw e;
      }
      if (this.#tracks) f64[UNFINISHED]! += 1;
      this.#late.hold();
      this.#notEmpty.notify(1);
    } finally {
      lock.release();
      this.#late.flush();
    }
  }

  /**
   * Python's `get`, blocking the calling thread.
   * @throws {Empty} If no item came in time (or at once, with `block` false).
   * @throws {ValueError} If the timeout is negative.
   * @throws {TypeError} If a priority queue cannot order its items.
   */
  getSync(block: boolean, timeout: number | null | undefined): unknown {
    const ms = block ? blockingMs(timeout, true) : 0;
    const r = runSync(this.#getting(block, ms));
    return r instanceof Taken ? finish(this.#heap, r) : r;
  }

  /** Python's `get`, without blocking the event loop. Errors as {@linkcode getSync}. */
  async get(
    block: boolean,
    timeout: number | null | undefined,
  ): Promise<unknown> {
    const ms = block ? blockingMs(timeout, true) : 0;
    const r = await runAsync(this.#getting(block, ms));
    return r instanceof Taken ? finish(this.#heap, r) : r;
  }

  /** Waits for an item and takes it out. */
  *#getting(block: boolean, timeoutMs: number): Blocking<unknown> {
    const lock = this.#lock;
    if (!lock.tryAcquire()) yield* lock.acquiring(Infinity);
    try {
      const store = this.#store;
      if (store.n === 0) {
        if (!block) throw new Empty();
        const deadline = waitDeadline(timeoutMs);
        do {
          const left = remaining(deadline);
          if (left <= 0) throw new Empty();
          yield* this.#notEmpty.waiting(left);
        } while (store.n === 0);
      }
      const item = store.pop();
      this.#late.hold();
      this.#notFull.notify(1);
      return item;
    } finally {
      lock.release();
      this.#late.flush();
    }
  }

  /**
   * Python's `task_done`.
   * @throws {ValueError} If called more times than items were put.
   */
  taskDone(): void {
    this.#lock.enter();
    try {
      const unfinished = this.#f64[UNFINISHED]! - 1;
      if (unfinished <= 0) {
        if (unfinished < 0) {
          throw new ValueError("task_done() called too many times");
        }
        this.#late.hold();
        this.#allDone.notifyAll();
      }
      this.#f64[UNFINISHED] = unfinished;
    } finally {
      this.#lock.release();
      this.#late.flush();
    }
  }

  /** Python's `join`, blocking the calling thread. */
  joinSync(): void {
    runSync(this.#joining());
  }

  /** Python's `join`, without blocking the event loop. */
  join(): Promise<void> {
    return runAsync(this.#joining());
  }

  *#joining(): Blocking<void> {
    const lock = this.#lock;
    if (!lock.tryAcquire()) yield* lock.acquiring(Infinity);
    try {
      while (this.#f64[UNFINISHED]! > 0) {
        yield* this.#allDone.waiting(Infinity);
      }
    } finally {
      lock.release();
    }
  }
}
