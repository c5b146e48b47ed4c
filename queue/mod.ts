/**
 * Python's `queue` module for Deno: multi-producer, multi-consumer queues in
 * shared memory, usable from every thread (Worker) of the process at once.
 *
 * `Queue` (FIFO), `LifoQueue`, `PriorityQueue` and `SimpleQueue`, with
 * Python's semantics: `maxsize`, blocking `put`/`get` with timeouts,
 * `putNowait`/`getNowait`, `taskDone`/`join`, and the `Empty` and `Full`
 * exceptions. Every blocking method comes in two forms: `get()` returns a
 * Promise and never blocks the event loop; `getSync()` blocks the calling
 * thread (on the main thread too). Timeouts are in seconds.
 *
 * Items are structured-clone data, encoded once by `put` and decoded by
 * `get`: the receiver gets its own copy. The library's shareable objects
 * (locks, events, queues…) inside items travel by reference, and
 * SharedArrayBuffers inside items are copied. A queue passed to a thread is
 * the same queue there.
 *
 * @example Workers draining a queue, the main thread waiting with `join`
 * ```ts
 * import { Queue } from "@pyconc/std/queue";
 * import { Thread } from "@pyconc/std/threading";
 * import assert from "node:assert/strict";
 *
 * const tasks = new Queue<number>();
 * const results = new Queue<number>();
 * const worker = (tasks: Queue<number>, results: Queue<number>) => {
 *   for (;;) {
 *     const n = tasks.getSync();
 *     if (n < 0) return tasks.taskDone();
 *     results.putSync(n * n);
 *     tasks.taskDone();
 *   }
 * };
 * const threads = [0, 1].map(() =>
 *   new Thread({ target: worker, args: [tasks, results] })
 * );
 * for (const t of threads) t.start();
 * for (let i = 1; i <= 10; i++) await tasks.put(i);
 * await tasks.join();
 * let sum = 0;
 * while (!results.empty()) sum += results.getNowait();
 * assert.equal(sum, 385);
 * for (const t of threads) await tasks.put(-1);
 * for (const t of threads) await t.join();
 * ```
 *
 * @module
 */

import "../_internal/shareables.ts";

export { Empty, Full } from "../_internal/queue/errors.ts";
export { Queue } from "./queue.ts";
export { LifoQueue } from "./lifo_queue.ts";
export { PriorityQueue } from "./priority_queue.ts";
export { SimpleQueue } from "./simple_queue.ts";
export * from "../_internal/errors.ts";
