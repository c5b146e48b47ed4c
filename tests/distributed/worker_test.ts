import assert from "node:assert/strict";
import {
  ClusterExecutor,
  Queue,
  ValueError,
  worker,
} from "../../distributed/mod.ts";
import { assertNoThreads } from "../_helpers.ts";
import {
  clientCount,
  endRun,
  HAVE_REDIS,
  RedisServer,
  startHost,
} from "./_redis_server.ts";

const TASKS = new URL("./_tasks.ts", import.meta.url).href;

Deno.test({
  name:
    "worker(): a host in this process runs tasks (async use); stop() ends it cleanly",
  ignore: !HAVE_REDIS,
  fn: async () => {
    await using srv = await RedisServer.start();
    const url = srv.url;
    const host = worker({ url, queue: "inproc", threads: 2 });
    const ex = new ClusterExecutor({ url, queue: "inproc" });
    try {
      assert.equal(await ex.submit((a: number, b: number) => a * b, 6, 7), 42);
      assert.deepEqual(
        await Array.fromAsync(ex.map((x: number) => x + 1, [1, 2, 3])),
        [2, 3, 4],
      );
    } finally {
      await ex.shutdown();
      await host.stop();
      await host.done;
    }
    assert.throws(() => worker({ url, threads: 0 }), ValueError);
    assert.throws(() => worker({ url, processes: 1.5 }), ValueError);
    assertNoThreads();
    assert.equal(await clientCount(srv.port), 0, "redis connections left");
  },
});

Deno.test({
  name:
    "worker program: SIGTERM finishes the task it holds, takes no new one, exits 0",
  ignore: !HAVE_REDIS,
  fn: async () => {
    await using srv = await RedisServer.start();
    const url = srv.url;
    const started = new Queue<number>("started", { url });
    const go = new Queue<number>("go", { url });
    const ex = new ClusterExecutor({ url, queue: "term" });
    const host = startHost(url, "term", ["--threads", "1"]);
    try {
      const held = ex.submit(`${TASKS}#announceThenWait`, url, "started", "go");
      assert.equal(await started.get(), host.pid);
      host.kill("SIGTERM");
      const later = ex.submit((x: number) => x * 3, 5);
      await go.put(1);
      assert.equal(await held, host.pid); // finished after the signal
      assert.equal((await host.status).code, 0);
      assert.equal(later.running(), false); // not taken by the leaving host
      const next = worker({ url, queue: "term", threads: 1 });
      try {
        assert.equal(await later, 15);
      } finally {
        await next.stop();
      }
    } finally {
      await endRun({ ex, go, queues: [started], killed: [host] });
    }
    assertNoThreads();
    assert.equal(await clientCount(srv.port), 0, "redis connections left");
  },
});

Deno.test({
  name:
    "worker program: --processes runs tasks in pool processes, children of the host",
  ignore: !HAVE_REDIS,
  fn: async () => {
    await using srv = await RedisServer.start();
    const url = srv.url;
    const host = startHost(url, "procs", ["--processes", "2"]);
    try {
      await using ex = new ClusterExecutor({ url, queue: "procs" });
      const [pid, ppid] = await ex.submit(() => [Deno.pid, Deno.ppid]);
      assert.notEqual(pid, host.pid);
      assert.equal(ppid, host.pid);
      assert.deepEqual(
        [...ex.mapSync((x: number) => x * 2, [1, 2, 3, 4], { chunksize: 2 })],
        [2, 4, 6, 8],
      );
      const err = await ex.submit(`${TASKS}#failingTask`, "in a process")
        .exception();
      assert.ok(err instanceof ValueError);
      assert.match((err as Error).stack!, /failingTask/);
    } finally {
      host.kill("SIGTERM");
      assert.equal((await host.status).code, 0);
    }
    assertNoThreads();
    assert.equal(await clientCount(srv.port), 0, "redis connections left");
  },
});
