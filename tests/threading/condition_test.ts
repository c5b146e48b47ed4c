import assert from "node:assert/strict";
import {
  Condition,
  Lock,
  RLock,
  RuntimeError,
  Thread,
} from "../../threading/mod.ts";
import { assertTimeout, threadTest, timed, waitUntil } from "../_helpers.ts";

Deno.test("Condition uses an RLock by default, or the lock given", () => {
  const cond = new Condition();
  cond.acquireSync();
  cond.acquireSync(); // recursive: the default lock is an RLock
  cond.release();
  cond.release();
  const lock = new Lock();
  const c2 = new Condition(lock);
  c2.acquireSync();
  assert.equal(lock.acquireSync(false), false);
  c2.release();
  assert.ok(lock.acquireSync(false));
  assert.equal(c2.acquireSync(false), false);
  lock.release();
  {
    using _ = c2.holdSync();
    assert.equal(lock.acquireSync(false), false);
  }
  assert.ok(lock.acquireSync(false));
  lock.release();
});

Deno.test("Condition rejects a lock of another kind", () => {
  assert.throws(() => new Condition({} as Lock), TypeError);
});

Deno.test("Condition.wait() and notify() without the lock throw RuntimeError", async () => {
  const cond = new Condition();
  assert.throws(() => cond.waitSync(), RuntimeError);
  await assert.rejects(cond.wait(), RuntimeError);
  assert.throws(() => cond.notify(), RuntimeError);
  assert.throws(() => cond.notifyAll(), RuntimeError);
});

Deno.test("Condition.wait(timeout) returns false after about the timeout", async () => {
  const cond = new Condition();
  using _ = cond.holdSync();
  const [r1, dt1] = await timed(() => cond.waitSync(0.3));
  assert.equal(r1, false);
  assertTimeout(dt1, 0.3);
  const [r2, dt2] = await timed(() => cond.wait(0.3));
  assert.equal(r2, false);
  assertTimeout(dt2, 0.3);
});

Deno.test("Condition.wait() fully releases a recursively held RLock and restores it", async () => {
  const lock = new RLock();
  const cond = new Condition(lock);
  lock.acquireSync();
  lock.acquireSync();
  assert.equal(await cond.wait(0.01), false);
  assert.match(String(lock), /count=2>$/);
  lock.release();
  lock.release();
  assert.throws(() => lock.release(), RuntimeError);
});

/**
 * CPython's ConditionTests._check_notify: five threads wait twice; notify(3),
 * notify(5) and notifyAll() wake exactly that many, in phases.
 *
 * Each thread bumps `ready` while it holds the lock, just before wait():
 * once the main thread holds the lock after seeing `ready` reach n, those n
 * threads are inside wait() (the lock is only released there).
 */
async function checkNotify(cond: Condition): Promise<void> {
  // words: 0 ready, 1 woken count, 2 phase; then (round, phase, result) rows.
  const w = new Int32Array(new SharedArrayBuffer(4 * 64));
  const f = (cond: Condition, w: Int32Array) => {
    for (const round of [1, 2]) {
      cond.acquireSync();
      Atomics.add(w, 0, 1);
      Atomics.notify(w, 0);
      const r = cond.waitSync();
      const i = Atomics.add(w, 1, 0) + 0;
      w[3 + 3 * i] = round;
      w[4 + 3 * i] = Atomics.load(w, 2);
      w[5 + 3 * i] = r ? 1 : 0;
      Atomics.add(w, 1, 1);
      cond.release();
      Atomics.notify(w, 1);
    }
  };
  const threads = [0, 1, 2, 3, 4].map(() =>
    new Thread({ target: f, args: [cond, w] })
  );
  for (const t of threads) t.start();
  const woken = (from: number, to: number) => {
    const out: string[] = [];
    for (let i = from; i < to; i++) {
      out.push(`${w[3 + 3 * i]}:${w[4 + 3 * i]}:${w[5 + 3 * i]}`);
    }
    return out;
  };
  await waitUntil(w, 0, 5);
  {
    using _ = await cond.hold();
    cond.notify(3);
    Atomics.store(w, 2, 1); // the woken see phase 1: they run after we release
  }
  await waitUntil(w, 1, 3);
  assert.deepEqual(woken(0, 3), ["1:1:1", "1:1:1", "1:1:1"]);
  await waitUntil(w, 0, 8); // the three woken are in their second wait
  {
    using _ = await cond.hold();
    cond.notify(5); // two in their first wait, three in their second
    Atomics.store(w, 2, 2);
  }
  await waitUntil(w, 1, 8);
  assert.deepEqual(woken(3, 8).sort(), [
    "1:2:1",
    "1:2:1",
    "2:2:1",
    "2:2:1",
    "2:2:1",
  ]);
  await waitUntil(w, 0, 10);
  {
    using _ = await cond.hold();
    cond.notifyAll();
    Atomics.store(w, 2, 3);
  }
  await waitUntil(w, 1, 10);
  assert.deepEqual(woken(8, 10), ["2:3:1", "2:3:1"]);
  for (const t of threads) await t.join();
}

