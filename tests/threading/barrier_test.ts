import assert from "node:assert/strict";
import {
  Barrier,
  BrokenBarrierError,
  Event,
  Thread,
  ValueError,
} from "../../threading/mod.ts";
import { Barrier as MpBarrier } from "../../multiprocessing/mod.ts";
import { threadTest } from "../_helpers.ts";

const N = 5;

/** Runs `f` in N - 1 threads and in the main thread (CPython's run_threads). */
async function runThreads(
  f: (...args: never[]) => unknown,
  args: unknown[],
  main: () => Promise<unknown>,
): Promise<void> {
  const threads = Array.from(
    { length: N - 1 },
    () => new Thread({ target: f, args }),
  );
  for (const t of threads) t.start();
  await main();
  for (const t of threads) await t.join();
}

Deno.test("Barrier() refuses more than 2 ** 31 - 1 parties with OverflowError, never wraps", () => {
  // 2 ** 32 was stored as 0 parties, 2 ** 31 as negative, Infinity as 0.
  for (const B of [Barrier, MpBarrier]) {
    for (const parties of [2 ** 31, 2 ** 32, 2 ** 40, Infinity]) {
      assert.throws(() => new B(parties), {
        name: "OverflowError",
        message:
          `Barrier parties is too large: ${parties} (at most 2147483647)`,
      });
    }
    const b = new B(2 ** 31 - 1);
    assert.equal(b.parties, 2 ** 31 - 1);
    assert.equal(b.nWaiting, 0);
  }
});

Deno.test("Barrier() needs at least one party", () => {
  assert.throws(() => new Barrier(0), ValueError);
  const b = new Barrier(1);
  assert.equal(b.waitSync(), 0);
  assert.equal(b.waitSync(), 0);
  assert.equal(b.parties, 1);
});

threadTest("Barrier is passed in lockstep, 10 passes", async () => {
  const barrier = new Barrier(N, null, 10);
  const w = new Int32Array(new SharedArrayBuffer(12)); // phase-A count, phase-B count, errors
  const pass = (b: Barrier, w: Int32Array, n: number, m: number) => {
    for (let i = 0; i < n; i++) {
      Atomics.add(w, 0, 1);
      if (Atomics.load(w, 1) !== i * m) Atomics.add(w, 2, 1);
      b.waitSync();
      Atomics.add(w, 1, 1);
      if (Atomics.load(w, 0) !== (i + 1) * m) Atomics.add(w, 2, 1);
      b.waitSync();
    }
  };
  await runThreads(pass, [barrier, w, 10, N], async () => {
    for (let i = 0; i < 10; i++) {
      Atomics.add(w, 0, 1);
      if (Atomics.load(w, 1) !== i * N) Atomics.add(w, 2, 1);
      await barrier.wait();
      Atomics.add(w, 1, 1);
      if (Atomics.load(w, 0) !== (i + 1) * N) Atomics.add(w, 2, 1);
      await barrier.wait();
    }
  });
  assert.equal(w[2], 0, "every thread saw the others in step");
  assert.equal(barrier.nWaiting, 0);
  assert.equal(barrier.broken, false);
});

threadTest("Barrier.wait() returns each index 0…parties-1 once", async () => {
  const barrier = new Barrier(N);
  const seen = new Int32Array(new SharedArrayBuffer(4 * N));
  await runThreads(
    (b: Barrier, seen: Int32Array) => Atomics.add(seen, b.waitSync(), 1),
    [barrier, seen],
    async () => Atomics.add(seen, await barrier.wait(), 1),
  );
  assert.deepEqual([...seen], Array(N).fill(1));
});

threadTest(
  "Barrier action runs once, in the last thread, before anyone leaves",
  async () => {
    // Python's action takes no arguments: it reaches shared state through a
    // global that every party publishes before waiting (module state is per
    // Worker; the SharedArrayBuffer behind it is shared).
    type G = { __pyconcCounter?: Int32Array };
    const counter = new Int32Array(new SharedArrayBuffer(8)); // actions, early leavers
    const barrier = new Barrier(N, () => {
      Atomics.add((globalThis as unknown as G).__pyconcCounter!, 0, 1);
    });
    const f = async (b: Barrier, counter: Int32Array) => {
      (globalThis as unknown as G).__pyconcCounter = counter;
      await b.wait();
      if (Atomics.load(counter, 0) !== 1) Atomics.add(counter, 1, 1);
    };
    await runThreads(f, [barrier, counter], () => f(barrier, counter));
    assert.deepEqual([...counter], [1, 0]);
  },
);

