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
 * **A process killed at any instant** (multiprocessing) leaves the queue
 * usable, and no item duplicated. The lock records its owner, and a
 * waiter takes it over from a dead owner (robust_lock.ts); every update
 * of the queue's fields under the lock (count, head, storage array,
 * unfinished tasks) is one transaction of an undo journal (journal.ts),
 * so the taker rolls back an update the owner left half-done, then wakes
 * every waiter to look again. An item is therefore in the queue exactly
 * when its put committed: a producer killed before that loses the item
 * it was putting, a consumer killed after its get committed loses the
 * item it was taking (it had left the queue), and nothing else is lost.
 * A heap block may leak (the item's, or a storage array being replaced).
 * The ordering policies of priority queues move slots without the
 * journal: they only exist in-process, where no thread dies alone.
 *
 * @module
 */

import { OverflowError, ValueError } from "../errors.ts";
import type { Heap } from "../sync/heap.ts";
import { ROBUST_LOCK_WORDS, RobustLock } from "../sync/robust_lock.ts";
import { Journal, journalWords } from "../sync/journal.ts";
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
const LOCK_STAMP = 1;
const ORDER = LOCK + ROBUST_LOCK_WORDS;
const FLAGS = ORDER + 1;
const STORE = FLAGS + 1;
const F64 = (STORE + STORAGE_WORDS + 1) & ~1; // float64 fields start here
/** Float64 fields (index in the float64 view). */
const MAXSIZE = 0;
const UNFINISHED = 1;
const NOT_EMPTY = LINE;
const NOT_FULL = NOT_EMPTY + LINE;
const ALL_DONE = NOT_FULL + LINE;

/** The undo journal of the fields' updates (at most 8 words per update). */
const JOURNAL = ALL_DONE + CONDITION_WORDS;
const JOURNAL_ENTRIES = 8;

/** Words a {@linkcode QueueCore} uses. */
export const QUEUE_WORDS = JOURNAL + journalWords(JOURNAL_ENTRIES);

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

/**
 * The deadline of a blocking call, for its lock and its wait (the lock's
 * wait counts too: `get(true, 0.2)` returns in about 0.2 s even while
 * another process holds the queue's lock).
 */
function callDeadline(block: boolean, timeoutMs: number): number {
  return block && !Number.isNaN(timeoutMs) ? deadlineOf(timeoutMs) : Infinity;
}

/** Checks the timeout of a wait that is about to happen. */
function checkWait(timeoutMs: number): void {
  if (Number.isNaN(timeoutMs)) {
    throw new OverflowError("timeout value is too large");
  }
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
  readonly #lock: RobustLock;
  readonly #journal: Journal;
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
    const q = words.i32;
    const journal = this.#journal = new Journal(
      q,
      base + JOURNAL,
      JOURNAL_ENTRIES,
      !(heap.backing.buffer instanceof SharedArrayBuffer),
    );
    this.#lock = new RobustLock(
      words,
      base + LOCK,
      base + LOCK_STAMP,
      () => this.#repair(),
    );
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
    this.#store = new Storage(heap, q, base + STORE, order, journal);
    this.#ordered = order === Order.PRIORITY;
    this.#tracks = (this.#q[base + FLAGS]! & TRACK_TASKS) !== 0;
  }

  /**
   * After a takeover from a dead owner: undoes the update it left
   * unfinished, and wakes every waiter to look at the queue again (a
   * wake-up the owner was about to give may be lost; extra ones are
   * harmless, every waiter re-checks).
   */
  #repair(): void {
    const q = this.#q;
    this.#journal.rollback((index, old) => Atomics.store(q, index, old));
    this.#notEmpty.notifyAll();
    this.#notFull.notifyAll();
    this.#allDone.notifyAll();
  }

  /** Commits the fields' update, then frees what it replaced. */
  #commit(): void {
    this.#journal.commit();
    this.#store.freeRetired();
  }

  /** Ends a section: an update not committed (an error) is undone. */
  #abandon(): void {
    if (!this.#journal.pending()) return;
    const q = this.#q;
    this.#journal.rollback((index, old) => Atomics.store(q, index, old));
    this.#store.dropRetired();
  }

  /** Adds `delta` to the unfinished tasks, journaled. */
  #addUnfinished(delta: number): void {
    const w = this.#b + F64 + 2 * UNFINISHED, q = this.#q;
    this.#journal.note(w, q[w]!);
    this.#journal.note(w + 1, q[w + 1]!);
    this.#f64[UNFINISHED] = this.#f64[UNFINISHED]! + delta;
  }

  /** @internal The queue's lock (for tests of a holder that never releases). */
  get lock(): RobustLock {
    return this.#lock;
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
    const deadline = callDeadline(block, timeoutMs);
    if (!lock.tryAcquire() && !(yield* lock.acquiring(remaining(deadline)))) {
      throw new Full();
    }
    try {
      const f64 = this.#f64, store = this.#store;
      if (f64[MAXSIZE]! > 0 && store.n >= f64[MAXSIZE]!) {
        if (!block) throw new Full();
        checkWait(timeoutMs);
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
      if (this.#tracks) this.#addUnfinished(1);
      this.#commit();
      this.#late.hold();
      this.#notEmpty.notify(1);
    } finally {
      this.#abandon();
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
    const deadline = callDeadline(block, timeoutMs);
    if (!lock.tryAcquire() && !(yield* lock.acquiring(remaining(deadline)))) {
      throw new Empty();
    }
    try {
      const store = this.#store;
      if (store.n === 0) {
        if (!block) throw new Empty();
        checkWait(timeoutMs);
        do {
          const left = remaining(deadline);
          if (left <= 0) throw new Empty();
          yield* this.#notEmpty.waiting(left);
        } while (store.n === 0);
      }
      const item = store.pop();
      this.#commit();
      this.#late.hold();
      this.#notFull.notify(1);
      return item;
    } finally {
      this.#abandon();
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
      // One aligned 8-byte store: atomic, no journal needed.
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
