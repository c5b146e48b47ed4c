/**
 * Queue, JoinableQueue, SimpleQueue across processes: CPython's _TestQueue
 * (put, get, qsize, task_done, timeout, closed queues), several producers
 * and consumers with every item exactly once, large items, unbounded
 * growth, and a process killed while waiting on the queue.
 */
import assert from "node:assert/strict";
import {
  Empty,
  Event,
  Full,
  JoinableQueue,
  Process,
  Queue,
  RawArray,
  SimpleQueue,
  ValueError,
} from "../../multiprocessing/mod.ts";
import * as threading from "../../threading/mod.ts";
import { mpTest, sleepingInKernel } from "./_helpers.ts";

const seconds = async (fn: () => Promise<unknown>) => {
  const t0 = performance.now();
  await fn().catch(() => {});
  return (performance.now() - t0) / 1000;
};

mpTest(
  "Queue: CPython's test_put: a bounded queue fills, Full with and without timeouts, a child drains it",
  async () => {
    const MAXSIZE = 6;
    const q = new Queue<number>(MAXSIZE);
    const childCanStart = new Event();
    const parentCanContinue = new Event();
    const p = new Process({
      target: (q: Queue<number>, start: Event, done: Event) => {
        start.waitSync();
        for (let i = 0; i < 6; i++) q.getSync();
        done.set();
      },
      args: [q, childCanStart, parentCanContinue],
      daemon: true,
    });
    p.start();
    assert.equal(q.empty(), true);
    assert.equal(q.full(), false);
    await q.put(1);
    await q.put(2, true);
    await q.put(3, true, null);
    await q.put(4, false);
    await q.put(5, false, null);
    q.putNowait(6);
    assert.equal(q.empty(), false);
    assert.equal(q.full(), true);
    assert.equal(q.qsize(), 6);
    await assert.rejects(() => q.put(7, false), Full);
    assert.throws(() => q.putNowait(7), Full);
    assert.ok(await seconds(() => q.put(7, true, 0.1)) >= 0.07);
    await assert.rejects(() => q.put(7, true, 0.1), Full);
    assert.ok(
      await seconds(() => q.put(7, false, 10)) < 5,
      "no wait without block",
    );
    childCanStart.set();
    assert.ok(await parentCanContinue.wait(30));
    assert.equal(q.empty(), true);
    assert.equal(q.full(), false);
    await p.join();
    q.close();
  },
);

mpTest(
  "Queue: CPython's test_get: items from a child in order; Empty with and without timeouts",
  async () => {
    const q = new Queue<number>();
    const childCanStart = new Event();
    const parentCanContinue = new Event();
    const p = new Process({
      target: (q: Queue<number>, start: Event, done: Event) => {
        start.waitSync();
        for (const i of [2, 3, 4, 5]) q.putSync(i);
        done.set();
      },
      args: [q, childCanStart, parentCanContinue],
      daemon: true,
    });
    p.start();
    assert.equal(q.empty(), true);
    childCanStart.set();
    assert.ok(await parentCanContinue.wait(30));
    assert.equal(q.empty(), false);
    assert.equal(await q.get(), 2);
    assert.equal(await q.get(true), 3);
    assert.equal(await q.get(true, null), 4);
    assert.equal(q.getSync(false), 5);
    assert.equal(q.empty(), true);
    await assert.rejects(() => q.get(false), Empty);
    assert.throws(() => q.getNowait(), Empty);
    assert.ok(await seconds(() => q.get(true, 0.1)) >= 0.07);
    await assert.rejects(() => q.get(true, 0.1), Empty);
    await p.join();
  },
);

mpTest(
  "Queue: three producers and three consumers move every item exactly once",
  async () => {
    const PER = 3000;
    const q = new Queue<number | null>(64); // bounded: puts wait for gets too
    const seen = new RawArray("i", 3 * PER);
    const producers = [0, 1, 2].map((k) =>
      new Process({
        target: (q: Queue<number | null>, k: number, per: number) => {
          for (let i = 0; i < per; i++) q.putSync(k * per + i);
        },
        args: [q, k, PER],
      })
    );
    const consumers = [0, 1, 2].map(() =>
      new Process({
        target: (q: Queue<number | null>, seen: RawArray<"i">) => {
          for (let x = q.getSync(); x !== null; x = q.getSync()) {
            Atomics.add(seen.raw, x, 1);
          }
        },
        args: [q, seen],
      })
    );
    for (const p of [...producers, ...consumers]) p.start();
    for (const p of producers) await p.join();
    for (let i = 0; i < 3; i++) await q.put(null);
    for (const p of consumers) await p.join();
    assert.deepEqual(
      [...producers, ...consumers].map((p) => p.exitcode),
      [0, 0, 0, 0, 0, 0],
    );
    const counts = [...seen];
    assert.equal(counts.filter((c) => c !== 1).length, 0, "every item once");
    assert.equal(q.qsize(), 0);
  },
);

