import assert from "node:assert/strict";
import { Event, Thread } from "../../threading/mod.ts";
import { assertTimeout, threadTest, timed, waitUntil } from "../_helpers.ts";

Deno.test("Event.isSet() follows set() and clear()", () => {
  const e = new Event();
  assert.equal(e.isSet(), false);
  e.set();
  assert.ok(e.isSet());
  e.set();
  assert.ok(e.isSet());
  e.clear();
  assert.equal(e.isSet(), false);
  e.clear();
  assert.equal(e.isSet(), false);
  assert.equal(String(e), "<Event object unset>");
});

async function checkNotify(e: Event): Promise<void> {
  const w = new Int32Array(new SharedArrayBuffer(4 * 4)); // started, results1 (trues), results2
  const f = (e: Event, w: Int32Array) => {
    Atomics.add(w, 0, 1);
    Atomics.notify(w, 0);
    if (e.waitSync()) Atomics.add(w, 1, 1);
    if (e.waitSync()) Atomics.add(w, 2, 1);
  };
  const threads = Array.from(
    { length: 5 },
    () => new Thread({ target: f, args: [e, w] }),
  );
  for (const t of threads) t.start();
  await waitUntil(w, 0, 5);
  assert.equal(w[1], 0);
  e.set();
  for (const t of threads) await t.join();
  assert.equal(w[1], 5);
  assert.equal(w[2], 5);
}

threadTest("Event.set() wakes every waiting thread", async () => {
  const e = new Event();
  await checkNotify(e);
  e.set();
  e.clear();
  await checkNotify(e);
});

threadTest(
  "Event.wait(timeout) returns false after about the timeout, true once set",
  async () => {
    const e = new Event();
    const out = new Float64Array(new SharedArrayBuffer(8 * 10));
    const f = (e: Event, out: Float64Array, i: number) => {
      out[2 * i] = e.waitSync(0) ? 1 : 0;
      const t0 = performance.now();
      const r = e.waitSync(0.3);
      out[2 * i + 1] = r ? -1 : (performance.now() - t0) / 1000;
    };
    let threads = Array.from(
      { length: 5 },
      (_, i) => new Thread({ target: f, args: [e, out, i] }),
    );
    for (const t of threads) t.start();
    for (const t of threads) await t.join();
    for (let i = 0; i < 5; i++) {
      assert.equal(out[2 * i], 0);
      assertTimeout(out[2 * i + 1]!, 0.3);
    }
    e.set();
    threads = Array.from(
      { length: 5 },
      (_, i) => new Thread({ target: f, args: [e, out, i] }),
    );
    for (const t of threads) t.start();
    for (const t of threads) await t.join();
    for (let i = 0; i < 5; i++) {
      assert.deepEqual([out[2 * i], out[2 * i + 1]], [1, -1]);
    }
    const [r, dt] = await timed(() => new Event().wait(0.2));
    assert.equal(r, false);
    assertTimeout(dt, 0.2);
  },
);

threadTest(
  "Event.wait() returns true even if the event is cleared before the waiter runs",
  async () => {
    const e = new Event();
    const w = new Int32Array(new SharedArrayBuffer(8)); // started, trues
    const f = (e: Event, w: Int32Array) => {
      Atomics.add(w, 0, 1);
      Atomics.notify(w, 0);
      if (e.waitSync(10)) Atomics.add(w, 1, 1);
    };
    const threads = Array.from(
      { length: 5 },
      () => new Thread({ target: f, args: [e, w] }),
    );
    for (const t of threads) t.start();
    await waitUntil(w, 0, 5);
    // Let them sleep in wait(); the flag being checked first would hide the bug.
    await new Event().wait(0.2);
    e.set();
    e.clear();
    for (const t of threads) await t.join();
    assert.equal(w[1], 5);
  },
);
