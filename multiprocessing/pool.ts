import { ValueError } from "../_internal/errors.ts";
import { encode } from "../_internal/codec/encode.ts";
import { describeTarget, type Target } from "../_internal/threads/targets.ts";
import { INSPECT } from "../_internal/sync/hold.ts";
import type { AnyFuture } from "../concurrent_futures/future.ts";
import {
  type PoolBackend,
  ProcessBackend,
  ThreadBackend,
} from "./_pool_backend.ts";
import {
  type AsyncCallbacks,
  type AsyncResult,
  asyncResult,
} from "./async_result.ts";
import { type IMapIterator, imapIterator } from "./imap_iterator.ts";

/** Options of {@linkcode Pool}, Python's keyword arguments. */
export interface PoolOptions {
  /** How many worker processes. @default cpuCount() */
  processes?: number | null;
  /**
   * Run by each worker when it starts (a target: a self-contained function
   * or a module reference). If it throws, the pool breaks: its pending
   * results fail and later calls throw.
   */
  initializer?: Target | null;
  /** Arguments for the initializer. @default [] */
  initargs?: readonly unknown[];
  /**
   * A worker leaves after this many tasks and a new one takes its place.
   * @default null (never)
   */
  maxtasksperchild?: number | null;
}

/** Options of {@linkcode ThreadPool}, Python's keyword arguments. */
export type ThreadPoolOptions = Omit<PoolOptions, "maxtasksperchild">;

const RUN = "RUN", CLOSE = "CLOSE", TERMINATE = "TERMINATE";

/** Terminates pools collected without `terminate()`/`close()`. */
const collected = new FinalizationRegistry<PoolBackend>((b) => b.terminate());

/** The argument list of a call: `args`, then `kwds` as one final object. */
function callArgs(args: unknown, kwds: unknown): unknown[] {
  if (args == null) args = [];
  if (typeof (args as Iterable<unknown>)[Symbol.iterator] !== "function") {
    throw new TypeError("args must be an array");
  }
  const list = [...(args as Iterable<unknown>)];
  if (kwds != null) {
    if (typeof kwds !== "object" || Array.isArray(kwds)) {
      throw new TypeError("kwds must be a plain object");
    }
    list.push(kwds);
  }
  return list;
}

/** Reads an iterable to the end (or to the error it throws). */
function collect(
  iterable: Iterable<unknown>,
): { items: unknown[]; error?: { error: unknown } } {
  if (
    iterable == null ||
    typeof (iterable as Iterable<unknown>)[Symbol.iterator] !== "function"
  ) {
    throw new TypeError("the iterable argument must be iterable");
  }
  const items: unknown[] = [];
  try {
    for (const item of iterable) items.push(item);
  } catch (error) {
    return { items, error: { error } };
  }
  return { items };
}

function checkChunksize(chunksize: number): void {
  if (!Number.isInteger(chunksize) || chunksize < 1) {
    throw new ValueError(`Chunksize must be 1+, not ${chunksize}`);
  }
}

/**
 * Python's `multiprocessing.Pool`: a pool of worker processes that run
 * tasks (`apply`, `map`, `imap`, `starmap` and their async forms).
 *
 * Every worker starts at construction; a bare number is `processes`, as
 * `Pool(4)` in Python. A task's function is a self-contained function
 * (sent by its source text: no closure variables) or a module reference;
 * its arguments and result are structured-clone data, copied; the
 * library's multiprocessing objects arrive bound to the same shared state.
 * Tasks and results travel through the program's shared heap (a task is
 * one number in the pool's queue); `chunksize` batches calls per task.
 *
 * Faults: a task that throws fails only its own result (with the error's
 * class, message and the worker's stack); a worker process that dies
 * (killed, out of memory, `Deno.exit()`) is replaced, and the task it ran
 * fails with `ProcessError` instead of hanging (Python's Pool would hang);
 * `maxtasksperchild` retires a worker after that many tasks and starts a
 * new one. An initializer that throws breaks the pool: its pending results
 * fail with `ProcessError` and later calls throw it.
 *
 * `close()` then `join()` lets the queued work finish; `terminate()` kills
 * every worker at once (unfinished results fail with `ProcessError`);
 * `using`/`await using` terminate at the end of the block, as Python's
 * `with` does. Callbacks run in this process, in the thread that made the
 * pool.
 *
 * Needs `--allow-run`, `--allow-ffi` and `--allow-read` (as `Process`).
 *
 * @example Python's first Pool example
 * ```ts
 * import { Pool } from "@pyconc/std/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * const f = (x: number) => x * x;
 * using pool = new Pool(2);
 * assert.deepEqual(pool.mapSync(f, [1, 2, 3]), [1, 4, 9]);
 * assert.equal(await pool.apply(f, [10]), 100);
 * ```
 */
