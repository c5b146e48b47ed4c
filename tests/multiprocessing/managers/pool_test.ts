/**
 * The SyncManager's Pool (CPython's `manager.Pool()` and `PoolProxy`): a
 * Pool served by the manager, its AsyncResults and iterators as proxies.
 */
import assert from "node:assert/strict";
import {
  AsyncResultProxy,
  IteratorProxy,
  Manager,
  PoolProxy,
  StopIteration,
  TimeoutError,
  ValueError,
} from "../../../multiprocessing/mod.ts";
import { alive, mpTest, waitGone } from "../_helpers.ts";

const sqr = (x: number) => x * x;

mpTest(
  "manager.Pool(): apply, map, starmap (results in order), kwds, errors with their class",
  async () => {
    await using m = await Manager();
    await using pool = await m.Pool(2);
    assert.ok(pool instanceof PoolProxy);
    assert.equal(await pool.apply((a: number, b: number) => a + b, [2, 3]), 5);
    assert.equal(
      await pool.apply(
        (a: number, o: { k: number }) => a * o.k,
        [2],
        { k: 21 },
      ),
      42,
    );
    const items = Array.from({ length: 20 }, (_, i) => i);
    assert.deepEqual(await pool.map(sqr, items), items.map(sqr));
    assert.deepEqual(await pool.map(sqr, items, 3), items.map(sqr));
    assert.deepEqual(
      await pool.starmap((a: number, b: number) => a - b, [[5, 1], [9, 4]]),
      [4, 5],
    );
    // A module-reference task.
    assert.equal(
      await pool.apply(new URL("../_fixtures.ts#add", import.meta.url), [1, 2]),
      3,
    );
    // A task's error arrives with its class; the Pool stays usable.
    await assert.rejects(
      pool.apply(async () => {
        const { ValueError } = await import("@pyconc/std/multiprocessing");
        throw new ValueError("bad task");
      }),
      (e: Error) => e instanceof ValueError && /bad task/.test(e.message),
    );
    await assert.rejects(pool.map(sqr, items, 0), ValueError);
    assert.equal(await pool.apply(sqr, [7]), 49);
  },
);

mpTest(
  "manager.Pool(): applyAsync/mapAsync/starmapAsync return AsyncResult proxies (get, wait, ready, successful, TimeoutError)",
  async () => {
    await using m = await Manager();
    await using pool = await m.Pool(2);
    const r = await pool.applyAsync(sqr, [9]);
    assert.ok(r instanceof AsyncResultProxy);
    assert.equal(await r.get(), 81);
    assert.equal(await r.ready(), true);
    assert.equal(await r.successful(), true);
    const mr = await pool.mapAsync(sqr, [1, 2, 3]);
    await mr.wait();
    assert.deepEqual(await mr.get(10), [1, 4, 9]);
    const sr = await pool.starmapAsync((a: number, b: number) => a * b, [
      [2, 3],
      [4, 5],
    ]);
    assert.deepEqual(await sr.get(), [6, 20]);
    const failed = await pool.applyAsync(() => {
      throw new RangeError("boom");
    });
    await failed.wait();
    assert.equal(await failed.successful(), false);
    await assert.rejects(failed.get(), /boom/);
    // A task that never ends: get(timeout) times out; terminate ends it.
    const never = await pool.applyAsync(() => new Promise(() => {}));
    assert.equal(await never.ready(), false);
    await assert.rejects(never.successful(), ValueError);
    await assert.rejects(never.get(0.05), TimeoutError);
    await pool.terminate();
    await pool.join();
    await assert.rejects(pool.apply(sqr, [1]), ValueError); // not running
  },
);

mpTest(
  "manager.Pool(): imap and imapUnordered return iterator proxies",
  async () => {
    await using m = await Manager();
    await using pool = await m.Pool(2);
    const items = Array.from({ length: 10 }, (_, i) => i);
    const it = await pool.imap(sqr, items, 3);
    assert.ok(it instanceof IteratorProxy);
    const got: number[] = [];
    for await (const x of it) got.push(x);
    assert.deepEqual(got, items.map(sqr));
    await assert.rejects(it.next(), StopIteration);
    const un = await pool.imapUnordered(sqr, items);
    const got2: number[] = [];
    for await (const x of un) got2.push(x);
    assert.deepEqual(got2.sort((a, b) => a - b), items.map(sqr));
    // A task's error comes out of next() in its place, and iteration goes on.
    const bad = await pool.imap((x: number) => {
      if (x === 1) throw new RangeError("one");
      return x;
    }, [0, 1, 2]);
    assert.equal(await bad.next(), 0);
    await assert.rejects(bad.next(), /one/);
    assert.equal(await bad.next(), 2);
    await assert.rejects(bad.next(), StopIteration);
  },
);

mpTest(
  "manager.PoolSync(): the Sync forms; close then join; join before close is a ValueError",
  async () => {
    await using m = await Manager();
    const pool = m.PoolSync(1);
    assert.equal(pool.applySync(sqr, [4]), 16);
    assert.deepEqual(pool.mapSync(sqr, [1, 2]), [1, 4]);
    assert.deepEqual(pool.starmapSync((a: number) => -a, [[1], [2]]), [-1, -2]);
    using r = pool.applyAsyncSync(sqr, [3]);
    assert.equal(r.getSync(), 9);
    assert.equal(r.readySync(), true);
    assert.equal(r.successfulSync(), true);
    using mr = pool.mapAsyncSync(sqr, [5]);
    mr.waitSync();
    assert.deepEqual(mr.getSync(), [25]);
    using it = pool.imapSync(sqr, [1, 2]);
    assert.equal(it.nextSync(), 1);
    assert.equal(it.nextSync(), 4);
    assert.throws(() => it.nextSync(), StopIteration);
    assert.throws(() => pool.joinSync(), ValueError);
    pool.closeSync();
    pool.joinSync();
    assert.throws(() => pool.applySync(sqr, [1]), ValueError);
    pool[Symbol.dispose]();
    r[Symbol.dispose]();
    mr[Symbol.dispose]();
    it[Symbol.dispose]();
    assert.equal(await m.numberOfObjects(), 0);
  },
);

mpTest(
  "manager.Pool(): a task that is not a pyconc target is a TypeError; releasing the last proxy frees the Pool",
  async () => {
    await using m = await Manager();
    const pool = await m.Pool(1);
    await assert.rejects(pool.callMethod("apply", [{ f: 1 }]), TypeError);
    await assert.rejects(
      pool.callMethod("apply_async", [null, [], {}, "cb"]),
      TypeError,
    );
    assert.equal(await pool.apply(sqr, [2]), 4);
    const r = await pool.applyAsync(sqr, [3]);
    assert.equal(await m.numberOfObjects(), 2);
    await r[Symbol.asyncDispose]();
    await pool[Symbol.asyncDispose](); // terminates it, as Python's __exit__
    assert.equal(await m.numberOfObjects(), 0);
  },
);

mpTest(
  "manager.Pool(): its worker processes end with the manager's server",
  async () => {
    let worker: number;
    {
      await using m = await Manager();
      const pool = await m.Pool(1);
      worker = await pool.apply(() => Deno.pid);
      assert.ok(alive(worker));
      assert.notEqual(worker, Deno.pid);
    }
    assert.ok(await waitGone(worker), `pool worker ${worker} still runs`);
  },
);
