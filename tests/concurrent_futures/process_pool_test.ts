// Ports test_concurrent_futures (CPython 3.11) for ProcessPoolExecutor:
// ExecutorTest, ProcessPoolExecutorTest, ProcessPoolShutdownTest,
// ExecutorDeadlockTest (the faults Deno can have) and the initializer
// tests, plus the seed's examples and leak checks.
import assert from "node:assert/strict";
import {
  asCompleted,
  asCompletedSync,
  BrokenExecutor,
  BrokenProcessPool,
  CancelledError,
  FIRST_COMPLETED,
  type Future,
  ProcessPoolExecutor,
  RuntimeError,
  TimeoutError,
  ValueError,
  wait,
  waitSync,
} from "../../concurrent_futures/mod.ts";
import { Barrier, Event, Value } from "../../multiprocessing/mod.ts";
import {
  childPids,
  mpTest,
  runScript,
  shmEntries,
  waitGone,
} from "../multiprocessing/_helpers.ts";
import { openFds } from "../_resources.ts";
import { useSpares } from "../../_internal/process/launch.ts";
import { programHeap } from "../../_internal/process/program_heap.ts";

const fixtures = (name: string) =>
  new URL(`./_fixtures.ts#${name}`, import.meta.url);
const mul = fixtures("mul");
const divmod = fixtures("divmod");
const pow = (a: number, b: number) => a ** b;
const sleep = (seconds: number) =>
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, seconds * 1000);
const pid = () => Deno.pid;
/** Reports its pid, then blocks until killed. */
const reportAndBlock = (v: Value<"i">, ev: Event) => {
  v.value = Deno.pid;
  ev.set();
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
};

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

/** Checks that `fn` leaves no descriptor and no /dev/shm entry. */
async function noLeaks(fn: () => Promise<void> | void): Promise<void> {
  useSpares(false); // a spare's pipes would count
  programHeap(); // the program's heap and its tracker live as long as the program
  const fds = openFds();
  const shm = shmEntries();
  try {
    await fn();
  } finally {
    useSpares(true);
  }
  const leaked = [...openFds()].filter(([fd, t]) => fds.get(fd) !== t);
  assert.deepEqual(leaked, [], "descriptors leaked");
  assert.deepEqual(
    [...shmEntries()].filter((e) => !shm.has(e) && !othersHeap(e)),
    [],
    "/dev/shm entries left",
  );
}

mpTest(
  "ProcessPoolExecutor.submit: results, errors with class and remote stack, await (test_submit)",
  async () => {
    await noLeaks(async () => {
      const pool = new ProcessPoolExecutor({ maxWorkers: 2 });
      const f = pool.submit(pow, 2, 8);
      assert.equal(f.resultSync(), 256);
      assert.equal(await pool.submit(mul, 2, 5), 10);
      assert.notEqual(await pool.submit(pid), Deno.pid);
      const big = "x".repeat(1 << 20);
      assert.equal(await pool.submit((s: string) => s + s, big), big + big);
      const err = pool.submit(function raiseInWorker() {
        throw new RangeError("in a worker");
      });
      await assert.rejects(() => err.result(), (e: Error) => {
        assert.ok(e instanceof RangeError);
        assert.equal(e.message, "in a worker");
        assert.match(e.stack ?? "", /raiseInWorker/);
        return true;
      });
      assert.equal(pool.maxWorkers, 2);
      await pool.shutdown();
    });
  },
);

mpTest(
  "ProcessPoolExecutor(): maxWorkers and maxTasksPerChild are checked; maxWorkers defaults to cpuCount()",
  async () => {
    assert.throws(() => new ProcessPoolExecutor({ maxWorkers: 0 }), ValueError);
    assert.throws(() => new ProcessPoolExecutor(-1), ValueError);
    assert.throws(
      () => new ProcessPoolExecutor({ maxWorkers: 1.5 }),
      TypeError,
    );
    assert.throws(
      () => new ProcessPoolExecutor({ maxTasksPerChild: 0 }),
      ValueError,
    );
    assert.throws(
      () => new ProcessPoolExecutor({ initializer: 3 as never }),
      TypeError,
    );
    const pool = new ProcessPoolExecutor();
    assert.equal(pool.maxWorkers, navigator.hardwareConcurrency);
    await pool.shutdown();
  },
);

