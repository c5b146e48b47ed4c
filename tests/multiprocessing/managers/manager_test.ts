import assert from "node:assert/strict";
import {
  AttributeError,
  AuthenticationError,
  BrokenBarrierError,
  DictProxy,
  Empty,
  Full,
  IndexError,
  KeyError,
  ListProxy,
  Manager,
  Process,
  RemoteError,
  RuntimeError,
  SyncManager,
  ValueError,
} from "../../../multiprocessing/mod.ts";
import { alive, mpTest } from "../_helpers.ts";

function socketGone(address: unknown): boolean {
  if (typeof address !== "string") return true;
  try {
    Deno.statSync(address);
    return false;
  } catch {
    return true;
  }
}

mpTest(
  "Manager() starts a server process; shutdown() ends it and removes its socket file",
  async () => {
    const m = await Manager();
    const proc = m.process!;
    assert.ok(alive(proc.pid!));
    assert.equal(typeof m.address, "string");
    assert.ok(!socketGone(m.address));
    const address = m.address;
    await m.shutdown();
    assert.equal(proc.exitcode, 0); // it stopped on the shutdown request
    assert.ok(socketGone(address));
    await m.shutdown(); // idempotent
    await assert.rejects(m.dict(), /shut down/);
  },
);

mpTest(
  "DictProxy: items, operators, errors with their Python class",
  async () => {
    await using m = await Manager();
    const d = await m.dict<unknown, unknown>({ a: 1 });
    assert.ok(d instanceof DictProxy);
    await d.setItem("b", [1, 2]);
    await d.setItem(3, "three");
    assert.equal(await d.getItem("a"), 1);
    assert.deepEqual(await d.getItem("b"), [1, 2]);
    assert.equal(await d.getItem(3), "three");
    assert.equal(await d.has("a"), true);
    assert.equal(await d.has("zz"), false);
    assert.equal(await d.length(), 3);
    assert.equal(await d.get("zz"), null);
    assert.equal(await d.get("zz", 7), 7);
    await assert.rejects(d.getItem("zz"), KeyError);
    await assert.rejects(d.delItem("zz"), KeyError);
    assert.deepEqual(await d.keys(), ["a", "b", 3]);
    assert.deepEqual(await d.values(), [1, [1, 2], "three"]);
    assert.deepEqual(await d.items(), [["a", 1], ["b", [1, 2]], [3, "three"]]);
    assert.equal(await d.pop("a"), 1);
    assert.equal(await d.pop("a", "gone"), "gone");
    await assert.rejects(d.pop("a"), KeyError);
    assert.equal(await d.setdefault("s", 5), 5);
    assert.equal(await d.setdefault("s", 6), 5);
    await d.update({ u: 1 });
    await d.update([["v", 2]]);
    const copy = await d.copy();
    assert.ok(copy instanceof Map); // a non-str key: a Map, as pickle maps it
    assert.equal(copy.get("u"), 1);
    await d.delItem(3);
    assert.deepEqual(await d.copy(), { b: [1, 2], s: 5, u: 1, v: 2 });
    assert.deepEqual(await d.popitem(), ["v", 2]);
    await d.clear();
    assert.equal(await d.length(), 0);
    await assert.rejects(d.popitem(), KeyError);
    // Unhashable keys fail and leave the dict usable.
    await assert.rejects(d.setItem([1] as unknown, 1), TypeError);
    // Sync forms
    d.setItemSync("x", 1);
    assert.equal(d.getItemSync("x"), 1);
    assert.equal(d.lengthSync(), 1);
    assert.throws(() => d.getItemSync("nope"), KeyError);
  },
);

