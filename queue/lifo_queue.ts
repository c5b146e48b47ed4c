import { registerHeapClass } from "../_internal/sync/heap_object.ts";
import { Order } from "../_internal/queue/queue_core.ts";
import { defineKind } from "./_shared.ts";
import { Queue } from "./queue.ts";

/**
 * Python's `queue.LifoQueue`: a last-in, first-out queue (a stack) in
 * shared memory. Everything else is {@linkcode Queue}'s: blocking, `maxsize`,
 * `taskDone`/`join`, items encoded at `put` and decoded at `get`, sharing by
 * reference with threads.
 *
 * @typeParam T The item type.
 *
 * @example
 * ```ts
 * import { LifoQueue } from "@pyconc/std/queue";
 * import assert from "node:assert/strict";
 *
 * const q = new LifoQueue<number>();
 * for (const x of [111, 333, 222]) q.putSync(x);
 * assert.deepEqual([q.getSync(), q.getSync(), q.getSync()], [222, 333, 111]);
 * ```
 */
export class LifoQueue<T = unknown> extends Queue<T> {}

defineKind(LifoQueue, {
  order: Order.LIFO,
  tag: "queue.LifoQueue",
  name: "LifoQueue",
});
registerHeapClass("queue.LifoQueue", () => new LifoQueue());