mpTest(
  "ProcessPoolExecutor.map: in order, several iterables, chunksize (test_map)",
  async () => {
    await using pool = new ProcessPoolExecutor({ maxWorkers: 2 });
    const xs = Array.from({ length: 10 }, (_, i) => i);
    const ys = xs.map((x) => x + 1);
    const want = xs.map((x, i) => x * ys[i]!);
    const got: number[] = [];
    for await (const r of pool.map(mul, xs, ys)) got.push(r as number);
    assert.deepEqual(got, want);
    assert.deepEqual([...pool.mapSync(mul, xs, ys, { chunksize: 3 })], want);
    assert.deepEqual(
      [...pool.mapSync(
        (x: number) => x * 2,
        Array.from({ length: 1000 }, (_, i) => i),
        { chunksize: 64 },
      )],
      Array.from({ length: 1000 }, (_, i) => i * 2),
    );
    assert.throws(() => pool.mapSync(mul, xs, { chunksize: 0 }), ValueError);
  },
);

mpTest(
  "ProcessPoolExecutor.map: a failing call throws at its place (test_map_exception)",
  async () => {
    await using pool = new ProcessPoolExecutor({ maxWorkers: 2 });
    for (const chunksize of [1, 2]) {
      const it = pool.mapSync(divmod, [1, 1, 1, 1], [2, 3, 0, 5], {
        chunksize,
      });
      assert.deepEqual(it.next().value, [0, 1]);
      assert.deepEqual(it.next().value, [0, 1]);
      assert.throws(() => it.next(), {
        name: "RangeError",
        message: /division/,
      });
    }
  },
);

mpTest(
  "ProcessPoolExecutor.map: TimeoutError after timeout (test_map_timeout)",
  async () => {
    await using pool = new ProcessPoolExecutor({ maxWorkers: 2 });
    // Both workers up first: the timeout is about the calls, not start-up.
    const b = new Barrier(2);
    await Promise.all(
      [b, b].map((b) => pool.submit((b: Barrier) => b.waitSync(30), b)),
    );
    const results: unknown[] = [];
    await assert.rejects(async () => {
      for await (
        const r of pool.map(sleep, [0, 0, 3], { timeout: 1.5 })
      ) results.push(r);
    }, TimeoutError);
    assert.deepEqual(results, ["timed-out", "timed-out"]);
    assert.throws(
      () => [...pool.mapSync(sleep, [0, 2], { timeout: 0.3 })],
      TimeoutError,
    );
  },
);

mpTest(
  "ProcessPoolExecutor: futures work with wait, asCompleted, done callbacks",
  async () => {
    await using pool = new ProcessPoolExecutor({ maxWorkers: 2 });
    const fast = pool.submit(mul, 2, 3);
    const slow = pool.submit(sleep, 1.5);
    const { done, notDone } = await wait([fast, slow], {
      returnWhen: FIRST_COMPLETED,
    });
    assert.ok(done.has(fast));
    assert.ok(notDone.has(slow));
    const seen: unknown[] = [];
    slow.addDoneCallback((f) => seen.push(f.resultSync()));
    const order: Future<unknown>[] = [];
    // TypeScript types a `for await` variable as the awaited value; at run
    // time it is the Future.
    for await (const f of asCompleted([slow, fast])) {
      order.push(f as unknown as Future<unknown>);
    }
    assert.deepEqual(order, [fast, slow]);
    assert.deepEqual(seen, ["timed-out"]);
    const fs = [1, 2, 3].map((x) => pool.submit(mul, x, x));
    assert.deepEqual(waitSync(fs).done.size, 3);
    assert.deepEqual(
      new Set([...asCompletedSync(fs)].map((f) => f.resultSync())),
      new Set([1, 4, 9]),
    );
  },
);

mpTest(
  "ProcessPoolExecutor: submit after shutdown throws RuntimeError (test_run_after_shutdown)",
  async () => {
    const pool = new ProcessPoolExecutor({ maxWorkers: 1 });
    await pool.shutdown();
    assert.throws(() => pool.submit(pow, 2, 5), RuntimeError);
    assert.throws(() => pool.mapSync(pow, [1], [2]), RuntimeError);
    await pool.shutdown(); // twice is fine
  },
);

