import assert from "node:assert/strict";
import {
  BrokenExecutor,
  ClusterExecutor,
  ConnectionError,
  Empty,
  Queue,
  worker,
} from "../../distributed/mod.ts";
import { assertNoThreads } from "../_helpers.ts";
import {
  clientCount,
  freePort,
  HAVE_REDIS,
  RedisServer,
  startHost,
} from "./_redis_server.ts";

const TASKS = new URL("./_tasks.ts", import.meta.url).href;

Deno.test({
  name:
    "ClusterExecutor: a host SIGKILLed mid-task → its task runs again on another host after visibilityTimeout",
  ignore: !HAVE_REDIS,
  fn: async () => {
    await using srv = await RedisServer.start();
    const url = srv.url;
    const started = new Queue<number>("started", { url });
    const go = new Queue<number>("go", { url });
    const ex = new ClusterExecutor({
      url,
      queue: "kill",
      visibilityTimeout: 1,
      maxRetries: 3,
    });
    const a = startHost(url, "kill");
    let b: Deno.ChildProcess | undefined;
    try {
      const f = ex.submit(`${TASKS}#announceThenWait`, url, "started", "go");
      assert.equal(await started.get(), a.pid); // runs on host A
      a.kill("SIGKILL");
      assert.equal((await a.status).signal, "SIGKILL");
      assert.equal(f.done(), false);
      b = startHost(url, "kill");
      // Host B claims it once the claim of A went stale, and runs it again.
      assert.equal(await started.get(), b.pid);
      await go.put(1);
      assert.equal(await f, b.pid);
    } finally {
      await go.put(1); // never leave a run waiting (shutdown waits for it)
      await ex.shutdown({ cancelFutures: true });
      await started.close();
      await go.close();
      try {
        a.kill("SIGKILL");
      } catch { /* dead */ }
      await a.status;
      if (b !== undefined) {
        b.kill("SIGTERM");
        assert.equal((await b.status).code, 0);
      }
    }
    assertNoThreads();
    assert.equal(await clientCount(srv.port), 0, "redis connections left");
  },
});

Deno.test({
  name:
    "ClusterExecutor: a live host's heartbeats keep a task longer than visibilityTimeout from running twice",
  ignore: !HAVE_REDIS,
  fn: async () => {
    await using srv = await RedisServer.start();
    const url = srv.url;
    const started = new Queue<number>("started", { url });
    const go = new Queue<number>("go", { url });
    const ex = new ClusterExecutor({
      url,
      queue: "beat",
      visibilityTimeout: 2,
    });
    // Two hosts: the idle one would claim the task if its claim went stale.
    const hosts = [startHost(url, "beat"), startHost(url, "beat")];
    try {
      const f = ex.submit(`${TASKS}#announceThenWait`, url, "started", "go");
      const pid = await started.get();
      assert.ok(hosts.some((h) => h.pid === pid));
      // Beyond two visibility timeouts: no second run starts anywhere.
      await assert.rejects(started.get(true, 5), Empty);
      await go.put(1);
      assert.equal(await f, pid);
    } finally {
      // Never leave a run waiting (shutdown waits for it), even on failure.
      await go.put(1);
      await go.put(1);
      await ex.shutdown({ cancelFutures: true });
      await started.close();
      await go.close();
      for (const h of hosts) {
        h.kill("SIGTERM");
        assert.equal((await h.status).code, 0);
      }
    }
    assertNoThreads();
    assert.equal(await clientCount(srv.port), 0, "redis connections left");
  },
});

Deno.test({
  name:
    "ClusterExecutor: after maxRetries claims by hosts that died, the future fails with BrokenExecutor",
  ignore: !HAVE_REDIS,
  fn: async () => {
    await using srv = await RedisServer.start();
    const url = srv.url;
    const ex = new ClusterExecutor({
      url,
      queue: "retry",
      visibilityTimeout: 1,
      maxRetries: 1,
    });
    try {
      const f = ex.submit(`${TASKS}#killHost`);
      const good = ex.submit((x: number) => x * 2, 21);
      // The first run and the one retry each kill their host.
      for (let i = 0; i < 2; i++) {
        const h = startHost(url, "retry");
        assert.equal((await h.status).signal, "SIGKILL");
      }
      const last = startHost(url, "retry");
      try {
        const err = await f.exception();
        assert.ok(err instanceof BrokenExecutor, String(err));
        assert.match((err as Error).message, /maxRetries=1/);
        assert.equal(await good, 42); // only that task failed
      } finally {
        last.kill("SIGTERM");
        assert.equal((await last.status).code, 0);
      }
    } finally {
      await ex.shutdown({ cancelFutures: true });
    }
    assertNoThreads();
    assert.equal(await clientCount(srv.port), 0, "redis connections left");
  },
});

Deno.test({
  name:
    "distributed: Redis unreachable at start → ConnectionError from submit, Queue calls and worker()",
  ignore: !HAVE_REDIS,
  fn: async () => {
    const url = `redis://127.0.0.1:${freePort()}`;
    const ex = new ClusterExecutor({ url });
    const q = new Queue<number>("nowhere", { url });
    try {
      const err = await ex.submit((x: number) => x, 1).exception();
      assert.ok(err instanceof ConnectionError);
      assert.match(
        (err as Error).message,
        /Cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+/,
      );
      assert.throws(() => q.getSync(), ConnectionError);
      assert.throws(() => q.putSync(1), ConnectionError);
      await assert.rejects(q.join(), ConnectionError);
      const host = worker({ url, threads: 1 });
      await assert.rejects(host.done, ConnectionError);
      await host.stop();
    } finally {
      await ex.shutdown();
      await q.close();
    }
    // The program says so and exits with 1.
    const p = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "--quiet",
        new URL("../../distributed/worker.ts", import.meta.url).pathname,
        "--url",
        url,
      ],
      stdout: "null",
      stderr: "piped",
    }).output();
    const r = await p;
    assert.equal(r.code, 1);
    assert.match(new TextDecoder().decode(r.stderr), /Cannot reach Redis/);
    assertNoThreads();
  },
});
