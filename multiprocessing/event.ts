import type { Heap } from "../_internal/sync/heap.ts";
import { HEAP, registerHeapClass, TAG } from "../_internal/sync/heap_object.ts";
import { programHeap } from "../_internal/process/program_heap.ts";
import { Event as ThreadingEvent } from "../threading/event.ts";

/**
 * Python's `multiprocessing.Event`: a flag shared by the processes of a
 * program; `wait`/`waitSync` block until another process `set()`s it.
 *
 * @example Waiting for a child process
 * ```ts
 * import { Event, Process } from "@pyconc/std/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * const done = new Event();
 * const p = new Process({ target: (done: Event) => done.set(), args: [done] });
 * p.start();
 * assert.ok(await done.wait(30));
 * await p.join();
 * ```
 */
export class Event extends ThreadingEvent {
  /** @internal The program's shared memory. */
  static override [HEAP](): Heap {
    return programHeap();
  }

  /** @internal */
  static override readonly [TAG]: string = "multiprocessing.Event";
}

registerHeapClass("multiprocessing.Event", () => new Event(), programHeap);
