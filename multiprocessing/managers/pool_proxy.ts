/**
 * The proxies of a manager's Pool (the SyncManager's `Pool` typeid), as
 * CPython's `PoolProxy`, and of what its `*Async` methods return
 * (`AsyncResult`, served through an `AutoProxy` in CPython). `imap` and
 * `imapUnordered` return an {@linkcode IteratorProxy}.
 *
 * @module
 */

import type { Target } from "../../_internal/threads/targets.ts";
import { BaseProxy, registerProxyClass } from "./_proxy.ts";
import { targetToWire } from "./_pool_target.ts";

function call(
  fn: Target,
  args: readonly unknown[] | null | undefined,
  kwds: Record<string, unknown> | null | undefined,
): unknown[] {
  return [targetToWire(fn), [...(args ?? [])], { ...(kwds ?? {}) }];
}

function mapping(
  fn: Target,
  iterable: Iterable<unknown>,
  chunksize: number | null | undefined,
): unknown[] {
  return [targetToWire(fn), [...iterable], chunksize ?? null];
}

/**
 * A proxy for an `AsyncResult` of a manager's Pool (CPython's `AutoProxy`
 * of `ApplyResult`): the task runs in the Pool's workers, the result stays
 * in the server until `get()`.
 *
 * @example Waiting for a task of a manager's Pool
 * ```ts
 * import { Manager } from "@pyconc/std/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * await using manager = await Manager();
 * await using pool = await manager.Pool(1);
 * const r = await pool.applyAsync((a: number, b: number) => a + b, [2, 3]);
 * assert.equal(await r.get(), 5);
 * assert.equal(await r.successful(), true);
 * ```
 */
export class AsyncResultProxy<T = unknown> extends BaseProxy {
  /** CPython's name of this proxy type. */
  static override readonly pyName: string = "AutoProxy";
  /**
   * `get(timeout=None)`: the result (timeout in seconds).
   * @throws The task's error; TimeoutError if not ready in time.
   */
  get(timeout: number | null = null): Promise<T> {
    return this.callMethod("get", [timeout]) as Promise<T>;
  }
  /** Blocking {@linkcode get}. */
  getSync(timeout: number | null = null): T {
    return this.callMethodSync("get", [timeout]) as T;
  }
  /** `wait(timeout=None)`: until ready or the timeout (seconds) passes. */
  async wait(timeout: number | null = null): Promise<void> {
    await this.callMethod("wait", [timeout]);
  }
  /** Blocking {@linkcode wait}. */
  waitSync(timeout: number | null = null): void {
    this.callMethodSync("wait", [timeout]);
  }
  /** `ready()`: whether the task has finished. */
  ready(): Promise<boolean> {
    return this.callMethod("ready") as Promise<boolean>;
  }
  /** Blocking {@linkcode ready}. */
  readySync(): boolean {
    return this.callMethodSync("ready") as boolean;
  }
  /**
   * `successful()`: whether it finished without an error.
   * @throws {ValueError} If it is not ready yet.
   */
  successful(): Promise<boolean> {
    return this.callMethod("successful") as Promise<boolean>;
  }
  /** Blocking {@linkcode successful}. */
  successfulSync(): boolean {
    return this.callMethodSync("successful") as boolean;
  }
}

/** What `imap`/`imapUnordered` return: an iterator proxy. */
export interface PoolIterator<T> extends BaseProxy, AsyncIterable<T> {
  /** `next(it)`. @throws {StopIteration} At the end. */
  next(): Promise<T>;
  /** Blocking {@linkcode next}. */
  nextSync(): T;
}

/**
 * A proxy for a `multiprocessing.Pool` in a manager (Python's
 * `PoolProxy`): the Pool and its worker processes live in the manager's
 * server; tasks are functions sent as a Process's target is (their source
 * text, so self-contained, or a module reference). Callbacks cannot be
 * given (they would run in the server). Disposing the proxy terminates the
 * Pool, as Python's `with manager.Pool() as p:`.
 *
 * @example A Pool in a manager
 * ```ts
 * import { Manager } from "@pyconc/std/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * await using manager = await Manager();
 * await using pool = await manager.Pool(2);
 * assert.deepEqual(await pool.map((x: number) => x * x, [1, 2, 3]), [1, 4, 9]);
 * assert.equal(await pool.apply((a: number) => a + 1, [41]), 42);
 * ```
 */
export class PoolProxy extends BaseProxy {
  /** CPython's name of this proxy type. */
  static override readonly pyName: string = "PoolProxy";