mpTest(
  "Queue: large items (a 16 MiB typed array, a big object) cross both ways",
  async () => {
    const toChild = new Queue<unknown>();
    const toParent = new Queue<unknown>();
    const p = new Process({
      target: (inq: Queue<unknown>, outq: Queue<unknown>) => {
        const big = inq.getSync() as Float64Array;
        const obj = inq.getSync() as { rows: { id: number; name: string }[] };
        let sum = 0;
        for (const x of big) sum += x;
        outq.putSync({ sum, rows: obj.rows.length, last: obj.rows.at(-1) });
        outq.putSync(new Uint8Array(8 << 20).fill(7));
      },
      args: [toChild, toParent],
    });
    p.start();
    const big = new Float64Array(2 << 20).fill(0.5);
    await toChild.put(big);
    const rows = Array.from(
      { length: 100_000 },
      (_, id) => ({ id, name: `row ${id}` }),
    );
    await toChild.put({ rows });
    assert.deepEqual(await toParent.get(), {
      sum: (2 << 20) * 0.5,
      rows: 100_000,
      last: { id: 99_999, name: "row 99999" },
    });
    const back = await toParent.get() as Uint8Array;
    assert.equal(back.length, 8 << 20);
    assert.ok(back.every((b) => b === 7));
    await p.join();
  },
);

mpTest(
  "Queue: maxsize 0 is unbounded: 100k items wait in shared memory for a child",
  async () => {
    const q = new Queue<number>();
    for (let i = 0; i < 100_000; i++) q.putSync(i);
    assert.equal(q.qsize(), 100_000);
    const total = new RawArray("d", 1);
    const p = new Process({
      target: (q: Queue<number>, total: RawArray<"d">) => {
        let s = 0;
        for (let i = 0; i < 100_000; i++) s += q.getSync();
        total.set(0, s);
      },
      args: [q, total],
    });
    p.start();
    await p.join();
    assert.equal(total.get(0), (100_000 * 99_999) / 2);
    assert.equal(q.empty(), true);
  },
);

mpTest(
  "JoinableQueue: task_done() in worker processes; join() returns when all are done",
  async () => {
    const q = new JoinableQueue<number | null>();
    const workers = [0, 1].map(() =>
      new Process({
        target: (q: JoinableQueue<number | null>) => {
          for (let x = q.getSync(); x !== null; x = q.getSync()) q.taskDone();
          q.taskDone();
        },
        args: [q],
      })
    );
    for (const w of workers) w.start();
    for (let i = 0; i < 500; i++) await q.put(i);
    await q.join();
    assert.equal(q.unfinishedTasks, 0);
    for (const _ of workers) q.putSync(null);
    q.joinSync();
    for (const w of workers) await w.join();
    assert.throws(() => q.taskDone(), /task_done\(\) called too many times/);
  },
);

mpTest(
  "SimpleQueue: put never waits; items from several processes",
  async () => {
    const q = new SimpleQueue<[number, number]>();
    const procs = [0, 1, 2].map((k) =>
      new Process({
        target: (q: SimpleQueue<[number, number]>, k: number) => {
          for (let i = 0; i < 100; i++) q.put([k, i]);
        },
        args: [q, k],
      })
    );
    for (const p of procs) p.start();
    const next = [0, 0, 0];
    for (let n = 0; n < 300; n++) {
      const [k, i] = await q.get();
      assert.equal(i, next[k]!++, "each producer's items in its order");
    }
    for (const p of procs) await p.join();
    assert.equal(q.empty(), true);
    assert.throws(() => q.getNowait(), Empty);
    q.close();
    assert.throws(() => q.put([0, 0]), ValueError);
  },
);

mpTest(
  "Queue: closed queues refuse put and get (test_closed_queue_put_get_exceptions); others still use it",
  async () => {
    for (const q of [new Queue<string>(), new JoinableQueue<string>()]) {
      const other = new Process({
        target: (q: Queue<string>) => q.putSync("from the child"),
        args: [q],
      });
      q.close();
      q.close();
      await assert.rejects(() => q.put("foo"), /is closed/);
      assert.throws(() => q.putSync("foo"), ValueError);
      await assert.rejects(() => q.get(), /is closed/);
      q.joinThread();
      q.cancelJoinThread();
      other.start();
      await other.join();
      assert.equal(other.exitcode, 0);
      assert.equal(q.qsize(), 1);
    }
    assert.throws(() => new Queue().joinThread(), /not closed/);
  },
);

mpTest(
  "Queue: items holding in-process objects are refused; SharedArrayBuffers are copied",
  () => {
    const q = new Queue<unknown>();
    assert.throws(
      () => q.putSync({ lock: new threading.Lock() }),
      /Cannot send a threading\.Lock at \.lock: it lives in this process's memory/,
    );
    assert.equal(q.qsize(), 0, "nothing enqueued");
    const shared = new Int32Array(new SharedArrayBuffer(8));
    shared[0] = 1;
    q.putSync(shared);
    shared[0] = 2;
    const got = q.getSync() as Int32Array;
    assert.equal(got[0], 1, "a copy, made at put");
    got[0] = 3;
    assert.equal(shared[0], 2);
  },
);

mpTest(
  "Queue: a consumer killed while waiting in get() leaves the queue usable",
  async () => {
    const q = new Queue<number>(2);
    const waiting = new Event();
    const victim = new Process({
      target: (q: Queue<number>, waiting: Event) => {
        waiting.set();
        q.getSync(); // blocks: the queue is empty
      },
      args: [q, waiting],
    });
    victim.start();
    assert.ok(await waiting.wait(30));
    // Kill it inside its wait, not in the microseconds it holds the queue's
    // lock on the way in (a process killed holding a lock leaves it held:
    // see the Queue docs).
    await sleepingInKernel(victim.pid!);
    victim.kill();

    await victim.join();
    assert.equal(victim.exitcode, -9);
    await q.put(1);
    await q.put(2);
    const p = new Process({
      target: (q: Queue<number>) => Deno.exit(q.getSync() + q.getSync()),
      args: [q],
    });
    p.start();
    await p.join();
    assert.equal(p.exitcode, 3);
  },
);
