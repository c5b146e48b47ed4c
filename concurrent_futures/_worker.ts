/**
 * The loop a ThreadPoolExecutor's worker thread runs: the pool worker loop
 * of `_internal/futures/worker_loop.ts`, hosted by a thread (the in-process
 * heap, SharedArrayBuffers shared, `Deno.exit()` heard by the thread).
 *
 * Loaded only inside a thread Worker, as a module-reference target.
 *
 * @module
 */

import { heap } from "../_internal/sync/heap.ts";
import type { TargetSpec } from "../_internal/threads/targets.ts";
import { sabsFor } from "../_internal/threads/worker_main.ts";
import { PoolCore } from "../_internal/futures/pool_core.ts";
import { runWorkerLoop } from "../_internal/futures/worker_loop.ts";
import { onWorkerExit } from "../threading/thread.ts";
import { BrokenThreadPool } from "./errors.ts";
import "../_internal/shareables.ts";

/**
 * Runs a pool worker.
 *
 * @param execPtr The pool's shared region (this loop adopts a reference).
 * @param k This worker's index (its record).
 * @param init The initializer, if any.
 * @param initargs Its arguments.
 * @param table The pool's SharedArrayBuffers so far: `[requestId, sab]`.
 */
export function workerLoop(
  execPtr: number,
  k: number,
  init: TargetSpec | null,
  initargs: unknown[],
  table: [number, SharedArrayBuffer][],
): Promise<void> {
  const h = heap();
  return runWorkerLoop({
    h,
    pool: PoolCore.attach(h, execPtr, (m) => new BrokenThreadPool(m)),
    k,
    init,
    initargs,
    mode: "share",
    sabs: { table, fetch: async (id) => (await sabsFor(id))[0]! },
    onAbruptExit: onWorkerExit,
    maxTasks: 0,
  });
}
