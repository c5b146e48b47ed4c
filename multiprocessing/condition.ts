import type { Heap } from "../_internal/sync/heap.ts";
import {
  HEAP,
  LOCKS,
  registerHeapClass,
  TAG,
} from "../_internal/sync/heap_object.ts";
import { programHeap } from "../_internal/process/program_heap.ts";
import { Condition as ThreadingCondition } from "../threading/condition.ts";
import { Lock } from "./lock.ts";
import { RLock } from "./rlock.ts";

/**
 * Python's `multiprocessing.Condition`: a condition variable shared by the
 * processes of a program, over a multiprocessing `Lock` or `RLock` (by
 * default a new `RLock`). The threading API: `wait`/`waitSync`,
 * `waitFor`/`waitForSync`, `notify(n)`, `notifyAll()`, with the lock held.
 *
 * @example Notifying a waiting process
 * ```ts
 * import { Condition, Process, RawValue } from "@pyconc/std/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * const cond = new Condition();
 * const ready = new RawValue("i", 0);
 * const p = new Process({
 *   target: (cond: Condition, ready: RawValue<"i">) => {
 *     using _ = cond.holdSync();
 *     cond.waitForSync(() => ready.value === 1);
 *   },
 *   args: [cond, ready],
 * });
 * p.start();
 * {
 *   using _ = await cond.hold();
 *   ready.value = 1;
 *   cond.notifyAll();
 * }
 * await p.join();
 * assert.equal(p.exitcode, 0);
 * ```
 */
export class Condition extends ThreadingCondition {
  /** @internal The program's shared memory. */
  static override [HEAP](): Heap {
    return programHeap();
  }

  /** @internal */
  static override readonly [TAG]: string = "multiprocessing.Condition";

  /** @internal The lock classes a multiprocessing condition binds to. */
  static override readonly [LOCKS]: { lock: typeof Lock; rlock: typeof RLock } =
    { lock: Lock, rlock: RLock };

  /**
   * Creates a condition over `lock`.
   * @param lock A multiprocessing Lock or RLock; a new RLock if omitted.
   * @throws {TypeError} If `lock` is not a multiprocessing Lock or RLock.
   */
  constructor(lock?: Lock | RLock) {
    super(lock);
  }
}

registerHeapClass(
  "multiprocessing.Condition",
  () => new Condition(),
  programHeap,
);
