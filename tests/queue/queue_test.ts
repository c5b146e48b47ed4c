import assert from "node:assert/strict";
import {
  Empty,
  Full,
  LifoQueue,
  OverflowError,
  PriorityQueue,
  Queue,
  ValueError,
} from "../../queue/mod.ts";
import { Event, Lock, Thread } from "../../threading/mod.ts";
import { assertTimeout, threadTest, timed } from "../_helpers.ts";

const QUEUE_SIZE = 5;
type AnyQueue = Queue<unknown>;

const KINDS: [string, new (maxsize?: number) => AnyQueue, number[]][] = [
  ["Queue", Queue, [111, 333, 222]],
  ["LifoQueue", LifoQueue, [222, 333, 111]],
  ["PriorityQueue", PriorityQueue, [111, 222, 333]],
];

/** Records the order in which threads reach points: each appends an id. */
function steps(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(4 * 16));
}
function recorded(s: Int32Array): number[] {
  return [...s.subarray(1, 1 + Atomics.load(s, 0))];
}

/**
 * CPython's basic_queue_test, on a queue of QUEUE_SIZE, with the blocking
 * parts driven by a thread.
 */
async function basicQueueTest(q: AnyQueue, order: number[]): Promise<void> {
  assert.equal(q.qsize(), 0);
  assert.ok(q.empty());
  assert.ok(!q.full());
  q.putSync(111);
  q.putSync(333);
  q.putSync(222);
  assert.deepEqual([q.getSync(), q.getSync(), q.getSync()], order);
  for (let i = 0; i < QUEUE_SIZE - 1; i++) {
    q.putSync(i);
    assert.equal(q.qsize(), i + 1);
  }
  assert.ok(!q.full());
  const last = 2 * QUEUE_SIZE;
  const full = 3 * 2 * QUEUE_SIZE;
  q.putSync(last);
  assert.ok(q.full());
  assert.ok(!q.empty());
  assert.throws(() => q.putSync(full, false), Full);
  assert.throws(() => q.putSync(full, true, 0.01), Full);
  await assert.rejects(q.put(full, false), Full);
  await assert.rejects(q.put(full, true, 0.01), Full);
  assert.equal(q.qsize(), QUEUE_SIZE, "failed puts changed nothing");

  // A blocking put (async form), released by a get in a thread.
  const s = steps();
  let putDone = false;
  const putting = q.put(full).then(() => {
    putDone = true;
  });
  await new Promise((r) => setTimeout(r, 0));
  assert.equal(putDone, false, "put on a full queue must wait");
  let t = new Thread({
    target: (q: AnyQueue, s: Int32Array) => {
      s[1 + Atomics.add(s, 0, 1)] = 1;
      q.getSync();
    },
    args: [q, s],
  });
  t.start();
  await putting;
  assert.deepEqual(recorded(s), [1], "put returned after the get started");
  await t.join();
  assert.ok(q.full());

  // The same with a timeout, released the same way.
  const putting2 = q.put(full, true, 10);
  t = new Thread({ target: (q: AnyQueue) => q.getSync(), args: [q] });
  t.start();
  await putting2;
  await t.join();
  assert.ok(q.full());

  for (let i = 0; i < QUEUE_SIZE; i++) q.getSync();
  assert.equal(q.qsize(), 0);
  assert.throws(() => q.getSync(false), Empty);
  assert.throws(() => q.getSync(true, 0.01), Empty);
  await assert.rejects(q.get(false), Empty);
  await assert.rejects(q.get(true, 0.01), Empty);

  // A blocking get (async form), released by a put in a thread.
  const getting = q.get();
  t = new Thread({
    target: (q: AnyQueue) => q.putSync("empty"),
    args: [q],
  });
  t.start();
  assert.equal(await getting, "empty");
  await t.join();
  const getting2 = q.get(true, 10);
  t = new Thread({ target: (q: AnyQueue) => q.putSync("empty"), args: [q] });
  t.start();
  assert.equal(await getting2, "empty");
  await t.join();
}

