import assert from "node:assert/strict";
import {
  activeCount,
  currentThread,
  enumerate,
  Event,
  type ExceptHookArgs,
  getExcepthook,
  getIdent,
  Lock,
  mainThread,
  RuntimeError,
  setExcepthook,
  stackSize,
  Thread,
  ValueError,
} from "../../threading/mod.ts";
import { readReport, Summer } from "./_fixtures.ts";
import { threadTest } from "../_helpers.ts";

let hookCalls = 0;

/** Collects excepthook calls during `fn`. */
async function hooked(fn: () => Promise<void>): Promise<ExceptHookArgs[]> {
  const seen: ExceptHookArgs[] = [];
  const previous = getExcepthook();
  hookCalls = 0;
  setExcepthook((args) => {
    hookCalls++;
    seen.push(args);
  });
  try {
    await fn();
  } finally {
    setExcepthook(previous);
  }
  return seen;
}

threadTest(
  "Thread: default names are Thread-N (target), numbered in order",
  () => {
    function work() {}
    const a = new Thread({ target: work });
    const b = new Thread({ target: work });
    const c = new Thread({ name: "custom" });
    const m = /^Thread-(\d+) \(work\)$/.exec(a.name);
    assert.ok(m, a.name);
    assert.equal(b.name, `Thread-${Number(m[1]) + 1} (work)`);
    assert.equal(c.name, "custom");
    assert.match(new Thread().name, /^Thread-\d+$/);
  },
);

threadTest(
  "Thread: ident, isAlive() and toString() through the life cycle",
  async () => {
    const go = new Event();
    const t = new Thread({
      target: (go: Event) => go.waitSync(30),
      args: [go],
    });
    assert.equal(t.ident, null);
    assert.equal(t.isAlive(), false);
    assert.match(String(t), /^<Thread\(Thread-\d+ \(target\), initial\)>$/);
    const before = activeCount();
    t.start();
    assert.equal(typeof t.ident, "number");
    assert.ok(t.isAlive());
    assert.equal(
      activeCount(),
      before + 1,
      "registered as soon as start() returns",
    );
    assert.ok(enumerate().includes(t));
    assert.match(String(t), /^<Thread\(Thread-\d+ \(target\), started \d+\)>$/);
    go.set();
    await t.join();
    assert.equal(t.isAlive(), false);
    assert.equal(activeCount(), before);
    assert.match(String(t), /, stopped \d+\)>$/);
  },
);

threadTest(
  "Thread.start() twice throws RuntimeError; join() before start too",
  async () => {
    const t = new Thread({ target: () => {} });
    assert.throws(() => t.joinSync(), RuntimeError);
    await assert.rejects(t.join(), RuntimeError);
    t.start();
    assert.throws(() => t.start(), RuntimeError);
    await t.join();
    assert.throws(() => t.start(), RuntimeError);
  },
);

threadTest(
  "Thread.join() of the current thread throws RuntimeError",
  async () => {
    await assert.rejects(currentThread().join(), RuntimeError);
    const out = new Int32Array(new SharedArrayBuffer(4));
    const t = new Thread({
      target: new URL("./_fixtures.ts#joinSelf", import.meta.url),
      args: [out],
    });
    t.start();
    await t.join();
    assert.equal(out[0], 1);
  },
);

threadTest(
  "Thread.join(timeout) returns while the thread still runs",
  async () => {
    const go = new Event();
    const t = new Thread({
      target: (go: Event) => go.waitSync(30),
      args: [go],
    });
    t.start();
    const t0 = performance.now();
    t.joinSync(0.1);
    assert.ok(t.isAlive());
    await t.join(0.1);
    assert.ok(t.isAlive());
    assert.ok(performance.now() - t0 >= 150);
    go.set();
    await t.join();
    assert.equal(t.isAlive(), false);
  },
);

threadTest(
  "Thread: args and kwargs reach the target; kwargs come last",
  async () => {
    const out = new Int32Array(new SharedArrayBuffer(12));
    const t = new Thread({
      target: (out: Int32Array, a: number, kw: { b: number; c: number }) => {
        out[0] = a;
        out[1] = kw.b;
        out[2] = kw.c;
      },
      args: [out, 1],
      kwargs: { b: 2, c: 3 },
    });
    t.start();
    await t.join();
    assert.deepEqual([...out], [1, 2, 3]);
  },
);

threadTest(
  "Thread: a SharedArrayBuffer and typed arrays over it stay shared",
  async () => {
    const sab = new SharedArrayBuffer(16);
    const view = new Int32Array(sab, 4, 2);
    const t = new Thread({
      target: (sab: SharedArrayBuffer, view: Int32Array) => {
        new Int32Array(sab)[0] = 11;
        view[1] = 22;
      },
      args: [sab, view],
    });
    t.start();
    await t.join();
    assert.deepEqual([...new Int32Array(sab)], [11, 0, 22, 0]);
  },
);

