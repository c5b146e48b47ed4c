import { registerHeapClass } from "../_internal/sync/heap_object.ts";
import { Order } from "../_internal/queue/queue_core.ts";
import { defineKind } from "./_shared.ts";
import { Queue } from "./queue.ts";

/**
 * Python's `queue.PriorityQueue`: a queue in shared memory that returns the
 * lowest item first, ordered as Python compares values.
 *
 * - numbers, bigints and booleans compare by value (exactly, also beyond
 *   2^53), strings by code point, Dates by time;
 * - arrays compare element by element (Python's tuples), so
 *   `[priority, payload]` pairs work: equal priorities compare the
 *   payloads, as in Python;
 * - values of different kinds (a number and a string), and values that
 *   cannot be ordered (null, plain objects, Maps, typed arrays…) throw
 *   `TypeError` — only when a comparison reaches them, as in Python: two
 *   pairs with distinct priorities never look at their payloads, and equal
 *   payloads are fine. Such a `put` (or `get`) throws and leaves the queue
 *   as it was.
 *
 * Equal items come out in the order CPython's `heapq` gives them. Each item
 * gets a binary sort key at `put`, compared in shared memory, so no item is
 * decoded to be compared. Differences from Python: NaN is treated as
 * unequal to itself everywhere (Python's identity shortcut can make a NaN
 * inside a tuple equal to itself); values that cannot be ordered are equal
 * when their structure is (Python's `==`), decided by a 64-bit structural
 * hash (for binary data over 4 KiB, of a sample of its bytes).
 *
 * Everything else is {@linkcode Queue}'s.
 *
 * @typeParam T The item type.
 *
 * @example Tasks by priority
 * ```ts
 * import { PriorityQueue } from "@pyconc/std/queue";
 * import assert from "node:assert/strict";
 *
 * const q = new PriorityQueue<[number, string]>();
 * q.putSync([2, "write"]);
 * q.putSync([1, "read"]);
 * q.putSync([2, "close"]);
 * assert.deepEqual(q.getSync(), [1, "read"]);
 * assert.deepEqual(q.getSync(), [2, "close"]);
 * assert.deepEqual(q.getSync(), [2, "write"]);
 * ```
 */
export class PriorityQueue<T = unknown> extends Queue<T> {}

defineKind(PriorityQueue, {
  order: Order.PRIORITY,
  tag: "queue.PriorityQueue",
  name: "PriorityQueue",
});
registerHeapClass("queue.PriorityQueue", () => new PriorityQueue());
