import { ValueError } from "../_internal/errors.ts";
import { deadlineOf, now, toMs } from "../_internal/sync/timeout.ts";
import type { Target, TargetFunction } from "../_internal/threads/targets.ts";
import type { AnyFuture, Future } from "./future.ts";
import { SHARE } from "../_internal/codec/shareable.ts";

/** Options of `Executor.map`, Python's keyword arguments. */
export interface MapOptions {
  /**
   * Seconds, counted from the `map()` call, after which getting a result
   * that is not ready throws `TimeoutError`. @default null (no limit)
   */
  timeout?: number | null;
  /**
   * How many calls travel to a worker as one work item. Python's
   * ThreadPoolExecutor ignores it; here it cuts the per-call dispatch cost.
   * Results still come one by one, in order. @default 1
   */
  chunksize?: number;
}

/** Options of `Executor.shutdown`, Python's keyword arguments. */
export interface ShutdownOptions {
  /**
   * Wait until the pending work is done and the workers have ended.
   * @default true
   */
  wait?: boolean;
  /** Cancel the work that has not started yet. @default false */
  cancelFutures?: boolean;
}

/**
 * The outcomes of a chunk of calls: each call's value in call order, and
 * the indices (ascending) of the calls that threw, whose slot holds the
 * error. Two arrays per chunk, nothing per call: a chunk of trivial calls
 * costs its values only (allocation, encoding, decoding).
 */
export type ChunkOutcome = [values: unknown[], failed: number[]];

/** Splits `map`'s rest arguments into iterables and options. */
function mapArguments(
  rest: readonly unknown[],
): {
  iterables: Iterable<unknown>[];
  timeout: number | null;
  chunksize: number;
} {
  let options: MapOptions = {};
  let n = rest.length;
  const last = rest[n - 1];
  if (
    n > 0 && typeof last === "object" && last !== null &&
    typeof (last as Partial<Iterable<unknown>>)[Symbol.iterator] !==
      "function" &&
    (Object.getPrototypeOf(last) === Object.prototype ||
      Object.getPrototypeOf(last) === null)
  ) {
    options = last as MapOptions;
    n--;
  }
  const iterables: Iterable<unknown>[] = [];
  for (let i = 0; i < n; i++) {
    const it = rest[i] as Partial<Iterable<unknown>> | null;
    if (it == null || typeof it[Symbol.iterator] !== "function") {
      throw new TypeError(`map() argument ${i + 2} must be iterable`);
    }
    iterables.push(it as Iterable<unknown>);
  }
  const { timeout = null, chunksize = 1 } = options;
  if (!Number.isInteger(chunksize) || chunksize < 1) {
    throw new ValueError("chunksize must be >= 1.");
  }
  toMs(timeout); // checks it
  return { iterables, timeout, chunksize };
}

/** Python's `zip(*iterables)`: argument lists until the shortest ends. */
function* zip(iterables: Iterable<unknown>[]): Generator<unknown[]> {
  if (iterables.length === 0) return;
  const its = iterables.map((it) => it[Symbol.iterator]());
  try {
    for (;;) {
      const args: unknown[] = [];
      for (const it of its) {
        const r = it.next();
        if (r.done) return;
        args.push(r.value);
      }
      yield args;
    }
  } finally {
    for (const it of its) it.return?.();
  }
}

/** One submitted unit of a map: a call, or a chunk of calls. */
type Unit = { f: AnyFuture; chunk: boolean };

/**
 * Python's `concurrent.futures.Executor`: the abstract interface of
 * executors, which run calls asynchronously in other threads or processes.
 * Subclasses implement `submit` and `shutdown`/`shutdownSync`; `map`,
 * `mapSync` and disposal are built on them here, as in Python.
 *
 * `await using executor = …` shuts it down with `wait: true` at the end of
 * the block (Python's `with`); `using` does the same, blocking.
 *
 * @example An executor that runs calls in this thread (for tests)
 * ```ts
 * import { Executor, Future } from "@pyconc/std/concurrent_futures";
 * import assert from "node:assert/strict";
 *
 * class InlineExecutor extends Executor {
 *   submit<A extends unknown[], R>(fn: (...args: A) => R, ...args: A): Future<Awaited<R>> {
 *     const f = new Future<Awaited<R>>();
 *     f.setRunningOrNotifyCancel();
 *     try {
 *       f.setResult(fn(...args) as Awaited<R>);
 *     } catch (e) {
 *       f.setException(e);
 *     }
 *     return f;
 *   }
 *   shutdown(): Promise<void> {
 *     return Promise.resolve();
 *   }
 *   shutdownSync(): void {}
 * }
 *
 * const ex = new InlineExecutor();
 * assert.deepEqual([...ex.mapSync((a: number, b: number) => a + b, [1, 2], [10, 20])], [11, 22]);
 * ```
 */
