/**
 * A pool's work queue: Python's `SimpleQueue` of work items, on the
 * library's queue core (`_internal/queue`), embedded in the executor's
 * shared region. An item is the pointer of a future's region (which holds
 * the target and the encoded arguments): a small integer, stored inline in
 * its queue slot, so a put allocates nothing. `0` is the sentinel that
 * tells a worker to leave; it queues behind the items, as Python's `None`.
 *
 * @module
 */

import type { Heap } from "../sync/heap.ts";
import { Order, QUEUE_WORDS, QueueCore } from "../queue/queue_core.ts";
import { Empty } from "../queue/errors.ts";

/** What a non-blocking get returns when the queue is empty. */
export const EMPTY = -1;
/** The sentinel (Python's `None` work item). */
export const SENTINEL = 0;

/** Words the queue takes in the executor's region (from an even base). */
export const WORK_QUEUE_WORDS: number = QUEUE_WORDS;

/** The work queue of one executor. */
export class WorkQueue {
  readonly #core: QueueCore;

  /**
   * @param h The heap holding the executor.
   * @param ptr The executor's region.
   * @param base The queue's first word in it (even).
   */
  constructor(h: Heap, ptr: number, base: number) {
    this.#core = new QueueCore(h, ptr, base);
  }

  /** Sets up the queue in a fresh (zeroed) region. */
  static init(h: Heap, ptr: number, base: number): void {
    QueueCore.init(h, ptr, base, Order.FIFO, 0, false);
  }

  /** Frees the queue's storage (the executor's last reference went). */
  static destroy(h: Heap, ptr: number, base: number): void {
    QueueCore.destroy(h, ptr, base);
  }

  /** Appends an item (a future's region); never waits. */
  put(ptr: number): void {
    this.#core.putSync(ptr, true, null);
  }

  /** Appends a sentinel. */
  putSentinel(): void {
    this.#core.putSync(SENTINEL, true, null);
  }

  /** Takes an item or sentinel if one is there; never waits. */
  getNowait(): number {
    try {
      return this.#core.getSync(false, null) as number;
    } catch (e) {
      if (e instanceof Empty) return EMPTY;
      throw e;
    }
  }

  /** Takes an item or sentinel, blocking the calling thread until one comes. */
  getSync(): number {
    return this.#core.getSync(true, null) as number;
  }

  /** Items and sentinels waiting (informational). */
  size(): number {
    return this.#core.qsize();
  }
}