mpTest(
  "ListProxy: the seed's p[:] = [1, 2, 3]; the proxy is not the list, its copy equals it",
  async () => {
    await using m = await Manager();
    const p = await m.list<number>();
    assert.ok(p instanceof ListProxy);
    await p.setSlice(null, null, [1, 2, 3]);
    assert.notDeepEqual(p as unknown, [1, 2, 3]);
    assert.deepEqual(await p.copy(), [1, 2, 3]);
    assert.deepEqual(await p.slice(1), [2, 3]);
    assert.deepEqual(await p.slice(-2, null), [2, 3]);
    await p.append(4);
    await p.extend([5, 6]);
    await p.insert(0, 0);
    assert.equal(await p.getItem(-1), 6);
    await assert.rejects(p.getItem(10), IndexError);
    assert.equal(await p.index(3), 3);
    await assert.rejects(p.index(42), ValueError);
    assert.equal(await p.count(3), 1);
    await p.remove(0);
    await assert.rejects(p.remove(42), ValueError);
    assert.equal(await p.pop(), 6);
    assert.equal(await p.pop(0), 1);
    await p.reverse();
    assert.deepEqual(await p.copy(), [5, 4, 3, 2]);
    await p.sort();
    assert.deepEqual(await p.copy(), [2, 3, 4, 5]);
    await p.sort({ reverse: true });
    assert.deepEqual(await p.copy(), [5, 4, 3, 2]);
    await p.setSlice(1, 3, [9]);
    assert.deepEqual(await p.copy(), [5, 9, 2]);
    await p.delItem(0);
    assert.equal(await p.length(), 2);
    assert.equal(await p.has(9), true);
    await p.setItem(0, 7);
    assert.equal(p.getItemSync(0), 7);
    const mixed = await m.list<unknown>([1, "a"]);
    await assert.rejects(mixed.sort(), TypeError);
    assert.deepEqual(await mixed.copy(), [1, "a"]); // left intact
  },
);

mpTest(
  "NamespaceProxy: attributes as properties, AttributeError when missing",
  async () => {
    await using m = await Manager();
    const ns = await m.Namespace({ x: 1 });
    ns.y = "two";
    assert.equal(ns.x, 1);
    assert.equal(ns.y, "two");
    assert.throws(() => ns.missing, AttributeError);
    delete ns.y;
    assert.throws(() => ns.y, AttributeError);
    assert.equal("x" in ns, true);
    assert.equal(await ns.getAttr("x"), 1);
    await ns.setAttr("z", [1]);
    assert.deepEqual(ns.z, [1]);
    ns._local = 5; // underscore names stay local, as in Python
    assert.equal(ns._local, 5);
    assert.match(await ns.str(), /^Namespace\(x=1, z=\[1\]\)$/);
  },
);

mpTest("QueueProxy: put/get, timeouts, Empty/Full, taskDone/join", async () => {
  await using m = await Manager();
  const q = await m.Queue<string>(1);
  await q.put("a");
  assert.equal(await q.full(), true);
  await assert.rejects(q.put("b", true, 0.05), Full);
  await assert.rejects(q.putNowait("b"), Full);
  assert.equal(await q.qsize(), 1);
  assert.equal(await q.get(), "a");
  await assert.rejects(q.get(true, 0.05), Empty);
  await assert.rejects(q.getNowait(), Empty);
  await assert.rejects(q.get(true, -1), ValueError);
  const jq = await m.JoinableQueue<number>();
  await jq.put(1);
  const joined = jq.join();
  assert.equal(await jq.get(), 1);
  await jq.taskDone();
  await joined;
  await assert.rejects(jq.taskDone(), ValueError);
  q.putSync("s");
  assert.equal(q.getSync(), "s");
});

