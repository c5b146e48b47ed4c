// Ports _test_multiprocessing.py's _TestPool, _TestPoolWorkerLifetime and
// _TestPoolWorkerErrors (CPython 3.11) to Pool, plus the faults the issue
// names (a killed worker, Deno.exit in a task, a failing initializer,
// terminate) with leak checks, and ThreadPool.
import assert from "node:assert/strict";
import {
  AsyncResult,
  Barrier,
  Event,
  IMapIterator,
  Pool,
  ProcessError,
  ThreadPool,
  TimeoutError,
  Value,
  ValueError,
} from "../../multiprocessing/mod.ts";
import { CancelledError } from "../../concurrent_futures/mod.ts";
import { childPids, mpTest, runScript, shmEntries } from "./_helpers.ts";
import { openFds } from "../_resources.ts";
import { useSpares } from "../../_internal/process/launch.ts";
import { programHeap } from "../../_internal/process/program_heap.ts";
import { Event as ThreadEvent, Thread } from "../../threading/mod.ts";
import { Queue as ThreadQueue } from "../../queue/mod.ts";

const sqr = (x: number, wait = 0) => {
  if (wait > 0) {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, wait * 1000);
  }
  return x * x;
};
const mul = (x: number, y: number) => x * y;
const sleepFor = (seconds: number) =>
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, seconds * 1000);
const pid = () => Deno.pid;
const raising = () => {
  throw new RangeError("key error in a worker");
};
/** Reports its pid, then blocks until killed. */
const reportAndBlock = (v: Value<"i">, ev: Event) => {
  v.value = Deno.pid;
  ev.set();
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
};

function* throwingGenerator(total: number, when: number) {
  for (let i = 0; i < total; i++) {
    if (i === when) throw new SayWhenError("Somebody said when");
    yield i;
  }
}

class SayWhenError extends RangeError {}

/**
 * Whether a /dev/shm entry is the heap of another program that runs on
 * this machine meanwhile (named after its live creator, not ours).
 */
function othersHeap(name: string): boolean {
  const m = /^pyconc-(\d+)-/.exec(name);
  if (m === null || Number(m[1]) === Deno.pid) return false;
  try {
    const stat = Deno.readTextFileSync(`/proc/${m[1]}/stat`);
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    return ppid !== Deno.pid;
  } catch {
    return false; // its creator is gone: count it
  }
}

/** Runs `fn` and checks that it leaves no descriptor or /dev/shm entry. */
async function noLeaks(fn: () => Promise<void> | void): Promise<void> {
  // No spare meanwhile: its pipes would count as leaked.
  useSpares(false);
  programHeap(); // the program's heap and its tracker live as long as the program
  const fds = openFds();
  const shm = shmEntries();
  try {
    await fn();
  } finally {
    useSpares(true);
  }
  const leaked = [...openFds()].filter(([fd, t]) =>
    fds.get(fd) !== t && !t.startsWith("anon_inode:[pidfd]")
  );
  // pidfds of children reaped a moment later are closed by then: look again.
  assert.deepEqual(
    leaked.filter(([fd]) => openFds().has(fd)),
    [],
    "descriptors leaked",
  );
  assert.deepEqual(
    [...shmEntries()].filter((e) => !shm.has(e) && !othersHeap(e)),
    [],
    "/dev/shm entries left",
  );
}

mpTest(
  "Pool.apply/applySync/applyAsync run the call in a worker (test_apply)",
  async () => {
    await noLeaks(async () => {
      const pool = new Pool(2);
      assert.equal(await pool.apply(sqr, [5]), 25);
      assert.equal(pool.applySync(sqr, [6]), 36);
      assert.deepEqual(
        pool.applySync((a: number, k: { b: number }) => [a, k.b], [1], {
          b: 2,
        }),
        [1, 2],
      );
      const r = pool.applyAsync(mul, [6, 7]);
      assert.ok(r instanceof AsyncResult);
      assert.equal(await r.get(), 42);
      assert.notEqual(pool.applySync(pid), Deno.pid);
      pool.close();
      await pool.join();
    });
  },
);

