import type { Heap } from "../_internal/sync/heap.ts";
import { HEAP, registerHeapClass, TAG } from "../_internal/sync/heap_object.ts";
import { SEMLOCK } from "../_internal/sync/timeout.ts";
import { programHeap } from "../_internal/process/program_heap.ts";
import { RLock as ThreadingRLock } from "../threading/rlock.ts";

/**
 * Python's `multiprocessing.RLock`: a reentrant lock shared by the
 * processes of a program. Its owner is a thread of a process (process id
 * and thread ident): only the owner may release it, and the owner may
 * acquire it again.
 *
 * @example Reentrant, owned by one thread of one process
 * ```ts
 * import { Process, RLock } from "@pyconc/std/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * const lock = new RLock();
 * {
 *   using _a = lock.holdSync();
 *   using _b = lock.holdSync(); // the owner again: no deadlock
 *   const p = new Process({
 *     target: (lock: RLock) => Deno.exit(lock.acquireSync(false) ? 1 : 0),
 *     args: [lock],
 *   });
 *   p.start();
 *   await p.join();
 *   assert.equal(p.exitcode, 0); // another process cannot take it
 * }
 * ```
 */
export class RLock extends ThreadingRLock {
  /** @internal The program's shared memory. */
  static override [HEAP](): Heap {
    return programHeap();
  }

  /** @internal */
  static override readonly [TAG]: string = "multiprocessing.RLock";

  /** @internal SemLock: a non-blocking acquire ignores a timeout. */
  static override readonly [SEMLOCK]: boolean = true;
}

registerHeapClass("multiprocessing.RLock", () => new RLock(), programHeap);
