// Ports test_concurrent_futures/executor.py, test_thread_pool.py,
// test_shutdown.py and test_init.py for ThreadPoolExecutor, plus what is
// specific to threads on Workers (targets, errors and SharedArrayBuffers
// crossing, broken pools).
import assert from "node:assert/strict";
import {
  BrokenExecutor,
  BrokenThreadPool,
  CancelledError,
  Executor,
  type Future,
  RuntimeError,
  ThreadPoolExecutor,
  TimeoutError,
  ValueError,
  waitSync,
} from "../../concurrent_futures/mod.ts";
import { enumerate, Event, Lock, Semaphore } from "../../threading/mod.ts";
import { capturedStderr } from "./_fixtures.ts";
import { runScript as run, threadTest, timed } from "../_helpers.ts";

const fixtures = (name: string) =>
  new URL(`./_fixtures.ts#${name}`, import.meta.url);
const mul = fixtures("mul");
const divmod = fixtures("divmod");
const pow = (a: number, b: number) => a ** b;
const abs = (x: number) => Math.abs(x);
const acquire = (s: Semaphore) => s.acquireSync();
const sleep = (seconds: number) =>
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, seconds * 1000);

/** The pool's threads, as threading.enumerate() sees them. */
function poolThreads(prefix: string) {
  return enumerate().filter((t) => t.name.startsWith(`${prefix}_`));
}

function runScript(
  name: string,
  args: string[] = [],
  flags: string[] = [],
): Promise<{ code: number; out: string; err: string }> {
  return run(new URL(`./_scripts/${name}`, import.meta.url), args, flags);
}

// --- executor.py ---------------------------------------------------------

threadTest(
  "ThreadPoolExecutor.submit(): runs the call on a worker",
  async () => {
    await using pool = new ThreadPoolExecutor(5);
    const future = pool.submit(pow, 2, 8);
    assert.equal(256, await future.result());
    assert.equal(pool.submit(mul, 6, 7).resultSync(), 42);
  },
);

threadTest(
  "ThreadPoolExecutor.map(): results in order, with and without chunks",
  async () => {
    await using pool = new ThreadPoolExecutor(5);
    const xs = [...Array(10).keys()];
    const expected = xs.map((x) => x ** x);
    const out: number[] = [];
    for await (const r of pool.map(pow, xs, xs)) out.push(r);
    assert.deepEqual(out, expected);
    const chunked: number[] = [];
    for await (const r of pool.map(pow, xs, xs, { chunksize: 3 })) {
      chunked.push(r);
    }
    assert.deepEqual(chunked, expected);
    assert.deepEqual(
      [...pool.mapSync(pow, xs, xs, { chunksize: 4 })],
      expected,
    );
    // Python's zip: the shortest iterable ends it; generators are fine.
    function* three() {
      yield 1;
      yield 2;
      yield 3;
    }
    assert.deepEqual([...pool.mapSync(mul, three(), [10, 20])], [10, 40]);
    assert.deepEqual([...pool.mapSync(mul)], []);
  },
);

threadTest(
  "ThreadPoolExecutor.map(): a call that threw throws at its place",
  async () => {
    await using pool = new ThreadPoolExecutor(5);
    for (const chunksize of [1, 3]) {
      const it = pool.map(divmod, [1, 1, 1, 1], [2, 3, 0, 5], { chunksize });
      assert.deepEqual((await it.next()).value, [0, 1]);
      assert.deepEqual((await it.next()).value, [0, 1]);
      await assert.rejects(it.next(), /division or modulo by zero/);
      const sync = pool.mapSync(divmod, [1, 1, 1, 1], [2, 3, 0, 5], {
        chunksize,
      });
      assert.deepEqual(sync.next().value, [0, 1]);
      assert.deepEqual(sync.next().value, [0, 1]);
      assert.throws(() => sync.next(), RangeError);
    }
  },
);