mpTest(
  "Pool.map/mapSync/mapAsync keep the order, with any chunksize (test_map, test_map_chunksize)",
  async () => {
    const pool = new Pool(2);
    const range = (n: number) => Array.from({ length: n }, (_, i) => i);
    assert.deepEqual(
      await pool.map(sqr, range(10)),
      range(10).map((x) => x * x),
    );
    assert.deepEqual(
      pool.mapSync(sqr, range(100), 7),
      range(100).map((x) => x * x),
    );
    assert.deepEqual(
      pool.mapSync(sqr, range(100), 1000),
      range(100).map((x) => x * x),
    );
    assert.deepEqual(await pool.mapAsync(sqr, range(5), 2).get(), [
      0,
      1,
      4,
      9,
      16,
    ]);
    assert.throws(() => pool.mapSync(sqr, [1], 0), ValueError);
    pool.close();
    pool.joinSync();
  },
);

mpTest(
  "Pool: empty iterables give empty results (test_empty_iterable)",
  async () => {
    const pool = new Pool(1);
    assert.deepEqual(pool.mapSync(sqr, []), []);
    assert.deepEqual([...pool.imap(sqr, [])], []);
    assert.deepEqual([...pool.imapUnordered(sqr, [])], []);
    assert.deepEqual(await pool.mapAsync(sqr, []).get(), []);
    assert.deepEqual(pool.starmapSync(mul, []), []);
    pool.close();
    await pool.join();
  },
);

mpTest(
  "Pool.starmap/starmapSync/starmapAsync spread each item (test_starmap, test_starmap_async)",
  async () => {
    const pool = new Pool(2);
    const psmap = [[0, 1], [2, 3], [4, 5], [6, 7], [8, 9]];
    const want = psmap.map(([a, b]) => a! * b!);
    assert.deepEqual(await pool.starmap(mul, psmap), want);
    assert.deepEqual(pool.starmapSync(mul, psmap, 2), want);
    assert.deepEqual(pool.starmapAsync(mul, psmap, 3).getSync(), want);
    pool.close();
    await pool.join();
  },
);

mpTest(
  "Pool.mapAsync: callback gets the list, errorCallback the error, before get() returns (test_map_async_callbacks)",
  async () => {
    const pool = new Pool(2);
    const got: unknown[] = [];
    const r = pool.mapAsync(sqr, [1, 2], 1, {
      callback: (v) => got.push(v),
      errorCallback: (e) => got.push(e),
    });
    assert.deepEqual(await r.get(), [1, 4]);
    assert.deepEqual(got, [[1, 4]]);
    const errors: unknown[] = [];
    const bad = pool.mapAsync(
      (x: number) => {
        if (x === 2) throw new RangeError("two");
        return x;
      },
      [1, 2, 3],
      1,
      {
        callback: () => errors.push("callback"),
        errorCallback: (e) => errors.push(e),
      },
    );
    assert.throws(() => bad.getSync(), { name: "RangeError", message: "two" });
    assert.equal(errors.length, 1);
    assert.ok(errors[0] instanceof RangeError);
    pool.close();
    await pool.join();
  },
);

mpTest(
  "Pool: a value that cannot be sent throws TypeError at the call; the pool stays usable (test_map_unplicklable)",
  async () => {
    const pool = new Pool(1);
    assert.throws(() => pool.mapSync(sqr, [() => 1] as never), TypeError);
    assert.throws(
      () => pool.applyAsync(sqr, [Symbol("x")] as never),
      TypeError,
    );
    assert.equal(pool.applySync(sqr, [3]), 9);
    pool.close();
    await pool.join();
  },
);

mpTest(
  "Pool: an iterable that throws (test_map_handle_iterable_exception, test_imap_handle_iterable_exception)",
  async () => {
    const pool = new Pool(2);
    assert.throws(
      () => pool.mapSync(sqr, throwingGenerator(1, 0)),
      SayWhenError,
    );
    assert.throws(
      () => pool.mapSync(sqr, throwingGenerator(10, 3), 1),
      SayWhenError,
    );
    const it = pool.imap(sqr, throwingGenerator(10, 3), 1);
    for (let i = 0; i < 3; i++) {
      assert.deepEqual(it.nextSync(), { done: false, value: i * i });
    }
    assert.throws(() => it.nextSync(), SayWhenError);
    assert.deepEqual(it.nextSync(), { done: true, value: undefined });
    const it2 = pool.imap(sqr, throwingGenerator(20, 7), 2);
    for (let i = 0; i < 7; i++) assert.equal((await it2.next()).value, i * i);
    await assert.rejects(() => it2.next(), SayWhenError);
    const un = pool.imapUnordered(sqr, throwingGenerator(10, 3), 1);
    const expected = new Set([0, 1, 4]);
    for (let i = 0; i < 3; i++) {
      const { value } = un.nextSync();
      assert.ok(expected.delete(value!), `unexpected ${value}`);
    }
    assert.throws(() => un.nextSync(), SayWhenError);
    pool.close();
    await pool.join();
  },
);

