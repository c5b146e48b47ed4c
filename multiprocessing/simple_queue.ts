import { ValueError } from "../_internal/errors.ts";
import { QueueLayout, Tag } from "../_internal/sync/layout.ts";
import {
  claimRegion,
  heapRecord,
  isAttaching,
  registerHeapClass,
} from "../_internal/sync/heap_object.ts";
import { SHARE, type ShareRecord } from "../_internal/codec/shareable.ts";
import { Order, QueueCore } from "../_internal/queue/queue_core.ts";
import "../queue/_shared.ts"; // the queue destructor
import { programHeap } from "../_internal/process/program_heap.ts";

const TAG = "multiprocessing.SimpleQueue";

/**
 * Python's `multiprocessing.SimpleQueue`: an unbounded first-in, first-out
 * queue shared by the processes of a program, without task counting. The
 * same queue algorithm as `Queue` over shared memory; `put` never waits.
 *
 * @typeParam T The item type.
 *
 * @example
 * ```ts
 * import { Process, SimpleQueue } from "@pyconc/std/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * const q = new SimpleQueue<string>();
 * const p = new Process({
 *   target: (q: SimpleQueue<string>) => q.put("hello"),
 *   args: [q],
 * });
 * p.start();
 * assert.equal(await q.get(), "hello");
 * await p.join();
 * q.close();
 * ```
 */
export class SimpleQueue<T = unknown> {
  readonly #ptr: number;
  readonly #core: QueueCore;
  #closed = false;

  /** Creates an empty queue in the program's shared memory. */
  constructor() {
    const h = programHeap();
    const attaching = isAttaching();
    this.#ptr = claimRegion(
      this,
      Tag.QUEUE,
      QueueLayout.WORDS,
      "SimpleQueue",
      h,
    );
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

  #check(): void {
    if (this.#closed) throw new ValueError("Queue is closed");
  }

  /** Whether the queue holds no item (informational only). */
  empty(): boolean {
    return this.#core.empty();
  }

  /** The number of items in the queue (informational only). */
  qsize(): number {
    return this.#core.qsize();
  }

  /**
   * Puts an item into the queue; never waits.
   * @param item The item (structured-clone data; encoded now).
   * @throws {TypeError} If the item cannot cross to another process
   *   (nothing is enqueued).
   * @throws {ValueError} If this process closed the queue.
   */
  put(item: T): void {
    this.#check();
    this.#core.putSync(item, true, null);
  }

  /**
   * The same as {@linkcode SimpleQueue.put}.
   * @param item The item.
   */
  putNowait(item: T): void {
    this.put(item);
  }

  /**
   * Removes and returns an item, waiting for one without blocking the event
   * loop (with `block` false, or after `timeout` seconds: `Empty`).
   * @param block Whether to wait for an item.
   * @param timeout Seconds to wait at most, or null for no limit.
   * @returns the item (a copy, decoded in this process).
   * @throws {Empty} If no item came in time.
   */
  get(block: boolean = true, timeout: number | null = null): Promise<T> {
    try {
      this.#check();
    } catch (e) {
      return Promise.reject(e);
    }
    return this.#core.get(block, timeout) as Promise<T>;
  }

  /**
   * Like {@linkcode SimpleQueue.get}, blocking the calling thread.
   * @param block Whether to wait for an item.
   * @param timeout Seconds to wait at most, or null for no limit.
   */
  getSync(block: boolean = true, timeout: number | null = null): T {
    this.#check();
    return this.#core.getSync(block, timeout) as T;
  }

  /**
   * `getSync(false)`.
   * @throws {Empty} If the queue is empty.
   */
  getNowait(): T {
    return this.getSync(false);
  }

  /**
   * Ends this process's use of the queue (Python's `close`); the queue
   * stays for the other processes.
   */
  close(): void {
    this.#closed = true;
  }

  /** @internal The codec record: the queue travels by reference. */
  [SHARE](): ShareRecord {
    return heapRecord(TAG, this.#ptr, programHeap());
  }
}

registerHeapClass(TAG, () => new SimpleQueue(), programHeap);