threadTest(
  "ThreadPoolExecutor.map(): TimeoutError once the deadline from the call passes",
  async () => {
    await using pool = new ThreadPoolExecutor(5);
    const event = new Event();
    const slow = (i: number, e: Event) => (i === 2 ? e.waitSync() : i);
    try {
      const results: unknown[] = [];
      const [err, seconds] = await timed(async () => {
        try {
          for await (
            const r of pool.map(slow, [0, 1, 2], [event, event, event], {
              timeout: 0.3,
            })
          ) {
            results.push(r);
          }
        } catch (e) {
          return e;
        }
      });
      assert.ok(err instanceof TimeoutError, String(err));
      assert.ok(seconds >= 0.18 && seconds < 10, `${seconds}`);
      assert.deepEqual(results, [0, 1]);
      const sync: unknown[] = [];
      assert.throws(() => {
        for (
          const r of pool.mapSync(slow, [0, 1, 2], [event, event, event], {
            timeout: 0.2,
          })
        ) {
          sync.push(r);
        }
      }, TimeoutError);
      assert.deepEqual(sync, [0, 1]);
    } finally {
      event.set();
    }
  },
);

threadTest("ThreadPoolExecutor.map() then shutdown() (bpo-12456)", async () => {
  const pool = new ThreadPoolExecutor(5);
  pool.map((x: number) => String(x), Array(6).fill(2));
  await pool.shutdown();
});

Deno.test("ThreadPoolExecutor(): maxWorkers must be a positive integer", () => {
  for (const n of [0, -1]) {
    assert.throws(
      () => new ThreadPoolExecutor({ maxWorkers: n }),
      (e: unknown) =>
        e instanceof ValueError &&
        /max_workers must be greater than 0/.test(String(e)),
    );
  }
  assert.throws(() => new ThreadPoolExecutor({ maxWorkers: 1.5 }), TypeError);
  assert.throws(
    () => new ThreadPoolExecutor({ maxWorkers: "2" as never }),
    TypeError,
  );
  assert.throws(
    () => new ThreadPoolExecutor({ initializer: 42 as never }),
    TypeError,
  );
  assert.throws(
    () =>
      new ThreadPoolExecutor({ initializer: () => {}, initargs: [() => {}] }),
    /Cannot send a function/,
  );
});

Deno.test("ThreadPoolExecutor.map(): bad arguments throw before anything runs", async () => {
  await using pool = new ThreadPoolExecutor(1);
  assert.throws(() => pool.map(abs, 5 as never), /argument 2 must be iterable/);
  assert.throws(() => pool.mapSync(abs, [1], { chunksize: 0 }), ValueError);
  assert.throws(
    () => pool.mapSync(abs, [1], { timeout: Number.NaN }),
    ValueError,
  );
});

for (const form of ["map", "mapSync"] as const) {
  threadTest(
    `ThreadPoolExecutor.${form}(): leaving the loop early cancels the calls not started`,
    async () => {
      const ran = new Int32Array(new SharedArrayBuffer(4 * 10));
      const gate = new Event();
      const task = (i: number, ran: Int32Array, gate: Event) => {
        ran[i] = 1;
        if (i >= 1) gate.waitSync();
        return i;
      };
      const pool = new ThreadPoolExecutor(1);
      const xs = [...Array(10).keys()];
      const rans = Array(10).fill(ran), gates = Array(10).fill(gate);
      try {
        if (form === "map") {
          for await (const r of pool.map(task, xs, rans, gates)) {
            assert.equal(r, 0);
            break;
          }
        } else {
          for (const r of pool.mapSync(task, xs, rans, gates)) {
            assert.equal(r, 0);
            break;
          }
        }
      } finally {
        gate.set();
      }
      await pool.shutdown();
      // Call 1 may have started before the break (it cannot be cancelled then).
      assert.equal(ran[0], 1);
      assert.deepEqual([...ran.subarray(2)], Array(8).fill(0));
    },
  );
}

threadTest(
  "ThreadPoolExecutor.map(): results are taken lazily, as the consumer asks",
  async () => {
    await using pool = new ThreadPoolExecutor(2);
    const gate = new Event();
    const it = pool.map(
      (i: number, gate: Event) => (i === 1 ? gate.waitSync() && i : i),
      [0, 1],
      [gate, gate],
    );
    try {
      // The first result comes while the second call still blocks.
      assert.equal((await it.next()).value, 0);
    } finally {
      gate.set();
    }
    assert.equal((await it.next()).value, 1);
    assert.ok((await it.next()).done);
  },
);

