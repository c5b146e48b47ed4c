import { deadlineOf, remaining, toMs } from "../_internal/sync/timeout.ts";
import { type Future, futureInternals } from "./future.ts";
import { futureSet, Waiter } from "./_waiters.ts";
import { TimeoutError } from "./errors.ts";

/**
 * The generator both forms share: yields futures as they complete, and
 * yields `wait` when it must wait (the caller waits its way).
 */
function* completing<T>(
  fs: Iterable<Future<T>>,
  timeout: number | null | undefined,
  what: string,
): Generator<
  Future<T> | { wait: number; waiter: Waiter; pending: Set<Future<T>> },
  void,
  undefined
> {
  const deadline = deadlineOf(toMs(timeout));
  const all = futureSet(fs, what);
  const total = all.size;
  const fi = futureInternals();
  const finished: Future<T>[] = [];
  const pending = new Set<Future<T>>();
  for (const f of all) {
    if (fi.completed(f)) finished.push(f);
    else pending.add(f);
  }
  const waiter = new Waiter("as-completed");
  for (const f of all) fi.addWaiter(f, waiter);
  try {
    // Python yields the already-finished ones first, dropping each from the
    // set it holds (no stale references after a yield).
    while (finished.length > 0) {
      const f = finished.pop()!;
      all.delete(f);
      fi.removeWaiter(f, waiter);
      yield f;
    }
    while (pending.size > 0) {
      const left = remaining(deadline);
      if (left < 0) {
        throw new TimeoutError(
          `${pending.size} (of ${total}) futures unfinished`,
        );
      }
      yield { wait: left, waiter, pending };
      const batch = waiter.finished as Future<T>[];
      waiter.finished = [];
      waiter.clear();
      for (const f of batch) {
        // A future may be reported twice (cancelled, then noticed); once only.
        if (!pending.delete(f)) continue;
        all.delete(f);
        fi.removeWaiter(f, waiter);
        yield f;
      }
    }
  } finally {
    for (const f of all) fi.removeWaiter(f, waiter);
  }
}

/**
 * Python's `concurrent.futures.as_completed`: an async iterator over the
 * futures that yields each one (the Future itself, not its result) as it
 * completes, finished or cancelled-and-noticed ones first. Duplicates are
 * yielded once. Waiting never blocks the event loop.
 *
 * @param fs The futures (any iterable; several executors may be mixed).
 * @param timeout Seconds, counted from the first `next()`, after which the
 *   iterator throws `TimeoutError("N (of M) futures unfinished")`; null
 *   waits forever.
 * @returns an async iterator of the futures.
 * @throws {TimeoutError} From `next()`, once the deadline passed.
 * @throws {TypeError} If `fs` holds something other than futures.
 *
 * Typing: TypeScript gives the variable of a `for await` loop the type of
 * the *awaited* yielded value, and a Future is awaitable, so it types the
 * loop variable as the result (`T`) although it is the Future: cast it
 * (`item as unknown as Future<T>`), or use {@linkcode asCompletedSync}.
 * `await item` is right either way.
 *
 * @example Python's example, with numbers instead of URLs
 * ```ts
 * import { asCompleted, type Future, ThreadPoolExecutor } from "@pyconc/std/concurrent_futures";
 * import assert from "node:assert/strict";
 *
 * await using pool = new ThreadPoolExecutor({ maxWorkers: 3 });
 * const inputs = new Map([1, 2, 3].map((n) => [pool.submit((n: number) => n * 10, n), n]));
 * const seen: number[] = [];
 * for await (const item of asCompleted(inputs.keys())) {
 *   const f = item as unknown as Future<number>; // see "Typing" above
 *   assert.equal(await f, inputs.get(f)! * 10);
 *   seen.push(inputs.get(f)!);
 * }
 * assert.deepEqual(seen.sort(), [1, 2, 3]);
 * ```
 */
export function asCompleted<T>(
  fs: Iterable<Future<T>>,
  timeout: number | null = null,
): AsyncIterableIterator<Future<T>> {
  // Not an async generator: it would await each yielded Future (a
  // thenable) and yield its result instead of the Future.
  let g: ReturnType<typeof completing<T>> | undefined;
  let busy: Promise<unknown> = Promise.resolve();
  const step = async (): Promise<IteratorResult<Future<T>, undefined>> => {
    g ??= completing(fs, timeout, "asCompleted()");
    for (;;) {
      const r = g.next();
      if (r.done) return { done: true, value: undefined };
      const v = r.value;
      if (!("wait" in v)) return { done: false, value: v };
      await v.waiter.waitAsync(v.wait);
    }
  };
  const it: AsyncIterableIterator<Future<T>> = {
    next() {
      // Calls queue up, as an async generator's do.
      const p = busy.then(step, step);
      busy = p.catch(() => {});
      return p;
    },
    return() {
      const p = busy.then(() => {
        g?.return();
        g = emptyGenerator();
        return { done: true as const, value: undefined };
      });
      busy = p;
      return p;
    },
    [Symbol.asyncIterator]() {
      return it;
    },
  };
  return it;
}

function* emptyGenerator<T>(): ReturnType<typeof completing<T>> {}

/**
 * Like {@linkcode asCompleted}, as a sync iterator whose `next()` blocks the
 * calling thread (also the main thread) while it waits.
 *
 * @param fs The futures.
 * @param timeout Seconds, counted from the first `next()`; null waits forever.
 * @returns an iterator of the futures.
 * @throws {TimeoutError} From `next()`, once the deadline passed.
 * @throws {TypeError} If `fs` holds something other than futures.
 *
 * @example
 * ```ts
 * import { asCompletedSync, ThreadPoolExecutor } from "@pyconc/std/concurrent_futures";
 * import assert from "node:assert/strict";
 *
 * using pool = new ThreadPoolExecutor({ maxWorkers: 2 });
 * const fs = [3, 4].map((n) => pool.submit((n: number) => n * n, n));
 * let sum = 0;
 * for (const f of asCompletedSync(fs)) sum += f.resultSync();
 * assert.equal(sum, 25);
 * ```
 */
export function* asCompletedSync<T>(
  fs: Iterable<Future<T>>,
  timeout: number | null = null,
): Generator<Future<T>, void, undefined> {
  const g = completing(fs, timeout, "asCompletedSync()");
  try {
    for (let r = g.next(); !r.done; r = g.next()) {
      const v = r.value;
      if ("wait" in v) {
        v.waiter.waitSync(v.pending, deadlineOf(v.wait));
      } else yield v;
    }
  } finally {
    g.return();
  }
}
