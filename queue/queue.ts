import { heap } from "../_internal/sync/heap.ts";
import { QueueLayout, Tag } from "../_internal/sync/layout.ts";
import {
  claimRegion,
  heapRecord,
  isAttaching,
  registerHeapClass,
} from "../_internal/sync/heap_object.ts";
import { SHARE, type ShareRecord } from "../_internal/codec/shareable.ts";
import { Order, QueueCore } from "../_internal/queue/queue_core.ts";
import { checkMaxsize, defineKind, kindOf, type QueueKind } from "./_shared.ts";

/**
 * Python's `queue.Queue`: a first-in, first-out queue in shared memory,
 * usable from every thread of the process at once.
 *
 * Layered as CPython's: one mutex shared by three conditions (`notEmpty`,
 * `notFull`, `allTasksDone`) from the sync core, over storage in the shared
 * heap. `LifoQueue` and `PriorityQueue` differ only in their ordering
 * policy.
 *
 * **Items** are encoded once by `put` (structured-clone data; a value that
 * cannot cross throws `TypeError` there and nothing is enqueued) and decoded
 * by `get`, so the receiver gets its own copy. The library's shareable
 * objects (locks, events, queues…) inside items travel by reference;
 * SharedArrayBuffers inside items are **copied**. A queue passed to a
 * thread (in `args`, or inside another queue's item) is the same queue
 * there (a subclass arrives as the library class it extends). Items of up
 * to 4 GiB encoded go through; large typed arrays are copied straight into
 * shared memory and out of it.
 *
 * **Blocking**: `maxsize <= 0` (the default) makes the queue unbounded: its
 * storage grows as needed while every thread keeps using it. With
 * `maxsize > 0`, `put` waits for a free slot (or throws {@linkcode Full});
 * `get` waits for an item (or throws {@linkcode Empty}). Each `put` wakes
 * one waiting `get` and each `get` one waiting `put`; waiters are not served
 * in any particular order. `put()`/`get()`/`join()` return Promises and
 * never block the event loop; `putSync()`/`getSync()`/`joinSync()` block the
 * calling thread (on the main thread too).
 *
 * `qsize()`, `empty()` and `full()` are informational only, as CPython
 * says: "not reliable!" — another thread may change the queue at once.
 *
 * @typeParam T The item type.
 *
 * @example A producer thread and the main thread as consumer
 * ```ts
 * import { Queue } from "@pyconc/std/queue";
 * import { Thread } from "@pyconc/std/threading";
 * import assert from "node:assert/strict";
 *
 * const q = new Queue<number | null>(8);
 * const producer = new Thread({
 *   target: (q: Queue<number | null>) => {
 *     for (let i = 0; i < 100; i++) q.putSync(i);
 *     q.putSync(null);
 *   },
 *   args: [q],
 * });
 * producer.start();
 * let sum = 0;
 * for (let x = await q.get(); x !== null; x = await q.get()) sum += x;
 * await producer.join();
 * assert.equal(sum, 4950);
 * ```
 */
export class Queue<T = unknown> {
  readonly #ptr: number;
  readonly #core: QueueCore;
  readonly #kind: QueueKind;