// --- test_thread_pool.py -------------------------------------------------

threadTest(
  "ThreadPoolExecutor.map(): submits every call without iteration (bpo-11777)",
  async () => {
    const finished = new Int32Array(new SharedArrayBuffer(4 * 11));
    const record = (n: number, out: Int32Array) => {
      Atomics.store(out, n + 1, 1);
      Atomics.add(out, 0, 1);
    };
    const pool = new ThreadPoolExecutor(5);
    pool.map(record, [...Array(10).keys()], Array(10).fill(finished));
    await pool.shutdown({ wait: true });
    assert.equal(finished[0], 10);
    assert.deepEqual([...finished.subarray(1)], Array(10).fill(1));
  },
);

Deno.test("ThreadPoolExecutor(): maxWorkers defaults to min(32, cpuCount + 4)", async () => {
  await using pool = new ThreadPoolExecutor();
  assert.equal(
    pool.maxWorkers,
    Math.min(32, navigator.hardwareConcurrency + 4),
  );
});

threadTest(
  "ThreadPoolExecutor: no more threads than maxWorkers under saturation",
  async () => {
    const pool = new ThreadPoolExecutor({
      maxWorkers: 4,
      threadNamePrefix: "Saturated",
    });
    const sem = new Semaphore(0);
    const fs: Future<unknown>[] = [];
    for (let i = 0; i < 15 * 4; i++) fs.push(pool.submit(acquire, sem));
    assert.equal(poolThreads("Saturated").length, 4);
    sem.release(15 * 4);
    await pool.shutdown({ wait: true });
    assert.ok(fs.every((f) => f.done()));
  },
);

threadTest(
  "ThreadPoolExecutor: an idle thread is reused rather than a new one started",
  async () => {
    await using pool = new ThreadPoolExecutor({ threadNamePrefix: "Reuse" });
    assert.equal(await pool.submit(mul, 21, 2), 42);
    assert.equal(await pool.submit(mul, 6, 7), 42);
    assert.equal(await pool.submit(mul, 3, 14), 42);
    assert.equal(poolThreads("Reuse").length, 1);
  },
);

threadTest(
  "ThreadPoolExecutor.map(): timeout=0 cancels the current and the remaining calls",
  async () => {
    // test_executor_map_current_future_cancel: a shared log of steps.
    const log = new Int32Array(new SharedArrayBuffer(4 * 8));
    const stop = new Event();
    const logNWait = (ident: number, stop: Event, log: Int32Array) => {
      log[1 + Atomics.add(log, 0, 1)] = ident * 10 + 1; // started
      try {
        stop.waitSync();
      } finally {
        log[1 + Atomics.add(log, 0, 1)] = ident * 10 + 2; // stopped
      }
    };
    {
      await using pool = new ThreadPoolExecutor({ maxWorkers: 1 });
      const fut = pool.submit(logNWait, 1, stop, log);
      try {
        const gen = pool.map(logNWait, [2, 3], [stop, stop], [log, log], {
          timeout: 0,
        });
        await assert.rejects(gen.next(), TimeoutError);
        await gen.return?.();
      } finally {
        stop.set();
      }
      await fut;
    }
    assert.deepEqual([...log.subarray(0, 3)], [2, 11, 12]);
  },
);

// --- test_shutdown.py ----------------------------------------------------

threadTest(
  "ThreadPoolExecutor.submit(): after shutdown() throws RuntimeError",
  async () => {
    const pool = new ThreadPoolExecutor(5);
    await pool.shutdown();
    assert.throws(() => pool.submit(pow, 2, 5), RuntimeError);
    assert.throws(
      () => pool.submit(pow, 2, 5),
      /cannot schedule new futures after shutdown/,
    );
    assert.throws(() => pool.mapSync(pow, [2], [5]), RuntimeError);
    await pool.shutdown(); // twice is fine
    pool.shutdownSync();
    await pool.shutdown({ cancelFutures: true });
    // ...and touches nothing of the pool's freed shared state.
    await using other = new ThreadPoolExecutor(2);
    const fs = Array.from({ length: 200 }, (_, i) => other.submit(mul, i, 3));
    for (let i = 0; i < fs.length; i++) assert.equal(await fs[i], i * 3);
  },
);

