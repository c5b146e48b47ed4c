import { ValueError } from "../_internal/errors.ts";
import { deadlineOf, toMs } from "../_internal/sync/timeout.ts";
import { INSPECT } from "../_internal/sync/hold.ts";
import type { AnyFuture } from "../concurrent_futures/future.ts";
import type { ChunkOutcome } from "../concurrent_futures/executor.ts";
import { blockUntil, portsOf } from "../concurrent_futures/_waiters.ts";
import { TimeoutError } from "./errors.ts";

/** Callbacks of `applyAsync`/`mapAsync`, Python's keyword arguments. */
export interface AsyncCallbacks<T> {
  /** Called with the result when the task succeeds, in this process. */
  callback?: ((result: T) => unknown) | null;
  /** Called with the error when the task fails, in this process. */
  errorCallback?: ((error: unknown) => unknown) | null;
}

/** How an AsyncResult's futures make its value. */
type Shape = "apply" | "map";

/** The friend constructor (not part of the public API). */
let make: <T>(
  futures: AnyFuture[],
  shape: Shape,
  callbacks: AsyncCallbacks<T>,
) => AsyncResult<T>;

/** A done future's outcome: `[true, result]` or `[false, error]`. */
function outcomeOf(f: AnyFuture): [boolean, unknown] {
  try {
    return [true, f.resultSync(0)];
  } catch (e) {
    return [false, e]; // its error, or CancelledError
  }
}

function report(what: string, e: unknown): void {
  console.error(`Exception in ${what}:`, e);
}

/**
 * Python's `multiprocessing.pool.AsyncResult`: the result of
 * `Pool.applyAsync()` or `Pool.mapAsync()`, ready once the task (every
 * chunk of a map) has finished, or as soon as one failed.
 *
 * A callback given to the call runs in the calling process before the
 * result counts as ready, as in Python; an error it throws is reported on
 * stderr. `get()` re-throws the task's error with its class, message and
 * the worker's stack.
 *
 * @typeParam T The result's type.
 *
 * @example
 * ```ts
 * import { Pool } from "@pyconc/std/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * using pool = new Pool(1);
 * const r = pool.applyAsync((x: number) => x * x, [7]);
 * assert.equal(r.getSync(30), 49);
 * assert.ok(r.ready() && r.successful());
 * ```
 */
export class AsyncResult<T = unknown> {
  readonly #futures: AnyFuture[];
  #ready = false;
  #ok = false;
  #value: unknown;
  #wake: (() => void)[] = [];
  // Typed loosely so that AsyncResult<T> stays covariant in T.
  // deno-lint-ignore no-explicit-any
  #callbacks: AsyncCallbacks<any>;

  private constructor(
    futures: AnyFuture[],
    shape: Shape,
    callbacks: AsyncCallbacks<T>,
  ) {
    this.#futures = futures;
    this.#callbacks = callbacks;
    if (shape === "apply") {
      const f = futures[0]!;
      f.addDoneCallback(() => this.#set(...outcomeOf(f)));
      return;
    }
    // A map: chunks, each a list of outcomes; ready when all succeeded or
    // one failed (Python's MapResult fails fast).
    const values: unknown[][] = new Array(futures.length);
    let left = futures.length;
    if (left === 0) {
      this.#set(true, []);
      return;
    }
    futures.forEach((f, i) =>
      f.addDoneCallback(() => {
        if (this.#ready) return;
        const [done, chunk] = outcomeOf(f);
        if (!done) return this.#set(false, chunk);
        const outcomes = chunk as ChunkOutcome[];
        const out: unknown[] = [];
        for (const [ok, v] of outcomes) {
          if (!ok) return this.#set(false, v);
          out.push(v);
        }
        values[i] = out;
        if (--left === 0) this.#set(true, values.flat());
      })
    );
  }

  #set(ok: boolean, value: unknown): void {
    if (this.#ready) return;
    this.#ok = ok;
    this.#value = value;
    const { callback, errorCallback } = this.#callbacks;
    this.#callbacks = {};
    try {
      if (ok && callback) callback(value as T);
      if (!ok && errorCallback) errorCallback(value);
    } catch (e) {
      report(ok ? "callback" : "error callback", e);
    }
    this.#ready = true;
    const wake = this.#wake;
    this.#wake = [];
    for (const fn of wake) fn();
  }

  /** Whether the task has finished (Python's `ready()`). */
  ready(): boolean {
    if (!this.#ready) blockUntil(() => true, 0, portsOf(this.#futures));
    return this.#ready;
  }

  /**
   * Whether the task finished without an error.
   * @throws {ValueError} If it is not ready yet (as CPython 3.11).
   */
  successful(): boolean {
    if (!this.ready()) throw new ValueError(`${this} not ready`);
    return this.#ok;
  }

  /**
   * Waits until the result is ready or `timeout` seconds passed, without
   * blocking the event loop.
   * @param timeout Seconds, or null (the default) to wait for ever.
   */
  async wait(timeout: number | null = null): Promise<void> {
    const ms = toMs(timeout);
    if (this.ready() || ms <= 0) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await new Promise<void>((resolve) => {
      this.#wake.push(resolve);
      if (ms !== Infinity) timer = setTimeout(resolve, ms);
    });
    if (timer !== undefined) clearTimeout(timer);
  }

  /**
   * Like {@linkcode AsyncResult.wait}, blocking the calling thread.
   * @param timeout Seconds, or null to wait for ever.
   */
  waitSync(timeout: number | null = null): void {
    const deadline = deadlineOf(toMs(timeout));
    blockUntil(() => this.#ready, deadline, portsOf(this.#futures));
  }

  /**
   * The result once it is ready, without blocking the event loop.
   * @param timeout Seconds, or null to wait for ever.
   * @returns the task's result.
   * @throws {TimeoutError} If it is not ready within `timeout`.
   * @throws The task's own error, if it threw.
   */
  async get(timeout: number | null = null): Promise<T> {
    await this.wait(timeout);
    return this.#get();
  }

  /**
   * Like {@linkcode AsyncResult.get}, blocking the calling thread.
   * @param timeout Seconds, or null to wait for ever.
   * @returns the task's result.
   * @throws {TimeoutError} If it is not ready within `timeout`.
   * @throws The task's own error, if it threw.
   */
  getSync(timeout: number | null = null): T {
    this.waitSync(timeout);
    return this.#get();
  }

  #get(): T {
    if (!this.#ready) throw new TimeoutError();
    if (!this.#ok) throw this.#value;
    return this.#value as T;
  }

  /** Python's repr. */
  toString(): string {
    return `<multiprocessing.pool.${
      this.#futures.length === 1 ? "ApplyResult" : "MapResult"
    } object>`;
  }

  /** @internal */
  [INSPECT](): string {
    return this.toString();
  }

  static {
    make = (futures, shape, callbacks) =>
      new AsyncResult(futures, shape, callbacks);
  }
}

/** @internal Makes an AsyncResult over a pool's futures. */
export function asyncResult<T>(
  futures: AnyFuture[],
  shape: Shape,
  callbacks: AsyncCallbacks<T> = {},
): AsyncResult<T> {
  return make(futures, shape, callbacks);
}
