import type { Heap } from "../_internal/sync/heap.ts";
import { HEAP, registerHeapClass, TAG } from "../_internal/sync/heap_object.ts";
import { SEMLOCK } from "../_internal/sync/timeout.ts";
import { programHeap } from "../_internal/process/program_heap.ts";
import { Lock as ThreadingLock } from "../threading/lock.ts";

/**
 * Python's `multiprocessing.Lock`: a non-recursive lock shared by the
 * processes of a program.
 *
 * The same primitive as `threading.Lock` (a futex mutex), stored in the
 * program's shared memory instead of this process's: the threading API,
 * from any thread of any process of the program. Passed to a `Process` (in
 * `args`, a queue item, a pipe message) it arrives bound to the same lock.
 * Any process may release it. If the process holding it dies, it stays
 * locked, as in Python.
 *
 * @example Mutual exclusion across processes
 * ```ts
 * import { Lock, Process, RawValue } from "@pyconc/std/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * const lock = new Lock();
 * const count = new RawValue("i", 0);
 * const work = (lock: Lock, count: RawValue<"i">) => {
 *   for (let i = 0; i < 1000; i++) {
 *     using _ = lock.holdSync();
 *     count.value += 1;
 *   }
 * };
 * const procs = [0, 1].map(() => new Process({ target: work, args: [lock, count] }));
 * for (const p of procs) p.start();
 * for (const p of procs) await p.join();
 * assert.equal(count.value, 2000);
 * ```
 */
export class Lock extends ThreadingLock {
  /** @internal The program's shared memory. */
  static override [HEAP](): Heap {
    return programHeap();
  }

  /** @internal */
  static override readonly [TAG]: string = "multiprocessing.Lock";

  /** @internal SemLock: a non-blocking acquire ignores a timeout. */
  static override readonly [SEMLOCK]: boolean = true;
}

registerHeapClass("multiprocessing.Lock", () => new Lock(), programHeap);