Deno.test("ThreadPoolExecutor: pending work finishes before the program ends, without shutdown()", async () => {
  const r = await runScript("interpreter_shutdown.ts");
  assert.equal(r.code, 0, r.err);
  assert.equal(r.err, "");
  assert.equal(r.out.trim(), "apple");
});

Deno.test("ThreadPoolExecutor: an idle pool never shut down does not keep the program alive", async () => {
  const r = await runScript("idle_pool_exit.ts");
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out.trim(), "2");
});

Deno.test("ThreadPoolExecutor: a program that only blocks (resultSync) ends after its work", async () => {
  const r = await runScript("sync_only_exit.ts");
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out.trim(), "2");
});

Deno.test("ThreadPoolExecutor: work dropped by shutdown({ cancelFutures }) does not keep the program alive", async () => {
  const r = await runScript("dropped_work_exit.ts");
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out.trim(), "[ true, true, true ]");
});

threadTest(
  "ThreadPoolExecutor.shutdown(): waits for every queued call (bpo-12364)",
  async () => {
    const pool = new ThreadPoolExecutor(5);
    const fs = Array.from({ length: 50 }, () => pool.submit(sleep, 0.01));
    await pool.shutdown();
    for (const f of fs) assert.equal(f.resultSync(0), "timed-out");
  },
);

threadTest(
  "ThreadPoolExecutor.shutdown({ cancelFutures }): cancels what has not started",
  async () => {
    const pool = new ThreadPoolExecutor(2);
    const started = new Event();
    const task = (started: Event) => {
      started.set();
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
    };
    const fs = Array.from({ length: 50 }, () => pool.submit(task, started));
    // Workers start asynchronously here: let one take its first item.
    await started.wait();
    await pool.shutdown({ cancelFutures: true });
    const cancelled = fs.filter((f) => f.cancelled());
    assert.ok(cancelled.length > 20, `${cancelled.length} cancelled`);
    const others = fs.filter((f) => !f.cancelled());
    assert.ok(others.length > 0);
    for (const f of others) {
      assert.ok(f.done(), String(f));
      assert.equal(f.exceptionSync(0), null);
    }
    // Python's quirk kept: drained futures stay CANCELLED, never "notified",
    // so wait() does not count them as done.
    assert.equal(waitSync(cancelled, { timeout: 0 }).done.size, 0);
  },
);

Deno.test("ThreadPoolExecutor.shutdown({ wait: false }): the program still ends after the work (gh-83386)", async () => {
  const r = await runScript("shutdown_no_wait.ts");
  assert.equal(r.code, 0, r.err);
  assert.equal(r.err, "");
  assert.equal(r.out.trim(), "apple");
});

Deno.test("ThreadPoolExecutor.shutdown({ wait: false, cancelFutures: true }): the program ends", async () => {
  const r = await runScript("cancel_futures_wait_false.ts");
  assert.equal(r.code, 0, r.err);
  assert.equal(r.err, "");
  assert.ok(["apple", ""].includes(r.out.trim()), r.out);
});

threadTest(
  "ThreadPoolExecutor.shutdown(): no hang after a quick cancel (gh-94440)",
  async () => {
    const pool = new ThreadPoolExecutor(1);
    assert.equal(await pool.submit((x: number) => Math.trunc(x), 1.5), 1);
    pool.submit((x: number) => Math.trunc(x), 2.5).cancel();
    const [, seconds] = await timed(() => pool.shutdown({ wait: true }));
    assert.ok(seconds < 5);
  },
);

threadTest("ThreadPoolExecutor.shutdown(): the threads end", () => {
  const pool = new ThreadPoolExecutor({
    maxWorkers: 5,
    threadNamePrefix: "Terminate",
  });
  const sem = new Semaphore(0);
  for (let i = 0; i < 3; i++) pool.submit(acquire, sem);
  const threads = poolThreads("Terminate");
  assert.equal(threads.length, 3);
  sem.release(3);
  pool.shutdownSync();
  for (const t of threads) assert.ok(!t.isAlive());
});