for (const [name, Kind, order] of KINDS) {
  threadTest(
    `${name}: Python's basic queue test, twice on the same queue`,
    async () => {
      const q = new Kind(QUEUE_SIZE);
      await basicQueueTest(q, order);
      await basicQueueTest(q, order);
    },
  );

  Deno.test(`${name}.taskDone() on a fresh queue throws ValueError`, () => {
    const q = new Kind();
    assert.throws(
      () => q.taskDone(),
      (e) =>
        e instanceof ValueError &&
        e.message === "task_done() called too many times",
    );
    assert.equal(q.unfinishedTasks, 0, "the count did not go negative");
    q.putSync(1);
    assert.equal(q.unfinishedTasks, 1);
  });

  threadTest(
    `${name}.join() waits for taskDone() of every item, with two consumer threads, twice`,
    async () => {
      const q = new Kind();
      const cum = new Int32Array(new SharedArrayBuffer(4));
      const worker = (q: Queue<number>, cum: Int32Array) => {
        for (;;) {
          const x = q.getSync();
          if (x < 0) {
            q.taskDone();
            return;
          }
          Atomics.add(cum, 0, x);
          q.taskDone();
        }
      };
      for (let round = 0; round < 2; round++) {
        Atomics.store(cum, 0, 0);
        const threads = [0, 1].map(() =>
          new Thread({ target: worker, args: [q, cum] })
        );
        for (const t of threads) t.start();
        for (let i = 0; i < 100; i++) q.putSync(i);
        if (round === 0) await q.join();
        else q.joinSync();
        assert.equal(Atomics.load(cum, 0), 4950, "join returned too early");
        q.putSync(-1);
        q.putSync(-1);
        await q.join(); // joining twice works
        for (const t of threads) await t.join();
      }
      assert.throws(() => q.taskDone(), ValueError);
    },
  );

  Deno.test(`${name}: negative timeouts throw Python's ValueError`, async () => {
    const q = new Kind(QUEUE_SIZE);
    const message = "'timeout' must be a non-negative number";
    const isIt = (e: unknown) =>
      e instanceof ValueError && e.message === message;
    assert.throws(() => q.putSync(1, true, -1), isIt);
    await assert.rejects(q.put(1, true, -1), isIt);
    assert.throws(() => q.getSync(true, -1), isIt);
    await assert.rejects(q.get(true, -1), isIt);
    assert.equal(q.qsize(), 0);
    // As in Python: ignored without blocking, and by an unbounded put.
    q.putSync(1, false, -1);
    assert.equal(q.getSync(false, -1), 1);
    const unbounded = new Kind();
    unbounded.putSync(2, true, -1);
    assert.equal(unbounded.getSync(), 2);
    assert.throws(() => q.getSync(true, 1e100), OverflowError);
    assert.throws(() => q.getSync(true, NaN), ValueError);
    assert.throws(
      () => q.getSync(true, "1" as unknown as number),
      TypeError,
    );
  });

  Deno.test(`${name}: putNowait and getNowait`, () => {
    const q = new Kind(QUEUE_SIZE);
    for (let i = 0; i < QUEUE_SIZE; i++) q.putNowait(1);
    assert.throws(() => q.putNowait(1), Full);
    for (let i = 0; i < QUEUE_SIZE; i++) q.getNowait();
    assert.throws(() => q.getNowait(), Empty);
  });

  Deno.test(`${name}: a smaller maxsize applies at once (issue 10110)`, () => {
    const q = new Kind(3);
    q.putSync(1);
    q.putSync(2);
    q.putSync(3);
    assert.throws(() => q.putNowait(4), Full);
    assert.equal(q.qsize(), 3);
    q.maxsize = 2;
    assert.equal(q.maxsize, 2);
    assert.throws(() => q.putNowait(4), Full);
    q.maxsize = 0;
    q.putNowait(4);
    assert.equal(q.qsize(), 4);
    assert.throws(() => {
      q.maxsize = "2" as unknown as number;
    }, TypeError);
  });

  Deno.test(`${name}: timeouts throw after about the time asked`, async () => {
    const q = new Kind(1);
    let [, dt] = await timed(() =>
      assert.throws(() => q.getSync(true, 0.3), Empty)
    );
    assertTimeout(dt, 0.3);
    [, dt] = await timed(() => assert.rejects(q.get(true, 0.3), Empty));
    assertTimeout(dt, 0.3);
    q.putSync(1);
    [, dt] = await timed(() =>
      assert.throws(() => q.putSync(2, true, 0.3), Full)
    );
    assertTimeout(dt, 0.3);
    [, dt] = await timed(() => assert.rejects(q.put(2, true, 0.3), Full));
    assertTimeout(dt, 0.3);
    assert.equal(q.getSync(false), 1, "the queue is intact after timeouts");
  });
}