mpTest(
  "AsyncResult.get(timeout) throws multiprocessing's TimeoutError; ready/successful/wait (test_async, test_async_timeout)",
  async () => {
    const pool = new Pool(2);
    const slow = pool.applyAsync(sqr, [7, 0.5]);
    assert.equal(slow.ready(), false);
    assert.throws(() => slow.successful(), ValueError);
    assert.throws(() => slow.getSync(0.05), TimeoutError);
    await assert.rejects(() => slow.get(0.05), TimeoutError);
    slow.waitSync(0.01);
    assert.equal(slow.ready(), false);
    await slow.wait();
    assert.equal(slow.ready(), true);
    assert.equal(slow.successful(), true);
    assert.equal(slow.getSync(0), 49);
    const failed = pool.applyAsync(raising);
    failed.waitSync();
    assert.equal(failed.successful(), false);
    pool.close();
    await pool.join();
  },
);

mpTest(
  "Pool.imap: results in order, one by one; next(timeout) throws TimeoutError; sync and async iteration (test_imap)",
  async () => {
    const pool = new Pool(2);
    const it = pool.imap(sqr, Array.from({ length: 10 }, (_, i) => i));
    assert.ok(it instanceof IMapIterator);
    const got: number[] = [];
    for (const x of it) got.push(x);
    assert.deepEqual(got, Array.from({ length: 10 }, (_, i) => i * i));
    const chunked = pool.imap(
      sqr,
      Array.from({ length: 100 }, (_, i) => i),
      10,
    );
    const got2: number[] = [];
    for await (const x of chunked) got2.push(x);
    assert.deepEqual(got2, Array.from({ length: 100 }, (_, i) => i * i));
    // next(timeout): a result not ready in time
    const slow = pool.imap(sqr, [[1, 0.4]].map(([x]) => x!), 1);
    void slow;
    const blocked = pool.imap((s: number) => {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, s * 1000);
      return s;
    }, [0.4, 0]);
    assert.throws(() => blocked.nextSync(0.02), TimeoutError);
    await assert.rejects(() => blocked.next(0.02), TimeoutError);
    assert.deepEqual(await blocked.next(), { done: false, value: 0.4 });
    assert.deepEqual(blocked.nextSync(10), { done: false, value: 0 });
    assert.deepEqual(blocked.nextSync(), { done: true, value: undefined });
    assert.deepEqual([...slow], [1]);
    pool.close();
    await pool.join();
  },
);

mpTest(
  "Pool.imapUnordered: every result, in completion order (test_imap_unordered)",
  async () => {
    const pool = new Pool(2);
    const items = Array.from({ length: 50 }, (_, i) => i);
    const got: number[] = [];
    for await (const x of pool.imapUnordered(sqr, items)) got.push(x);
    assert.deepEqual(got.sort((a, b) => a - b), items.map((x) => x * x));
    const got2 = [...pool.imapUnordered(sqr, items, 7)];
    assert.deepEqual(got2.sort((a, b) => a - b), items.map((x) => x * x));
    // The fast one comes first.
    const order = [...pool.imapUnordered((s: number) => {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, s * 1000);
      return s;
    }, [0.3, 0])];
    assert.deepEqual(order, [0, 0.3]);
    pool.close();
    await pool.join();
  },
);

mpTest(
  "Pool(): processes must be at least 1; a bare number is processes (test_make_pool)",
  async () => {
    assert.throws(() => new Pool(-1), ValueError);
    assert.throws(() => new Pool(0), ValueError);
    assert.throws(() => new Pool({ maxtasksperchild: 0 }), ValueError);
    assert.throws(() => new Pool({ initializer: 3 as never }), TypeError);
    const p = new Pool(3);
    assert.equal(
      String(p),
      "<multiprocessing.pool.Pool state=RUN pool_size=3>",
    );
    // Three tasks that wait for each other: three workers.
    const b = new Barrier(3);
    const pids = new Set(p.mapSync(
      (b: Barrier) => {
        b.waitSync(30);
        return Deno.pid;
      },
      [b, b, b],
      1,
    ));
    assert.equal(pids.size, 3);
    p.close();
    assert.match(String(p), /state=CLOSE/);
    await p.join();
    const d = new Pool();
    assert.match(
      String(d),
      new RegExp(`pool_size=${navigator.hardwareConcurrency}>`),
    );
    d.terminate();
    await d.join();
  },
);