threadTest("ThreadPoolExecutor: await using shuts down with wait", async () => {
  let threads;
  {
    await using e = new ThreadPoolExecutor({
      maxWorkers: 5,
      threadNamePrefix: "Ctx",
    });
    const out: number[] = [];
    for await (const r of e.map(abs, [...Array(10).keys()].map((i) => i - 5))) {
      out.push(r);
    }
    assert.deepEqual(out, [5, 4, 3, 2, 1, 0, 1, 2, 3, 4]);
    threads = poolThreads("Ctx");
    assert.ok(threads.length > 0);
  }
  for (const t of threads) assert.ok(!t.isAlive());
  {
    using e = new ThreadPoolExecutor({
      maxWorkers: 2,
      threadNamePrefix: "CtxSync",
    });
    assert.deepEqual([...e.mapSync(abs, [-1, -2])], [1, 2]);
    threads = poolThreads("CtxSync");
  }
  for (const t of threads) assert.ok(!t.isAlive());
});

Deno.test("ThreadPoolExecutor: a pool dropped without shutdown() shuts down when collected", async () => {
  const r = await runScript("del_shutdown.ts", [], ["--v8-flags=--expose-gc"]);
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out.trim(), "true 0 5,4,3,2,1,0,1,2,3,4");
});

threadTest(
  "ThreadPoolExecutor.shutdown({ wait: false }): the work still completes",
  async () => {
    const executor = new ThreadPoolExecutor({
      maxWorkers: 5,
      threadNamePrefix: "NoWait",
    });
    const res = executor.map(abs, [...Array(10).keys()].map((i) => i - 5));
    const threads = poolThreads("NoWait");
    await executor.shutdown({ wait: false });
    for (const t of threads) await t.join();
    const out: number[] = [];
    for await (const r of res) out.push(r);
    assert.deepEqual(out, [5, 4, 3, 2, 1, 0, 1, 2, 3, 4]);
  },
);

threadTest(
  "ThreadPoolExecutor: threads are named PREFIX_k, by default ThreadPoolExecutor-N_k",
  async () => {
    {
      await using executor = new ThreadPoolExecutor({
        maxWorkers: 5,
        threadNamePrefix: "SpecialPool",
      });
      const sem = new Semaphore(0);
      for (let i = 0; i < 5; i++) executor.submit(acquire, sem);
      const names = poolThreads("SpecialPool").map((t) => t.name);
      assert.equal(names.length, 5);
      for (const name of names) assert.match(name, /^SpecialPool_[0-4]$/);
      sem.release(5);
    }
    {
      await using executor = new ThreadPoolExecutor({ maxWorkers: 5 });
      const sem = new Semaphore(0);
      for (let i = 0; i < 5; i++) executor.submit(acquire, sem);
      const names = enumerate().map((t) => t.name).filter((n) =>
        n.startsWith("ThreadPoolExecutor-")
      );
      assert.equal(names.length, 5);
      for (const name of names) {
        assert.match(name, /^ThreadPoolExecutor-\d+_[0-4]$/);
      }
      sem.release(5);
    }
  },
);

// --- test_init.py --------------------------------------------------------

threadTest(
  "ThreadPoolExecutor({ initializer }): runs in every worker before its calls",
  async () => {
    await using pool = new ThreadPoolExecutor({
      maxWorkers: 2,
      initializer: fixtures("init"),
      initargs: ["initialized"],
    });
    const fs = [0, 1].map(() => pool.submit(fixtures("getInitStatus")));
    for (const f of fs) assert.equal(await f, "initialized");
  },
);

threadTest(
  "ThreadPoolExecutor({ initializer }): a failing initializer breaks the pool",
  async () => {
    const pool = new ThreadPoolExecutor({
      maxWorkers: 2,
      initializer: fixtures("initFail"),
    });
    const stderr = await capturedStderr(async () => {
      let future: Future<unknown> | undefined;
      try {
        future = pool.submit(fixtures("getInitStatus"));
      } catch (e) {
        assert.ok(e instanceof BrokenExecutor); // perhaps broken already
      }
      if (future) {
        await assert.rejects(future.result(), BrokenThreadPool);
        await assert.rejects(
          future.result(),
          /A thread initializer failed, the thread pool is not usable anymore/,
        );
      }
      // From now on, submit is guaranteed to fail.
      assert.throws(
        () => pool.submit(fixtures("getInitStatus")),
        BrokenThreadPool,
      );
    });
    // The worker logs it (Python's LOGGER.critical) on its own stderr.
    void stderr;
    await pool.shutdown();
  },
);

