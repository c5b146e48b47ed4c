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
import "./_shared.ts";

/**
 * Python's `queue.SimpleQueue`: an unbounded first-in, first-out queue in
 * shared memory, without task tracking (no `taskDone`/`join`, no `maxsize`).
 *
 * `put` and `putNowait` are synchronous: they never wait for room (the queue
 * is unbounded), only for the queue's internal lock during a few slot
 * copies. They are reentrant, as CPython's: a `put` may run while another
 * `put` of the same thread is encoding its item (from a getter). `get`
 * returns a Promise, `getSync` blocks the calling thread.
 *
 * Items are encoded at `put` and decoded at `get` as in
 * {@linkcode Queue} (SharedArrayBuffers in items are copied; the library's
 * shareable objects travel by reference), and a SimpleQueue passed to a
 * thread is the same queue there.
 *
 * @typeParam T The item type.
 *
 * @example
 * ```ts
 * import { SimpleQueue } from "@pyconc/std/queue";
 * import assert from "node:assert/strict";
 *
 * const q = new SimpleQueue<string>();
 * q.put("a");
 * q.putNowait("b");
 * assert.equal(q.qsize(), 2);
 * assert.equal(await q.get(), "a");
 * assert.equal(q.getNowait(), "b");
 * assert.ok(q.empty());
 * ```
 */
export class SimpleQueue<T = unknown> {
  readonly #ptr: number;
  readonly #core: QueueCore;

  /** Creates an empty queue. */
  constructor() {
    const h = heap();
    const attaching = isAttaching();
    this.#ptr = claimRegion(this, Tag.QUEUE, QueueLayout.WORDS, "SimpleQueue");
    if (!attaching) {
      QueueCore.init(h, this.#ptr, QueueLayout.CORE, Order.FIFO, 0, false);
    }
    this.#core = new QueueCore(h, this.#ptr, QueueLayout.CORE);
    if (this.#core.order !== Order.FIFO || this.#core.tracksTasks) {
      throw new TypeError(
        "Cannot attach SimpleQueue: the shared region holds another kind of queue",
      );
    }
  }

  /** The number of items in the queue (informational only: "not reliable!"). */
  qsize(): number {
    return this.#core.qsize();
  }

  /** Whether the queue holds no item (informational only). */
  empty(): boolean {
    return this.#core.empty();
  }

  /**
   * Puts an item into the queue; never waits for room. `block` and
   * `timeout` are ignored, as in Python (kept for compatibility with
   * {@linkcode Queue.putSync}).
   *
   * @param item The item (structured-clone data; encoded now).
   * @param _block Ignored.
   * @param _timeout Ignored.
   * @throws {TypeError} If the item cannot cross a thread boundary (nothing
   *   is enqueued).
   */
  put(item: T, _block: boolean = true, _timeout: number | null = null): void {
    this.#core.putSync(item, true, null);
  }

  /**
   * Puts an item into the queue: the same as {@linkcode SimpleQueue.put}.
   * @param item The item.
   */
  putNowait(item: T): void {
    this.#core.putSync(item, true, null);
  }

  /**
   * Removes and returns an item, waiting for one without blocking the event
   * loop.
   *
   * With `block` true and no `timeout` (the default), waits as long as
   * needed. With a `timeout` in seconds, waits at most that long and then
   * throws `Empty`. With `block` false, returns an item only if one is there
   * at once, else throws `Empty` (`timeout` is ignored).
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
   * Like {@linkcode SimpleQueue.get}, blocking the calling thread.
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
   * Removes and returns an item only if one is there at once.
   * @returns the item.
   * @throws {Empty} If the queue is empty.
   */
  getNowait(): T {
    return this.#core.getSync(false, null) as T;
  }

  /** @internal The codec record: the queue travels by reference. */
  [SHARE](): ShareRecord {
    return heapRecord("queue.SimpleQueue", this.#ptr);
  }
}

registerHeapClass("queue.SimpleQueue", () => new SimpleQueue());
