/**
 * `queue.Empty` and `queue.Full`: Python's plain exceptions of the queue
 * module, shared by `queue` and (later) `multiprocessing`, and known to the
 * codec so that they cross threads and processes with their class.
 *
 * @module
 */

import { named } from "../named.ts";
import { registerErrorClass } from "../codec/errors.ts";

/**
 * Python's `queue.Empty`: raised by `get(false)`, `getNowait()` and a `get`
 * whose timeout passed, when no item was available.
 *
 * Python's `Empty` is a plain `Exception`, so this extends `Error`; as in
 * Python, the message is empty.
 *
 * @example The EAFP pattern of Python's docs
 * ```ts
 * import { Empty, Queue } from "@pyconc/std/queue";
 * import assert from "node:assert/strict";
 *
 * const q = new Queue<number>();
 * try {
 *   q.getNowait();
 *   assert.fail("the queue is empty");
 * } catch (e) {
 *   assert.ok(e instanceof Empty);
 * }
 * ```
 */
export class Empty extends Error {
  static {
    named(this, "Empty");
  }
}

/**
 * Python's `queue.Full`: raised by `put(item, false)`, `putNowait()` and a
 * `put` whose timeout passed, when a bounded queue had no free slot.
 *
 * Python's `Full` is a plain `Exception`, so this extends `Error`; as in
 * Python, the message is empty.
 *
 * @example
 * ```ts
 * import { Full, Queue } from "@pyconc/std/queue";
 * import assert from "node:assert/strict";
 *
 * const q = new Queue<number>(1);
 * q.putNowait(1);
 * assert.throws(() => q.putNowait(2), Full);
 * ```
 */
export class Full extends Error {
  static {
    named(this, "Full");
  }
}

registerErrorClass(Empty);
registerErrorClass(Full);