threadTest(
  "Condition.notify(n) wakes exactly n waiters, notifyAll() the rest",
  async () => {
    const cond = new Condition();
    await checkNotify(cond);
    await checkNotify(cond); // a second time: the state is still right
  },
);

threadTest("Condition.waitFor() returns once the predicate holds", async () => {
  const cond = new Condition();
  const state = new Int32Array(new SharedArrayBuffer(4));
  const ok = new Int32Array(new SharedArrayBuffer(4));
  const t = new Thread({
    target: (cond: Condition, state: Int32Array, ok: Int32Array) => {
      using _ = cond.holdSync();
      const r = cond.waitForSync(() => state[0] === 4);
      ok[0] = r && state[0] === 4 ? 1 : 0;
    },
    args: [cond, state, ok],
  });
  t.start();
  for (let i = 0; i < 4; i++) {
    using _ = await cond.hold();
    state[0] = state[0]! + 1;
    cond.notify();
  }
  await t.join();
  assert.equal(ok[0], 1);
});

threadTest(
  "Condition.waitFor() with a timeout returns the falsy predicate",
  async () => {
    const cond = new Condition();
    const out = new Float64Array(new SharedArrayBuffer(16));
    const t = new Thread({
      target: (cond: Condition, out: Float64Array) => {
        using _ = cond.holdSync();
        const t0 = performance.now();
        const r = cond.waitForSync(() => false, 0.2);
        out[0] = (performance.now() - t0) / 1000;
        out[1] = r ? 1 : 0;
      },
      args: [cond, out],
    });
    t.start();
    for (let i = 0; i < 3; i++) {
      using _ = await cond.hold();
      cond.notify();
    }
    await t.join();
    assert.equal(out[1], 0);
    assertTimeout(out[0]!, 0.2);
    // The async form may await an async predicate.
    using _ = await cond.hold();
    assert.equal(await cond.waitFor(() => Promise.resolve(7)), 7);
  },
);

threadTest(
  "Condition: no lost wake-up over many rounds of hand-off",
  async () => {
    // A ping-pong where each side notifies right after the other releases the
    // lock in wait(): a lost wake-up would hang the test.
    const cond = new Condition(new Lock());
    const turn = new Int32Array(new SharedArrayBuffer(4));
    const ROUNDS = 5_000;
    const t = new Thread({
      target: (cond: Condition, turn: Int32Array, rounds: number) => {
        for (let i = 0; i < rounds; i++) {
          using _ = cond.holdSync();
          while (turn[0] !== 1) cond.waitSync(); // no timeout: a lost wake-up hangs
          turn[0] = 0;
          cond.notify();
        }
      },
      args: [cond, turn, ROUNDS],
    });
    t.start();
    for (let i = 0; i < ROUNDS; i++) {
      using _ = cond.holdSync();
      while (turn[0] !== 0) cond.waitSync();
      turn[0] = 1;
      cond.notify();
    }
    {
      using _ = cond.holdSync();
      while (turn[0] !== 0) cond.waitSync();
    }
    await t.join();
    assert.equal(turn[0], 0);
  },
);

threadTest(
  "Condition: a notify is not taken by a thread that starts waiting later",
  async () => {
    const cond = new Condition();
    const w = new Int32Array(new SharedArrayBuffer(12)); // ready, first, late
    const first = new Thread({
      target: (cond: Condition, w: Int32Array) => {
        using _ = cond.holdSync();
        Atomics.add(w, 0, 1);
        Atomics.notify(w, 0);
        w[1] = cond.waitSync(10) ? 1 : 2;
      },
      args: [cond, w],
    });
    first.start();
    await waitUntil(w, 0, 1);
    const late = new Thread({
      target: (cond: Condition, w: Int32Array) => {
        using _ = cond.holdSync();
        w[2] = cond.waitSync(0.3) ? 1 : 2;
      },
      args: [cond, w],
    });
    cond.acquireSync(); // the first thread is inside wait() now
    cond.notify(1);
    late.start(); // it waits for the lock, then on the condition: after the notify
    cond.release();
    await late.join();
    await first.join();
    assert.deepEqual([...w.slice(1)], [1, 2]);
  },
);
