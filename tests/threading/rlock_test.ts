import assert from "node:assert/strict";
import { Event, RLock, RuntimeError, Thread } from "../../threading/mod.ts";
import { threadTest } from "../_helpers.ts";

Deno.test("RLock can be acquired again by its owner and needs as many releases", () => {
  const lock = new RLock();
  assert.ok(lock.acquireSync());
  assert.ok(lock.acquireSync());
  lock.release();
  assert.ok(lock.acquireSync());
  lock.release();
  lock.release();
  assert.match(String(lock), /^<unlocked RLock object owner=0 count=0>$/);
});

Deno.test("RLock.release() of an unacquired lock throws RuntimeError", () => {
  const lock = new RLock();
  assert.throws(() => lock.release(), RuntimeError);
  lock.acquireSync();
  lock.acquireSync();
  lock.release();
  lock.release();
  assert.throws(() => lock.release(), RuntimeError);
});

Deno.test("RLock.toString() shows owner and count like Python's repr", () => {
  const lock = new RLock();
  using _a = lock.holdSync();
  using _b = lock.holdSync();
  assert.equal(String(lock), "<locked RLock object owner=1 count=2>");
});

threadTest(
  "RLock cannot be released by a thread that does not own it",
  async () => {
    const lock = new RLock();
    const held = new Event();
    const done = new Event();
    const t = new Thread({
      target: (lock: RLock, held: Event, done: Event) => {
        lock.acquireSync();
        held.set();
        done.waitSync();
        lock.release();
      },
      args: [lock, held, done],
    });
    t.start();
    assert.ok(await held.wait(30));
    assert.throws(() => lock.release(), RuntimeError);
    assert.equal(lock.acquireSync(false), false, "another thread owns it");
    assert.match(String(lock), /^<locked RLock object owner=\d+ count=1>$/);
    assert.doesNotMatch(String(lock), /owner=1 /);
    done.set();
    await t.join();
    assert.ok(lock.acquireSync(false));
    lock.release();
  },
);

threadTest("RLock: threads nesting acquisitions lose no update", async () => {
  const lock = new RLock();
  const counter = new Int32Array(new SharedArrayBuffer(4));
  const work = (lock: RLock, counter: Int32Array) => {
    for (let i = 0; i < 5_000; i++) {
      using _outer = lock.holdSync();
      using _inner = lock.holdSync();
      counter[0] = counter[0]! + 1;
    }
  };
  const threads = [0, 1, 2].map(() =>
    new Thread({ target: work, args: [lock, counter] })
  );
  for (const t of threads) t.start();
  for (let i = 0; i < 1_000; i++) {
    using _outer = await lock.hold();
    using _inner = await lock.hold();
    counter[0] = counter[0]! + 1;
  }
  for (const t of threads) await t.join();
  assert.equal(counter[0], 16_000);
});

threadTest(
  "RLock acquire with a timeout fails while another thread owns it",
  async () => {
    const lock = new RLock();
    const held = new Event(), done = new Event();
    const t = new Thread({
      target: (lock: RLock, held: Event, done: Event) => {
        using _ = lock.holdSync();
        held.set();
        done.waitSync();
      },
      args: [lock, held, done],
    });
    t.start();
    assert.ok(await held.wait(30));
    assert.equal(await lock.acquire(true, 0.05), false);
    assert.equal(lock.acquireSync(true, 0.05), false);
    done.set();
    await t.join();
    assert.ok(await lock.acquire(true, 5));
    lock.release();
  },
);

Deno.test("RLock.locked() tells whether any thread holds it", () => {
  const lock = new RLock();
  assert.equal(lock.locked(), false);
  lock.acquireSync();
  lock.acquireSync();
  assert.equal(lock.locked(), true);
  lock.release();
  assert.equal(lock.locked(), true);
  lock.release();
  assert.equal(lock.locked(), false);
});