mpTest(
  "Pool.terminate() kills every worker at once; unfinished results fail (test_terminate)",
  async () => {
    await noLeaks(async () => {
      const pool = new Pool(2);
      pool.applySync(sqr, [1]);
      const r = pool.mapAsync(
        sleepFor,
        Array.from({ length: 100 }, () => 10),
        1,
      );
      const one = pool.applyAsync(sleepFor, [10]);
      const t0 = performance.now();
      pool.terminate();
      await pool.join();
      assert.ok(
        performance.now() - t0 < 5000,
        "terminate did not wait for the tasks",
      );
      await assert.rejects(() => r.get(), ProcessError);
      assert.throws(() => one.getSync(), ProcessError);
      assert.throws(() => pool.applyAsync(sqr, [1]), {
        name: "ValueError",
        message: "Pool not running",
      });
    });
  },
);

mpTest(
  "Pool: a task's error arrives with its class, message and the worker's stack (test_traceback, test_wrapped_exception)",
  async () => {
    const pool = new Pool(1);
    const thrower = function raiseInWorker() {
      throw new RangeError("bad value");
    };
    try {
      pool.applySync(thrower);
      assert.fail("no error");
    } catch (e) {
      assert.ok(e instanceof RangeError);
      assert.equal(e.message, "bad value");
      assert.match(e.stack ?? "", /raiseInWorker/);
    }
    await assert.rejects(() => pool.apply(raising), {
      name: "RangeError",
      message: "key error in a worker",
    });
    await assert.rejects(() => pool.map(raising, [1]), RangeError);
    // The pool works afterwards.
    assert.equal(pool.applySync(sqr, [4]), 16);
    pool.close();
    await pool.join();
  },
);

mpTest(
  "Pool.map: a failing item raises, and join() still returns (test_map_no_failfast)",
  async () => {
    const pool = new Pool(2);
    assert.throws(() =>
      pool.mapSync(
        (x: number) => {
          if (x === 0) throw new RangeError("zero");
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
          return x;
        },
        [0, 1, 2, 3],
        1,
      ), RangeError);
    pool.close();
    await pool.join();
  },
);

mpTest(
  "Pool: state errors: join() while running, calls after close() (test_enter)",
  async () => {
    const pool = new Pool(1);
    assert.throws(() => pool.joinSync(), {
      name: "ValueError",
      message: "Pool is still running",
    });
    await assert.rejects(() => pool.join(), ValueError);
    pool.close();
    pool.close();
    assert.throws(() => pool.applyAsync(sqr, [1]), ValueError);
    assert.throws(() => pool.mapSync(sqr, [1]), ValueError);
    assert.throws(() => pool.imap(sqr, [1]), ValueError);
    await assert.rejects(() => pool.apply(sqr, [1]), ValueError);
    await pool.join();
  },
);

mpTest(
  "Pool: using and await using terminate at the end of the block (Python's __exit__)",
  async () => {
    let r: AsyncResult<unknown>;
    {
      using pool = new Pool(1);
      assert.equal(pool.applySync(sqr, [2]), 4);
      r = pool.applyAsync(sleepFor, [10]);
    }
    assert.throws(() => r.getSync(), ProcessError);
    {
      await using pool = new Pool(1);
      assert.equal(await pool.apply(sqr, [3]), 9);
    }
  },
);

mpTest(
  "Pool({ maxtasksperchild }): workers retire and are replaced; results stay right (test_pool_worker_lifetime)",
  async () => {
    await noLeaks(async () => {
      const pool = new Pool({ processes: 2, maxtasksperchild: 3 });
      const results = Array.from(
        { length: 20 },
        (_, i) => pool.applyAsync((x: number) => [x * x, Deno.pid], [i]),
      );
      const pids = new Set<number>();
      results.forEach((r, i) => {
        const [v, p] = r.getSync() as [number, number];
        assert.equal(v, i * i);
        pids.add(p);
      });
      // 20 tasks, 3 per worker: at least 7 distinct processes.
      assert.ok(pids.size >= 7, `only ${pids.size} worker processes`);
      pool.close();
      await pool.join();
    });
  },
);

mpTest(
  "Pool({ maxtasksperchild: 1 }): close() then join() waits for the work (test_pool_worker_lifetime_early_close)",
  async () => {
    const pool = new Pool({ processes: 1, maxtasksperchild: 1 });
    const results = [6, 5, 4, 3, 2, 1].map((i) =>
      pool.applyAsync(sqr, [i, 0.01])
    );
    pool.close();
    await pool.join();
    assert.deepEqual(results.map((r) => r.getSync(0)), [36, 25, 16, 9, 4, 1]);
  },
);