threadTest(
  "ThreadPoolExecutor({ initializer }): futures queued before the failure fail too",
  async () => {
    const gate = new Event();
    const pool = new ThreadPoolExecutor({
      maxWorkers: 1,
      initializer: (gate: Event) => {
        gate.waitSync();
        throw new Error("no");
      },
      initargs: [gate],
    });
    const fs = Array.from({ length: 5 }, (_, i) => pool.submit(mul, i, 2));
    gate.set();
    for (const f of fs) await assert.rejects(f.result(), BrokenThreadPool);
    const { done } = waitSync(fs, { timeout: 10 });
    assert.equal(done.size, 5);
    await pool.shutdown();
  },
);

// --- what crosses a thread boundary ---------------------------------------

threadTest(
  "ThreadPoolExecutor: an error keeps its class, message and the worker's stack",
  async () => {
    await using pool = new ThreadPoolExecutor(2);
    function failingTask(x: number): never {
      throw new RangeError(`bad value ${x}`);
    }
    const err = await pool.submit(failingTask, 3).exception();
    assert.ok(err instanceof RangeError);
    assert.equal((err as Error).message, "bad value 3");
    assert.match((err as Error).stack!, /failingTask/);
    const notAnError = await pool.submit(() => {
      throw 42;
    }).exception();
    assert.equal(notAnError, 42);
    await assert.rejects(pool.submit(divmod, 1, 0).result(), RangeError);
  },
);

threadTest(
  "ThreadPoolExecutor: the library's error classes cross with their class",
  async () => {
    await using pool = new ThreadPoolExecutor(1);
    const e = await pool.submit(fixtures("raiseValueError"), "bad").exception();
    assert.ok(e instanceof ValueError);
    assert.equal((e as Error).message, "bad");
    const b = await pool.submit(fixtures("raiseBroken")).exception();
    assert.ok(b instanceof BrokenThreadPool);
    const c = await pool.submit(fixtures("raiseCancelled")).exception();
    assert.ok(c instanceof CancelledError);
  },
);

threadTest(
  "ThreadPoolExecutor: a closure variable in a call is explained",
  async () => {
    await using pool = new ThreadPoolExecutor(1);
    const factor = 3;
    const e = await pool.submit((x: number) => x * factor, 2).exception();
    assert.ok(e instanceof ReferenceError);
    assert.match((e as Error).message, /factor/);
    assert.match((e as Error).message, /sent by its source/);
  },
);

threadTest(
  "ThreadPoolExecutor.submit(): arguments that cannot cross throw TypeError, nothing queued",
  async () => {
    await using pool = new ThreadPoolExecutor(1);
    assert.throws(
      () => pool.submit((f: unknown) => f, () => 1),
      /Cannot send a function/,
    );
    assert.throws(() => pool.submit(Math.max as never, 1, 2), TypeError);
    assert.throws(() => pool.submit(42 as never), TypeError);
    // Futures and executors stay in their thread: a clear TypeError.
    const f = pool.submit((x: number) => x, 1);
    assert.throws(
      () => pool.submit((g: unknown) => g, f),
      /Cannot send a Future/,
    );
    assert.throws(
      () => pool.submit((p: unknown) => p, pool),
      /Cannot send a ThreadPoolExecutor/,
    );
    await f;
    // A result that cannot cross fails the future with a TypeError.
    await assert.rejects(pool.submit(() => Symbol("x")).result(), TypeError);
    assert.equal(await pool.submit((x: number) => x, 1), 1);
  },
);

threadTest("ThreadPoolExecutor: module-reference and async calls", async () => {
  await using pool = new ThreadPoolExecutor(2);
  assert.equal(
    await pool.submit(
      new URL("./_fixtures.ts#mul", import.meta.url).href,
      4,
      5,
    ),
    20,
  );
  assert.equal(
    await pool.submit(async (x: number) => {
      await new Promise((r) => setTimeout(r, 10));
      return x * 2;
    }, 21),
    42,
  );
  assert.deepEqual(
    [...pool.mapSync(async (x: number) => await Promise.resolve(x + 1), [
      1,
      2,
      3,
    ], { chunksize: 2 })],
    [2, 3, 4],
  );
});

