import assert from "node:assert/strict";
import {
  ConnectionError,
  Empty,
  Full,
  Queue,
  ValueError,
} from "../../distributed/mod.ts";
import { assertNoThreads } from "../_helpers.ts";
import { clientCount, HAVE_REDIS, RedisServer } from "./_redis_server.ts";

const PEER = new URL("./_scripts/queue_peer.ts", import.meta.url).pathname;

function peer(args: string[]): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", PEER, ...args],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
}

Deno.test({
  name: "distributed.Queue: queue.Queue's semantics on a real redis-server",
  ignore: !HAVE_REDIS,
  fn: async (t) => {
    await using srv = await RedisServer.start();
    const url = srv.url;

    await t.step(
      "FIFO put/get, Sync and nowait forms, structured items",
      async () => {
        await using q = new Queue<unknown>("basic", { url });
        const rich = [
          1,
          "two",
          3n,
          new Map([["k", new Set([1])]]),
          new Date(0),
          new Uint8Array([1, 2, 255]),
          { nested: [null, undefined, -0] },
        ];
        for (const item of rich.slice(0, 3)) await q.put(item);
        for (const item of rich.slice(3, 5)) q.putSync(item);
        for (const item of rich.slice(5)) q.putNowait(item);
        assert.equal(q.qsize(), rich.length);
        assert.equal(q.empty(), false);
        assert.equal(q.full(), false);
        assert.deepEqual(await q.get(), rich[0]);
        assert.deepEqual(q.getSync(), rich[1]);
        assert.deepEqual(q.getNowait(), rich[2]);
        const rest = [
          q.getSync(),
          await q.get(),
          q.getSync(false),
          q.getSync(true, 1),
        ];
        assert.deepEqual(rest, rich.slice(3));
        assert.ok(q.empty());
        // Errors cross with their class.
        await q.put(new RangeError("kept"));
        const e = await q.get();
        assert.ok(e instanceof RangeError);
        assert.equal((e as Error).message, "kept");
      },
    );

    await t.step(
      "Empty and Full, with and without timeouts; bad arguments leave it usable",
      async () => {
        await using q = new Queue<number>("bounded", { url, maxsize: 2 });
        assert.throws(() => q.getNowait(), Empty);
        await assert.rejects(q.get(true, 0.05), Empty);
        assert.throws(() => q.getSync(true, 0.05), Empty);
        q.putSync(1);
        await q.put(2);
        assert.ok(q.full());
        assert.throws(() => q.putNowait(3), Full);
        await assert.rejects(q.put(3, true, 0.05), Full);
        assert.throws(() => q.putSync(3, true, 0.05), Full);
        assert.throws(() => q.putSync(3, true, -1), ValueError);
        assert.throws(
          () => q.putSync((() => 1) as unknown as number),
          TypeError,
        );
        assert.equal(q.qsize(), 2);
        // A blocked put goes in once a get makes room.
        const put = q.put(3);
        assert.equal(await q.get(), 1);
        await put;
        assert.deepEqual([q.getSync(), q.getSync()], [2, 3]);
        assert.throws(() => new Queue("x", { url, maxsize: 1.5 }), ValueError);
        assert.throws(() => new Queue("", { url }), TypeError);
      },
    );

    await t.step("taskDone and join count across openers", async () => {
      await using a = new Queue<string>("joined", { url });
      await using b = new Queue<string>("joined", { url });
      await a.put("x");
      await a.put("y");
      let joined = false;
      const j = a.join().then(() => joined = true);
      assert.equal(b.getSync(), "x");
      b.taskDone();
      assert.equal(await b.get(), "y");
      assert.equal(joined, false);
      b.taskDone();
      await j;
      assert.ok(joined);
      a.joinSync(); // nothing unfinished: returns at once
      assert.throws(() => b.taskDone(), ValueError);
      await b.put("z"); // still usable
      assert.equal(a.getSync(), "z");
      a.taskDone();
    });

    await t.step(
      "close: blocked calls fail, later calls throw ValueError",
      async () => {
        const q = new Queue<number>("closing", { url });
        const g = assert.rejects(q.get(), ConnectionError);
        await q.close();
        await g;
        assert.throws(() => q.getNowait(), ValueError);
        await q.close(); // again: nothing happens
      },
    );

    await t.step(
      "two producers and two consumers in separate processes: each item exactly once",
      async () => {
        await using q = new Queue<string | null>("shared", { url });
        const N = 40;
        const consumers = [
          peer(["consumer", url, "shared"]),
          peer(["consumer", url, "shared"]),
        ];
        const producers = [
          peer(["producer", url, "shared", "a", String(N)]),
          peer(["producer", url, "shared", "b", String(N)]),
        ];
        for (const p of producers) assert.equal((await p.output()).code, 0);
        // Behind every item (FIFO): one stop per consumer.
        await q.put(null);
        await q.put(null);
        const took: string[] = [];
        for (const c of consumers) {
          const r = await c.output();
          assert.equal(r.code, 0);
          took.push(...JSON.parse(new TextDecoder().decode(r.stdout)));
        }
        await q.join(); // every item was marked done
        const expected = ["a", "b"].flatMap((id) =>
          Array.from({ length: N }, (_, i) => `${id}-${i}`)
        );
        assert.equal(took.length, expected.length, "no item twice");
        assert.deepEqual(new Set(took), new Set(expected));
        // Each producer's items were taken in its order.
        for (const id of ["a", "b"]) {
          const mine = took.filter((s) => s.startsWith(id));
          assert.equal(mine.length, N);
        }
        assert.ok(q.empty());
      },
    );

    assertNoThreads();
    assert.equal(await clientCount(srv.port), 0, "redis connections left");
  },
});