export abstract class Executor {
  /**
   * Schedules `fn(...args)` and returns a Future of its result.
   *
   * @param fn The callable: a self-contained function (sent by its source)
   *   or a module reference (`new URL("./tasks.ts#fib", import.meta.url)`).
   * @param args Its arguments (structured-clone data).
   * @returns the future.
   * @throws {RuntimeError} If the executor was shut down.
   * @throws {BrokenExecutor} If it is broken.
   */
  abstract submit<A extends unknown[], R>(
    fn: ((...args: A) => R) | URL | string,
    ...args: A
  ): Future<Awaited<R>>;

  /**
   * Schedules a chunk of calls as one work item, for `map` with `chunksize`
   * above 1; the future's result lists each call's outcome. Executors that
   * cannot return `undefined` (the default), and `map` submits call by call.
   *
   * @param fn The callable.
   * @param chunk Argument lists (with `flat`, single arguments).
   * @param flat Whether each call takes one argument, `chunk[i]` itself
   *   (a map over one iterable: no list per call).
   * @returns a future of the outcomes, or undefined.
   */
  protected submitChunk(
    fn: TargetFunction | URL | string,
    chunk: unknown[],
    flat = false,
  ): Future<ChunkOutcome> | undefined {
    void fn, chunk, flat;
    return undefined;
  }

  /**
   * Submits the calls of a map eagerly (Python's map collects its
   * iterables at once), so they run even if no result is ever asked for.
   */
  #submitAll(
    fn: Target,
    iterables: Iterable<unknown>[],
    chunksize: number,
  ): Unit[] {
    const units: Unit[] = [];
    try {
      if (chunksize > 1 && iterables.length === 1) {
        this.#submitFlat(fn, iterables[0]!, chunksize, units);
      } else if (chunksize > 1) {
        let chunk: unknown[][] = [];
        const flush = (): boolean => {
          const f = this.submitChunk(fn, chunk);
          if (f === undefined) return false;
          units.push({ f, chunk: true });
          chunk = [];
          return true;
        };
        let chunked = true;
        for (const args of zip(iterables)) {
          if (!chunked) {
            units.push({
              f: this.submit(fn as TargetFunction, ...args),
              chunk: false,
            });
            continue;
          }
          chunk.push(args);
          if (chunk.length === chunksize && !flush()) {
            chunked = false;
            for (const a of chunk) {
              units.push({
                f: this.submit(fn as TargetFunction, ...a),
                chunk: false,
              });
            }
            chunk = [];
          }
        }
        if (chunk.length > 0 && !flush()) {
          for (const a of chunk) {
            units.push({
              f: this.submit(fn as TargetFunction, ...a),
              chunk: false,
            });
          }
        }
      } else {
        for (const args of zip(iterables)) {
          units.push({
            f: this.submit(fn as TargetFunction, ...args),
            chunk: false,
          });
        }
      }
    } catch (e) {
      for (const u of units) u.f.cancel();
      throw e;
    }
    return units;
  }

  /**
   * `#submitAll` over one iterable: chunks of single arguments (no list
   * per call; call by call where the executor has no chunks).
   */
  #submitFlat(
    fn: Target,
    iterable: Iterable<unknown>,
    chunksize: number,
    units: Unit[],
  ): void {
    let chunk: unknown[] = [];
    let chunked = true;
    const one = (v: unknown) =>
      units.push({ f: this.submit(fn as TargetFunction, v), chunk: false });
    const flush = (): void => {
      const f = chunked ? this.submitChunk(fn, chunk, true) : undefined;
      if (f !== undefined) units.push({ f, chunk: true });
      else {
        chunked = false;
        for (const v of chunk) one(v);
      }
      chunk = [];
    };
    for (const v of iterable) {
      if (!chunked) {
        one(v);
        continue;
      }
      chunk.push(v);
      if (chunk.length === chunksize) flush();
    }
    if (chunk.length > 0) flush();
  }

  /**
   * Python's `Executor.map`: calls `fn` with arguments taken from each
   * iterable in turn (until the shortest ends), concurrently, and returns an
   * async iterator of the results in order.
   *
   * Every call is submitted at once, before the first result is asked for;
   * results are taken lazily. Getting a result that is not ready once
   * `timeout` seconds passed since this call throws `TimeoutError`. A call
   * that threw throws at its place in the order. Leaving the loop early
   * (`break`, an error) cancels the calls that have not started.
   *
   * @param fn The callable (a self-contained function or a module reference).
   * @param iterables The argument iterables, optionally followed by a plain
   *   options object `{ timeout, chunksize }`.
   * @returns an async iterator of the results.
   * @throws {TypeError} If an argument is not iterable.
   * @throws {ValueError} If `chunksize` is not a positive integer.
   *
   * @example
   * ```ts
   * import { ThreadPoolExecutor } from "@pyconc/std/concurrent_futures";
   * import assert from "node:assert/strict";
   *
   * await using pool = new ThreadPoolExecutor({ maxWorkers: 2 });
   * const out: number[] = [];
   * for await (const r of pool.map((a: number, b: number) => a ** b, [2, 3, 4], [5, 2, 3])) {
   *   out.push(r);
   * }
   * assert.deepEqual(out, [32, 9, 64]);
   * ```
   */
  map<A extends unknown[], R>(
    fn: ((...args: A) => R) | URL | string,
    ...iterables: (Iterable<unknown> | MapOptions)[]
  ): AsyncIterableIterator<Awaited<R>> {
    const { iterables: its, timeout, chunksize } = mapArguments(iterables);
    const deadline = deadlineOf(toMs(timeout));
    const units = this.#submitAll(fn as Target, its, chunksize);
    return results<Awaited<R>>(units, deadline, timeout !== null);
  }

  /**
   * Like {@linkcode Executor.map}, as a sync iterator whose `next()` blocks
   * the calling thread (also the main thread) until the result is ready.
   *
   * @param fn The callable.
   * @param iterables The argument iterables, optionally followed by
   *   `{ timeout, chunksize }`.
   * @returns an iterator of the results.
   * @throws {TypeError} If an argument is not iterable.
   * @throws {ValueError} If `chunksize` is not a positive integer.
   *
   * @example
   * ```ts
   * import { ThreadPoolExecutor } from "@pyconc/std/concurrent_futures";
   * import assert from "node:assert/strict";
   *
   * using pool = new ThreadPoolExecutor({ maxWorkers: 2 });
   * assert.deepEqual([...pool.mapSync((x: number) => x * 2, [1, 2, 3])], [2, 4, 6]);
   * ```
   */
  mapSync<A extends unknown[], R>(
    fn: ((...args: A) => R) | URL | string,
    ...iterables: (Iterable<unknown> | MapOptions)[]
  ): IterableIterator<Awaited<R>> {
    const { iterables: its, timeout, chunksize } = mapArguments(iterables);
    const deadline = deadlineOf(toMs(timeout));
    const units = this.#submitAll(fn as Target, its, chunksize);
    return resultsSync<Awaited<R>>(units, deadline, timeout !== null);
  }

  /**
   * Frees the executor's resources; later `submit` calls throw
   * RuntimeError. Safe to call more than once.
   *
   * @param options `wait` (default true): resolve once pending work is done
   *   and the workers ended; `cancelFutures` (default false): cancel the
   *   work that has not started.
   */
  abstract shutdown(options?: ShutdownOptions | boolean): Promise<void>;

  /**
   * Like {@linkcode Executor.shutdown}, blocking the calling thread while it
   * waits.
   *
   * @param options `wait` and `cancelFutures`.
   */
  abstract shutdownSync(options?: ShutdownOptions | boolean): void;

  /** `await using`: Python's `__exit__`, `shutdown({ wait: true })`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown({ wait: true });
  }

  /** `using`: Python's `__exit__`, blocking (`shutdownSync({ wait: true })`). */
  [Symbol.dispose](): void {
    this.shutdownSync({ wait: true });
  }

  /**
   * @internal An executor stays in the thread that created it: sending one
   * throws a TypeError at once, rather than deliver an empty object.
   */
  [SHARE](): never {
    throw new TypeError(
      `Cannot send a ${this.constructor.name} to another thread: it stays in the thread that created it`,
    );
  }
}