threadTest(
  "Thread: plain values are copied, shareables arrive bound to the same state",
  async () => {
    const lock = new Lock();
    const data = {
      list: [1, 2],
      map: new Map([["k", new Date(5)]]),
      big: 10n ** 30n,
    };
    const out = new Int32Array(new SharedArrayBuffer(4));
    lock.acquireSync();
    const t = new Thread({
      target: (
        lock: Lock,
        data: { list: number[]; map: Map<string, Date>; big: bigint },
        out: Int32Array,
      ) => {
        data.list.push(3); // a copy: the caller does not see it
        const ok = data.map.get("k")!.getTime() === 5 &&
          data.big === 10n ** 30n;
        lock.release(); // the same lock
        out[0] = ok ? 1 : 2;
      },
      args: [lock, data, out],
    });
    t.start();
    await t.join();
    assert.equal(out[0], 1);
    assert.deepEqual(data.list, [1, 2]);
    assert.equal(lock.locked(), false);
  },
);

threadTest(
  "Thread: an argument that cannot cross throws TypeError at start(), nothing starts",
  () => {
    const before = activeCount();
    const t = new Thread({ target: (f: () => void) => f(), args: [() => 1] });
    assert.throws(
      () => t.start(),
      /Cannot send a function .* at \[0\]|Cannot send a function/,
    );
    assert.equal(activeCount(), before);
    assert.equal(t.isAlive(), false);
    assert.equal(t.ident, null);
    assert.throws(() => new Thread({ target: 42 as never }), TypeError);
    assert.throws(() => new Thread({ target: Math.max }), /built-in/);
  },
);

threadTest("Thread: a module reference target runs in the Worker", async () => {
  const out = new Int32Array(new SharedArrayBuffer(4));
  const t = new Thread({
    target: new URL("./_fixtures.ts#add", import.meta.url),
    args: [out, 40, 2],
  });
  assert.match(t.name, /^Thread-\d+ \(add\)$/);
  t.start();
  await t.join();
  assert.equal(out[0], 42);
});

threadTest(
  "Thread: an exported subclass runs its own run() with its fields",
  async () => {
    const out = new Int32Array(new SharedArrayBuffer(12));
    const t = new Summer([1, 2, 3, 4], out);
    t.start();
    await t.join();
    assert.deepEqual([...out], [10, 1, 1]);
    assert.equal(t.name, "summer");
  },
);

threadTest(
  "Thread: a subclass that is not exported fails with a clear error",
  async () => {
    class Hidden extends Thread {
      override run() {}
    }
    const seen = await hooked(async () => {
      const t = new Hidden();
      t.start();
      await t.join();
    });
    assert.equal(seen.length, 1);
    assert.match(String(seen[0]!.excValue), /export it from its module/);
  },
);

threadTest(
  "Thread: an async target keeps the thread alive until it settles",
  async () => {
    const out = new Int32Array(new SharedArrayBuffer(4));
    const t = new Thread({
      target: async (out: Int32Array) => {
        await new Promise((r) => setTimeout(r, 100));
        out[0] = 1;
      },
      args: [out],
    });
    t.start();
    t.joinSync(0.01);
    assert.ok(t.isAlive());
    await t.join();
    assert.equal(out[0], 1);
  },
);

threadTest(
  "Thread: currentThread(), getIdent(), mainThread(), enumerate() inside a thread",
  async () => {
    const out = new Uint8Array(new SharedArrayBuffer(4096));
    const go = new Event();
    const other = new Thread({
      name: "other",
      target: (go: Event) => go.waitSync(30),
      args: [go],
    });
    other.start();
    const t = new Thread({
      name: "inner",
      target: new URL("./_fixtures.ts#introspect", import.meta.url),
      args: [out],
    });
    t.start();
    await t.join();
    go.set();
    await other.join();
    const r = readReport(out);
    assert.equal(r.name, "inner");
    assert.equal(r.ident, t.ident);
    assert.equal(r.getIdent, t.ident);
    assert.equal(r.daemon, false);
    assert.equal(r.main, "MainThread");
    assert.equal(r.mainIdent, mainThread().ident);
    assert.equal(r.active, 3);
    assert.deepEqual(r.names, ["MainThread", "other", "inner"]);
    assert.equal(r.same, true);
    assert.equal(typeof r.nativeId, "number");
    assert.notEqual(r.nativeId, Deno.pid);
    assert.equal(getIdent(), mainThread().ident);
  },
);

