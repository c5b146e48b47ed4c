/**
 * The loop a process pool's worker runs (ProcessPoolExecutor and
 * multiprocessing's Pool): the pool worker loop of
 * `_internal/futures/worker_loop.ts`, hosted by a child process (the
 * program's heap, SharedArrayBuffers copied, an abrupt end noticed by the
 * parent, which watches its children).
 *
 * Loaded in a child process, as a module-reference target; a spare child
 * loads it ahead (see multiprocessing/process.ts `warmUp`). The worker loads
 * the classes of shareable arguments as it meets them (see
 * `_internal/shareable_modules.ts`), as every child does.
 *
 * @module
 */

// The heap its process's bootstrap attached (not program_heap.ts: its hook
// for a heap this process creates loads the resource tracker's client and
// the spawner, four modules a worker's cold start would load for nothing).
import { shmHeap } from "../_internal/sync/shm_heap.ts";
import type { TargetSpec } from "../_internal/threads/targets.ts";
import { PROCESS_BROKEN_MESSAGES } from "../_internal/futures/layout.ts";
import { PoolCore } from "../_internal/futures/pool_core.ts";
import { runWorkerLoop } from "../_internal/futures/worker_loop.ts";
import { ProcessError } from "../multiprocessing/errors.ts";
import { BrokenProcessPool } from "./errors.ts";

/** Which pool a worker serves: its errors differ. */
export type PoolKind = "executor" | "pool";

/** The error a broken pool of this kind fails its work with. */
export function brokenErrorOf(kind: PoolKind): (m: string) => Error {
  return kind === "executor"
    ? (m) => new BrokenProcessPool(m)
    : (m) => new ProcessError(m);
}

/**
 * Runs a process pool's worker in this (child) process.
 *
 * @param poolPtr The pool's region in the program's heap (this loop adopts
 *   the reference its owner took for it).
 * @param k This worker's index (its record).
 * @param init The initializer, if any.
 * @param initargs Its arguments.
 * @param maxTasks Items after which the worker leaves (0: never).
 * @param kind Which pool it serves.
 */
export function processWorker(
  poolPtr: number,
  k: number,
  init: TargetSpec | null,
  initargs: unknown[],
  maxTasks: number,
  kind: PoolKind,
): Promise<void> {
  const h = shmHeap();
  const tasks = messageTasks();
  return runWorkerLoop({
    h,
    pool: PoolCore.attach(
      h,
      poolPtr,
      brokenErrorOf(kind),
      PROCESS_BROKEN_MESSAGES,
    ),
    k,
    init,
    initargs,
    mode: "process",
    maxTasks,
    defer: tasks.defer,
  }).finally(tasks.close);
}

/**
 * Runs functions in tasks of their own, in order, through a MessageChannel
 * (≈ 3 µs each): what the worker loop uses instead of `setImmediate`, which
 * would load Deno's Node compatibility into the process first.
 */
function messageTasks(): { defer: (fn: () => void) => void; close(): void } {
  const ch = new MessageChannel();
  const queue: (() => void)[] = [];
  ch.port1.onmessage = () => queue.shift()?.();
  return {
    defer(fn) {
      queue.push(fn);
      ch.port2.postMessage(null);
    },
    close() {
      ch.port1.close();
      ch.port2.close();
    },
  };
}
