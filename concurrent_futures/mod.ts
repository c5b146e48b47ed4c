/**
 * Python's `concurrent.futures` for Deno: run calls on a pool of threads
 * (Workers, with real parallelism) or of processes (`ProcessPoolExecutor`,
 * child `deno` processes) and get their results as Futures.
 *
 * `executor.submit(fn, ...args)` returns a {@linkcode Future}, which is
 * `PromiseLike` (`await future`) and has Python's `result()`/`exception()`
 * in two forms: async, and `Sync` (blocking, also on the main thread).
 * `map`, `asCompleted` and `wait` work as in Python, each with a `Sync`
 * form. `await using pool = new ThreadPoolExecutor()` is Python's `with`.
 *
 * A call's function is a self-contained function (sent by its source text,
 * so it cannot use closure variables) or a module reference
 * (`new URL("./tasks.ts#fib", import.meta.url)`); arguments and results are
 * structured-clone data. Timeouts are in seconds. Threads need
 * `--allow-read` (to load the library's Worker module); processes need
 * `--allow-run`, `--allow-ffi` and `--allow-read` (as multiprocessing's).
 *
 * @example Python's `ProcessPoolExecutor` example, on threads
 * ```ts
 * import { ThreadPoolExecutor } from "@pyconc/std/concurrent_futures";
 * import assert from "node:assert/strict";
 *
 * const isPrime = (n: number) => {
 *   if (n < 2) return false;
 *   if (n === 2) return true;
 *   if (n % 2 === 0) return false;
 *   for (let i = 3; i * i <= n; i += 2) if (n % i === 0) return false;
 *   return true;
 * };
 * const PRIMES = [112272535095293, 112582705942171, 112272535095291, 115280095190773];
 * await using pool = new ThreadPoolExecutor();
 * const results: boolean[] = [];
 * for await (const prime of pool.map(isPrime, PRIMES)) results.push(prime);
 * assert.deepEqual(results, [true, true, false, true]);
 * ```
 *
 * @module
 */

export { type AnyFuture, Future, type FutureWaiter } from "./future.ts";
export {
  type ChunkOutcome,
  Executor,
  type MapOptions,
  type ShutdownOptions,
} from "./executor.ts";
export {
  ThreadPoolExecutor,
  type ThreadPoolExecutorOptions,
} from "./thread_pool_executor.ts";
export {
  ProcessPoolExecutor,
  type ProcessPoolExecutorOptions,
} from "./process_pool_executor.ts";
export {
  ALL_COMPLETED,
  type DoneAndNotDoneFutures,
  FIRST_COMPLETED,
  FIRST_EXCEPTION,
  type ReturnWhen,
  wait,
  type WaitOptions,
  waitSync,
} from "./wait.ts";
export { asCompleted, asCompletedSync } from "./as_completed.ts";
export {
  BrokenExecutor,
  BrokenProcessPool,
  BrokenThreadPool,
  CancelledError,
  InvalidStateError,
} from "./errors.ts";
export * from "../_internal/errors.ts";
export type { Target, TargetFunction } from "../_internal/threads/targets.ts";