threadTest(
  "Thread: threads start threads; daemon is inherited, settable before start",
  async () => {
    const fixture = new URL("./_fixtures.ts#nested", import.meta.url);
    for (
      const [daemon, inner, expected] of [[false, null, [0, 0]], [true, null, [
        1,
        1,
      ]], [true, false, [1, 0]]] as const
    ) {
      const out = new Int32Array(new SharedArrayBuffer(16));
      const t = new Thread({ target: fixture, args: [out, inner], daemon });
      assert.equal(t.daemon, daemon);
      t.start();
      assert.throws(() => {
        t.daemon = !daemon;
      }, RuntimeError);
      await t.join();
      assert.deepEqual([out[0], out[1]], expected);
      assert.equal(out[2], 42, "the inner thread ran");
      assert.equal(out[3], 2, "and was joined");
    }
    const t = new Thread();
    t.daemon = true;
    assert.equal(t.daemon, true);
  },
);

threadTest(
  "Thread: renaming a running thread is seen from every thread",
  async () => {
    const out = new Uint8Array(new SharedArrayBuffer(4096));
    const go = new Event();
    const t = new Thread({
      name: "before",
      target: async (go: Event, out: Uint8Array, url: string) => {
        go.waitSync(30);
        const { introspect } = await import(url);
        introspect(out);
      },
      args: [go, out, new URL("./_fixtures.ts", import.meta.url).href],
    });
    t.start();
    t.name = "after";
    assert.equal(t.name, "after");
    go.set();
    await t.join();
    assert.equal(readReport(out).name, "after");
  },
);

threadTest(
  "Thread: a function that uses a closure variable gets an explained ReferenceError",
  async () => {
    const outside = 5;
    const seen = await hooked(async () => {
      const t = new Thread({ target: () => outside + 1 });
      t.start();
      await t.join();
    });
    assert.equal(seen.length, 1);
    const err = seen[0]!.excValue as Error;
    assert.ok(err instanceof ReferenceError);
    assert.match(
      err.message,
      /outside is not defined.*sent by its source text/,
    );
  },
);

threadTest(
  "Thread: an uncaught error goes to the starter's excepthook with its class and stack",
  async () => {
    let t: Thread | undefined;
    let callsAtJoin = -1;
    const seen = await hooked(async () => {
      t = new Thread({
        name: "failing",
        target: () => {
          throw new RangeError("boom");
        },
      });
      t.start();
      await t.join();
      callsAtJoin = hookCalls;
    });
    assert.equal(callsAtJoin, 1, "the hook ran before join() returned");
    const a = seen[0]!;
    assert.equal(a.thread, t);
    assert.equal(a.excType, RangeError);
    assert.ok(a.excValue instanceof RangeError);
    assert.equal((a.excValue as Error).message, "boom");
    assert.match(a.excTraceback!, /RangeError: boom\n\s+at /);
  },
);

threadTest(
  "Thread: Deno.exit() in a thread ends the thread, not the process",
  async () => {
    const seen = await hooked(() => {
      const t = new Thread({ target: () => Deno.exit(3) });
      t.start();
      t.joinSync(30); // a Sync join: the Worker's end must not need our event loop
      assert.equal(t.isAlive(), false);
      return Promise.resolve();
    });

    assert.equal(seen.length, 0, "like SystemExit, not reported");
    // Threads keep working afterwards.
    const out = new Int32Array(new SharedArrayBuffer(4));
    const t2 = new Thread({
      target: (o: Int32Array) => void (o[0] = 1),
      args: [out],
    });
    t2.start();
    await t2.join();
    assert.equal(out[0], 1);
  },
);

Deno.test("stackSize() validates as Python's stack_size", () => {
  assert.equal(stackSize(), 0);
  assert.throws(() => stackSize(100), ValueError);
  assert.throws(() => stackSize(-1), ValueError);
  assert.equal(stackSize(), 0, "unchanged after an error");
  assert.equal(stackSize(1 << 20), 0);
  assert.equal(stackSize(0), 1 << 20);
});

threadTest(
  "stackSize(): threads started with a set stack size run",
  async () => {
    stackSize(16 << 20);
    try {
      const out = new Int32Array(new SharedArrayBuffer(4));
      const t = new Thread({
        target: (out: Int32Array) => void (out[0] = 1),
        args: [out],
      });
      t.start();
      await t.join();
      assert.equal(out[0], 1);
    } finally {
      stackSize(0);
    }
  },
);

threadTest(
  "Thread.join(): once it returns, activeCount() and enumerate() no longer count the thread",
  async () => {
    // The registry marks a thread stopped only after unlinking it: a joiner
    // spinning on the state word must not see the old count.
    for (let i = 0; i < 200; i++) {
      const t = new Thread({ target: () => {} });
      t.start();
      if (i % 2) await t.join();
      else t.joinSync();
      assert.equal(activeCount(), 1);
      assert.ok(!enumerate().includes(t));
    }
  },
);

threadTest(
  "Thread: currentThread() is the new thread while its subclass's module loads",
  async () => {
    const { Probe } = await import("./_probe_fixture.ts");
    const out = new Uint8Array(new SharedArrayBuffer(64));
    const t = new Probe(out);
    t.start();
    await t.join();
    assert.equal(new TextDecoder().decode(out.slice(1, 1 + out[0]!)), "probe");
  },
);
