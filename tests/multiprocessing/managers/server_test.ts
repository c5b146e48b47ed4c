/**
 * The server's pieces without a client: Python's value semantics, the
 * referents' blocking and ownership rules, the object table's reference
 * counts.
 */
import assert from "node:assert/strict";
import { EOFError, RuntimeError } from "../../../_internal/errors.ts";
import { Empty } from "../../../_internal/queue/errors.ts";
import {
  hashKey,
  pyEquals,
  slicePositions,
} from "../../../multiprocessing/managers/_py.ts";
import { ServerDict } from "../../../multiprocessing/managers/_server_dict.ts";
import { ServerQueue } from "../../../multiprocessing/managers/_server_queue.ts";
import {
  ServerCondition,
  ServerLock,
} from "../../../multiprocessing/managers/_server_sync.ts";
import { ServerCore } from "../../../multiprocessing/managers/_server.ts";
import {
  loadServerTypes,
  syncManagerRegistry,
} from "../../../multiprocessing/managers/_registry.ts";
import { proxyToPy, tuple } from "../../../multiprocessing/managers/_token.ts";
import "../../../multiprocessing/managers/_wire.ts";

const A = { conn: 1 }, B = { conn: 2 };

Deno.test("dict keys follow Python's equality: 1 == 1.0 == True, tuples by content, lists unhashable", () => {
  assert.equal(hashKey(1), hashKey(1.0));
  assert.equal(hashKey(1), hashKey(true));
  assert.equal(hashKey(1), hashKey(1n));
  assert.notEqual(hashKey(1), hashKey("1"));
  assert.equal(hashKey(tuple(1, "a")), hashKey(tuple(1, "a")));
  assert.throws(() => hashKey([1]), /unhashable type: 'list'/);
  assert.throws(() => hashKey({}), /unhashable type: 'dict'/);
  assert.ok(pyEquals([1, { a: tuple(2) }], [1.0, { a: tuple(2) }]));
  assert.ok(!pyEquals(tuple(1), [1])); // a tuple is not a list
  const d = new ServerDict();
  d.setItem(1, "one");
  d.setItem(true, "true"); // the same key, as in Python
  assert.equal(d.size, 1);
  assert.equal(d.getItem(1.0), "true");
});

Deno.test("slices select Python's positions", () => {
  const s = (a: number | null, b: number | null, c: number | null = null) =>
    slicePositions({ start: a, stop: b, step: c }, 5);
  assert.deepEqual(s(null, null), [0, 1, 2, 3, 4]);
  assert.deepEqual(s(-2, null), [3, 4]);
  assert.deepEqual(s(null, null, -2), [4, 2, 0]);
  assert.deepEqual(s(10, 20), []);
});

Deno.test("an RLock is owned by the connection that acquired it", async () => {
  const r = new ServerLock(true);
  assert.equal(await r.acquire(A), true);
  assert.equal(await r.acquire(A), true); // reentrant for its owner
  assert.equal(await r.acquire(B, false), false);
  assert.throws(() => r.release(B), RuntimeError);
  r.release(A);
  assert.equal(await r.acquire(B, false), false); // still held once
  const waiting = r.acquire(B); // parked until A lets go
  r.release(A);
  assert.equal(await waiting, true);
  assert.equal(r.owner, 2);
  r.release(B);
});

Deno.test("a Condition's wait releases its lock fully and reacquires it at the same depth", async () => {
  const c = new ServerCondition();
  await c.lock.acquire(A);
  await c.lock.acquire(A);
  const waiting = c.wait(A, null);
  // B can take the lock while A waits, notify, and let go.
  assert.equal(await c.lock.acquire(B, false), true);
  c.notify(B, 1);
  c.lock.release(B);
  assert.equal(await waiting, true);
  assert.equal(c.lock.count, 2);
  assert.equal(c.lock.owner, 1);
  assert.throws(() => c.notify(B), RuntimeError);
});

Deno.test("closing a referent fails its waiters (the server is going) and leaves no timer", async () => {
  const q = new ServerQueue();
  const forever = q.get();
  const timed = q.get(true, 60);
  q.close();
  await assert.rejects(forever, EOFError);
  await assert.rejects(timed, EOFError);
  await assert.rejects(q.get(false), Empty);
});

Deno.test("the object table counts references as CPython's Server", async () => {
  await loadServerTypes(); // a server's creates await it (their `prepare`)
  const core = new ServerCore(
    syncManagerRegistry(),
    null,
    new TextEncoder().encode("k"),
  );
  try {
    const [d] = core.create("dict", [], {});
    const [l] = core.create("list", [], {});
    assert.equal(core.numberOfObjects(), 2);
    core.incref(d);
    core.decref(d);
    assert.equal(core.numberOfObjects(), 2);
    core.decref(d);
    assert.equal(core.numberOfObjects(), 1);
    assert.throws(() => core.decref(d), /refcount/);
    assert.throws(() => core.incref(d), /KeyError/);
    // A dict storing a proxy to the list keeps the list alive once its
    // last external reference goes (id_to_local_proxy_obj).
    const [outer] = core.create("dict", [], {});
    const token = { typeid: "list", address: core.address, id: l };
    core.create("dict", [{
      inner: proxyToPy({ proxytype: "ListProxy", token, kwds: {} }),
    }], {});
    core.decref(l);
    assert.equal(core.numberOfObjects(), 2);
    core.incref(l); // tracking resumes from the stored reference
    assert.equal(core.numberOfObjects(), 3);
    assert.match(core.debugInfo(), /refcount=1/);
    core.decref(outer);
  } finally {
    core.shutdown();
  }
  await core.serveForever(); // returns at once after shutdown
});

Deno.test("keyword arguments bind to a user method's parameters by name (or its camelCased form)", async () => {
  const { callUser, paramNames } = await import(
    "../../../multiprocessing/managers/_referent.ts"
  );
  const obj = {
    get(block = true, timeout: number | null = null) {
      return [block, timeout];
    },
    open(pathName: string, options?: unknown) {
      return [pathName, options];
    },
  };
  assert.deepEqual(paramNames(obj.get), ["block", "timeout"]);
  assert.deepEqual(callUser(obj, "get", [], { timeout: 0.5 }), [true, 0.5]);
  assert.deepEqual(callUser(obj, "open", [], { path_name: "p" }), [
    "p",
    undefined,
  ]);
  // Unknown keywords arrive as one final object (API.md convention 3).
  assert.deepEqual(callUser(obj, "open", ["p"], { mode: "r" }), [
    "p",
    { mode: "r" },
  ]);
  assert.throws(
    () => callUser(obj, "get", [false], { block: true }),
    /multiple values/,
  );
});