threadTest(
  "Queue.putSync() on a full queue blocks a thread until the main thread gets",
  async () => {
    const q = new Queue<number>(1);
    q.putSync(1);
    const reached = new Event(), done = new Event();
    const t = new Thread({
      target: (q: Queue<number>, reached: Event, done: Event) => {
        reached.set();
        q.putSync(2);
        done.set();
      },
      args: [q, reached, done],
    });
    t.start();
    assert.ok(await reached.wait(30));
    assert.equal(await done.wait(0.2), false, "the put must wait");
    assert.equal(q.getSync(), 1);
    assert.ok(await done.wait(30));
    assert.equal(q.getSync(), 2);
    await t.join();
  },
);

threadTest(
  "Queue.getSync() in a thread blocks until the main thread puts",
  async () => {
    const q = new Queue<string>();
    const reached = new Event(), done = new Event();
    const out = new Queue<string>();
    const t = new Thread({
      target: (
        q: Queue<string>,
        out: Queue<string>,
        reached: Event,
        done: Event,
      ) => {
        reached.set();
        out.putSync(q.getSync());
        done.set();
      },
      args: [q, out, reached, done],
    });
    t.start();
    assert.ok(await reached.wait(30));
    assert.equal(await done.wait(0.2), false, "the get must wait");
    await q.put("hello");
    assert.equal(await out.get(), "hello");
    await t.join();
  },
);

threadTest(
  "Queue timeouts in a thread throw Empty and Full there after about the time asked",
  async () => {
    const q = new Queue<number>(1);
    const out = new Queue<[string, number][]>();
    const t = new Thread({
      target: async (q: Queue<number>, out: Queue<[string, number][]>) => {
        const result: [string, number][] = [];
        for (
          const attempt of [
            () => q.getSync(true, 0.2),
            () => q.get(true, 0.2),
            () => (q.putSync(1), q.putSync(2, true, 0.2)),
            () => q.put(2, true, 0.2),
          ]
        ) {
          const t0 = performance.now();
          try {
            await attempt();
            result.push(["returned", 0]);
          } catch (e) {
            result.push([(e as Error).name, (performance.now() - t0) / 1000]);
          }
        }
        out.putSync(result);
      },
      args: [q, out],
    });
    t.start();
    const result = await out.get();
    await t.join();
    assert.deepEqual(result.map(([name]) => name), [
      "Empty",
      "Empty",
      "Full",
      "Full",
    ]);
    for (const [, dt] of result) assertTimeout(dt, 0.2);
  },
);

Deno.test("Queue.qsize() counts puts and gets", async () => {
  const q = new Queue<number>();
  for (let i = 0; i < 1000; i++) {
    q.putSync(i);
    assert.equal(q.qsize(), i + 1);
  }
  for (let i = 0; i < 1000; i++) {
    assert.equal(i % 2 ? q.getSync() : await q.get(), i);
    assert.equal(q.qsize(), 999 - i);
  }
  assert.ok(q.empty());
  assert.equal(q.unfinishedTasks, 1000);
});

Deno.test("Queue: the EAFP pattern of Python's docs", () => {
  const q = new Queue<number>(2);
  const handled: number[] = [];
  for (let i = 0; i < 5; i++) {
    try {
      q.putNowait(i);
    } catch (e) {
      if (!(e instanceof Full)) throw e;
      handled.push(i);
    }
  }
  assert.deepEqual(handled, [2, 3, 4]);
  const got: number[] = [];
  for (;;) {
    try {
      got.push(q.getNowait());
    } catch (e) {
      if (e instanceof Empty) break;
      throw e;
    }
  }
  assert.deepEqual(got, [0, 1]);
});