mpTest(
  "Event, Lock, RLock, Semaphore, BoundedSemaphore, Condition, Barrier, Value, Array proxies",
  async () => {
    await using m = await Manager();
    const ev = await m.Event();
    assert.equal(await ev.isSet(), false);
    assert.equal(await ev.wait(0.01), false);
    const waiting = ev.wait();
    await ev.set();
    assert.equal(await waiting, true);
    await ev.clear();
    assert.equal(ev.isSetSync(), false);

    const lock = await m.Lock();
    assert.equal(await lock.acquire(), true);
    assert.equal(await lock.acquire(false), false);
    assert.equal(await lock.acquire(true, 0.01), false);
    await lock.release();
    await assert.rejects(lock.release(), RuntimeError);
    {
      await using _ = await lock.hold();
      assert.equal(await lock.acquire(false), false);
    }
    assert.equal(await lock.acquire(false), true);
    await lock.release();

    const rlock = await m.RLock();
    assert.equal(await rlock.acquire(), true);
    assert.equal(await rlock.acquire(), true);
    await rlock.release();
    await rlock.release();
    await assert.rejects(rlock.release(), RuntimeError);

    const sem = await m.Semaphore(2);
    assert.equal(await sem.acquire(), true);
    assert.equal(await sem.acquire(), true);
    assert.equal(await sem.acquire(false), false);
    await sem.release();
    const bsem = await m.BoundedSemaphore(1);
    await assert.rejects(bsem.release(), ValueError);

    const cond = await m.Condition();
    await assert.rejects(cond.wait(0), RuntimeError);
    await cond.acquire();
    assert.equal(await cond.wait(0.01), false);
    await cond.notifyAll();
    await cond.release();

    const barrier = await m.Barrier(2);
    assert.equal(barrier.parties, 2);
    const [a, b] = await Promise.all([barrier.wait(), barrier.wait()]);
    assert.deepEqual([a, b].sort(), [0, 1]);
    await assert.rejects(barrier.wait(0.01), BrokenBarrierError);
    assert.equal(barrier.broken, true);
    await barrier.reset();
    assert.equal(barrier.broken, false);

    const v = await m.Value("i", 5);
    assert.equal(await v.get(), 5);
    v.value = 7;
    assert.equal(v.value, 7);
    assert.equal(await v.getValue(), 7);

    const arr = await m.Array("i", [1, 2, 3]);
    await arr.setItem(0, 10);
    assert.equal(await arr.getItem(0), 10);
    assert.equal(await arr.length(), 3);
    await assert.rejects(arr.getItem(3), IndexError);
    await assert.rejects(arr.setItem(0, 2 ** 40), ValueError);
    assert.deepEqual(await arr.copy(), [10, 2, 3]);
  },
);

mpTest(
  "Calls in flight are independent: a blocked Event.wait() never holds up another call",
  async () => {
    await using m = await Manager();
    const ev = await m.Event();
    const q = await m.Queue<number>();
    const blocked = ev.wait(); // parked in the server
    const blockedGet = q.get(); // also parked
    const d = await m.dict();
    await d.setItem("k", 1); // goes on another connection
    assert.equal(await d.getItem("k"), 1);
    await q.put(5);
    assert.equal(await blockedGet, 5);
    await ev.set();
    assert.equal(await blocked, true);
    // Many calls in flight at once
    const all = await Promise.all(
      Array.from({ length: 20 }, (_, i) => d.setItem(`k${i}`, i)),
    );
    assert.equal(all.length, 20);
    assert.equal(await d.length(), 21);
  },
);

mpTest(
  "Example 15-1 make_dict: one Process per string writes into a manager.dict()",
  async () => {
    await using mgr = await Manager();
    const strings = ["hello", "manager", "dict", "proxies"];
    const d = await mgr.dict<string, number>();
    const procs = strings.map((s) =>
      new Process({
        target: (d: DictProxy<string, number>, s: string) =>
          d.setItemSync(s, s.length),
        args: [d, s],
      })
    );
    for (const p of procs) p.start();
    for (const p of procs) await p.join();
    for (const p of procs) assert.equal(p.exitcode, 0);
    assert.deepEqual(
      await d.copy(),
      Object.fromEntries(strings.map((s) => [s, s.length])),
    );
  },
);

mpTest(
  "Proxies travel by reference: in Process args, in queue items, nested in another proxy's value",
  async () => {
    await using m = await Manager();
    const l = await m.list<number>([1]);
    const q = await m.Queue<unknown>();
    await q.put(l); // a proxy as a queue item
    const back = await q.get() as ListProxy<number>;
    assert.ok(back instanceof ListProxy);
    await back.append(2);
    assert.deepEqual(await l.copy(), [1, 2]);
    const outer = await m.dict<string, unknown>();
    await outer.setItem("inner", l); // nested
    const inner = await outer.getItem("inner") as ListProxy<number>;
    await inner.append(3);
    assert.deepEqual(await l.copy(), [1, 2, 3]);
    const p = new Process({
      target: async (q: { getSync(): { appendSync(v: number): void } }) => {
        q.getSync().appendSync(4);
        await Promise.resolve();
      },
      args: [q],
    });
    await q.put(l);
    p.start();
    await p.join();
    assert.equal(p.exitcode, 0);
    assert.deepEqual(await l.copy(), [1, 2, 3, 4]);
  },
);