mpTest(
  "ProcessPoolExecutor.shutdown(): pending work finishes, every worker ends (test_hang_issue12364, test_processes_terminate)",
  async () => {
    await noLeaks(async () => {
      const pool = new ProcessPoolExecutor({ maxWorkers: 2 });
      const fs = Array.from(
        { length: 20 },
        (_, i) =>
          pool.submit((x: number) => {
            Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
            return [x, Deno.pid];
          }, i),
      );
      await pool.shutdown();
      const pids = new Set<number>();
      fs.forEach((f, i) => {
        const [x, p] = f.resultSync(0) as [number, number];
        assert.equal(x, i);
        pids.add(p);
      });
      assert.ok(pids.size >= 1 && pids.size <= 2);
      const children = childPids();
      for (const p of pids) {
        assert.ok(!children.includes(p), `worker ${p} left`);
      }
    });
  },
);

mpTest(
  "ProcessPoolExecutor: await using shuts down with wait; shutdownSync (test_context_manager_shutdown)",
  async () => {
    let f: Future<number>;
    {
      await using pool = new ProcessPoolExecutor({ maxWorkers: 1 });
      f = pool.submit((x: number) => x + 1, 41);
    }
    assert.equal(f.resultSync(0), 42);
    const pool = new ProcessPoolExecutor({ maxWorkers: 1 });
    const g = pool.submit(pow, 3, 2);
    pool.shutdownSync();
    assert.equal(g.resultSync(0), 9);
  },
);

mpTest(
  "ProcessPoolExecutor.shutdown({ wait: false }): the work still completes (test_shutdown_no_wait)",
  async () => {
    const pool = new ProcessPoolExecutor({ maxWorkers: 2 });
    const fs = [1, 2, 3].map((x) => pool.submit(pow, x, 2));
    await pool.shutdown({ wait: false });
    assert.deepEqual(await Promise.all(fs), [1, 4, 9]);
    await pool.shutdown(); // joins now
  },
);

mpTest(
  "ProcessPoolExecutor.shutdown({ cancelFutures: true }) cancels what has not started (test_cancel_futures)",
  async () => {
    const pool = new ProcessPoolExecutor({ maxWorkers: 1 });
    const ev = new Event();
    const first = pool.submit((ev: Event) => {
      ev.set();
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
      return "ran";
    }, ev);
    const rest = Array.from({ length: 10 }, (_, i) => pool.submit(pow, i, 2));
    await ev.wait();
    await pool.shutdown({ cancelFutures: true });
    assert.equal(first.resultSync(0), "ran");
    const cancelled = rest.filter((f) => f.cancelled());
    assert.ok(cancelled.length >= 9, `${cancelled.length} cancelled`);
    for (const f of cancelled) {
      assert.throws(() => f.resultSync(0), CancelledError);
    }
  },
);

mpTest(
  "ProcessPoolExecutor: a worker killed with SIGKILL breaks the pool: running and pending futures fail, submit throws (test_killed_child)",
  async () => {
    await noLeaks(async () => {
      const pool = new ProcessPoolExecutor({ maxWorkers: 2 });
      const v = new Value("i", 0);
      const ev = new Event();
      const doomed = pool.submit(reportAndBlock, v, ev);
      await ev.wait();
      const pending = Array.from({ length: 5 }, () => pool.submit(sleep, 5));
      Deno.kill(v.value, "SIGKILL");
      await assert.rejects(() => doomed.result(), BrokenProcessPool);
      for (const f of pending) {
        await assert.rejects(() => f.result(), BrokenProcessPool);
      }
      assert.throws(() => pool.submit(pow, 1, 1), BrokenProcessPool);
      assert.ok(new BrokenProcessPool("x") instanceof BrokenExecutor);
      await pool.shutdown();
    });
  },
);

mpTest(
  "ProcessPoolExecutor: a worker killed while the owner blocks in resultSync() fails it (no hang)",
  () => {
    const pool = new ProcessPoolExecutor({ maxWorkers: 1 });
    const v = new Value("i", 0);
    const ev = new Event();
    const doomed = pool.submit(reportAndBlock, v, ev);
    ev.waitSync();
    Deno.kill(v.value, "SIGKILL");
    assert.throws(() => doomed.resultSync(), BrokenProcessPool);
    pool.shutdownSync();
  },
);

mpTest(
  "ProcessPoolExecutor: Deno.exit() in a call breaks the pool (ExecutorDeadlockTest: exit at task)",
  async () => {
    const pool = new ProcessPoolExecutor({ maxWorkers: 1 });
    const f = pool.submit(() => Deno.exit(1));
    await assert.rejects(() => f.result(), BrokenProcessPool);
    await pool.shutdown();
  },
);

