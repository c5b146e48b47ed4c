import assert from "node:assert/strict";
import { Empty, SimpleQueue, ValueError } from "../../queue/mod.ts";
import { Thread } from "../../threading/mod.ts";
import { assertTimeout, threadTest, timed } from "../_helpers.ts";

Deno.test("SimpleQueue: Python's basic test of get, put and counts", async () => {
  const q = new SimpleQueue<number>();
  assert.ok(q.empty());
  assert.equal(q.qsize(), 0);
  q.put(1);
  assert.ok(!q.empty());
  assert.equal(q.qsize(), 1);
  q.put(2);
  q.putNowait(3);
  q.put(4);
  assert.equal(q.qsize(), 4);
  assert.equal(await q.get(), 1);
  assert.equal(q.qsize(), 3);
  assert.equal(q.getNowait(), 2);
  assert.equal(q.qsize(), 2);
  assert.equal(q.getSync(false), 3);
  assert.equal(q.qsize(), 1);
  assert.equal(q.getSync(true, 0.1), 4);
  assert.ok(q.empty());
  assert.throws(() => q.getSync(false), Empty);
  assert.throws(() => q.getSync(true, 1e-3), Empty);
  await assert.rejects(q.get(true, 1e-3), Empty);
  assert.throws(() => q.getNowait(), Empty);
  assert.ok(q.empty());
  assert.equal(q.qsize(), 0);
});

Deno.test("SimpleQueue.get() with a negative timeout throws Python's ValueError", async () => {
  const q = new SimpleQueue<number>();
  q.put(1);
  const isIt = (e: unknown) =>
    e instanceof ValueError &&
    e.message === "'timeout' must be a non-negative number";
  assert.throws(() => q.getSync(true, -1), isIt);
  await assert.rejects(q.get(true, -1), isIt);
  assert.equal(q.qsize(), 1);
});

Deno.test("SimpleQueue.get() times out after about the time asked", async () => {
  const q = new SimpleQueue<number>();
  let [, dt] = await timed(() =>
    assert.throws(() => q.getSync(true, 0.3), Empty)
  );
  assertTimeout(dt, 0.3);
  [, dt] = await timed(() => assert.rejects(q.get(true, 0.3), Empty));
  assertTimeout(dt, 0.3);
});

Deno.test("SimpleQueue.put() ignores block and timeout, and never waits", () => {
  const q = new SimpleQueue<number>();
  for (let i = 0; i < 10_000; i++) q.put(i, false, 0);
  assert.equal(q.qsize(), 10_000);
  for (let i = 0; i < 10_000; i++) assert.equal(q.getNowait(), i);
});

Deno.test("SimpleQueue.put() is reentrant: a getter encoding an item may put", () => {
  // CPython's bpo-14976 test puts from __del__ during a put; here a getter
  // runs while the outer put encodes its item.
  const q = new SimpleQueue<unknown>();
  let n = 0;
  const results: unknown[] = [];
  for (let round = 0; round < 1000; round++) {
    const item = {
      get value() {
        q.put(n++);
        return "outer";
      },
    };
    q.put(item);
    while (!q.empty()) results.push(q.getNowait());
  }
  assert.equal(results.length, 2000);
  for (let round = 0; round < 1000; round++) {
    assert.equal(results[2 * round], round, "the inner put came first");
    assert.deepEqual(results[2 * round + 1], { value: "outer" });
  }
});

threadTest(
  "SimpleQueue: one producer and one consumer thread keep the order",
  async () => {
    const q = new SimpleQueue<number | null>();
    const out = new SimpleQueue<number[]>();
    const consumer = new Thread({
      target: async (
        q: SimpleQueue<number | null>,
        out: SimpleQueue<number[]>,
      ) => {
        const got: number[] = [];
        for (let x = await q.get(); x !== null; x = await q.get()) got.push(x);
        out.put(got);
      },
      args: [q, out],
    });
    const producer = new Thread({
      target: (q: SimpleQueue<number | null>) => {
        for (let i = 0; i < 100; i++) q.put(i);
        q.put(null);
      },
      args: [q],
    });
    consumer.start();
    producer.start();
    assert.deepEqual(
      await out.get(),
      Array.from({ length: 100 }, (_, i) => i),
    );
    await producer.join();
    await consumer.join();
  },
);

for (const mode of ["blocking", "nonblocking", "timeout"] as const) {
  threadTest(
    `SimpleQueue: 4 feeder and 4 consumer threads (${mode} gets), every item once`,
    async () => {
      const N = 10_000;
      const q = new SimpleQueue<number>();
      const seen = new Uint8Array(new SharedArrayBuffer(N));
      const next = new Int32Array(new SharedArrayBuffer(4));
      const feeders = [0, 1, 2, 3].map(() =>
        new Thread({
          target: (q: SimpleQueue<number>, next: Int32Array, n: number) => {
            for (
              let i = Atomics.add(next, 0, 1);
              i < n;
              i = Atomics.add(next, 0, 1)
            ) {
              q.put(i);
            }
            q.put(-1);
          },
          args: [q, next, N],
        })
      );
      const consumers = [0, 1, 2, 3].map(() =>
        new Thread({
          target: (q: SimpleQueue<number>, seen: Uint8Array, mode: string) => {
            for (;;) {
              let x: number;
              try {
                x = mode === "blocking"
                  ? q.getSync()
                  : mode === "nonblocking"
                  ? q.getSync(false)
                  : q.getSync(true, 1e-5);
              } catch (e) {
                if ((e as Error).name !== "Empty") throw e;
                continue;
              }
              if (x < 0) return;
              Atomics.add(seen, x, 1);
            }
          },
          args: [q, seen, mode],
        })
      );
      for (const t of [...feeders, ...consumers]) t.start();
      for (const t of [...feeders, ...consumers]) await t.join();
      assert.equal(seen.findIndex((n) => n !== 1), -1);
      assert.ok(q.empty());
      assert.equal(q.qsize(), 0);
    },
  );
}

threadTest(
  "SimpleQueue passed to a thread is the same queue there",
  async () => {
    const q = new SimpleQueue<string>();
    const t = new Thread({
      target: (q: SimpleQueue<string>) => q.put(`size ${q.qsize()}`),
      args: [q],
    });
    q.put("first");
    t.start();
    await t.join();
    assert.equal(q.getSync(), "first");
    assert.equal(q.getSync(), "size 1");
  },
);