mpTest(
  "Pool.applyAsync: errorCallback gets the error (test_async_error_callback)",
  async () => {
    const pool = new Pool(1);
    const scratch: unknown[] = [];
    const r = pool.applyAsync(raising, [], null, {
      errorCallback: (e) => scratch.push(e),
    });
    assert.throws(() => r.getSync(), RangeError);
    assert.equal(scratch.length, 1);
    assert.ok(scratch[0] instanceof RangeError);
    const ok: unknown[] = [];
    await pool.applyAsync(sqr, [9], null, { callback: (v) => ok.push(v) })
      .get();
    assert.deepEqual(ok, [81]);
    pool.close();
    await pool.join();
  },
);

mpTest(
  "Pool: a result that cannot be sent fails that task only (test_unpickleable_result)",
  async () => {
    const pool = new Pool(1);
    const errors: unknown[] = [];
    const r = pool.applyAsync(() => () => 1, [], null, {
      errorCallback: (e) => errors.push(e),
    });
    assert.throws(() => r.getSync(), TypeError);
    assert.equal(errors.length, 1);
    assert.equal(pool.applySync(sqr, [2]), 4);
    pool.close();
    await pool.join();
  },
);

mpTest(
  "Pool: a worker killed with SIGKILL is replaced; only its task fails, nothing hangs; no zombie",
  async () => {
    await noLeaks(async () => {
      const pool = new Pool(2);
      const v = new Value("i", 0);
      const ev = new Event();
      const doomed = pool.applyAsync(reportAndBlock, [v, ev]);
      const others = pool.mapAsync(sqr, [1, 2, 3], 1);
      await ev.wait();
      const victim = v.value;
      Deno.kill(victim, "SIGKILL");
      await assert.rejects(() => doomed.get(), (e: Error) => {
        assert.ok(e instanceof ProcessError);
        assert.match(e.message, /died \(exitcode -9\)/);
        return true;
      });
      assert.deepEqual(await others.get(), [1, 4, 9]);
      // Still two workers, the victim replaced.
      const b = new Barrier(2);
      const pids = new Set(pool.mapSync(
        (b: Barrier) => {
          b.waitSync(30);
          return Deno.pid;
        },
        [b, b],
        1,
      ));
      assert.equal(pids.size, 2);
      assert.ok(!pids.has(victim));
      pool.close();
      await pool.join();
      assert.ok(!childPids().includes(victim));
    });
  },
);

mpTest(
  "Pool: a worker killed while the caller blocks in getSync() fails the task (no hang)",
  () => {
    const pool = new Pool(1);
    const v = new Value("i", 0);
    const ev = new Event();
    const doomed = pool.applyAsync(reportAndBlock, [v, ev]);
    ev.waitSync();
    Deno.kill(v.value, "SIGKILL");
    assert.throws(() => doomed.getSync(), ProcessError);
    assert.equal(pool.applySync(sqr, [5]), 25);
    pool.terminate();
    pool.joinSync();
  },
);

mpTest(
  "Pool: Deno.exit() in a task fails that task; the pool goes on",
  async () => {
    const pool = new Pool(1);
    await assert.rejects(
      () => pool.apply(() => Deno.exit(3)),
      /died \(exitcode 3\)/,
    );
    const it = pool.imap((x: number) => {
      if (x === 1) Deno.exit(4);
      return x;
    }, [0, 1, 2]);
    assert.deepEqual(it.nextSync(), { done: false, value: 0 });
    assert.throws(() => it.nextSync(), ProcessError);
    assert.deepEqual(it.nextSync(), { done: false, value: 2 });
    pool.close();
    await pool.join();
  },
);

mpTest(
  "Pool({ initializer, initargs }) runs in every worker; one that throws breaks the pool",
  async () => {
    const pool = new Pool({
      processes: 2,
      initializer: (x: string) => {
        (globalThis as Record<string, unknown>).initStatus = x;
      },
      initargs: ["initialized"],
    });
    assert.deepEqual(
      pool.mapSync(
        (_: number) => (globalThis as Record<string, unknown>).initStatus,
        [1, 2, 3],
      ),
      ["initialized", "initialized", "initialized"],
    );
    pool.close();
    await pool.join();
    const broken = new Pool({
      processes: 1,
      initializer: () => {
        throw new RangeError("error in initializer");
      },
    });
    await assert.rejects(() => broken.apply(sqr, [1]), ProcessError);
    assert.throws(() => broken.applyAsync(sqr, [1]), ProcessError);
    broken.close();
    await broken.join();
  },
);

