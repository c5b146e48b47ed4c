// Ports test_concurrent_futures/test_wait.py, for wait() and waitSync().
import assert from "node:assert/strict";
import {
  ALL_COMPLETED,
  type DoneAndNotDoneFutures,
  FIRST_COMPLETED,
  FIRST_EXCEPTION,
  type Future,
  ThreadPoolExecutor,
  ValueError,
  wait,
  type WaitOptions,
  waitSync,
} from "../../concurrent_futures/mod.ts";
import { Event } from "../../threading/mod.ts";
import {
  CANCELLED_AND_NOTIFIED_FUTURE,
  CANCELLED_FUTURE,
  EXCEPTION_FUTURE,
  SUCCESSFUL_FUTURE,
} from "./_fixtures.ts";
import { assertTimeout, threadTest, timed } from "../_helpers.ts";

const mul = new URL("./_fixtures.ts#mul", import.meta.url);
const divmod = new URL("./_fixtures.ts#divmod", import.meta.url);
const waitFor = (e: Event) => e.waitSync();
const waitAndRaise = (e: Event) => {
  e.waitSync();
  throw new Error("this is an exception");
};

type WaitFn = (
  fs: Iterable<Future<unknown>>,
  options?: WaitOptions,
) => Promise<DoneAndNotDoneFutures<unknown>>;

/** Runs a test with wait() and with waitSync(). */
function both(name: string, fn: (w: WaitFn) => Promise<void>): void {
  threadTest(`wait(): ${name}`, () => fn(wait));
  threadTest(
    `waitSync(): ${name}`,
    () => fn((fs, options) => Promise.resolve(waitSync(fs, options))),
  );
}

function set<T>(...xs: T[]): Set<T> {
  return new Set(xs);
}

both("duplicates collapse (bpo-20369)", async (w) => {
  await using pool = new ThreadPoolExecutor(5);
  const f = pool.submit(mul, 1, 2);
  const { done, notDone } = await w([f, f], { returnWhen: ALL_COMPLETED });
  assert.deepEqual(done, set(f));
  assert.deepEqual(notDone, set());
});

both("FIRST_COMPLETED returns with the first future done", async (w) => {
  await using pool = new ThreadPoolExecutor(5);
  const event = new Event();
  const f1 = pool.submit(mul, 21, 2);
  const f2 = pool.submit(waitFor, event);
  try {
    const { done, notDone } = await w([CANCELLED_FUTURE, f1, f2], {
      returnWhen: FIRST_COMPLETED,
    });
    assert.deepEqual(done, set(f1));
    // A future cancelled by hand and never noticed by an executor is not done.
    assert.deepEqual(notDone, set(CANCELLED_FUTURE, f2));
  } finally {
    event.set();
  }
  await f2;
});

both(
  "FIRST_COMPLETED returns at once when some are done already",
  async (w) => {
    await using pool = new ThreadPoolExecutor(5);
    const event = new Event();
    const f1 = pool.submit(waitFor, event);
    try {
      const { done, notDone } = await w(
        [CANCELLED_AND_NOTIFIED_FUTURE, SUCCESSFUL_FUTURE, f1],
        { returnWhen: FIRST_COMPLETED },
      );
      assert.deepEqual(
        done,
        set(CANCELLED_AND_NOTIFIED_FUTURE, SUCCESSFUL_FUTURE),
      );
      assert.deepEqual(notDone, set(f1));
    } finally {
      event.set();
    }
    await f1;
  },
);

both("FIRST_EXCEPTION returns with the first future that raised", async (w) => {
  await using pool = new ThreadPoolExecutor(5);
  const event1 = new Event(), event2 = new Event();
  try {
    const f1 = pool.submit(mul, 2, 21);
    const f2 = pool.submit(waitAndRaise, event1);
    const f3 = pool.submit(waitFor, event2);
    // f1 completes before f2 raises (a done-callback runs in this thread,
    // also while waitSync blocks it).
    f1.addDoneCallback(() => event1.set());
    const { done, notDone } = await w([f1, f2, f3], {
      returnWhen: FIRST_EXCEPTION,
    });
    assert.deepEqual(done, set(f1, f2));
    assert.deepEqual(notDone, set(f3));
  } finally {
    event1.set();
    event2.set();
  }
});

both("FIRST_EXCEPTION returns at once when one raised already", async (w) => {
  await using pool = new ThreadPoolExecutor(5);
  const event = new Event();
  const f1 = pool.submit(divmod, 21, 0);
  const f2 = pool.submit(waitFor, event);
  try {
    await f1.exception();
    const { done, notDone } = await w(
      [
        SUCCESSFUL_FUTURE,
        CANCELLED_FUTURE,
        CANCELLED_AND_NOTIFIED_FUTURE,
        f1,
        f2,
      ],
      { returnWhen: FIRST_EXCEPTION },
    );
    assert.deepEqual(
      done,
      set(SUCCESSFUL_FUTURE, CANCELLED_AND_NOTIFIED_FUTURE, f1),
    );
    assert.deepEqual(notDone, set(CANCELLED_FUTURE, f2));
  } finally {
    event.set();
  }
  await f2;
});

