import assert from "node:assert/strict";
import {
  BoundedSemaphore,
  OverflowError,
  Semaphore,
  Thread,
  ValueError,
} from "../../threading/mod.ts";
import { assertTimeout, threadTest, timed, waitUntil } from "../_helpers.ts";

for (const Sem of [Semaphore, BoundedSemaphore]) {
  const name = Sem.name;

  Deno.test(`${name}() rejects a negative value`, () => {
    assert.throws(() => new Sem(-1), ValueError);
    assert.throws(() => new Sem(-Number.MAX_SAFE_INTEGER), ValueError);
  });

  Deno.test(`${name}.acquire(false) counts down and fails at zero`, () => {
    const sem = new Sem(2);
    assert.ok(sem.acquireSync(false));
    assert.ok(sem.acquireSync(false));
    assert.equal(sem.acquireSync(false), false);
    sem.release();
    assert.ok(sem.acquireSync(false));
  });

  Deno.test(`${name}.acquire() with a timeout`, async () => {
    const sem = new Sem(2);
    assert.throws(() => sem.acquireSync(false, 1.0), ValueError);
    assert.ok(sem.acquireSync(true, 0.005));
    assert.ok(await sem.acquire(true, 0.005));
    assert.equal(sem.acquireSync(true, 0.005), false);
    sem.release();
    assert.ok(sem.acquireSync(true, 0.005));
    const [r, dt] = await timed(() => sem.acquire(true, 0.3));
    assert.equal(r, false);
    assertTimeout(dt, 0.3);
  });

  Deno.test(`${name}: release(n) must be at least 1`, () => {
    const sem = new Sem(1);
    assert.throws(() => sem.release(0), ValueError);
  });

  Deno.test(`${name}: holdSync() releases on dispose, even after an error`, () => {
    const sem = new Sem(2);
    const withSem = (err?: Error) => {
      using _ = sem.holdSync();
      assert.ok(sem.acquireSync(false));
      sem.release();
      {
        using _inner = sem.holdSync();
        assert.equal(sem.acquireSync(false), false);
        if (err) throw err;
      }
    };
    withSem();
    assert.ok(sem.acquireSync(false));
    sem.release();
    assert.throws(() => withSem(new TypeError("x")), TypeError);
    assert.ok(sem.acquireSync(false));
    sem.release();
  });

  threadTest(
    `${name}: ten threads take two units each as releases come (CPython's test_acquire_contended)`,
    async () => {
      const sem = new Sem(7);
      sem.acquireSync();
      // w: 0 results count, 1 phase, then results
      const w = new Int32Array(new SharedArrayBuffer(4 * 40));
      const f = (sem: Semaphore, w: Int32Array) => {
        for (let k = 0; k < 2; k++) {
          sem.acquireSync();
          const i = Atomics.add(w, 0, 1);
          w[2 + i] = Atomics.load(w, 1);
          Atomics.notify(w, 0);
        }
      };
      const threads = Array.from(
        { length: 10 },
        () => new Thread({ target: f, args: [sem, w] }),
      );
      for (const t of threads) t.start();
      await waitUntil(w, 0, 6);
      assert.equal(sem.acquireSync(false), false);
      assert.equal(Atomics.load(w, 0), 6);
      Atomics.store(w, 1, 1);
      sem.release(7);
      await waitUntil(w, 0, 13);
      Atomics.store(w, 1, 2);
      for (let i = 0; i < 6; i++) sem.release();
      await waitUntil(w, 0, 19);
      assert.equal(
        sem.acquireSync(false),
        false,
        "the semaphore is still at zero",
      );
      const phases = [...w.slice(2, 2 + 19)].sort();
      assert.deepEqual(phases, [
        ...Array(6).fill(0),
        ...Array(7).fill(1),
        ...Array(6).fill(2),
      ]);
      sem.release(); // let the last thread finish
      for (const t of threads) await t.join();
    },
  );
}

Deno.test("Semaphore allows releases beyond the initial value", () => {
  const sem = new Semaphore(1);
  sem.release();
  assert.ok(sem.acquireSync(false));
  assert.ok(sem.acquireSync(false));
  assert.equal(sem.acquireSync(false), false);
});

Deno.test("BoundedSemaphore refuses releases beyond the initial value", () => {
  const sem = new BoundedSemaphore();
  assert.throws(() => sem.release(), {
    name: "ValueError",
    message: "Semaphore released too many times",
  });
  sem.acquireSync();
  sem.release();
  assert.throws(() => sem.release(), ValueError);
  // Still usable after the error.
  assert.ok(sem.acquireSync(false));
  sem.release();
});

threadTest(
  "Semaphore: at most N threads inside at once, counted exactly",
  async () => {
    const sem = new BoundedSemaphore(3);
    const w = new Int32Array(new SharedArrayBuffer(12)); // inside, max, total
    const f = (sem: BoundedSemaphore, w: Int32Array) => {
      for (let i = 0; i < 500; i++) {
        using _ = sem.holdSync();
        const now = Atomics.add(w, 0, 1) + 1;
        for (let m = Atomics.load(w, 1); now > m; m = Atomics.load(w, 1)) {
          if (Atomics.compareExchange(w, 1, m, now) === m) break;
        }
        Atomics.add(w, 2, 1);
        Atomics.sub(w, 0, 1);
      }
    };
    const threads = Array.from(
      { length: 6 },
      () => new Thread({ target: f, args: [sem, w] }),
    );
    for (const t of threads) {
      t.start();
    }
    for (let i = 0; i < 200; i++) {
      using _ = await sem.hold();
      Atomics.add(w, 2, 1);
    }
    for (const t of threads) await t.join();
    assert.equal(w[2], 3200);
    assert.ok(w[1]! <= 3, `at most 3 inside, saw ${w[1]}`);
  },
);

Deno.test("Semaphore counts beyond 32 bits are refused with OverflowError, never wrapped", () => {
  // Semaphore(2 ** 32) held 0, and release(2 ** 40) added 0.
  for (const value of [2 ** 31, 2 ** 32, 2 ** 40, Infinity]) {
    assert.throws(() => new Semaphore(value), {
      name: "OverflowError",
      message: `Semaphore value is too large: ${value} (at most 2147483647)`,
    });
    assert.throws(() => new BoundedSemaphore(value), OverflowError);
  }
  const max = new Semaphore(2 ** 31 - 1);
  assert.equal(String(max), "<Semaphore object value=2147483647>");
  assert.throws(() => max.release(), {
    name: "OverflowError",
    message: "Cannot release semaphore: its value would exceed 2147483647",
  });
  assert.ok(max.acquireSync(false));
  max.release(); // back to the maximum: allowed
  assert.equal(String(max), "<Semaphore object value=2147483647>");
  const zero = new Semaphore(0);
  assert.throws(() => zero.release(2 ** 40), OverflowError);
  assert.throws(() => zero.release(Infinity), OverflowError);
  assert.equal(zero.acquireSync(false), false, "nothing was added");
  zero.release(2 ** 31 - 1);
  assert.equal(String(zero), "<Semaphore object value=2147483647>");
});
