import type { Heap } from "../_internal/sync/heap.ts";
import { HEAP, registerHeapClass, TAG } from "../_internal/sync/heap_object.ts";
import { programHeap } from "../_internal/process/program_heap.ts";
import { Barrier as ThreadingBarrier } from "../threading/barrier.ts";

/**
 * Python's `multiprocessing.Barrier`: a barrier for `parties` threads of
 * any processes of a program (CPython's subclasses `threading.Barrier`
 * too). `action`, a target, runs in the process of the last to arrive.
 *
 * @example Two processes meet
 * ```ts
 * import { Barrier, Process } from "@pyconc/std/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * const b = new Barrier(2, null, 30);
 * const p = new Process({ target: (b: Barrier) => b.waitSync(), args: [b] });
 * p.start();
 * const index = await b.wait();
 * await p.join();
 * assert.ok(index === 0 || index === 1);
 * assert.equal(p.exitcode, 0);
 * ```
 */
export class Barrier extends ThreadingBarrier {
  /** @internal The program's shared memory. */
  static override [HEAP](): Heap {
    return programHeap();
  }

  /** @internal */
  static override readonly [TAG]: string = "multiprocessing.Barrier";
}

registerHeapClass("multiprocessing.Barrier", () => new Barrier(1), programHeap);