threadTest(
  "ThreadPoolExecutor: SharedArrayBuffers in arguments stay shared; returned, they are the same",
  async () => {
    await using pool = new ThreadPoolExecutor(3);
    const sab = new SharedArrayBuffer(4 * 8);
    const view = new Int32Array(sab);
    const fill = (out: Int32Array, i: number) => {
      Atomics.store(out, i, i * 10);
      return out;
    };
    const rs = await Promise.all(
      [...Array(8).keys()].map((i) => pool.submit(fill, view, i)),
    );
    assert.deepEqual([...view], [0, 10, 20, 30, 40, 50, 60, 70]);
    for (const r of rs) assert.equal(r.buffer, sab);
    // Sync waits get them too.
    const back = pool.submit((b: SharedArrayBuffer) => b, sab).resultSync();
    assert.equal(back, sab);
    // A SharedArrayBuffer made in the call comes back as a copy.
    const made = await pool.submit(() => {
      const b = new SharedArrayBuffer(4);
      new Int32Array(b)[0] = 7;
      return b;
    });
    assert.ok(made instanceof SharedArrayBuffer);
    assert.equal(new Int32Array(made)[0], 7);
  },
);

threadTest(
  "ThreadPoolExecutor: locks and events travel by reference",
  async () => {
    await using pool = new ThreadPoolExecutor(4);
    const lock = new Lock();
    const counter = new Int32Array(new SharedArrayBuffer(4));
    const work = (lock: Lock, counter: Int32Array) => {
      for (let i = 0; i < 1000; i++) {
        lock.acquireSync();
        counter[0]! += 1;
        lock.release();
      }
    };
    await Promise.all([0, 1, 2, 3].map(() => pool.submit(work, lock, counter)));
    assert.equal(counter[0], 4000);
  },
);

threadTest(
  "ThreadPoolExecutor: two CPU-bound calls on two workers run at the same time",
  async () => {
    await using pool = new ThreadPoolExecutor(2);
    // Each call marks itself running, then spins (never blocks) until it
    // sees the other's mark: on one thread at a time the first would spin
    // until its bound and report false. No timing is asserted; the bound
    // only keeps a broken pool from hanging the test.
    const marks = new Int32Array(new SharedArrayBuffer(8));
    const spinUntilBoth = (marks: Int32Array, me: number) => {
      Atomics.store(marks, me, 1);
      const end = Date.now() + 30_000;
      let x = 0;
      while (Atomics.load(marks, 1 - me) === 0) {
        for (let i = 0; i < 1000; i++) x = (x * 31 + i) | 0;
        if (Date.now() > end) return false;
      }
      return true;
    };
    const both = await Promise.all([
      pool.submit(spinUntilBoth, marks, 0),
      pool.submit(spinUntilBoth, marks, 1),
    ].map((f) => f.result()));
    assert.deepEqual(both, [true, true]);
  },
);

// --- broken pools ----------------------------------------------------------

for (const how of ["Deno.exit()", "close()"] as const) {
  threadTest(
    `ThreadPoolExecutor: ${how} in a call breaks the pool, pending futures fail`,
    async () => {
      const pool = new ThreadPoolExecutor(1);
      const gate = new Event();
      const killer = how === "close()"
        ? (gate: Event) => {
          gate.waitSync();
          (globalThis as unknown as { close(): void }).close();
          return "after close";
        }
        : (gate: Event) => {
          gate.waitSync();
          Deno.exit(3);
        };
      const dying = pool.submit(killer, gate);
      const queued = [1, 2, 3].map((i) => pool.submit(mul, i, 2));
      gate.set();
      await assert.rejects(dying.result(), BrokenThreadPool);
      for (const f of queued) {
        await assert.rejects(f.result(), BrokenThreadPool);
      }
      assert.throws(() => pool.submit(mul, 1, 1), BrokenThreadPool);
      await pool.shutdown();
    },
  );
}

