import assert from "node:assert/strict";
import { Timer } from "../../threading/mod.ts";
import { assertTimeout, threadTest, timed } from "../_helpers.ts";

threadTest(
  "Timer calls its function with args and kwargs after the interval",
  async () => {
    const out = new Float64Array(new SharedArrayBuffer(24));
    const fn = (out: Float64Array, a: number, kw: { b: number }) => {
      out[0] = a;
      out[1] = kw.b;
    };
    const t = new Timer(0.2, fn, [out, 5], { b: 6 });
    assert.equal(t.interval, 0.2);
    assert.equal(t.function, fn);
    assert.deepEqual(t.args, [out, 5]);
    assert.deepEqual(t.kwargs, { b: 6 });
    assert.match(t.name, /^Thread-\d+$/);
    const [, dt] = await timed(async () => {
      t.start();
      await t.join();
    });
    assert.deepEqual([out[0], out[1]], [5, 6]);
    assertTimeout(dt, 0.2);
    assert.ok(t.finished.isSet());
  },
);

threadTest("Timer.cancel() before it fires stops it", async () => {
  const out = new Int32Array(new SharedArrayBuffer(4));
  const t = new Timer(30, (out: Int32Array) => void (out[0] = 1), [out]);
  t.start();
  t.cancel();
  const [, dt] = await timed(() => t.join());
  assert.equal(out[0], 0);
  assert.ok(dt < 10, "cancel ended the wait early");
});

threadTest("Timer can be cancelled from another thread", async () => {
  const out = new Int32Array(new SharedArrayBuffer(4));
  const t = new Timer(30, (out: Int32Array) => void (out[0] = 1), [out]);
  t.start();
  const { Thread } = await import("../../threading/mod.ts");
  const canceller = new Thread({
    target: (t: { finished: { set(): void } }) => t.finished.set(),
    args: [t],
  });
  // A Timer crosses as a plain object of its fields: its `finished` Event is shared.
  canceller.start();
  await canceller.join();
  await t.join();
  assert.equal(out[0], 0);
});
