/**
 * A consumer thread of work_queue_test.ts: takes items from the queue at
 * `inBase` of region `ptr` until a sentinel (which it puts back for the
 * next consumer), and echoes each one to the queue at `outBase`. Sleepers
 * never time out: a lost wake-up hangs the test.
 *
 * @module
 */

import { heap } from "../../_internal/sync/heap.ts";
import { SENTINEL, WorkQueue } from "../../_internal/futures/work_queue.ts";

/** The consumer loop. */
export function consume(ptr: number, inBase: number, outBase: number): void {
  const h = heap();
  const input = new WorkQueue(h, ptr, inBase, Infinity);
  const output = new WorkQueue(h, ptr, outBase, Infinity);
  for (;;) {
    const item = input.getSync();
    if (item === SENTINEL) {
      input.putSentinel();
      return;
    }
    output.put(item);
  }
}