export class Pool {
  readonly #b: PoolBackend;
  readonly #processes: number;
  #state: typeof RUN | typeof CLOSE | typeof TERMINATE = RUN;

  /**
   * Starts the pool's workers.
   *
   * @param options Python's keyword arguments, or `processes` alone.
   * @throws {ValueError} If `processes` is below 1, or `maxtasksperchild`
   *   is not a positive integer.
   * @throws {TypeError} If `initializer` is not a target, or `initargs`
   *   cannot be sent.
   * @throws {PermissionError} Without `--allow-run` or `--allow-ffi`.
   */
  constructor(options: PoolOptions | number | null = {}) {
    const o: PoolOptions = typeof options === "number"
      ? { processes: options }
      : options ?? {};
    const { processes, init, initargs } = checkOptions(o);
    const max = o.maxtasksperchild;
    if (
      max != null &&
      (typeof max !== "number" || !Number.isInteger(max) || max <= 0)
    ) {
      throw new ValueError("maxtasksperchild must be a positive int or None");
    }
    this.#processes = processes;
    this.#b = this.makeBackend(
      processes,
      o.initializer ?? null,
      init,
      initargs,
      max ?? 0,
    );
    collected.register(this, this.#b, this.#b);
  }

  /** @internal The workers (ThreadPool overrides it). */
  protected makeBackend(
    processes: number,
    _initializer: Target | null,
    init: ReturnType<typeof describeTarget> | null,
    initargs: unknown[],
    maxTasks: number,
  ): PoolBackend {
    return new ProcessBackend(processes, init, initargs, maxTasks);
  }

  #check(): void {
    if (this.#state !== RUN) throw new ValueError("Pool not running");
  }