threadTest(
  "ThreadPoolExecutor: a worker that dies while the main thread blocks in resultSync()",
  async () => {
    const pool = new ThreadPoolExecutor(2);
    const dying = pool.submit(() => {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
      Deno.exit(1);
    });
    const [err, seconds] = await timed(() => {
      try {
        dying.resultSync(30);
      } catch (e) {
        return e;
      }
    });
    assert.ok(err instanceof BrokenThreadPool, String(err));
    assert.ok(seconds < 10);
    await pool.shutdown();
  },
);

for (const mode of ["async", "sync"]) {
  Deno.test(`ThreadPoolExecutor: a worker that runs out of memory breaks the pool (${mode} wait)`, async () => {
    const r = await runScript("out_of_memory.ts", [mode]);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, "broken\nsubmit broken\ndone\n");
    assert.match(r.err, /Worker terminated due to reaching memory limit/);
  });
}

// --- leaks ---------------------------------------------------------------

threadTest(
  "ThreadPoolExecutor: every task's shared blocks are freed (the heap does not grow)",
  async () => {
    const { heap } = await import("../../_internal/sync/heap.ts");
    const top = () => heap().int32(0, 4)[2]!; // the heap's bump pointer
    await using pool = new ThreadPoolExecutor(2);
    // One call in flight at a time: a steady state the allocator must reach.
    const batch = async () => {
      for (let i = 0; i < 500; i++) {
        assert.equal(pool.submit(mul, i, 2).resultSync(), i * 2);
      }
      for (let i = 0; i < 100; i++) {
        assert.equal(await pool.submit(mul, i, 2), i * 2);
      }
      assert.deepEqual([
        ...pool.mapSync(mul, [1, 2, 3], [4, 5, 6], { chunksize: 2 }),
      ], [4, 10, 18]);
      assert.ok(
        pool.submit(divmod, 1, 0).exceptionSync() instanceof RangeError,
      );
    };
    await batch(); // warm: threads, compiled targets, size classes
    await batch();
    const before = top();
    for (let i = 0; i < 3; i++) await batch();
    // Freed blocks are reused: a per-task leak would move the top up.
    assert.equal(top(), before);
  },
);

threadTest(
  "ThreadPoolExecutor: no file descriptors left behind by pools",
  async () => {
    const fds = () => [...Deno.readDirSync("/proc/self/fd")].length;
    const run = async () => {
      await using pool = new ThreadPoolExecutor(2);
      await Promise.all([1, 2, 3].map((i) => pool.submit(mul, i, 2)));
    };
    await run();
    const before = fds();
    await run();
    await run();
    assert.ok(fds() <= before, `fds ${before} → ${fds()}`);
  },
);

Deno.test("ThreadPoolExecutor: an Executor, with the abstract interface", () => {
  using pool = new ThreadPoolExecutor(1);
  assert.ok(pool instanceof Executor);
});

threadTest(
  "ThreadPoolExecutor.map over one iterable with chunksize: each item is the one argument; a failing call throws at its place",
  async () => {
    await using pool = new ThreadPoolExecutor({ maxWorkers: 2 });
    // One iterable: each item is the one argument, arrays included.
    const pairs = Array.from({ length: 10 }, (_, i) => [i, i + 1]);
    const size = (p: number[]) => {
      if (p[0] === 4 || p[0] === 7) throw new RangeError(`bad ${p[0]}`);
      return p.length * 100 + p[0]!;
    };
    for (const chunksize of [1, 3, 10, 64]) {
      const got: unknown[] = [];
      const it = pool.mapSync(size, pairs, { chunksize });
      for (;;) {
        try {
          const r = it.next();
          if (r.done) break;
          got.push(r.value);
        } catch (e) {
          assert.ok(e instanceof RangeError);
          got.push(e.message);
          break; // as Python's map: the iterator ends with the error
        }
      }
      assert.deepEqual(
        got,
        [200, 201, 202, 203, "bad 4"],
        `chunksize ${chunksize}`,
      );
      const all: unknown[] = [];
      for await (const r of pool.map((x: unknown) => x, pairs, { chunksize })) {
        all.push(r);
      }
      assert.deepEqual(all, pairs);
    }
  },
);
