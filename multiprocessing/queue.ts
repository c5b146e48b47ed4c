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
import { checkMaxsize } from "../queue/_shared.ts"; // also: the queue destructor
import { programHeap } from "../_internal/process/program_heap.ts";

/** The codec tag of each multiprocessing queue class. */
const TAGS = new Map<unknown, string>();

/** @internal Declares a queue class's codec tag. */
export function defineQueueTag(cls: unknown, tag: string): void {
  TAGS.set(cls, tag);
}

/**
 * Python's `multiprocessing.Queue`: a first-in, first-out queue shared by
 * the processes of a program.
 *
 * The queue algorithm of `queue.Queue` (one mutex, three conditions, the
 * items' storage) over the program's shared memory with futex waits:
 * there is no feeder thread and no pipe. `put` encodes the item at once
 * (a value that cannot cross to another process throws `TypeError` there,
 * and nothing is enqueued: Python's feeder thread would fail later, in the
 * background) and stores it in shared memory; `get` decodes it. Items of
 * any size (up to 4 GiB encoded) go through; the library's shareable
 * objects in items travel by reference, SharedArrayBuffers are copied.
 * `maxsize <= 0` makes the queue unbounded (its storage grows as needed).
 *
 * Passed to a `Process` (in `args`, or inside another queue's item or a
 * pipe message) it arrives bound to the same queue.
 *
 * **A process killed while using the queue.** In CPython a process killed
 * (terminate(), kill()) while it reads or writes the queue's pipe can leave
 * the queue's lock held or a message half-written: Python's docs warn that
 * the queue may then be corrupted and other processes may fail or block
 * forever. Here a process may be killed at any instant of a `put` or a
 * `get`: the queue's internal lock (and the shared heap's allocator lock)
 * record their owner, the next process that needs a lock whose owner is
 * gone takes it over and rolls back the update the dead process left
 * unfinished. The queue stays usable and no item is ever duplicated; the
 * only item lost is the one the killed process was moving (an item whose
 * `put` had not returned, or that a `get` had already taken out), and a
 * heap block may leak. A blocking call's timeout also bounds its wait for
 * the internal lock: `get(true, 0.2)` returns after about 0.2 s whoever
 * holds the lock.
 *
 * `close()` ends this process's use of the queue (Python's semantics:
 * `put` and `get` then throw ValueError here; other processes are not
 * affected). `joinThread()` and `cancelJoinThread()` exist for
 * compatibility: there is no feeder thread to wait for.
 *
 * @typeParam T The item type.
 *
 * @example A producer process and the main process as consumer
 * ```ts
 * import { Process, Queue } from "@pyconc/std/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * const q = new Queue<number | null>();
 * const p = new Process({
 *   target: (q: Queue<number | null>) => {
 *     for (let i = 0; i < 100; i++) q.putSync(i);
 *     q.putSync(null);
 *   },
 *   args: [q],
 * });
 * p.start();
 * let sum = 0;
 * for (let x = await q.get(); x !== null; x = await q.get()) sum += x;
 * await p.join();
 * assert.equal(sum, 4950);
 * ```
 */
export class Queue<T = unknown> {
  readonly #ptr: number;
  readonly #core: QueueCore;
  readonly #tag: string;
  #closed = false;

  /**
   * Creates a queue in the program's shared memory.
   *
   * @param maxsize The most items the queue holds; `<= 0` for no limit.
   * @throws {TypeError} If `maxsize` is not a number.
   */
  constructor(maxsize: number = 0) {
    const h = programHeap();
    const attaching = isAttaching();
    if (!attaching) checkMaxsize(maxsize);
    this.#tag = TAGS.get(new.target) ?? TAGS.get(Queue)!;
    this.#ptr = claimRegion(
      this,
      Tag.QUEUE,
      QueueLayout.WORDS,
      new.target.name,
      h,
    );
    if (!attaching) {
      QueueCore.init(h, this.#ptr, QueueLayout.CORE, Order.FIFO, maxsize, true);
    }
    this.#core = new QueueCore(h, this.#ptr, QueueLayout.CORE);
    if (this.#core.order !== Order.FIFO) {
      throw new TypeError(
        "Cannot attach Queue: the shared region holds another kind of queue",
      );
    }
  }