Deno.test("Queue items round-trip as structured-clone data", () => {
  const q = new Queue<unknown>();
  const values: unknown[] = [
    0,
    -0,
    NaN,
    255,
    256,
    -1,
    2 ** 31 - 1,
    -(2 ** 31),
    2 ** 31,
    1.5,
    Infinity,
    true,
    false,
    null,
    undefined,
    "",
    "abc",
    "héllo wörld",
    "😀 astral",
    "x".repeat(18),
    "x".repeat(19),
    "y".repeat(10_000),
    10n,
    -(2n ** 100n),
    [1, [2, [3]]],
    { a: 1, b: [true, null], c: { d: "e" } },
    new Map([[1, "a"]]),
    new Set([1, 2]),
    new Date(0),
    /ab+c/gi,
    new Uint8Array([1, 2, 3]),
    new Float64Array([1.5, -2]),
    new Int16Array(5000).fill(-3),
    new Uint8Array(100_000).fill(9),
    new Uint8Array(new ArrayBuffer(16), 4, 8),
    new ArrayBuffer(10),
    new ArrayBuffer(50_000),
  ];
  for (const v of values) q.putSync(v);
  for (const v of values) {
    const got = q.getSync();
    if (typeof v === "number") assert.ok(Object.is(got, v), `${v}`);
    else assert.deepEqual(got, v);
  }
  q.putSync(new RangeError("bad"));
  const err = q.getSync();
  assert.ok(err instanceof RangeError);
  assert.equal(err.message, "bad");
  const view = new Uint8Array(new ArrayBuffer(16), 4, 8).fill(1);
  q.putSync(view);
  const got = q.getSync() as Uint8Array;
  assert.equal(got.byteOffset, 0, "a view arrives as its own bytes");
  assert.equal(got.length, 8);
});

Deno.test("Queue: SharedArrayBuffers in items are copied", () => {
  const q = new Queue<Int32Array>();
  const shared = new Int32Array(new SharedArrayBuffer(8192));
  shared[0] = 7;
  q.putSync(shared);
  const small = new Int32Array(new SharedArrayBuffer(8));
  q.putSync(small);
  const got = q.getSync();
  assert.ok(got.buffer instanceof SharedArrayBuffer);
  assert.notEqual(got.buffer, shared.buffer);
  assert.equal(got[0], 7);
  got[0] = 8;
  assert.equal(shared[0], 7, "the sender's memory is not the receiver's");
  assert.ok(q.getSync().buffer instanceof SharedArrayBuffer);
});

Deno.test("Queue: an item that cannot cross throws TypeError at put and nothing is enqueued", async () => {
  const q = new Queue<unknown>(3);
  q.putSync("first");
  for (
    const bad of [
      () => 1,
      Symbol("s"),
      { nested: [1, { f() {} }] },
      new WeakMap(),
      Promise.resolve(),
    ]
  ) {
    assert.throws(() => q.putSync(bad), TypeError);
    await assert.rejects(q.put(bad), TypeError);
    assert.throws(() => q.putNowait(bad), TypeError);
  }
  assert.throws(() => q.putSync({ x: { y: () => 1 } }), /at \.x\.y/);
  assert.equal(q.qsize(), 1);
  assert.equal(q.unfinishedTasks, 1);
  q.putSync("second");
  assert.equal(q.getSync(), "first");
  assert.equal(q.getSync(), "second");
  // A full queue: Full, whatever the item, as Python (nothing is encoded).
  q.putSync(1);
  q.putSync(2);
  q.putSync(3);
  assert.throws(() => q.putNowait(() => 1), Full);
});

threadTest(
  "Queue: a failed put in a thread leaves the queue usable by every thread",
  async () => {
    const q = new Queue<unknown>(2);
    const t = new Thread({
      target: (q: Queue<unknown>) => {
        const names: string[] = [];
        for (const bad of [() => 1, { s: Symbol() }]) {
          try {
            q.putSync(bad);
          } catch (e) {
            names.push((e as Error).name);
          }
        }
        q.putSync(names);
      },
      args: [q],
    });
    t.start();
    assert.deepEqual(await q.get(true, 30), ["TypeError", "TypeError"]);
    await t.join();
    q.putSync(1);
    q.putSync(2);
    assert.ok(q.full());
    assert.equal(q.getSync(), 1);
  },
);