mpTest(
  "The seed's make_dict: Pool().imapUnordered(runner, strings)",
  async () => {
    const runner = (s: string): [string, number] => [s, s.length];
    const strings = ["Alice", "Bob", "Carol", "Dave"];
    const pool = new Pool();
    const dict: Record<string, number> = {};
    for await (const [key, value] of pool.imapUnordered(runner, strings)) {
      dict[key] = value;
    }
    pool.close();
    await pool.join();
    assert.deepEqual(dict, { Alice: 5, Bob: 3, Carol: 5, Dave: 4 });
  },
);

mpTest("A module-reference target runs in the workers", async () => {
  const pool = new Pool(1);
  const target = new URL("./_fixtures.ts#add", import.meta.url);
  assert.deepEqual(pool.starmapSync(target, [[1, 2], [3, 4]]), [3, 7]);
  pool.close();
  await pool.join();
});

Deno.test("ThreadPool: the Pool interface on threads, with the seed's make_dict on ThreadPool(3)", async () => {
  const runner = (s: string): [string, number] => [s, s.length];
  const pool = new ThreadPool(3);
  const dict: Record<string, number> = {};
  for (const [k, v] of pool.imapUnordered(runner, ["a", "bb", "ccc"])) {
    dict[k] = v;
  }
  assert.deepEqual(dict, { a: 1, bb: 2, ccc: 3 });
  assert.deepEqual(pool.mapSync(sqr, [1, 2, 3], 2), [1, 4, 9]);
  assert.deepEqual(await pool.starmap(mul, [[2, 3]]), [6]);
  assert.equal(await pool.apply(sqr, [8]), 64);
  const r = pool.applyAsync(raising);
  assert.throws(() => r.getSync(), RangeError);
  assert.throws(() => pool.imap(sleepFor, [0.3]).nextSync(0.01), TimeoutError);
  assert.equal(
    String(pool),
    "<multiprocessing.pool.ThreadPool state=RUN pool_size=3>",
  );
  assert.throws(() => pool.joinSync(), ValueError);
  pool.close();
  await pool.join();
});

Deno.test("ThreadPool.terminate(): tasks not started fail with CancelledError", async () => {
  const pool = new ThreadPool(1);
  const started = new ThreadEvent();
  const running = pool.applyAsync((ev: ThreadEvent) => {
    ev.set();
    return Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
  }, [started]);
  const queued = pool.applyAsync(sqr, [2]);
  started.waitSync();
  pool.terminate();
  await pool.join();
  assert.equal(running.getSync(), "timed-out");
  assert.throws(() => queued.getSync(), CancelledError);
});

mpTest(
  "A pool worker that runs out of memory: Pool fails the task and goes on, ProcessPoolExecutor breaks",
  async () => {
    const { code, out } = await runScript("pool_oom.ts", {
      flags: ["-A", "--v8-flags=--max-old-space-size=64"],
    });
    assert.equal(code, 0);
    assert.equal(
      out,
      "pool task failed\npool goes on: 42\nexecutor broken\ndone\n",
    );
  },
);

mpTest(
  "A Pool and a ProcessPoolExecutor made and used inside a threading.Thread (Sync calls there)",
  async () => {
    const out = new ThreadQueue<unknown>();
    const t = new Thread({
      target: async (
        out: ThreadQueue<unknown>,
        modUrl: string,
        cfUrl: string,
      ) => {
        const { Pool } = await import(modUrl);
        const { ProcessPoolExecutor } = await import(cfUrl);
        const pool = new Pool(2);
        out.putSync(pool.mapSync((x: number) => x * 3, [1, 2, 3]));
        pool.close();
        pool.joinSync();
        const ex = new ProcessPoolExecutor(1);
        out.putSync(ex.submit((x: number) => x + 1, 1).resultSync());
        ex.shutdownSync();
      },
      args: [
        out,
        new URL("../../multiprocessing/mod.ts", import.meta.url).href,
        new URL("../../concurrent_futures/mod.ts", import.meta.url).href,
      ],
    });
    t.start();
    await t.join();
    assert.deepEqual(await out.get(), [3, 6, 9]);
    assert.equal(await out.get(), 2);
  },
);