mpTest(
  "Server objects are reference counted (_TestZZZNumberOfObjects)",
  async () => {
    await using m = await Manager();
    assert.equal(await m.numberOfObjects(), 0);
    const d = await m.dict();
    const l = await m.list();
    assert.equal(await m.numberOfObjects(), 2);
    // a second proxy for the same object (through a queue) shares it
    const q = await m.Queue();
    await q.put(l);
    const l2 = await q.get() as ListProxy;
    assert.equal(await m.numberOfObjects(), 3);
    await l2[Symbol.asyncDispose]();
    assert.equal(await m.numberOfObjects(), 3); // l still holds it
    await l[Symbol.asyncDispose]();
    await d[Symbol.asyncDispose]();
    await q[Symbol.asyncDispose]();
    assert.equal(await m.numberOfObjects(), 0);
    await assert.rejects(d.length(), ReferenceError);
  },
);

mpTest("A wrong authkey is refused and the server keeps serving", async () => {
  await using m = await Manager();
  const d = await m.dict({ a: 1 });
  const intruder = new SyncManager({
    address: m.address,
    authkey: new TextEncoder().encode("wrong"),
  });
  await assert.rejects(intruder.connect(), AuthenticationError);
  assert.equal(await d.getItem("a"), 1);
  const other = new SyncManager({ address: m.address, authkey: m.authkey });
  await other.connect();
  const d2 = await other.dict();
  await d2.setItem("b", 2);
  assert.deepEqual(await d2.copy(), { b: 2 });
  await other.shutdown(); // a connected manager only closes its connections
  assert.equal(await d.getItem("a"), 1);
});

mpTest(
  "A killed server fails pending and later calls with an error, never a hang",
  async () => {
    const m = await Manager();
    const ev = await m.Event();
    // Parked in the server; its outcome is taken at once (never unhandled).
    const pending = ev.wait().then(() => null, (e: Error) => e);
    const d = await m.dict();
    m.process!.kill();
    await m.process!.join();
    assert.ok(await pending instanceof Error);
    await assert.rejects(d.getItem("x"));
    assert.throws(() => d.getItemSync("x"));
    await m.shutdown();
  },
);

mpTest(
  "A method that is not exposed is refused with RemoteError (and the connection stays usable)",
  async () => {
    await using m = await Manager();
    const d = await m.dict({ a: 1 });
    await assert.rejects(d.callMethod("__class__"), RemoteError);
    await assert.rejects(d.callMethod("fromkeys", [[1]]), RemoteError);
    assert.equal(await d.getItem("a"), 1);
    assert.match(await d.str(), /'a': 1/);
  },
);

mpTest(
  "Proxies cross to Threads; Sync calls block only the calling thread",
  async () => {
    const { Thread } = await import("../../../threading/mod.ts");
    await using m = await Manager();
    const q = await m.Queue<number>();
    const d = await m.dict<string, number>();
    const t = new Thread({
      target: (q: { getSync(): number }, d: DictProxy<string, number>) => {
        d.setItemSync("got", q.getSync()); // blocks this thread only
      },
      args: [q, d],
    });
    t.start();
    await q.put(7); // the main thread's event loop is free meanwhile
    await t.join();
    assert.equal(await d.getItem("got"), 7);
  },
);

mpTest(
  "An RLock proxy keeps one owner while other calls of the process come and go",
  async () => {
    await using m = await Manager();
    const rlock = await m.RLock();
    const ev = await m.Event();
    const q = await m.Queue<number>();
    assert.equal(await rlock.acquire(), true);
    // Other calls in flight finish in between, on pooled connections.
    const waiting = ev.wait(5);
    const getting = q.get();
    await q.put(1);
    await ev.set();
    assert.equal(await getting, 1);
    assert.equal(await waiting, true);
    await rlock.release(); // still the owner
    await assert.rejects(rlock.release(), RuntimeError);
    // A second proxy for the same RLock is another owner (as another thread).
    await q.put(0);
    const q2 = await m.Queue<unknown>();
    await q2.put(rlock);
    const other = await q2.get() as typeof rlock;
    assert.equal(await rlock.acquire(), true);
    assert.equal(await other.acquire(false), false);
    await rlock.release();
    assert.equal(await other.acquire(false), true);
    await other.release();
    // A Condition: a waiter and a notifier, each with its own proxy.
    const cond = await m.Condition();
    await q2.put(cond);
    const notifier = await q2.get() as typeof cond;
    await cond.acquire();
    const waited = cond.wait(10);
    await notifier.acquire(); // the waiter released the lock while waiting
    await notifier.notify();
    await notifier.release();
    assert.equal(await waited, true);
    await cond.release();
  },
);
