import { ValueError } from "../_internal/errors.ts";
import { encode } from "../_internal/codec/encode.ts";
import {
  describeTarget,
  type Target,
  type TargetFunction,
} from "../_internal/threads/targets.ts";
import {
  type ChunkOutcome,
  Executor,
  type ShutdownOptions,
} from "./executor.ts";
import type { Future } from "./future.ts";
import { BrokenProcessPool } from "./errors.ts";
import { ProcessPoolOwner } from "./_process_pool.ts";

/** Options of {@linkcode ProcessPoolExecutor}, Python's keyword arguments. */
export interface ProcessPoolExecutorOptions {
  /**
   * The most worker processes the pool starts (lazily, one per submit while
   * none is idle). @default cpuCount()
   */
  maxWorkers?: number | null;
  /**
   * Run by each worker process when it starts (a target: a self-contained
   * function or a module reference). If it throws, the pool breaks.
   */
  initializer?: Target | null;
  /** Arguments for the initializer. @default [] */
  initargs?: readonly unknown[];
  /**
   * A worker leaves after this many tasks and a new process takes its
   * place (frees what a task leaked). @default null (never)
   */
  maxTasksPerChild?: number | null;
}

/** Shuts down pools collected without `shutdown()` (Python's weakref callback). */
const collected = new FinalizationRegistry<ProcessPoolOwner>((owner) => {
  if (!owner.shutdown) owner.close(false);
});

function shutdownArgs(
  options: ShutdownOptions | boolean | undefined,
): { wait: boolean; cancelFutures: boolean } {
  if (typeof options === "boolean") {
    return { wait: options, cancelFutures: false };
  }
  const { wait = true, cancelFutures = false } = options ?? {};
  return { wait: Boolean(wait), cancelFutures: Boolean(cancelFutures) };
}

/**
 * Python's `concurrent.futures.ProcessPoolExecutor`: runs calls in a pool of
 * child `deno` processes, with real parallelism and memory of their own.
 *
 * Workers start lazily, one per `submit` while none is idle, up to
 * `maxWorkers`, and are reused. A call's function is a self-contained
 * function (sent by its source text: no closure variables) or a module
 * reference; its arguments and result are structured-clone data, copied
 * (SharedArrayBuffers too); the library's multiprocessing objects (locks,
 * queues, values, shared memory) arrive bound to the same shared state. An
 * error thrown by a call reaches the future with its class, message and
 * the worker's stack.
 *
 * Calls and results travel through the program's shared heap: a call is
 * one number in the pool's queue, its arguments and result sit in the
 * future's shared state, and a worker wakes the submitting thread through
 * a futex. `map`'s `chunksize` batches calls per queue item.
 *
 * If a worker process dies (killed, out of memory, `Deno.exit()` in a
 * call) or the initializer throws, the pool breaks: every running and
 * pending future fails with {@linkcode BrokenProcessPool}, the other
 * workers are terminated, and `submit` throws it. Nothing hangs: the
 * owner notices a dead worker within about 100 ms.
 *
 * `await using pool = new ProcessPoolExecutor()` shuts down at the end of
 * the block, waiting for the work. Needs `--allow-run`, `--allow-ffi` and
 * `--allow-read` (as `multiprocessing.Process`).
 *
 * Differences from Python: the workers are started with the `spawn` method
 * only (`mpContext` does not exist); the first worker of a new pool is the
 * child the library keeps booted ahead (see `multiprocessing.Process`).
 *
 * @example Python's `ProcessPoolExecutor` example
 * ```ts
 * import { ProcessPoolExecutor } from "@pyconc/std/concurrent_futures";
 * import assert from "node:assert/strict";
 *
 * const isPrime = (n: number) => {
 *   if (n < 2) return false;
 *   if (n % 2 === 0) return n === 2;
 *   for (let i = 3; i * i <= n; i += 2) if (n % i === 0) return false;
 *   return true;
 * };
 * const PRIMES = [112272535095293, 112582705942171, 112272535095291, 115280095190773];
 * await using pool = new ProcessPoolExecutor({ maxWorkers: 2 });
 * const results: boolean[] = [];
 * for await (const prime of pool.map(isPrime, PRIMES)) results.push(prime);
 * assert.deepEqual(results, [true, true, false, true]);
 * ```
 */
export class ProcessPoolExecutor extends Executor {
  readonly #o: ProcessPoolOwner;
  readonly #maxWorkers: number;