  /** Submits `items` in chunks of calls. */
  #chunks(fn: Target, argLists: unknown[][], chunksize: number): AnyFuture[] {
    const out: AnyFuture[] = [];
    for (let i = 0; i < argLists.length; i += chunksize) {
      out.push(
        this.#b.submit(fn, argLists.slice(i, i + chunksize), true),
      );
    }
    return out;
  }

  /** Python's default chunksize of map: about 4 chunks per worker. */
  #defaultChunksize(n: number): number {
    const per = this.#processes * 4;
    return Math.max(1, Math.ceil(n / per));
  }

  #mapAsync<R>(
    fn: Target,
    argLists: unknown[][],
    chunksize: number | null | undefined,
    callbacks: AsyncCallbacks<R[]>,
  ): AsyncResult<R[]> {
    this.#check();
    const size = chunksize ?? this.#defaultChunksize(argLists.length);
    checkChunksize(size);
    return asyncResult<R[]>(this.#chunks(fn, argLists, size), "map", callbacks);
  }

  /**
   * Runs `fn(...args, kwds?)` in a worker and returns its result, without
   * blocking the event loop (Python's `apply`).
   *
   * @param fn A self-contained function or a module reference.
   * @param args Its arguments. @default []
   * @param kwds Passed as one final object argument when given.
   * @returns the result.
   * @throws {ValueError} If the pool is not running.
   * @throws The task's own error.
   */
  apply<R>(
    // deno-lint-ignore no-explicit-any
    fn: ((...args: any[]) => R) | URL | string,
    args?: readonly unknown[] | null,
    kwds?: Record<string, unknown> | null,
  ): Promise<Awaited<R>> {
    try {
      return this.applyAsync(fn, args, kwds).get();
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * Like {@linkcode Pool.apply}, blocking the calling thread.
   *
   * @param fn A self-contained function or a module reference.
   * @param args Its arguments.
   * @param kwds Passed as one final object argument when given.
   * @returns the result.
   */
  applySync<R>(
    // deno-lint-ignore no-explicit-any
    fn: ((...args: any[]) => R) | URL | string,
    args?: readonly unknown[] | null,
    kwds?: Record<string, unknown> | null,
  ): Awaited<R> {
    return this.applyAsync(fn, args, kwds).getSync();
  }

  /**
   * Submits `fn(...args, kwds?)` and returns an {@linkcode AsyncResult}
   * (Python's `apply_async`).
   *
   * @param fn A self-contained function or a module reference.
   * @param args Its arguments.
   * @param kwds Passed as one final object argument when given.
   * @param callbacks `callback` gets the result, `errorCallback` the error.
   * @returns the AsyncResult.
   * @throws {ValueError} If the pool is not running.
   * @throws {TypeError} If an argument cannot be sent (nothing is queued).
   */
  applyAsync<R>(
    // deno-lint-ignore no-explicit-any
    fn: ((...args: any[]) => R) | URL | string,
    args?: readonly unknown[] | null,
    kwds?: Record<string, unknown> | null,
    callbacks: AsyncCallbacks<Awaited<R>> = {},
  ): AsyncResult<Awaited<R>> {
    this.#check();
    const f = this.#b.submit<Awaited<R>>(
      fn as Target,
      callArgs(args, kwds),
      false,
    );
    return asyncResult<Awaited<R>>([f], "apply", callbacks ?? {});
  }

  /**
   * Python's `map`: `fn(item)` for each item, in chunks, results in order,
   * without blocking the event loop.
   *
   * @param fn A self-contained function or a module reference.
   * @param iterable The items (read at once).
   * @param chunksize Items per task. @default about len / (4 × processes)
   * @returns the results.
   * @throws {ValueError} If the pool is not running.
   * @throws The first failing call's error.
   */
  map<T, R>(
    fn: ((item: T) => R) | URL | string,
    iterable: Iterable<T>,
    chunksize?: number | null,
  ): Promise<Awaited<R>[]> {
    try {
      return this.mapAsync(fn, iterable, chunksize).get();
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * Like {@linkcode Pool.map}, blocking the calling thread.
   *
   * @param fn A self-contained function or a module reference.
   * @param iterable The items.
   * @param chunksize Items per task.
   * @returns the results.
   */
  mapSync<T, R>(
    fn: ((item: T) => R) | URL | string,
    iterable: Iterable<T>,
    chunksize?: number | null,
  ): Awaited<R>[] {
    return this.mapAsync(fn, iterable, chunksize).getSync();
  }

  /**
   * Python's `map_async`: like {@linkcode Pool.map}, returning an
   * {@linkcode AsyncResult} of the list.
   *
   * @param fn A self-contained function or a module reference.
   * @param iterable The items.
   * @param chunksize Items per task.
   * @param callbacks `callback` gets the list, `errorCallback` the error.
   * @returns the AsyncResult.
   * @throws {ValueError} If the pool is not running.
   */
  mapAsync<T, R>(
    fn: ((item: T) => R) | URL | string,
    iterable: Iterable<T>,
    chunksize?: number | null,
    callbacks: AsyncCallbacks<Awaited<R>[]> = {},
  ): AsyncResult<Awaited<R>[]> {
    this.#check();
    const { items, error } = collect(iterable);
    if (error !== undefined) throw error.error;
    return this.#mapAsync(
      fn as Target,
      items.map((x) => [x]),
      chunksize,
      callbacks ?? {},
    );
  }

  /**
   * Python's `starmap`: `fn(...item)` for each item (an argument list).
   *
   * @param fn A self-contained function or a module reference.
   * @param iterable Argument lists.
   * @param chunksize Items per task.
   * @returns the results.
   */
  starmap<R>(
    // deno-lint-ignore no-explicit-any
    fn: ((...args: any[]) => R) | URL | string,
    iterable: Iterable<readonly unknown[]>,
    chunksize?: number | null,
  ): Promise<Awaited<R>[]> {
    try {
      return this.starmapAsync<R>(fn, iterable, chunksize).get();
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * Like {@linkcode Pool.starmap}, blocking the calling thread.
   *
   * @param fn A self-contained function or a module reference.
   * @param iterable Argument lists.
   * @param chunksize Items per task.
   * @returns the results.
   */
  starmapSync<R>(
    // deno-lint-ignore no-explicit-any
    fn: ((...args: any[]) => R) | URL | string,
    iterable: Iterable<readonly unknown[]>,
    chunksize?: number | null,
  ): Awaited<R>[] {
    return this.starmapAsync<R>(fn, iterable, chunksize).getSync();
  }

  /**
   * Python's `starmap_async`.
   *
   * @param fn A self-contained function or a module reference.
   * @param iterable Argument lists.
   * @param chunksize Items per task.
   * @param callbacks `callback` gets the list, `errorCallback` the error.
   * @returns the AsyncResult.
   */
  starmapAsync<R>(
    // deno-lint-ignore no-explicit-any
    fn: ((...args: any[]) => R) | URL | string,
    iterable: Iterable<readonly unknown[]>,
    chunksize?: number | null,
    callbacks: AsyncCallbacks<Awaited<R>[]> = {},
  ): AsyncResult<Awaited<R>[]> {
    this.#check();
    const { items, error } = collect(iterable);
    if (error !== undefined) throw error.error;
    const lists = items.map((a) => callArgs(a, null));
    return this.#mapAsync(fn as Target, lists, chunksize, callbacks ?? {});
  }

  #imap<T>(
    fn: Target,
    iterable: Iterable<unknown>,
    chunksize: number,
    ordered: boolean,
  ): IMapIterator<T> {
    this.#check();
    checkChunksize(chunksize);
    const { items, error } = collect(iterable);
    const chunks = this.#chunks(fn, items.map((x) => [x]), chunksize);
    return imapIterator<T>(chunks, ordered, error);
  }

  /**
   * Python's `imap`: like {@linkcode Pool.map}, but results come one by one
   * as an {@linkcode IMapIterator}, in order.
   *
   * @param fn A self-contained function or a module reference.
   * @param iterable The items.
   * @param chunksize Items per task. @default 1
   * @returns the iterator.
   * @throws {ValueError} If the pool is not running, or `chunksize` < 1.
   */
  imap<T, R>(
    fn: ((item: T) => R) | URL | string,
    iterable: Iterable<T>,
    chunksize = 1,
  ): IMapIterator<Awaited<R>> {
    return this.#imap(fn as Target, iterable, chunksize, true);
  }

  /**
   * Python's `imap_unordered`: like {@linkcode Pool.imap}, results in the
   * order they complete.
   *
   * @param fn A self-contained function or a module reference.
   * @param iterable The items.
   * @param chunksize Items per task. @default 1
   * @returns the iterator.
   */
  imapUnordered<T, R>(
    fn: ((item: T) => R) | URL | string,
    iterable: Iterable<T>,
    chunksize = 1,
  ): IMapIterator<Awaited<R>> {
    return this.#imap(fn as Target, iterable, chunksize, false);
  }

  /**
   * No more tasks; the workers leave once the queued ones are done.
   */
  close(): void {
    if (this.#state === RUN) {
      this.#state = CLOSE;
      this.#b.close();
    }
  }

  /**
   * Stops the workers at once (Python's `terminate`): worker processes are
   * killed; results not ready fail with `ProcessError`.
   */
  terminate(): void {
    if (this.#state === TERMINATE) return;
    this.#state = TERMINATE;
    collected.unregister(this.#b);
    this.#b.terminate();
  }

  /**
   * Waits until every worker has ended, without blocking the event loop.
   * @throws {ValueError} If the pool was neither closed nor terminated.
   */
  async join(): Promise<void> {
    if (this.#state === RUN) throw new ValueError("Pool is still running");
    await this.#b.join();
  }

  /**
   * Like {@linkcode Pool.join}, blocking the calling thread.
   * @throws {ValueError} If the pool was neither closed nor terminated.
   */
  joinSync(): void {
    if (this.#state === RUN) throw new ValueError("Pool is still running");
    this.#b.joinSync();
  }

  /** `using`: Python's `__exit__`, which terminates (and here joins). */
  [Symbol.dispose](): void {
    this.terminate();
    this.#b.joinSync();
  }

  /** `await using`: Python's `__exit__`, which terminates (and here joins). */
  async [Symbol.asyncDispose](): Promise<void> {
    this.terminate();
    await this.#b.join();
  }

  /** Python's repr: `<multiprocessing.pool.Pool state=RUN pool_size=4>`. */
  toString(): string {
    return `<multiprocessing.pool.${this.constructor.name} state=${this.#state} pool_size=${this.#processes}>`;
  }

  /** @internal */
  [INSPECT](): string {
    return this.toString();
  }
}

function checkOptions(o: PoolOptions): {
  processes: number;
  init: ReturnType<typeof describeTarget> | null;
  initargs: unknown[];
} {
  let processes = o.processes;
  if (processes == null) processes = navigator.hardwareConcurrency || 1;
  if (typeof processes !== "number" || !Number.isInteger(processes)) {
    throw new TypeError("processes must be an integer");
  }
  if (processes < 1) {
    throw new ValueError("Number of processes must be at least 1");
  }
  if (o.initializer != null && typeof o.initializer !== "function") {
    if (!(o.initializer instanceof URL) && typeof o.initializer !== "string") {
      throw new TypeError("initializer must be a callable");
    }
  }
  const init = o.initializer != null
    ? describeTarget(o.initializer, "initializer")
    : null;
  const initargs = [...(o.initargs ?? [])];
  encode(initargs, "process"); // fails now, not in a worker
  return { processes, init, initargs };
}

/**
 * Python's `multiprocessing.pool.ThreadPool`: the {@linkcode Pool}
 * interface on the library's threads (Workers) instead of processes.
 *
 * Arguments and results are structured-clone data (a SharedArrayBuffer
 * stays shared); the library's threading objects arrive by reference.
 * Differences from `Pool`: threads start as tasks arrive (up to
 * `processes`), a thread cannot be killed, so `terminate()` cancels the
 * tasks that have not started (their results fail with `CancelledError`)
 * and lets running ones finish; a thread that dies breaks the pool
 * (`BrokenThreadPool`), as `ThreadPoolExecutor`'s does.
 *
 * @example The seed's make_dict with ThreadPool(3)
 * ```ts
 * import { ThreadPool } from "@pyconc/std/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * const runner = (s: string): [string, number] => [s, s.length];
 * await using pool = new ThreadPool(3);
 * const dict = new Map<string, number>();
 * for await (const [k, v] of pool.imapUnordered(runner, ["a", "bb", "ccc"])) dict.set(k, v);
 * assert.deepEqual(dict, new Map([["a", 1], ["bb", 2], ["ccc", 3]]));
 * ```
 */
export class ThreadPool extends Pool {
  /**
   * Creates the pool.
   *
   * @param options Python's keyword arguments, or `processes` alone.
   * @throws {ValueError} If `processes` is below 1.
   */
  constructor(options: ThreadPoolOptions | number | null = {}) {
    super(options);
  }

  /** @internal Worker threads. */
  protected override makeBackend(
    processes: number,
    initializer: Target | null,
    _init: ReturnType<typeof describeTarget> | null,
    initargs: unknown[],
  ): PoolBackend {
    return new ThreadBackend(processes, initializer, initargs);
  }
}