/** Seconds left until `deadline`, or null without a timeout. */
function left(deadline: number, timed: boolean): number | null {
  return timed ? (deadline - now()) / 1000 : null;
}

/** Python's `_result_or_cancel`: the result, and the future cancelled. */
async function resultOrCancel(
  f: AnyFuture,
  timeout: number | null,
): Promise<unknown> {
  try {
    return await f.result(timeout);
  } finally {
    f.cancel();
  }
}

function resultOrCancelSync(
  f: AnyFuture,
  timeout: number | null,
): unknown {
  try {
    return f.resultSync(timeout);
  } finally {
    f.cancel();
  }
}

/** Yields a chunk's outcomes: values, or throws a failed call's error. */
function* unpack([values, failed]: ChunkOutcome): Generator<unknown> {
  const end = failed.length > 0 ? failed[0]! : values.length;
  for (let i = 0; i < end; i++) yield values[i];
  if (end < values.length) throw values[end];
}

async function* results<R>(
  units: Unit[],
  deadline: number,
  timed: boolean,
): AsyncGenerator<R, void, undefined> {
  // Python pops from the end of a reversed list: no stale references.
  units.reverse();
  try {
    while (units.length > 0) {
      const u = units.pop()!;
      const value = await resultOrCancel(u.f, left(deadline, timed));
      if (u.chunk) yield* unpack(value as ChunkOutcome) as Generator<R>;
      else yield value as R;
    }
  } finally {
    for (const u of units) u.f.cancel();
  }
}

function* resultsSync<R>(
  units: Unit[],
  deadline: number,
  timed: boolean,
): Generator<R, void, undefined> {
  units.reverse();
  try {
    while (units.length > 0) {
      const u = units.pop()!;
      const value = resultOrCancelSync(u.f, left(deadline, timed));
      if (u.chunk) yield* unpack(value as ChunkOutcome) as Generator<R>;
      else yield value as R;
    }
  } finally {
    for (const u of units) u.f.cancel();
  }
}
