/**
 * Python's `threading` module for Deno: threads on Workers, with real
 * parallelism, and the synchronisation primitives on shared memory.
 *
 * Every blocking method comes in two forms: `acquire()` returns a Promise
 * and never blocks the event loop; `acquireSync()` blocks the calling thread
 * (`Atomics.wait`), also on the main thread. Timeouts are in seconds.
 * `with lock:` is `using _ = lock.holdSync();`.
 *
 * Threads need `--allow-read` to load the library's Worker module (and the
 * modules of module-reference targets).
 *
 * @example Two threads, a lock and a shared counter
 * ```ts
 * import { Lock, Thread } from "@pyconc/std/threading";
 * import assert from "node:assert/strict";
 *
 * const lock = new Lock();
 * const counter = new Int32Array(new SharedArrayBuffer(4));
 * const work = (lock: Lock, counter: Int32Array) => {
 *   for (let i = 0; i < 10_000; i++) {
 *     using _ = lock.holdSync();
 *     counter[0]! += 1;
 *   }
 * };
 * const threads = [1, 2].map(() => new Thread({ target: work, args: [lock, counter] }));
 * for (const t of threads) t.start();
 * for (const t of threads) await t.join();
 * assert.equal(counter[0], 20_000);
 * ```
 *
 * @module
 */

export { Lock } from "./lock.ts";
export { RLock } from "./rlock.ts";
export { Condition } from "./condition.ts";
export { BoundedSemaphore, Semaphore } from "./semaphore.ts";
export { Event } from "./event.ts";
export { Barrier, BrokenBarrierError } from "./barrier.ts";
export {
  currentThread,
  mainThread,
  Thread,
  type ThreadOptions,
} from "./thread.ts";
export { Timer } from "./timer.ts";
export { local } from "./local.ts";
export { activeCount, enumerate, getIdent, getNativeId } from "./functions.ts";
export { stackSize } from "./stack_size.ts";
export {
  defaultExcepthook,
  type ExceptHook,
  type ExceptHookArgs,
  getExcepthook,
  setExcepthook,
} from "./excepthook.ts";
export { TIMEOUT_MAX } from "../_internal/sync/timeout.ts";
export type { Target, TargetFunction } from "../_internal/threads/targets.ts";
export * from "../_internal/errors.ts";
