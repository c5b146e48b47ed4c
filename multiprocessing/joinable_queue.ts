import { registerHeapClass } from "../_internal/sync/heap_object.ts";
import { programHeap } from "../_internal/process/program_heap.ts";
import { defineQueueTag, Queue } from "./queue.ts";

/**
 * Python's `multiprocessing.JoinableQueue`: a {@linkcode Queue} that also
 * counts unfinished tasks: each `get` by a consumer is followed by a
 * `taskDone()`, and `join()` waits until every item put has been done,
 * from whichever processes.
 *
 * @typeParam T The item type.
 *
 * @example Waiting until a worker process has handled every item
 * ```ts
 * import { JoinableQueue, Process } from "@pyconc/std/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * const q = new JoinableQueue<number>();
 * const worker = new Process({
 *   target: (q: JoinableQueue<number>) => {
 *     for (;;) {
 *       q.getSync();
 *       q.taskDone();
 *     }
 *   },
 *   args: [q],
 *   daemon: true,
 * });
 * worker.start();
 * for (let i = 0; i < 10; i++) await q.put(i);
 * await q.join(); // all ten handled
 * assert.equal(q.qsize(), 0);
 * worker.terminate();
 * await worker.join();
 * ```
 */
export class JoinableQueue<T = unknown> extends Queue<T> {
  /**
   * Creates a joinable queue in the program's shared memory.
   * @param maxsize The most items the queue holds; `<= 0` for no limit.
   */
  constructor(maxsize: number = 0) {
    super(maxsize);
  }

  /**
   * Marks a task taken with `get` as done (Python's `task_done`).
   * @throws {ValueError} If called more times than items were put.
   */
  taskDone(): void {
    this.checkClosed();
    this.core.taskDone();
  }

  /**
   * Waits, without blocking the event loop, until every item put has been
   * gotten and marked done with {@linkcode JoinableQueue.taskDone}.
   */
  join(): Promise<void> {
    return this.core.join();
  }

  /** Like {@linkcode JoinableQueue.join}, blocking the calling thread. */
  joinSync(): void {
    this.core.joinSync();
  }

  /**
   * Items put and not yet marked done (Python's `unfinished_tasks`,
   * informational).
   */
  get unfinishedTasks(): number {
    return this.core.unfinishedTasks;
  }
}

defineQueueTag(JoinableQueue, "multiprocessing.JoinableQueue");
registerHeapClass(
  "multiprocessing.JoinableQueue",
  () => new JoinableQueue(),
  programHeap,
);
