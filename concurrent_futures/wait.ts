import { ValueError } from "../_internal/errors.ts";
import { deadlineOf, toMs } from "../_internal/sync/timeout.ts";
import { type Future, futureInternals } from "./future.ts";
import { futureSet, Waiter } from "./_waiters.ts";

/**
 * `wait()` returns when any future finishes or is cancelled.
 *
 * @example
 * ```ts
 * import { FIRST_COMPLETED } from "@pyconc/std/concurrent_futures";
 * import assert from "node:assert/strict";
 *
 * assert.equal(FIRST_COMPLETED, "FIRST_COMPLETED");
 * ```
 */
export const FIRST_COMPLETED = "FIRST_COMPLETED";

/**
 * `wait()` returns when any future finishes by raising an exception, or
 * when all are done if none raises (then it is {@linkcode ALL_COMPLETED}).
 *
 * @example
 * ```ts
 * import { FIRST_EXCEPTION } from "@pyconc/std/concurrent_futures";
 * import assert from "node:assert/strict";
 *
 * assert.equal(FIRST_EXCEPTION, "FIRST_EXCEPTION");
 * ```
 */
export const FIRST_EXCEPTION = "FIRST_EXCEPTION";

/**
 * `wait()` returns when all futures finish or are cancelled (the default).
 *
 * @example
 * ```ts
 * import { ALL_COMPLETED } from "@pyconc/std/concurrent_futures";
 * import assert from "node:assert/strict";
 *
 * assert.equal(ALL_COMPLETED, "ALL_COMPLETED");
 * ```
 */
export const ALL_COMPLETED = "ALL_COMPLETED";

/** When `wait()` returns. */
export type ReturnWhen =
  | typeof FIRST_COMPLETED
  | typeof FIRST_EXCEPTION
  | typeof ALL_COMPLETED;

/** Options of {@linkcode wait}, Python's keyword arguments. */
export interface WaitOptions {
  /** Seconds to wait at most. @default null (no limit) */
  timeout?: number | null;
  /** When to return. @default ALL_COMPLETED */
  returnWhen?: ReturnWhen;
}

/** What `wait()` returns: Python's `DoneAndNotDoneFutures` named tuple. */
export interface DoneAndNotDoneFutures<T> {
  /** Futures that finished, or were cancelled and noticed by their executor. */
  done: Set<Future<T>>;
  /** The others. */
  notDone: Set<Future<T>>;
}

/** The set-up shared by both forms; returns a result when no wait is needed. */
function prepare<T>(
  fs: Iterable<Future<T>>,
  options: WaitOptions,
  what: string,
): {
  all: Set<Future<T>>;
  done: Set<Future<T>>;
  ms: number;
  waiter?: Waiter;
} {
  const { timeout = null, returnWhen = ALL_COMPLETED } = options ?? {};
  if (
    returnWhen !== FIRST_COMPLETED && returnWhen !== FIRST_EXCEPTION &&
    returnWhen !== ALL_COMPLETED
  ) {
    throw new ValueError(`Invalid return condition: '${String(returnWhen)}'`);
  }
  const ms = toMs(timeout);
  const all = futureSet(fs, what);
  const fi = futureInternals();
  const done = new Set<Future<T>>();
  for (const f of all) if (fi.completed(f)) done.add(f);
  if (done.size === all.size) return { all, done, ms };
  if (returnWhen === FIRST_COMPLETED && done.size > 0) {
    return { all, done, ms };
  }
  if (returnWhen === FIRST_EXCEPTION) {
    for (const f of done) if (fi.failed(f)) return { all, done, ms };
  }
  const waiter = returnWhen === FIRST_COMPLETED
    ? new Waiter("first")
    : new Waiter(
      returnWhen === FIRST_EXCEPTION ? "first-exception" : "all",
      all.size - done.size,
    );
  for (const f of all) fi.addWaiter(f, waiter);
  return { all, done, ms, waiter };
}

function finish<T>(
  all: Set<Future<T>>,
  done: Set<Future<T>>,
  waiter: Waiter | undefined,
): DoneAndNotDoneFutures<T> {
  if (waiter !== undefined) {
    const fi = futureInternals();
    for (const f of all) fi.removeWaiter(f, waiter);
    for (const f of waiter.finished) done.add(f as Future<T>);
  }
  const notDone = new Set<Future<T>>();
  for (const f of all) if (!done.has(f)) notDone.add(f);
  return { done, notDone };
}

/**
 * Python's `concurrent.futures.wait`: waits, without blocking the event
 * loop, until the futures meet `returnWhen` or the timeout passes.
 *
 * A future counts as done once it finished, or was cancelled and its
 * executor noticed (Python's CANCELLED_AND_NOTIFIED); a future cancelled by
 * hand and never run stays in `notDone`, as in Python. Duplicates collapse.
 * A timeout is not an error: check `notDone`.
 *
 * @param fs The futures (any iterable; several executors may be mixed).
 * @param options `timeout` in seconds and `returnWhen`.
 * @returns `{ done, notDone }`.
 * @throws {ValueError} If `returnWhen` is not one of the three constants.
 * @throws {TypeError} If `fs` holds something other than futures.
 *
 * @example
 * ```ts
 * import { FIRST_COMPLETED, ThreadPoolExecutor, wait } from "@pyconc/std/concurrent_futures";
 * import assert from "node:assert/strict";
 *
 * await using pool = new ThreadPoolExecutor({ maxWorkers: 2 });
 * const fast = pool.submit((x: number) => x + 1, 1);
 * const { done } = await wait([fast], { returnWhen: FIRST_COMPLETED });
 * assert.ok(done.has(fast));
 * ```
 */
export async function wait<T>(
  fs: Iterable<Future<T>>,
  options: WaitOptions = {},
): Promise<DoneAndNotDoneFutures<T>> {
  const { all, done, ms, waiter } = prepare(fs, options, "wait()");
  if (waiter !== undefined) await waiter.waitAsync(ms);
  return finish(all, done, waiter);
}

/**
 * Like {@linkcode wait}, blocking the calling thread (also the main thread).
 *
 * @param fs The futures.
 * @param options `timeout` in seconds and `returnWhen`.
 * @returns `{ done, notDone }`.
 * @throws {ValueError} If `returnWhen` is not one of the three constants.
 * @throws {TypeError} If `fs` holds something other than futures.
 *
 * @example
 * ```ts
 * import { ThreadPoolExecutor, waitSync } from "@pyconc/std/concurrent_futures";
 * import assert from "node:assert/strict";
 *
 * using pool = new ThreadPoolExecutor({ maxWorkers: 2 });
 * const fs = [1, 2, 3].map((x) => pool.submit((x: number) => x * x, x));
 * const { done, notDone } = waitSync(fs);
 * assert.equal(done.size, 3);
 * assert.equal(notDone.size, 0);
 * ```
 */
export function waitSync<T>(
  fs: Iterable<Future<T>>,
  options: WaitOptions = {},
): DoneAndNotDoneFutures<T> {
  const { all, done, ms, waiter } = prepare(fs, options, "waitSync()");
  if (waiter !== undefined) {
    try {
      waiter.waitSync(all, deadlineOf(ms));
    } catch (e) {
      finish(all, done, waiter);
      throw e;
    }
  }
  return finish(all, done, waiter);
}
