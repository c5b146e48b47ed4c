import assert from "node:assert/strict";
import {
  ALL_COMPLETED,
  asCompleted,
  CancelledError,
  FIRST_COMPLETED,
  TimeoutError,
  wait,
} from "../../concurrent_futures/mod.ts";
import { ClusterExecutor, Queue, ValueError } from "../../distributed/mod.ts";
import { RuntimeError } from "../../_internal/errors.ts";
import { assertNoThreads } from "../_helpers.ts";
import {
  clientCount,
  HAVE_REDIS,
  RedisServer,
  startHost,
} from "./_redis_server.ts";

const TASKS = new URL("./_tasks.ts", import.meta.url).href;

/**
 * Waits until the client heard that a host claimed the task. The task's
 * own signal (an item on a queue) can overtake the host's "started"
 * message, which reaches the client's Redis thread by another list, so
 * this watches the future's state; the test's timeout bounds it.
 */
async function untilRunning(f: { running(): boolean }): Promise<void> {
  while (!f.running()) await new Promise((r) => setTimeout(r, 5));
}

Deno.test({
  name:
    "ClusterExecutor: Executor semantics against a real redis-server and a worker host",
  ignore: !HAVE_REDIS,
  fn: async (t) => {
    await using srv = await RedisServer.start();
    const url = srv.url;
    // One host, one thread: what it holds is what runs.
    const host = startHost(url, "exec", ["--threads", "1"]);
    const go = new Queue<number>("go", { url });
    const started = new Queue<number>("started", { url });
    try {
      await t.step(
        "submit: await, resultSync on the main thread, module references",
        async () => {
          await using ex = new ClusterExecutor({ url, queue: "exec" });
          assert.equal(
            await ex.submit((a: number, b: number) => a + b, 1, 2),
            3,
          );
          assert.equal(
            ex.submit((x: bigint) => x ** 3n, 7n).resultSync(),
            343n,
          );
          assert.equal(await ex.submit(`${TASKS}#mul`, 6, 7), 42);
          assert.equal(
            await ex.submit(new URL(`${TASKS}#mul`), 2, 21),
            42,
          );
          // Async targets: the awaited value is the result.
          assert.deepEqual(
            await ex.submit(async (m: Map<string, number>) => {
              await Promise.resolve();
              return new Map([...m].map(([k, v]) => [k, v * 2]));
            }, new Map([["a", 1]])),
            new Map([["a", 2]]),
          );
        },
      );

      await t.step(
        "a burst of submits (sent, claimed and answered in batches): each answered once, Redis left clean",
        async () => {
          await using ex = new ClusterExecutor({ url, queue: "exec" });
          const fs = Array.from(
            { length: 300 },
            (_, i) => ex.submit((x: number) => x * 2, i),
          );
          // One cancelled in the burst: it never runs, the others do.
          assert.equal(fs[299]!.cancel(), true);
          const got = await Promise.all(fs.slice(0, 299));
          assert.deepEqual(got, Array.from({ length: 299 }, (_, i) => i * 2));
          assert.equal(fs[299]!.cancelled(), true);
          // The host takes entries in order: once a later task is answered,
          // the cancelled one was acknowledged (if it was sent at all).
          assert.equal(await ex.submit((x: number) => x, -1), -1);
          await ex.shutdown();
          const cli = (...a: string[]) =>
            new TextDecoder().decode(
              new Deno.Command("redis-cli", {
                args: ["-p", String(srv.port), ...a],
                stdout: "piped",
              }).outputSync().stdout,
            ).trim();
          // Answered tasks leave no state, no run count, no stream entry.
          assert.equal(cli("HLEN", "pyconc:exec:state"), "0");
          assert.equal(cli("HLEN", "pyconc:exec:runs"), "0");
          assert.equal(cli("XLEN", "pyconc:exec:tasks"), "0");
        },
      );

      await t.step(
        "map: in order, several iterables, chunksize, mapSync",
        async () => {
          await using ex = new ClusterExecutor({ url, queue: "exec" });
          assert.deepEqual(
            await Array.fromAsync(
              ex.map((a: number, b: number) => a ** b, [2, 3, 4], [5, 2, 3]),
            ),
            [32, 9, 64],
          );
          const xs = Array.from({ length: 25 }, (_, i) => i);
          assert.deepEqual(
            await Array.fromAsync(
              ex.map((x: number) => x * 2, xs, { chunksize: 4 }),
            ),
            xs.map((x) => x * 2),
          );
          assert.deepEqual(
            [...ex.mapSync((x: number) => -x, [1, 2, 3], { chunksize: 2 })],
            [-1, -2, -3],
          );
          // A failed call in a chunk fails at its place in the order.
          const it = ex.map(
            (x: number) => {
              if (x === 2) throw new RangeError("two");
              return x;
            },
            [1, 2, 3],
            { chunksize: 3 },
          );
          assert.deepEqual(await it.next(), { value: 1, done: false });
          await assert.rejects(it.next(), {
            name: "RangeError",
            message: "two",
          });
          assert.throws(
            () => ex.map((x: number) => x, [1], { chunksize: 0 }),
            ValueError,
          );
        },
      );

      await t.step(
        "errors keep class, message and the host's stack; other futures are unharmed",
        async () => {
          await using ex = new ClusterExecutor({ url, queue: "exec" });
          const bad = ex.submit(`${TASKS}#failingTask`, "nope");
          const good = ex.submit((x: number) => x + 1, 1);
          const err = await bad.exception();
          assert.ok(err instanceof ValueError);
          assert.equal((err as Error).message, "nope");
          assert.match((err as Error).stack!, /failingTask/);
          assert.equal(await good, 2);
          // A function sent by source that reaches for a closure variable.
          const outer = 5;
          const e2 = await ex.submit(() => outer).exception();
          assert.ok(e2 instanceof ReferenceError);
          assert.match((e2 as Error).message, /sent by (its )?source|outer/);
          // A value that cannot cross fails at the caller, nothing is queued.
          assert.throws(() => ex.submit((f: unknown) => f, () => 1), TypeError);
          assert.throws(
            () => ex.submit(42 as unknown as () => void),
            TypeError,
          );
        },
      );

      await t.step("wait, asCompleted and done-callbacks", async () => {
        await using ex = new ClusterExecutor({ url, queue: "exec" });
        const fs = [1, 2, 3].map((x) => ex.submit((y: number) => y * 10, x));
        const seen: number[] = [];
        fs[0]!.addDoneCallback((f) => seen.push(f.resultSync()));
        const got: number[] = [];
        for await (const f of asCompleted(fs)) got.push(await f);
        assert.deepEqual(got.sort((a, b) => a - b), [10, 20, 30]);
        const { done, notDone } = await wait(fs, { returnWhen: ALL_COMPLETED });
        assert.equal(done.size, 3);
        assert.equal(notDone.size, 0);
        assert.deepEqual(seen, [10]);
      });

      await t.step(
        "cancel works until a host claims the task; timeouts",
        async () => {
          await using ex = new ClusterExecutor({ url, queue: "exec" });
          const blocker = ex.submit(
            `${TASKS}#announceThenWait`,
            url,
            "started",
            "go",
          );
          await started.get(); // the host runs it: its only thread is busy
          await untilRunning(blocker);
          assert.equal(blocker.cancel(), false);
          const queued = ex.submit((x: number) => x, 7);
          const doomed = ex.submit((x: number) => x, 8);
          assert.equal(doomed.cancel(), true);
          assert.ok(doomed.cancelled());
          await assert.rejects(doomed.result(), CancelledError);
          // Counted as done once the Redis thread withdrew it from Redis.
          const { done } = await wait([doomed, queued], {
            returnWhen: FIRST_COMPLETED,
          });
          assert.ok(done.has(doomed));
          await assert.rejects(queued.result(0.05), TimeoutError);
          assert.throws(() => queued.resultSync(0.05), TimeoutError);
          const m = ex.map((x: number) => x, [1], { timeout: 0.05 });
          await assert.rejects(m.next(), TimeoutError);
          await go.put(1);
          assert.equal(await blocker, host.pid);
          assert.equal(await queued, 7);
        },
      );

      await t.step(
        "shutdown: cancelFutures, wait, submit after shutdown",
        async () => {
          const ex = new ClusterExecutor({ url, queue: "exec" });
          const blocker = ex.submit(
            `${TASKS}#announceThenWait`,
            url,
            "started",
            "go",
          );
          await started.get();
          await untilRunning(blocker);
          // The host claims up to 4 tasks per pool slot ahead of running
          // them (they are running then, as the calls Python's
          // ProcessPoolExecutor has moved to its call queue): the Redis
          // thread may deliver a few of these before shutdown() runs, and
          // those are not cancelled. The rest are.
          const xs = [1, 2, 3, 4, 5, 6, 7, 8];
          const rest = xs.map((x) => ex.submit((y: number) => y, x));
          const down = ex.shutdown({ cancelFutures: true });
          const kept = rest.findIndex((f) => f.cancelled());
          assert.ok(kept >= 0 && kept <= 3, `${kept} claimed ahead`);
          assert.ok(rest.slice(kept).every((f) => f.cancelled()));
          assert.throws(() => ex.submit((x: number) => x, 1), RuntimeError);
          await go.put(1);
          await down;
          assert.equal(await blocker, host.pid);
          for (let i = 0; i < kept; i++) assert.equal(await rest[i], xs[i]);
          await ex.shutdown(); // again: nothing happens
          const ex2 = new ClusterExecutor({ url, queue: "exec" });
          const f = ex2.submit((x: number) => x + 1, 1);
          ex2.shutdownSync(); // waits for the task
          assert.equal(f.resultSync(0), 2);
        },
      );

      await t.step("bad options are refused clearly", () => {
        assert.throws(
          () => new ClusterExecutor({ visibilityTimeout: 0 }),
          ValueError,
        );
        assert.throws(
          () => new ClusterExecutor({ maxRetries: -1 }),
          ValueError,
        );
        assert.throws(() => new ClusterExecutor({ queue: "" }), TypeError);
      });
    } finally {
      // A step that failed before releasing its blocker leaves the host's
      // only thread waiting for "go": release it, or the host's graceful
      // stop below would wait for it and the failure would become a hang.
      await go.put(1);
      await go.close();
      await started.close();
      host.kill("SIGTERM");
      assert.equal((await host.status).code, 0);
    }
    assertNoThreads();
    assert.equal(await clientCount(srv.port), 0, "redis connections left");
  },
});