threadTest(
  "Barrier.abort() breaks it for everyone (CPython's test_abort)",
  async () => {
    const barrier = new Barrier(N, null, 10);
    const w = new Int32Array(new SharedArrayBuffer(12)); // passed, broken, aborted
    const f = async (b: Barrier, w: Int32Array, n: number) => {
      try {
        const i = await b.wait();
        if (i === n >> 1) throw new RangeError("late");
        await b.wait();
        Atomics.add(w, 0, 1);
      } catch (e) {
        if ((e as Error).name === "BrokenBarrierError") Atomics.add(w, 1, 1);
        else {
          b.abort();
          Atomics.add(w, 2, 1);
        }
      }
    };
    await runThreads(f, [barrier, w, N], () => f(barrier, w, N));
    assert.deepEqual([...w], [0, N - 1, 1]);
    assert.ok(barrier.broken);
    assert.throws(() => barrier.waitSync(), BrokenBarrierError);
  },
);

threadTest(
  "Barrier.reset() frees the waiting threads, then it works again",
  async () => {
    const barrier = new Barrier(N, null, 10);
    const w = new Int32Array(new SharedArrayBuffer(12)); // passed, broken, passed-after
    const f = async (b: Barrier, w: Int32Array, n: number) => {
      const i = await b.wait();
      if (i === n >> 1) {
        // Wait until the others are all in the barrier again, then reset.
        while (b.nWaiting < n - 1) await new Promise((r) => setTimeout(r, 1));
        b.reset();
      } else {
        try {
          await b.wait();
          Atomics.add(w, 0, 1);
        } catch (e) {
          if ((e as Error).name === "BrokenBarrierError") Atomics.add(w, 1, 1);
        }
      }
      await b.wait();
      Atomics.add(w, 2, 1);
    };
    await runThreads(f, [barrier, w, N], () => f(barrier, w, N));
    assert.deepEqual([...w], [0, N - 1, N]);
  },
);

threadTest("Barrier can be reset after being broken", async () => {
  const barrier = new Barrier(N, null, 10);
  const barrier2 = new Barrier(N);
  const w = new Int32Array(new SharedArrayBuffer(12));
  const f = async (b: Barrier, b2: Barrier, w: Int32Array, n: number) => {
    try {
      const i = await b.wait();
      if (i === n >> 1) throw new RangeError("late");
      await b.wait();
      Atomics.add(w, 0, 1);
    } catch (e) {
      if ((e as Error).name === "BrokenBarrierError") Atomics.add(w, 1, 1);
      else b.abort();
    }
    if (await b2.wait() === n >> 1) b.reset();
    await b2.wait();
    await b.wait();
    Atomics.add(w, 2, 1);
  };
  await runThreads(
    f,
    [barrier, barrier2, w, N],
    () => f(barrier, barrier2, w, N),
  );
  assert.deepEqual([...w], [0, N - 1, N]);
});

threadTest(
  "Barrier.wait(timeout) breaks the barrier when a party is late",
  async () => {
    const barrier = new Barrier(N, null, 10);
    const broke = new Event();
    const w = new Int32Array(new SharedArrayBuffer(4));
    const f = async (b: Barrier, broke: Event, w: Int32Array, n: number) => {
      const late = (await b.wait()) === n >> 1;
      // One party is late: it comes only after the others timed out.
      if (late) await broke.wait(30);
      try {
        await b.wait(0.5);
      } catch (e) {
        if ((e as Error).name === "BrokenBarrierError") Atomics.add(w, 0, 1);
      }
      broke.set();
    };
    await runThreads(f, [barrier, broke, w, N], () => f(barrier, broke, w, N));
    assert.equal(w[0], N);
    assert.ok(barrier.broken);
  },
);

threadTest("Barrier's default timeout applies to wait()", async () => {
  const barrier = new Barrier(N, null, 0.3);
  const broke = new Event();
  const w = new Int32Array(new SharedArrayBuffer(4));
  const f = async (b: Barrier, broke: Event, w: Int32Array, n: number) => {
    if ((await b.wait()) === n >> 1) await broke.wait(30);
    try {
      await b.wait();
    } catch (e) {
      if ((e as Error).name === "BrokenBarrierError") Atomics.add(w, 0, 1);
    }
    broke.set();
  };
  await runThreads(f, [barrier, broke, w, N], () => f(barrier, broke, w, N));
  assert.equal(w[0], N);
});

threadTest("Barrier action that throws breaks the barrier", async () => {
  const barrier = new Barrier(2, () => {
    throw new RangeError("action failed");
  });
  const w = new Int32Array(new SharedArrayBuffer(4));
  const t = new Thread({
    target: (b: Barrier, w: Int32Array) => {
      try {
        b.waitSync();
      } catch (e) {
        Atomics.store(w, 0, (e as Error).name === "BrokenBarrierError" ? 1 : 2);
      }
    },
    args: [barrier, w],
  });
  t.start();
  await assert.rejects(
    barrier.wait(),
    (e: Error) =>
      e.name === "BrokenBarrierError" || e.message === "action failed",
  );
  await t.join();
  assert.ok(barrier.broken);
  assert.ok(w[0] === 1 || w[0] === 2);
});
