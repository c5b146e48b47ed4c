// Ports test_concurrent_futures/test_as_completed.py, for asCompleted() and
// asCompletedSync().
import assert from "node:assert/strict";
import {
  asCompleted,
  asCompletedSync,
  Future,
  ThreadPoolExecutor,
  TimeoutError,
} from "../../concurrent_futures/mod.ts";
import { Event } from "../../threading/mod.ts";
import {
  CANCELLED_AND_NOTIFIED_FUTURE,
  createFuture,
  EXCEPTION_FUTURE,
  PENDING_FUTURE,
  RUNNING_FUTURE,
  SUCCESSFUL_FUTURE,
} from "./_fixtures.ts";
import { assertTimeout, threadTest, timed } from "../_helpers.ts";

const mul = new URL("./_fixtures.ts#mul", import.meta.url);
const waitFor = (e: Event) => e.waitSync();

type Collect = (
  fs: Iterable<Future<unknown>>,
  timeout?: number | null,
  each?: (f: Future<unknown>) => void,
) => Promise<Future<unknown>[]>;

/** Collects what each form yields (up to an error, which it rethrows). */
const collectAsync: Collect = async (fs, timeout, each) => {
  const out: Future<unknown>[] = [];
  // TypeScript types a `for await` variable as the awaited value (the
  // result); at run time it is the Future.
  for await (const item of asCompleted(fs, timeout)) {
    const f = item as unknown as Future<unknown>;
    out.push(f);
    each?.(f);
  }
  return out;
};
// deno-lint-ignore require-await
const collectSync: Collect = async (fs, timeout, each) => {
  const out: Future<unknown>[] = [];
  for (const f of asCompletedSync(fs, timeout)) {
    out.push(f);
    each?.(f);
  }
  return out;
};

function both(name: string, fn: (c: Collect) => Promise<void>): void {
  threadTest(`asCompleted(): ${name}`, () => fn(collectAsync));
  threadTest(`asCompletedSync(): ${name}`, () => fn(collectSync));
}

both("yields every future, done ones and pool ones", async (c) => {
  await using pool = new ThreadPoolExecutor(5);
  const f1 = pool.submit(mul, 2, 21);
  const f2 = pool.submit(mul, 7, 6);
  const completed = await c([
    CANCELLED_AND_NOTIFIED_FUTURE,
    EXCEPTION_FUTURE,
    SUCCESSFUL_FUTURE,
    f1,
    f2,
  ]);
  assert.equal(completed.length, 5);
  assert.deepEqual(
    new Set(completed),
    new Set([
      CANCELLED_AND_NOTIFIED_FUTURE,
      EXCEPTION_FUTURE,
      SUCCESSFUL_FUTURE,
      f1,
      f2,
    ]),
  );
  assert.equal(f1.resultSync(0), 42);
});

both(
  "yields the done ones, then throws TimeoutError at the deadline",
  async (c) => {
    await using pool = new ThreadPoolExecutor(5);
    const alreadyCompleted = [
      CANCELLED_AND_NOTIFIED_FUTURE,
      EXCEPTION_FUTURE,
      SUCCESSFUL_FUTURE,
    ];
    for (const timeout of [0, 0.1]) {
      const event = new Event();
      const future = pool.submit(waitFor, event);
      const seen = new Set<Future<unknown>>();
      try {
        const [err, seconds] = await timed(() =>
          c([...alreadyCompleted, future], timeout, (f) => seen.add(f)).then(
            () => undefined,
            (e) => e,
          )
        );
        assert.ok(err instanceof TimeoutError, String(err));
        assert.equal(err.message, "1 (of 4) futures unfinished");
        if (timeout > 0) assertTimeout(seconds, timeout);
        assert.deepEqual(seen, new Set(alreadyCompleted));
      } finally {
        event.set();
      }
      await future;
    }
  },
);

both(
  "duplicates are yielded once (bpo-20367), from any iterable (bpo-31641)",
  async (c) => {
    await using pool = new ThreadPoolExecutor(5);
    const future1 = pool.submit(
      (ms: number) =>
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms),
      100,
    );
    function* repeat() {
      for (let i = 0; i < 3; i++) yield future1;
    }
    const completed = await c(repeat());
    assert.deepEqual(completed, [future1]);
  },
);

both("the TimeoutError says how many are unfinished", async (c) => {
  const fs = [
    CANCELLED_AND_NOTIFIED_FUTURE,
    PENDING_FUTURE,
    RUNNING_FUTURE,
    SUCCESSFUL_FUTURE,
  ];
  await assert.rejects(c(fs, 0), (e: unknown) => {
    assert.ok(e instanceof TimeoutError);
    assert.equal(e.message, "2 (of 4) futures unfinished");
    return true;
  });
});

both(
  "futures completed while iterating are yielded in completion order",
  async (c) => {
    const fs = Array.from({ length: 5 }, () => new Future<number>());
    const order: number[] = [];
    // Each yielded future completes the next one, as the CPython test does.
    fs[0]!.setResult(0);
    await c(fs, 5, (f) => {
      order.push(f.resultSync() as number);
      const next = fs[order.length];
      next?.setResult(order.length);
    });
    assert.deepEqual(order, [0, 1, 2, 3, 4]);
  },
);

Deno.test("asCompleted(): returns Future objects, never their results; bad input throws TypeError", async () => {
  const f = createFuture("FINISHED", { result: 7 });
  const it = asCompleted([f]);
  const first = await it.next();
  assert.equal(first.value, f);
  assert.ok((await it.next()).done);
  await assert.rejects(asCompleted([1 as never]).next(), TypeError);
  assert.throws(() => asCompletedSync([1 as never]).next(), TypeError);
});

Deno.test("asCompleted(): leaving early removes its waiters from the futures", async () => {
  const done = createFuture("FINISHED", { result: 1 });
  const pending = new Future<number>();
  for await (const f of asCompleted([done, pending])) {
    assert.equal(f as unknown, done);
    break;
  }
  // No waiter left behind: completing it later is quiet and counts nowhere.
  pending.setResult(2);
  assert.equal(await pending, 2);
});