mpTest(
  "ProcessPoolExecutor: a result or argument that cannot be sent fails only its call (ExecutorDeadlockTest: error at pickle)",
  async () => {
    await using pool = new ProcessPoolExecutor({ maxWorkers: 1 });
    await assert.rejects(() => pool.submit(() => () => 1).result(), TypeError);
    assert.throws(() => pool.submit(pow, (() => 1) as never, 2), TypeError);
    assert.equal(await pool.submit(pow, 2, 2), 4);
  },
);

mpTest(
  "ProcessPoolExecutor({ initializer, initargs }) runs in each worker; one that throws breaks the pool (test_init)",
  async () => {
    {
      await using pool = new ProcessPoolExecutor({
        maxWorkers: 2,
        initializer: fixtures("init"),
        initargs: ["initialized"],
      });
      const statuses = await Promise.all(
        [1, 2, 3].map(() => pool.submit(fixtures("getInitStatus"))),
      );
      assert.deepEqual(statuses, ["initialized", "initialized", "initialized"]);
    }
    const pool = new ProcessPoolExecutor({
      maxWorkers: 1,
      initializer: fixtures("initFail"),
    });
    const f = pool.submit(pow, 2, 2);
    await assert.rejects(() => f.result(), BrokenProcessPool);
    assert.throws(() => pool.submit(pow, 2, 2), BrokenProcessPool);
    await pool.shutdown();
  },
);

mpTest(
  "ProcessPoolExecutor({ maxTasksPerChild }) replaces a worker after that many tasks (test_max_tasks_per_child)",
  async () => {
    const pool = new ProcessPoolExecutor({
      maxWorkers: 1,
      maxTasksPerChild: 3,
    });
    const first = [
      await pool.submit(pid),
      await pool.submit(pid),
      await pool.submit(pid),
    ];
    assert.equal(new Set(first).size, 1);
    const fourth = await pool.submit(pid);
    assert.notEqual(fourth, first[0]);
    await pool.shutdown();
  },
);

mpTest(
  "ProcessPoolExecutor({ maxTasksPerChild: 1 }): early shutdown still runs every task (test_max_tasks_early_shutdown)",
  async () => {
    const pool = new ProcessPoolExecutor({
      maxWorkers: 3,
      maxTasksPerChild: 1,
    });
    const fs = Array.from({ length: 6 }, (_, i) => pool.submit(mul, i, i));
    await pool.shutdown();
    assert.deepEqual(fs.map((f) => f.resultSync(0)), [0, 1, 4, 9, 16, 25]);
  },
);

mpTest(
  "The seed's ProcessPoolExecutor examples: map over primes, asCompleted",
  async () => {
    const isPrime = (n: number) => {
      if (n < 2) return false;
      if (n % 2 === 0) return n === 2;
      for (let i = 3; i * i <= n; i += 2) if (n % i === 0) return false;
      return true;
    };
    const PRIMES = [
      112272535095293,
      112582705942171,
      112272535095291,
      115280095190773,
      115797848077099,
      1099726899285419,
    ];
    {
      await using executor = new ProcessPoolExecutor();
      const out: string[] = [];
      let i = 0;
      for await (const prime of executor.map(isPrime, PRIMES)) {
        out.push(`${PRIMES[i++]} is prime: ${prime}`);
      }
      assert.deepEqual(out.map((l) => l.endsWith("true")), [
        true,
        true,
        false,
        true,
        true,
        false,
      ]);
    }
    await using executor = new ProcessPoolExecutor({ maxWorkers: 2 });
    const futureToN = new Map(
      PRIMES.map((n) => [executor.submit(isPrime, n), n]),
    );
    const got = new Map<number, boolean>();
    for await (const item of asCompleted(futureToN.keys())) {
      const f = item as unknown as Future<boolean>;
      got.set(futureToN.get(f)!, await f);
    }
    assert.equal(got.get(112272535095291), false);
    assert.equal(got.size, PRIMES.length);
  },
);

mpTest(
  "ProcessPoolExecutor and Pool: pending work is done and every worker gone at program end",
  async () => {
    const { code, out } = await runScript("pool_exit.ts");
    assert.equal(code, 0);
    const lines = out.trim().split("\n");
    assert.equal(lines[0], "results 1,4,9 1,4,9");
    for (const p of lines[1]!.split(" ").map(Number)) {
      assert.ok(await waitGone(p, 10), `worker ${p} still runs`);
    }
  },
);