both("FIRST_EXCEPTION with a future that failed before the call", async (w) => {
  await using pool = new ThreadPoolExecutor(5);
  const event = new Event();
  const f1 = pool.submit(waitFor, event);
  try {
    const { done, notDone } = await w([EXCEPTION_FUTURE, f1], {
      returnWhen: FIRST_EXCEPTION,
    });
    assert.deepEqual(done, set(EXCEPTION_FUTURE));
    assert.deepEqual(notDone, set(f1));
  } finally {
    event.set();
  }
  await f1;
});

both("FIRST_EXCEPTION without any exception waits for all", async (w) => {
  await using pool = new ThreadPoolExecutor(5);
  const fs = [1, 2, 3].map((x) => pool.submit(mul, x, 2));
  const { done, notDone } = await w(fs, { returnWhen: FIRST_EXCEPTION });
  assert.equal(done.size, 3);
  assert.equal(notDone.size, 0);
});

both("ALL_COMPLETED waits for every future", async (w) => {
  await using pool = new ThreadPoolExecutor(5);
  const f1 = pool.submit(divmod, 2, 0);
  const f2 = pool.submit(mul, 2, 21);
  const { done, notDone } = await w(
    [
      SUCCESSFUL_FUTURE,
      CANCELLED_AND_NOTIFIED_FUTURE,
      EXCEPTION_FUTURE,
      f1,
      f2,
    ],
    { returnWhen: ALL_COMPLETED },
  );
  assert.deepEqual(
    done,
    set(
      SUCCESSFUL_FUTURE,
      CANCELLED_AND_NOTIFIED_FUTURE,
      EXCEPTION_FUTURE,
      f1,
      f2,
    ),
  );
  assert.deepEqual(notDone, set());
  assert.equal(f2.resultSync(0), 42);
});

both("a timeout returns what is done so far", async (w) => {
  await using pool = new ThreadPoolExecutor(5);
  const event = new Event();
  const future = pool.submit(waitFor, event);
  try {
    const [{ done, notDone }, seconds] = await timed(() =>
      w([
        CANCELLED_AND_NOTIFIED_FUTURE,
        EXCEPTION_FUTURE,
        SUCCESSFUL_FUTURE,
        future,
      ], {
        timeout: 0.2,
        returnWhen: ALL_COMPLETED,
      })
    );
    assertTimeout(seconds, 0.2);
    assert.deepEqual(
      done,
      set(CANCELLED_AND_NOTIFIED_FUTURE, EXCEPTION_FUTURE, SUCCESSFUL_FUTURE),
    );
    assert.deepEqual(notDone, set(future));
  } finally {
    event.set();
  }
  await future;
});

both("many futures released at once all count (bpo-14406)", async (w) => {
  await using pool = new ThreadPoolExecutor(5);
  const event = new Event();
  const fs = new Set(
    Array.from({ length: 100 }, () => pool.submit(waitFor, event)),
  );
  event.set();
  const { done, notDone } = await w(fs, { returnWhen: ALL_COMPLETED });
  assert.equal(done.size, 100);
  assert.equal(notDone.size, 0);
});

both("a cancelled future counts once its executor notices it", async (w) => {
  await using pool = new ThreadPoolExecutor(1);
  const blocker = pool.submit(
    (ms: number) =>
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms),
    100,
  );
  const queued = pool.submit(mul, 1, 1);
  assert.ok(queued.cancel());
  // The worker dequeues it after the blocker: CANCELLED_AND_NOTIFIED.
  const { done } = await w([queued], { timeout: 30 });
  assert.deepEqual(done, set(queued));
  assert.ok(queued.cancelled());
  await blocker;
});

Deno.test("wait(): bad arguments throw, naming the problem", async () => {
  await assert.rejects(
    wait([SUCCESSFUL_FUTURE], { returnWhen: "SOMETIMES" as never }),
    (e: unknown) =>
      e instanceof ValueError && /Invalid return condition/.test(String(e)),
  );
  assert.throws(() => waitSync([42 as never]), TypeError);
  assert.throws(() => waitSync(null as never), TypeError);
  assert.throws(
    () => waitSync([SUCCESSFUL_FUTURE], { timeout: Number.NaN }),
    ValueError,
  );
  const empty = waitSync([]);
  assert.equal(empty.done.size + empty.notDone.size, 0);
});