  /**
   * Creates a queue.
   *
   * @param maxsize The most items the queue holds; `<= 0` for no limit.
   * @throws {TypeError} If `maxsize` is not a number.
   */
  constructor(maxsize: number = 0) {
    const kind = kindOf(new.target);
    const h = heap();
    const attaching = isAttaching();
    if (!attaching) checkMaxsize(maxsize);
    this.#kind = kind;
    this.#ptr = claimRegion(this, Tag.QUEUE, QueueLayout.WORDS, kind.name);
    if (!attaching) {
      QueueCore.init(h, this.#ptr, QueueLayout.CORE, kind.order, maxsize, true);
    }
    this.#core = new QueueCore(h, this.#ptr, QueueLayout.CORE);
    if (this.#core.order !== kind.order || !this.#core.tracksTasks) {
      throw new TypeError(
        `Cannot attach ${kind.name}: the shared region holds another kind of queue`,
      );
    }
  }

  /**
   * The most items the queue holds (`<= 0`: no limit). Shared: setting it
   * changes the queue for every thread (Python's `maxsize` attribute).
   */
  get maxsize(): number {
    return this.#core.maxsize;
  }

  set maxsize(value: number) {
    this.#core.maxsize = checkMaxsize(value);
  }

  /**
   * Python's `unfinished_tasks`: items put and not yet marked done with
   * {@linkcode Queue.taskDone}.
   */
  get unfinishedTasks(): number {
    return this.#core.unfinishedTasks;
  }

  /** The number of items in the queue (informational only: "not reliable!"). */
  qsize(): number {
    return this.#core.qsize();
  }

  /** Whether the queue holds no item (informational only). */
  empty(): boolean {
    return this.#core.empty();
  }

  /** Whether a bounded queue holds `maxsize` items (informational only). */
  full(): boolean {
    return this.#core.full();
  }

  /**
   * Puts an item into the queue, waiting for a free slot without blocking
   * the event loop.
   *
   * With `block` true and no `timeout` (the default), waits as long as
   * needed. With a `timeout` in seconds, waits at most that long and then
   * throws {@linkcode Full}. With `block` false, puts the item only if a slot
   * is free at once, else throws `Full` (`timeout` is ignored). An unbounded
   * queue never waits.
   *
   * @param item The item (structured-clone data; encoded now).
   * @param block Whether to wait for a free slot.
   * @param timeout Seconds to wait at most, or null for no limit.
   * @throws {Full} If no slot freed up in time.
   * @throws {TypeError} If the item cannot cross a thread boundary (nothing
   *   is enqueued), or a `PriorityQueue` cannot order it.
   * @throws {ValueError} If `timeout` is negative on a bounded queue.
   */
  put(
    item: T,
    block: boolean = true,
    timeout: number | null = null,
  ): Promise<void> {
    return this.#core.put(item, block, timeout);
  }

  /**
   * Like {@linkcode Queue.put}, blocking the calling thread.
   *
   * @param item The item.
   * @param block Whether to wait for a free slot.
   * @param timeout Seconds to wait at most, or null for no limit.
   * @throws {Full} If no slot freed up in time.
   */
  putSync(item: T, block: boolean = true, timeout: number | null = null): void {
    this.#core.putSync(item, block, timeout);
  }

  /**
   * Puts an item only if a slot is free at once: `putSync(item, false)`.
   * @param item The item.
   * @throws {Full} If the queue is full.
   */
  putNowait(item: T): void {
    this.#core.putSync(item, false, null);
  }

  /**
   * Removes and returns an item, waiting for one without blocking the event
   * loop.
   *
   * With `block` true and no `timeout` (the default), waits as long as
   * needed. With a `timeout` in seconds, waits at most that long and then
   * throws {@linkcode Empty}. With `block` false, returns an item only if one
   * is there at once, else throws `Empty` (`timeout` is ignored).
   *
   * @param block Whether to wait for an item.
   * @param timeout Seconds to wait at most, or null for no limit.
   * @returns the item (a copy, decoded in this thread).
   * @throws {Empty} If no item came in time.
   * @throws {ValueError} If `timeout` is negative.
   */
  get(block: boolean = true, timeout: number | null = null): Promise<T> {
    return this.#core.get(block, timeout) as Promise<T>;
  }

  /**
   * Like {@linkcode Queue.get}, blocking the calling thread.
   *
   * @param block Whether to wait for an item.
   * @param timeout Seconds to wait at most, or null for no limit.
   * @returns the item.
   * @throws {Empty} If no item came in time.
   */
  getSync(block: boolean = true, timeout: number | null = null): T {
    return this.#core.getSync(block, timeout) as T;
  }

  /**
   * Removes and returns an item only if one is there at once:
   * `getSync(false)`.
   * @returns the item.
   * @throws {Empty} If the queue is empty.
   */
  getNowait(): T {
    return this.#core.getSync(false, null) as T;
  }

  /**
   * Tells the queue that a task taken with `get` is complete (Python's
   * `task_done`). When every item put has been marked done, `join` returns.
   *
   * @throws {ValueError} If called more times than items were put
   *   (`task_done() called too many times`).
   */
  taskDone(): void {
    this.#core.taskDone();
  }

  /**
   * Waits, without blocking the event loop, until every item put has been
   * gotten and marked done with {@linkcode Queue.taskDone}.
   */
  join(): Promise<void> {
    return this.#core.join();
  }

  /** Like {@linkcode Queue.join}, blocking the calling thread. */
  joinSync(): void {
    this.#core.joinSync();
  }

  /** @internal The codec record: the queue travels by reference. */
  [SHARE](): ShareRecord {
    return heapRecord(this.#kind.tag, this.#ptr);
  }
}

defineKind(Queue, { order: Order.FIFO, tag: "queue.Queue", name: "Queue" });
registerHeapClass("queue.Queue", () => new Queue());