  /** @internal The queue algorithm (for JoinableQueue). */
  protected get core(): QueueCore {
    return this.#core;
  }

  /** @internal Throws if this process closed the queue. */
  protected checkClosed(): void {
    if (this.#closed) throw new ValueError(`Queue ${this} is closed`);
  }

  /** The most items the queue holds (`<= 0`: no limit). */
  get maxsize(): number {
    return this.#core.maxsize;
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
   * the event loop. With `block` false (or when `timeout` seconds pass)
   * throws `Full` instead of waiting.
   *
   * @param item The item (structured-clone data; encoded now).
   * @param block Whether to wait for a free slot.
   * @param timeout Seconds to wait at most, or null for no limit.
   * @throws {Full} If no slot freed up in time.
   * @throws {TypeError} If the item cannot cross to another process
   *   (nothing is enqueued).
   * @throws {ValueError} If this process closed the queue.
   */
  put(
    item: T,
    block: boolean = true,
    timeout: number | null = null,
  ): Promise<void> {
    try {
      this.checkClosed();
    } catch (e) {
      return Promise.reject(e);
    }
    return this.#core.put(item, block, timeout);
  }

  /**
   * Like {@linkcode Queue.put}, blocking the calling thread.
   * @param item The item.
   * @param block Whether to wait for a free slot.
   * @param timeout Seconds to wait at most, or null for no limit.
   */
  putSync(item: T, block: boolean = true, timeout: number | null = null): void {
    this.checkClosed();
    this.#core.putSync(item, block, timeout);
  }

  /**
   * `putSync(item, false)`.
   * @param item The item.
   * @throws {Full} If the queue is full.
   */
  putNowait(item: T): void {
    this.putSync(item, false);
  }

  /**
   * Removes and returns an item, waiting for one without blocking the event
   * loop. With `block` false (or when `timeout` seconds pass) throws
   * `Empty` instead of waiting.
   *
   * @param block Whether to wait for an item.
   * @param timeout Seconds to wait at most, or null for no limit.
   * @returns the item (a copy, decoded in this process).
   * @throws {Empty} If no item came in time.
   * @throws {ValueError} If this process closed the queue.
   */
  get(block: boolean = true, timeout: number | null = null): Promise<T> {
    try {
      this.checkClosed();
    } catch (e) {
      return Promise.reject(e);
    }
    return this.#core.get(block, timeout) as Promise<T>;
  }

  /**
   * Like {@linkcode Queue.get}, blocking the calling thread.
   * @param block Whether to wait for an item.
   * @param timeout Seconds to wait at most, or null for no limit.
   */
  getSync(block: boolean = true, timeout: number | null = null): T {
    this.checkClosed();
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
   * Ends this process's use of the queue (Python's `close`): `put` and
   * `get` throw ValueError here afterwards. The queue and its items stay
   * for the other processes. Closing twice is harmless.
   */
  close(): void {
    this.#closed = true;
  }

  /**
   * Python's `join_thread`: waits for the feeder thread after `close()`.
   * There is none (items are in shared memory when `put` returns), so it
   * returns at once.
   * @throws {ValueError} If the queue is not closed (Python's assertion).
   */
  joinThread(): void {
    if (!this.#closed) throw new ValueError(`Queue ${this} not closed`);
  }

  /** Python's `cancel_join_thread`: nothing to cancel (no feeder thread). */
  cancelJoinThread(): void {}

  /** Python's repr. */
  toString(): string {
    return `<${this.constructor.name} object>`;
  }

  /** @internal The codec record: the queue travels by reference. */
  [SHARE](): ShareRecord {
    return heapRecord(this.#tag, this.#ptr, programHeap());
  }
}

defineQueueTag(Queue, "multiprocessing.Queue");
registerHeapClass("multiprocessing.Queue", () => new Queue(), programHeap);
