/**
 * Managers against real CPython, both ways: a CPython client of a pyconc
 * server, and a pyconc client of a CPython server.
 */
import assert from "node:assert/strict";
import {
  AttributeError,
  AutoProxy,
  Empty,
  KeyError,
  SyncManager,
} from "../../../multiprocessing/mod.ts";
import { linkTo } from "../../../multiprocessing/managers/_client.ts";
import { mpTest } from "../_helpers.ts";

const decoder = new TextDecoder();

async function python(script: string): Promise<string> {
  const r = await new Deno.Command("python3", {
    args: ["-c", script],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const out = decoder.decode(r.stdout);
  assert.equal(
    r.code,
    0,
    `python3 failed:\n${out}\n${decoder.decode(r.stderr)}`,
  );
  return out;
}

class CounterManager extends SyncManager {}
// The server's one queue (a pyconc queue.Queue), as CPython's get_queue.
CounterManager.register(
  "get_queue",
  new URL("./_fixtures.ts#getQueue", import.meta.url),
);
CounterManager.register(
  "Counter",
  class Counter {
    n = 0;
    incr(k = 1) {
      this.n += k;
      return this.n;
    }
    get_n() {
      return this.n;
    }
  },
);

mpTest(
  "A CPython client uses a pyconc server: dict, list, Namespace, Queue, locks, registered typeids, nested proxies",
  async () => {
    const authkey = new TextEncoder().encode("interop key");
    await using m = new CounterManager({ address: ["127.0.0.1", 0], authkey });
    await m.start();
    const [host, port] = m.address as [string, number];
    assert.equal(host, "127.0.0.1");
    assert.ok(port > 0);
    const out = await python(`
import multiprocessing, queue
from multiprocessing.managers import SyncManager
multiprocessing.current_process().authkey = b'interop key'
class CounterManager(SyncManager): pass
CounterManager.register('Counter')
CounterManager.register('get_queue')
m = CounterManager(address=('127.0.0.1', ${port}), authkey=b'interop key')
m.connect()
d = m.dict({'a': 1, (1, 2): 'tuple'})
d['b'] = [1, 2]
print(d['a'], d[(1, 2)], sorted(d.keys(), key=str), len(d), 'a' in d)
try:
    d['zz']
except KeyError as e:
    print('KeyError', e)
l = m.list([3, 1, 2]); l.sort(); l.append(9)
print(l[:], l[0:2], str(l))
ns = m.Namespace(x=1); ns.y = 2
print(ns.x, ns.y)
try:
    ns.zz
except AttributeError as e:
    print('AttributeError')
q = m.Queue(); q.put({'job': 1})
print(q.get(), q.qsize())
try:
    q.get_nowait()
except queue.Empty:
    print('Empty')
lk = m.RLock(); print(lk.acquire(), lk.acquire()); lk.release(); lk.release()
e = m.Event(); e.set(); print(e.is_set(), e.wait(1))
c = m.Counter(); print(c.incr(), c.incr(2), c.get_n())
jobs = m.get_queue(); jobs.put(('job', 1)); jobs.put(b'raw')
print(m.get_queue().get(), jobs.get(), jobs.qsize())
try:
    jobs.get(timeout=0.01)
except queue.Empty:
    print('Empty again')
outer = m.dict(); outer['inner'] = l
print(outer['inner'][:])
print('iter', list(iter(m.dict({'k': 1}))))
print('objects', m._number_of_objects() > 0)
`);
    assert.deepEqual(out.trim().split("\n"), [
      "1 tuple [(1, 2), 'a', 'b'] 3 True",
      "KeyError 'zz'",
      "[1, 2, 3, 9] [1, 2] [1, 2, 3, 9]",
      "1 2",
      "AttributeError",
      "{'job': 1} 0",
      "Empty",
      "True True",
      "True True",
      "1 3 3",
      // A pyconc queue.Queue stores items through the library's codec,
      // where a tuple is an array: it comes back as a list.
      "['job', 1] b'raw' 0",
      "Empty again",
      "[1, 2, 3, 9]",
      "iter ['k']",
      "objects True",
    ]);
    // The CPython client's proxies are gone: it gave every reference back.
    assert.equal(await m.numberOfObjects(), 0);
  },
);

mpTest(
  "A CPython client with a wrong key is refused; the pyconc server keeps serving",
  async () => {
    await using m = new SyncManager({
      address: ["127.0.0.1", 0],
      authkey: new TextEncoder().encode("right"),
    });
    await m.start();
    const port = (m.address as [string, number])[1];
    const out = await python(`
from multiprocessing.managers import SyncManager
from multiprocessing import AuthenticationError
m = SyncManager(address=('127.0.0.1', ${port}), authkey=b'wrong')
try:
    m.connect()
    print('connected')
except AuthenticationError:
    print('refused')
`);
    assert.equal(out.trim(), "refused");
    const d = await m.dict({ ok: true });
    assert.equal(await d.getItem("ok"), true);
  },
);

mpTest(
  "A pyconc client uses a CPython server: dict, list, Queue, Namespace, Value, registered callables",
  async () => {
    const server = new Deno.Command("python3", {
      args: [
        "-c",
        `
import queue, sys
from multiprocessing.managers import SyncManager
q = queue.Queue()
q.put('from python')
class Jobs(SyncManager): pass
Jobs.register('get_queue', callable=lambda: q)
Jobs.register('add', callable=lambda a, b: a + b)
m = Jobs(address=('127.0.0.1', 0), authkey=b'job key')
s = m.get_server()
print(s.address[1], flush=True)
s.serve_forever()
`,
      ],
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const reader = server.stdout.pipeThrough(new TextDecoderStream())
      .getReader();
    const first = await reader.read();
    const port = Number(first.value!.trim());
    const authkey = new TextEncoder().encode("job key");
    try {
      class Jobs extends SyncManager {}
      Jobs.register("get_queue");
      const m = new Jobs({ address: ["127.0.0.1", port], authkey });
      await m.connect();
      const q = await m.create<AutoProxy>("get_queue");
      assert.ok(q instanceof AutoProxy);
      assert.equal(await q.get(), "from python");
      await q.put({ from: "deno", n: [1, 2] });
      assert.deepEqual(await q.get(), { from: "deno", n: [1, 2] });
      await assert.rejects(q.getNowait(), Empty);
      assert.equal(q.qsizeSync(), 0);

      const d = await m.dict<string, unknown>({ a: 1 });
      await d.setItem("b", [1, 2]);
      assert.equal(await d.getItem("a"), 1);
      await assert.rejects(d.getItem("zz"), KeyError);
      assert.deepEqual(await d.items(), [["a", 1], ["b", [1, 2]]]);
      assert.deepEqual(await d.keys(), ["a", "b"]);
      assert.deepEqual(await d.copy(), { a: 1, b: [1, 2] });

      const l = await m.list<number>([3, 1, 2]);
      await l.sort();
      await l.setSlice(0, 1, [0, 0]);
      assert.deepEqual(await l.copy(), [0, 0, 2, 3]);
      assert.deepEqual(await l.slice(1, 3), [0, 2]);

      const ns = await m.Namespace({ x: 1 });
      ns.y = "two";
      assert.equal(ns.x, 1);
      assert.equal(ns.y, "two");
      assert.throws(() => ns.nope, AttributeError);

      const v = await m.Value("i", 5);
      await v.set(6);
      assert.equal(await v.get(), 6);

      const add = await m.create<AutoProxy>("add", 2, 3);
      // The referent is an int: its public methods are exposed.
      assert.equal(await add.callMethod("__repr__"), "5");

      // A nested proxy served by CPython comes back as a proxy.
      const outer = await m.dict<string, unknown>();
      await outer.setItem("inner", l);
      const inner = await outer.getItem("inner");
      assert.deepEqual(await (inner as typeof l).copy(), [0, 0, 2, 3]);

      // A CPython server's Barrier: without an action it works; an action
      // arrives as what CPython unpickles (a dict), which fails when the
      // barrier calls it, in the last party's wait, as CPython's would.
      const b = await m.Barrier(2);
      assert.deepEqual((await Promise.all([b.wait(), b.wait()])).sort(), [
        0,
        1,
      ]);
      const withAction = await m.Barrier(1, () => {});
      await assert.rejects(
        withAction.wait(),
        (e: Error) => e instanceof TypeError && /not callable/.test(e.message),
      );
      assert.equal(withAction.broken, true);
      await m.shutdown();
    } finally {
      await linkTo(["127.0.0.1", port], authkey).request("shutdown").catch(
        () => {},
      );
      await reader.cancel();
      await server.stderr.cancel();
      await server.status;
    }
  },
);