threadTest(
  "Queue: 4 producer threads × 10k items, 4 consumer threads, every item received exactly once",
  async () => {
    const PER = 10_000, P = 4;
    const q = new Queue<number>(100);
    const seen = new Uint8Array(new SharedArrayBuffer(P * PER));
    const producers = [0, 1, 2, 3].map((p) =>
      new Thread({
        target: p % 2
          ? async (q: Queue<number>, p: number, n: number) => {
            for (let i = 0; i < n; i++) await q.put(p * n + i);
          }
          : (q: Queue<number>, p: number, n: number) => {
            for (let i = 0; i < n; i++) q.putSync(p * n + i);
          },
        args: [q, p, PER],
      })
    );
    const consumers = [0, 1, 2, 3].map((c) =>
      new Thread({
        target: c % 2
          ? async (q: Queue<number>, seen: Uint8Array) => {
            for (let x = await q.get(); x >= 0; x = await q.get()) {
              Atomics.add(seen, x, 1);
            }
          }
          : (q: Queue<number>, seen: Uint8Array) => {
            for (let x = q.getSync(); x >= 0; x = q.getSync()) {
              Atomics.add(seen, x, 1);
            }
          },
        args: [q, seen],
      })
    );
    for (const t of [...producers, ...consumers]) t.start();
    for (const t of producers) await t.join();
    for (let c = 0; c < 4; c++) await q.put(-1);
    for (const t of consumers) await t.join();
    const wrong = seen.findIndex((n) => n !== 1);
    assert.equal(wrong, -1, `item ${wrong} received ${seen[wrong]} times`);
    assert.ok(q.empty());
  },
);

threadTest(
  "Queue(0) grows while consumer threads block on it, and every holder keeps working",
  async () => {
    const N = 200_000;
    const q = new Queue<number>();
    const seen = new Uint8Array(new SharedArrayBuffer(N));
    const counts = new Int32Array(new SharedArrayBuffer(8));
    const ready = new Event();
    const consumers = [0, 1].map((c) =>
      new Thread({
        target: (
          q: Queue<number>,
          seen: Uint8Array,
          counts: Int32Array,
          c: number,
          ready: Event,
        ) => {
          ready.set();
          for (let x = q.getSync(); x >= 0; x = q.getSync()) {
            Atomics.add(seen, x, 1);
            counts[c]!++;
          }
        },
        args: [q, seen, counts, c, ready],
      })
    );
    for (const t of consumers) t.start();
    assert.ok(await ready.wait(30));
    // A producer thread and the main thread fill the queue much faster than
    // the consumers drain it: the storage is reallocated many times.
    const producer = new Thread({
      target: (q: Queue<number>, n: number) => {
        for (let i = 1; i < n; i += 2) q.putSync(i);
      },
      args: [q, N],
    });
    producer.start();
    let peak = 0;
    for (let i = 0; i < N; i += 2) {
      q.putSync(i);
      peak = Math.max(peak, q.qsize());
    }
    await producer.join();
    q.putSync(-1);
    q.putSync(-1);
    for (const t of consumers) await t.join();
    assert.equal(seen.findIndex((n) => n !== 1), -1);
    assert.equal(counts[0]! + counts[1]!, N);
    assert.ok(peak > 16, `the queue grew (peak ${peak})`);
  },
);

