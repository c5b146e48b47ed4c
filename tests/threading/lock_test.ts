import assert from "node:assert/strict";
import {
  Event,
  Lock,
  OverflowError,
  RuntimeError,
  Thread,
  TIMEOUT_MAX,
} from "../../threading/mod.ts";
import { assertTimeout, threadTest, timed } from "../_helpers.ts";

Deno.test("Lock.acquireSync() and release() on a free lock", () => {
  const lock = new Lock();
  assert.equal(lock.locked(), false);
  assert.equal(lock.acquireSync(), true);
  assert.equal(lock.locked(), true);
  lock.release();
  assert.equal(lock.locked(), false);
});

Deno.test("Lock.acquireSync(false) fails at once on a held lock", () => {
  const lock = new Lock();
  assert.ok(lock.acquireSync(false));
  assert.equal(lock.acquireSync(false), false);
  lock.release();
  assert.ok(lock.acquireSync(false));
  lock.release();
});

Deno.test("Lock.release() of an unlocked lock throws RuntimeError and changes nothing", () => {
  const lock = new Lock();
  assert.throws(() => lock.release(), RuntimeError);
  assert.equal(lock.locked(), false);
  assert.ok(lock.acquireSync(false));
  lock.release();
});

Deno.test("Lock.acquire() rejects Python's bad timeouts", () => {
  const lock = new Lock();
  assert.throws(() => lock.acquireSync(false, 1), {
    name: "ValueError",
    message: "can't specify a timeout for a non-blocking call",
  });
  // Python's words, verbatim.
  assert.throws(() => lock.acquireSync(true, -100), {
    name: "ValueError",
    message: "timeout value must be positive",
  });
  assert.throws(() => lock.acquireSync(true, 1e100), OverflowError);
  assert.throws(() => lock.acquireSync(true, TIMEOUT_MAX + 1), OverflowError);
  assert.ok(lock.acquireSync(true, TIMEOUT_MAX));
  lock.release();
  assert.equal(lock.locked(), false);
});

Deno.test("Lock.acquireSync() with a timeout waits about that long, then fails", async () => {
  const lock = new Lock();
  lock.acquireSync();
  const [got, dt] = await timed(() => lock.acquireSync(true, 0.3));
  assert.equal(got, false);
  assertTimeout(dt, 0.3);
  const [gotAsync, dtAsync] = await timed(() => lock.acquire(true, 0.3));
  assert.equal(gotAsync, false);
  assertTimeout(dtAsync, 0.3);
  lock.release();
  assert.equal(lock.locked(), false, "state is right after a timeout");
  assert.ok(lock.acquireSync(false));
  lock.release();
});

threadTest("Lock can be released by another thread", async () => {
  const lock = new Lock();
  lock.acquireSync();
  const t = new Thread({
    target: (lock: Lock) => lock.release(),
    args: [lock],
  });
  t.start();
  await t.join();
  assert.equal(lock.locked(), false);
});

threadTest("Lock held by main blocks a thread until released", async () => {
  const lock = new Lock();
  const reached = new Event();
  const steps = new Int32Array(new SharedArrayBuffer(4));
  lock.acquireSync();
  const t = new Thread({
    target: (lock: Lock, reached: Event, steps: Int32Array) => {
      reached.set();
      lock.acquireSync();
      Atomics.store(steps, 0, 1);
      lock.release();
    },
    args: [lock, reached, steps],
  });
  t.start();
  // The thread reaches acquire and must stay blocked while we hold the lock.
  assert.ok(await reached.wait(30));
  assert.equal(await lock.acquire(true, 0.2), false);
  assert.equal(Atomics.load(steps, 0), 0);
  lock.release();
  await t.join();
  assert.equal(Atomics.load(steps, 0), 1);
});

threadTest(
  "Lock: 4 threads × 20k increments lose nothing (Sync forms)",
  async () => {
    const lock = new Lock();
    const counter = new Int32Array(new SharedArrayBuffer(4));
    const threads = [0, 1, 2, 3].map(() =>
      new Thread({
        target: (lock: Lock, counter: Int32Array) => {
          for (let i = 0; i < 20_000; i++) {
            using _ = lock.holdSync();
            counter[0] = counter[0]! + 1; // not atomic: the lock protects it
          }
        },
        args: [lock, counter],
      })
    );
    for (const t of threads) t.start();
    // The main thread competes too, with the async form.
    for (let i = 0; i < 2_000; i++) {
      using _ = await lock.hold();
      counter[0] = counter[0]! + 1;
    }
    for (const t of threads) await t.join();
    assert.equal(counter[0], 82_000);
  },
);

Deno.test("Lock.toString() shows the state like Python's repr", () => {
  const lock = new Lock();
  assert.equal(String(lock), "<unlocked Lock object>");
  lock.acquireSync();
  assert.equal(String(lock), "<locked Lock object>");
  lock.release();
});
