/**
 * The managers' client loads lazily: every thread and process loads the
 * proxy classes (the codec rebuilds proxies), only those that use a
 * manager load the client, pickle and the wire.
 */
import assert from "node:assert/strict";
import {
  Manager,
  Pool,
  Process,
  Queue as MpQueue,
  ThreadPool,
} from "../../../multiprocessing/mod.ts";
import { Thread } from "../../../threading/mod.ts";
import { Queue } from "../../../queue/mod.ts";
import { encode } from "../../../_internal/codec/encode.ts";
import { mpTest, runScript } from "../_helpers.ts";

mpTest(
  "Importing the managers is not using them: children are told to load the client only once a proxy exists",
  async () => {
    const r = await runScript("lazy_unused.ts");
    assert.equal(r.code, 0, r.err);
    const report = JSON.parse(r.out);
    assert.deepEqual(report.before, []);
    assert.deepEqual(report.afterProcess, []);
    assert.equal(report.after.length, 1);
  },
);

mpTest(
  "A program that never imported the managers rebuilds a proxy; its first Sync call loads the client on the spot",
  async () => {
    await using m = await Manager();
    const l = await m.list<number>([0]);
    const { bytes } = encode(l, "process");
    const stdin = btoa(String.fromCharCode(...bytes));
    const r = await runScript("proxy_lazy_client.ts", { stdin });
    assert.equal(r.code, 0, r.err);
    const report = JSON.parse(r.out);
    assert.equal(report.loadedAtStart, false);
    assert.equal(report.syncError, null);
    assert.equal(report.loadedAfterSync, true);
    assert.deepEqual(report.copy, [0, 1, 2, 3]);
    assert.deepEqual(await l.copy(), [0, 1, 2, 3]);
    // The child gave its reference back: only l holds the list.
    assert.equal(await m.numberOfObjects(), 1);
  },
);

mpTest(
  "A process that loaded a manager's server but not the proxy classes (a spare) still rebuilds a received proxy as its class",
  async () => {
    await using m = await Manager();
    const l = await m.list<number>([0]);
    const { bytes } = encode(l, "process");
    const stdin = btoa(String.fromCharCode(...bytes));
    const r = await runScript("proxy_after_server.ts", { stdin });
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, "ListProxy\n");
  },
);

mpTest(
  "Where the library's files cannot be read, a first Sync call says to load the client first; then Sync calls work",
  async () => {
    await using m = await Manager();
    const l = await m.list<number>([0]);
    const { bytes } = encode(l, "process");
    const stdin = btoa(String.fromCharCode(...bytes));
    const root = new URL("../../../", import.meta.url).pathname;
    const r = await runScript("proxy_lazy_client.ts", {
      stdin,
      flags: ["-A", `--deny-read=${root}`],
    });
    assert.equal(r.code, 0, r.err);
    const report = JSON.parse(r.out);
    assert.equal(report.loadedAtStart, false);
    assert.match(report.syncError, /^RuntimeError: Cannot call 'append'/);
    assert.match(report.syncError, /await an async call of the proxy first/);
    assert.equal(report.loadedAfterSync, false);
    assert.deepEqual(report.copy, [0, 2, 3]);
    assert.deepEqual(await l.copy(), [0, 2, 3]);
    assert.equal(await m.numberOfObjects(), 1);
  },
);

mpTest(
  "A Thread started before the managers were used loads their client on the spot for its first Sync call",
  async () => {
    await using m = await Manager();
    const l = await m.list<number>([0]);
    const { bytes } = encode(l, "process");
    const stdin = btoa(String.fromCharCode(...bytes));
    const r = await runScript("thread_lazy_client.ts", { stdin });
    assert.equal(r.code, 0, r.err);
    const report = JSON.parse(r.out);
    assert.deepEqual(report.lazyAtStart, []);
    assert.equal(report.error, null);
    assert.deepEqual(report.copy, [0, 1]);
    assert.deepEqual(await l.copy(), [0, 1]);
  },
);

mpTest(
  "A Process target makes Sync calls on a proxy it receives through a plain queue (the client preloads before the target runs)",
  async () => {
    await using m = await Manager();
    const l = await m.list<number>();
    const q = new MpQueue<unknown>();
    const p = new Process({
      target: (q: { getSync(): { appendSync(v: number): void } }) => {
        q.getSync().appendSync(7);
      },
      args: [q],
    });
    p.start();
    await q.put(l);
    await p.join();
    assert.equal(p.exitcode, 0);
    assert.deepEqual(await l.copy(), [7]);
    q.close();
    await q.joinThread();
  },
);

mpTest(
  "A Thread target makes Sync calls on proxies in its args and from a queue.Queue",
  async () => {
    await using m = await Manager();
    const d = await m.dict<string, number>();
    const q = new Queue<unknown>();
    const t = new Thread({
      target: (
        d: { setItemSync(k: string, v: number): void },
        q: { getSync(): { setItemSync(k: string, v: number): void } },
      ) => {
        d.setItemSync("args", 1);
        q.getSync().setItemSync("queued", 2);
      },
      args: [d, q],
    });
    t.start();
    await q.put(d);
    await t.join();
    assert.deepEqual(await d.copy(), { args: 1, queued: 2 });
  },
);

mpTest(
  "Pool and ThreadPool tasks make Sync calls on a manager's proxies in their args",
  async () => {
    await using m = await Manager();
    const l = await m.list<number>();
    const task = (p: { appendSync(v: number): void }, v: number) => {
      p.appendSync(v);
      return v;
    };
    {
      using pool = new Pool(1);
      assert.deepEqual(await pool.starmap(task, [[l, 1], [l, 2]]), [1, 2]);
    }
    {
      using pool = new ThreadPool(1);
      assert.deepEqual(await pool.starmap(task, [[l, 3]]), [3]);
    }
    assert.deepEqual((await l.copy()).sort(), [1, 2, 3]);
  },
);