threadTest(
  "Queue: a 100 MiB typed array goes to a thread and back",
  async () => {
    const SIZE = 100 * 1024 * 1024;
    const q = new Queue<Uint8Array>();
    const back = new Queue<Uint8Array | number>();
    const big = new Uint8Array(SIZE);
    for (let i = 0; i < SIZE; i += 4096) big[i] = (i / 4096) & 0xff;
    big[SIZE - 1] = 42;
    const t = new Thread({
      target: (q: Queue<Uint8Array>, back: Queue<Uint8Array | number>) => {
        const item = q.getSync();
        let ok = item.length === 100 * 1024 * 1024 &&
          item[item.length - 1] === 42;
        for (let i = 0; i < item.length; i += 4096) {
          if (item[i] !== ((i / 4096) & 0xff)) ok = false;
        }
        back.putSync(ok ? item.length : -1);
        item[0] = 99;
        back.putSync(item);
      },
      args: [q, back],
    });
    t.start();
    await q.put(big);
    assert.equal(await back.get(), SIZE);
    const returned = await back.get() as Uint8Array;
    await t.join();
    assert.equal(returned.length, SIZE);
    assert.equal(returned[0], 99);
    assert.equal(big[0], 0, "the sender's array is not shared");
    assert.equal(returned[SIZE - 1], 42);
    assert.equal(returned[4096 * 7], 7);
  },
);

Deno.test("Queue: an 8 MiB array inside an object (the generic encoding)", () => {
  const q = new Queue<{ name: string; data: Float64Array }>();
  const data = new Float64Array(1024 * 1024).map((_, i) => i / 2);
  q.putSync({ name: "big", data });
  const got = q.getSync();
  assert.equal(got.name, "big");
  assert.deepEqual(got.data, data);
});

threadTest(
  "Queue: locks, events and queues inside items travel by reference",
  async () => {
    const q = new Queue<unknown>();
    const lock = new Lock();
    const event = new Event();
    const inner = new Queue<string>();
    q.putSync({ lock, event, inner });
    const t = new Thread({
      target: (
        q: Queue<{ lock: Lock; event: Event; inner: Queue<string> }>,
      ) => {
        const { lock, event, inner } = q.getSync();
        lock.acquireSync();
        inner.putSync("from the thread");
        event.set();
      },
      args: [q],
    });
    t.start();
    assert.ok(await event.wait(30));
    assert.ok(lock.locked());
    lock.release();
    assert.equal(await inner.get(), "from the thread");
    await t.join();
    // Within a thread, an object sent through a queue and back is the same object.
    q.putSync([lock, lock]);
    const [a, b] = q.getSync() as [Lock, Lock];
    assert.equal(a, lock);
    assert.equal(b, lock);
  },
);

threadTest("Queue passed to a thread is the same queue there", async () => {
  const q = new Queue<number>(3);
  const t = new Thread({
    target: (q: Queue<number>) => {
      q.putSync(q.maxsize);
      q.putSync(q.qsize());
    },
    args: [q],
  });
  q.putSync(7);
  t.start();
  await t.join();
  assert.deepEqual([q.getSync(), q.getSync(), q.getSync()], [7, 3, 2]);
});

Deno.test("Queue(maxsize) rejects a non-number", () => {
  assert.throws(() => new Queue("3" as unknown as number), TypeError);
  const q = new Queue(-1); // as Python: <= 0 is unbounded
  for (let i = 0; i < 100; i++) q.putNowait(i);
  assert.ok(!q.full());
});

Deno.test("Queue.get() waits without blocking the event loop: a timer puts the item", async () => {
  const q = new Queue<string>();
  const timer = setTimeout(() => q.putSync("from a timer"), 20);
  try {
    assert.equal(await q.get(true, 30), "from a timer");
  } finally {
    clearTimeout(timer);
  }
  const full = new Queue<number>(1);
  full.putSync(1);
  const timer2 = setTimeout(() => full.getSync(), 20);
  try {
    await full.put(2, true, 30);
  } finally {
    clearTimeout(timer2);
  }
  assert.equal(full.getSync(), 2);
});

Deno.test("Queue: a timeout above TIMEOUT_MAX fails only when the call must wait", async () => {
  const { OverflowError } = await import("../../_internal/errors.ts");
  const q = new Queue<number>(1);
  q.putSync(1, true, 1e12); // room: no wait, no error (as Python)
  assert.throws(() => q.putSync(2, true, 1e12), OverflowError);
  assert.equal(q.getSync(true, 1e12), 1);
  assert.throws(() => q.getSync(true, 1e12), OverflowError);
  assert.equal(q.qsize(), 0);
});