  /**
   * Creates a pool; no process starts before the first `submit`.
   *
   * @param options Python's keyword arguments, or `maxWorkers` alone.
   * @throws {ValueError} If `maxWorkers` or `maxTasksPerChild` is not above 0.
   * @throws {TypeError} If `initializer` is not a target, or `initargs`
   *   cannot be sent to a process.
   */
  constructor(options: ProcessPoolExecutorOptions | number = {}) {
    super();
    const o = typeof options === "number"
      ? { maxWorkers: options }
      : options ?? {};
    let max = o.maxWorkers;
    if (max == null) max = navigator.hardwareConcurrency || 1;
    if (typeof max !== "number" || !Number.isInteger(max)) {
      throw new TypeError("max_workers must be an integer");
    }
    if (max <= 0) throw new ValueError("max_workers must be greater than 0");
    const perChild = o.maxTasksPerChild ?? 0;
    if (o.maxTasksPerChild != null) {
      if (typeof perChild !== "number" || !Number.isInteger(perChild)) {
        throw new TypeError("max_tasks_per_child must be an integer");
      }
      if (perChild <= 0) {
        throw new ValueError("max_tasks_per_child must be >= 1");
      }
    }
    const init = o.initializer != null
      ? describeTarget(o.initializer, "initializer")
      : null;
    const initargs = [...(o.initargs ?? [])];
    encode(initargs, "process"); // fails now, not in a worker
    this.#maxWorkers = max;
    this.#o = new ProcessPoolOwner({
      workers: max,
      init,
      initargs,
      maxTasks: perChild,
      kind: "executor",
      eager: false,
      prefix: "SpawnProcess",
      lostError: (m) => new BrokenProcessPool(m),
    });
    collected.register(this, this.#o, this.#o);
  }

  /** The most processes this pool starts (Python's `_max_workers`). */
  get maxWorkers(): number {
    return this.#maxWorkers;
  }

  /**
   * Schedules `fn(...args)` in a worker process.
   *
   * @param fn A self-contained function (sent by its source: no closure
   *   variables; it may `await import(...)`) or a module reference
   *   (`new URL("./tasks.ts#fib", import.meta.url)`). It may be async.
   * @param args Its arguments (structured-clone data, copied).
   * @returns a Future of the result.
   * @throws {RuntimeError} After `shutdown()`.
   * @throws {BrokenProcessPool} If the pool is broken.
   * @throws {TypeError} If `fn` or an argument cannot be sent (nothing is
   *   queued).
   *
   * @example
   * ```ts
   * import { ProcessPoolExecutor } from "@pyconc/std/concurrent_futures";
   * import assert from "node:assert/strict";
   *
   * await using pool = new ProcessPoolExecutor({ maxWorkers: 1 });
   * const f = pool.submit((base: bigint, exp: bigint) => base ** exp, 2n, 100n);
   * assert.equal(await f, 2n ** 100n);
   * ```
   */
  submit<A extends unknown[], R>(
    fn: ((...args: A) => R) | URL | string,
    ...args: A
  ): Future<Awaited<R>> {
    return this.#o.submit<Awaited<R>>(fn as Target, args, false);
  }

  /**
   * A chunk of `map` calls as one work item (see `MapOptions.chunksize`).
   *
   * @param fn The callable.
   * @param chunk Argument lists.
   * @returns a future of the calls' outcomes.
   */
  protected override submitChunk(
    fn: TargetFunction | URL | string,
    chunk: unknown[][],
  ): Future<ChunkOutcome[]> {
    return this.#o.submit<ChunkOutcome[]>(fn, chunk, true);
  }

  /**
   * Python's `shutdown`: no more submits; with `wait` (the default),
   * resolves once the queued work is done and the workers ended; with
   * `cancelFutures`, work that has not started is cancelled first. Safe to
   * call more than once.
   *
   * @param options `{ wait = true, cancelFutures = false }`, or `wait` alone.
   *
   * @example
   * ```ts
   * import { ProcessPoolExecutor } from "@pyconc/std/concurrent_futures";
   * import assert from "node:assert/strict";
   *
   * const pool = new ProcessPoolExecutor({ maxWorkers: 1 });
   * const f = pool.submit((x: number) => x + 1, 1);
   * await pool.shutdown();
   * assert.equal(f.resultSync(0), 2);
   * assert.throws(() => pool.submit((x: number) => x, 1), /after shutdown/);
   * ```
   */
  async shutdown(options?: ShutdownOptions | boolean): Promise<void> {
    const { wait, cancelFutures } = shutdownArgs(options);
    this.#o.close(cancelFutures);
    if (wait) await this.#o.join();
  }

  /**
   * Like {@linkcode ProcessPoolExecutor.shutdown}, blocking the calling
   * thread while it waits.
   *
   * @param options `{ wait = true, cancelFutures = false }`, or `wait` alone.
   */
  shutdownSync(options?: ShutdownOptions | boolean): void {
    const { wait, cancelFutures } = shutdownArgs(options);
    this.#o.close(cancelFutures);
    if (wait) this.#o.joinSync();
  }
}