  /** `apply(func, args=(), kwds={})`: runs one task and returns its result. */
  apply<R>(
    // deno-lint-ignore no-explicit-any
    fn: ((...args: any[]) => R) | URL | string,
    args?: readonly unknown[] | null,
    kwds?: Record<string, unknown> | null,
  ): Promise<Awaited<R>> {
    return this.callMethod("apply", call(fn, args, kwds)) as Promise<
      Awaited<R>
    >;
  }
  /** Blocking {@linkcode apply}. */
  applySync<R>(
    // deno-lint-ignore no-explicit-any
    fn: ((...args: any[]) => R) | URL | string,
    args?: readonly unknown[] | null,
    kwds?: Record<string, unknown> | null,
  ): Awaited<R> {
    return this.callMethodSync("apply", call(fn, args, kwds)) as Awaited<R>;
  }
  /** `apply_async(func, args=(), kwds={})` → an AsyncResult proxy. */
  applyAsync<R>(
    // deno-lint-ignore no-explicit-any
    fn: ((...args: any[]) => R) | URL | string,
    args?: readonly unknown[] | null,
    kwds?: Record<string, unknown> | null,
  ): Promise<AsyncResultProxy<Awaited<R>>> {
    return this.callMethod("apply_async", call(fn, args, kwds)) as Promise<
      AsyncResultProxy<Awaited<R>>
    >;
  }
  /** Blocking {@linkcode applyAsync}. */
  applyAsyncSync<R>(
    // deno-lint-ignore no-explicit-any
    fn: ((...args: any[]) => R) | URL | string,
    args?: readonly unknown[] | null,
    kwds?: Record<string, unknown> | null,
  ): AsyncResultProxy<Awaited<R>> {
    return this.callMethodSync(
      "apply_async",
      call(fn, args, kwds),
    ) as AsyncResultProxy<Awaited<R>>;
  }
  /** `map(func, iterable, chunksize=None)`: the results in order. */
  map<T, R>(
    fn: ((item: T) => R) | URL | string,
    iterable: Iterable<T>,
    chunksize?: number | null,
  ): Promise<Awaited<R>[]> {
    return this.callMethod(
      "map",
      mapping(fn as Target, iterable, chunksize),
    ) as Promise<Awaited<R>[]>;
  }
  /** Blocking {@linkcode map}. */
  mapSync<T, R>(
    fn: ((item: T) => R) | URL | string,
    iterable: Iterable<T>,
    chunksize?: number | null,
  ): Awaited<R>[] {
    return this.callMethodSync(
      "map",
      mapping(fn as Target, iterable, chunksize),
    ) as Awaited<R>[];
  }
  /** `map_async(func, iterable, chunksize=None)` → an AsyncResult proxy. */
  mapAsync<T, R>(
    fn: ((item: T) => R) | URL | string,
    iterable: Iterable<T>,
    chunksize?: number | null,
  ): Promise<AsyncResultProxy<Awaited<R>[]>> {
    return this.callMethod(
      "map_async",
      mapping(fn as Target, iterable, chunksize),
    ) as Promise<AsyncResultProxy<Awaited<R>[]>>;
  }
  /** Blocking {@linkcode mapAsync}. */
  mapAsyncSync<T, R>(
    fn: ((item: T) => R) | URL | string,
    iterable: Iterable<T>,
    chunksize?: number | null,
  ): AsyncResultProxy<Awaited<R>[]> {
    return this.callMethodSync(
      "map_async",
      mapping(fn as Target, iterable, chunksize),
    ) as AsyncResultProxy<Awaited<R>[]>;
  }
  /** `starmap(func, iterable, chunksize=None)`: each item is an args list. */
  starmap<R>(
    // deno-lint-ignore no-explicit-any
    fn: ((...args: any[]) => R) | URL | string,
    iterable: Iterable<readonly unknown[]>,
    chunksize?: number | null,
  ): Promise<Awaited<R>[]> {
    return this.callMethod(
      "starmap",
      mapping(fn, [...iterable].map((a) => [...a]), chunksize),
    ) as Promise<Awaited<R>[]>;
  }
  /** Blocking {@linkcode starmap}. */
  starmapSync<R>(
    // deno-lint-ignore no-explicit-any
    fn: ((...args: any[]) => R) | URL | string,
    iterable: Iterable<readonly unknown[]>,
    chunksize?: number | null,
  ): Awaited<R>[] {
    return this.callMethodSync(
      "starmap",
      mapping(fn, [...iterable].map((a) => [...a]), chunksize),
    ) as Awaited<R>[];
  }
  /** `starmap_async(func, iterable, chunksize=None)` → an AsyncResult proxy. */
  starmapAsync<R>(
    // deno-lint-ignore no-explicit-any
    fn: ((...args: any[]) => R) | URL | string,
    iterable: Iterable<readonly unknown[]>,
    chunksize?: number | null,
  ): Promise<AsyncResultProxy<Awaited<R>[]>> {
    return this.callMethod(
      "starmap_async",
      mapping(fn, [...iterable].map((a) => [...a]), chunksize),
    ) as Promise<AsyncResultProxy<Awaited<R>[]>>;
  }
  /** Blocking {@linkcode starmapAsync}. */
  starmapAsyncSync<R>(
    // deno-lint-ignore no-explicit-any
    fn: ((...args: any[]) => R) | URL | string,
    iterable: Iterable<readonly unknown[]>,
    chunksize?: number | null,
  ): AsyncResultProxy<Awaited<R>[]> {
    return this.callMethodSync(
      "starmap_async",
      mapping(fn, [...iterable].map((a) => [...a]), chunksize),
    ) as AsyncResultProxy<Awaited<R>[]>;
  }
  /** `imap(func, iterable, chunksize=1)` → an iterator proxy, in order. */
  imap<T, R>(
    fn: ((item: T) => R) | URL | string,
    iterable: Iterable<T>,
    chunksize = 1,
  ): Promise<PoolIterator<Awaited<R>>> {
    return this.callMethod(
      "imap",
      mapping(fn as Target, iterable, chunksize),
    ) as Promise<PoolIterator<Awaited<R>>>;
  }
  /** Blocking {@linkcode imap}. */
  imapSync<T, R>(
    fn: ((item: T) => R) | URL | string,
    iterable: Iterable<T>,
    chunksize = 1,
  ): PoolIterator<Awaited<R>> {
    return this.callMethodSync(
      "imap",
      mapping(fn as Target, iterable, chunksize),
    ) as PoolIterator<Awaited<R>>;
  }
  /** `imap_unordered(func, iterable, chunksize=1)`: results as they finish. */
  imapUnordered<T, R>(
    fn: ((item: T) => R) | URL | string,
    iterable: Iterable<T>,
    chunksize = 1,
  ): Promise<PoolIterator<Awaited<R>>> {
    return this.callMethod(
      "imap_unordered",
      mapping(fn as Target, iterable, chunksize),
    ) as Promise<PoolIterator<Awaited<R>>>;
  }
  /** Blocking {@linkcode imapUnordered}. */
  imapUnorderedSync<T, R>(
    fn: ((item: T) => R) | URL | string,
    iterable: Iterable<T>,
    chunksize = 1,
  ): PoolIterator<Awaited<R>> {
    return this.callMethodSync(
      "imap_unordered",
      mapping(fn as Target, iterable, chunksize),
    ) as PoolIterator<Awaited<R>>;
  }
  /** `close()`: no more tasks; the workers end once the queued ones ran. */
  async close(): Promise<void> {
    await this.callMethod("close");
  }
  /** Blocking {@linkcode close}. */
  closeSync(): void {
    this.callMethodSync("close");
  }
  /** `terminate()`: ends the workers now; pending results fail. */
  async terminate(): Promise<void> {
    await this.callMethod("terminate");
  }
  /** Blocking {@linkcode terminate}. */
  terminateSync(): void {
    this.callMethodSync("terminate");
  }
  /**
   * `join()`: waits for the workers to end.
   * @throws {ValueError} Unless closed or terminated first.
   */
  async join(): Promise<void> {
    await this.callMethod("join");
  }
  /** Blocking {@linkcode join}. */
  joinSync(): void {
    this.callMethodSync("join");
  }
  /** Python's `__exit__`: terminates the Pool, then releases the proxy. */
  override async [Symbol.asyncDispose](): Promise<void> {
    try {
      await this.terminate();
    } catch { /* released already, or the server is gone */ }
    await super[Symbol.asyncDispose]();
  }
  /** Blocking {@linkcode [Symbol.asyncDispose]}. */
  override [Symbol.dispose](): void {
    try {
      this.terminateSync();
    } catch { /* released already, or the server is gone */ }
    super[Symbol.dispose]();
  }
}

registerProxyClass(PoolProxy, ["Pool"]);
// Pickles as AutoProxy (as CPython's); found by typeid only (proxies.ts
// registers AutoProxy under its name after this).
registerProxyClass(AsyncResultProxy, ["AsyncResult"]);
