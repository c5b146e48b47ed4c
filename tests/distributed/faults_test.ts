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
  endRun,
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
      await endRun({ ex, go, queues: [started], killed: [a], termed: [b] });
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
      await endRun({ ex, go, goes: 2, queues: [started], termed: hosts });
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

/**
 * Waits until the client heard that a host claimed the task (polls the
 * future's state; the test's timeout bounds it).
 */
async function untilRunning(f: { running(): boolean }): Promise<void> {
  while (!f.running()) await new Promise((r) => setTimeout(r, 5));
}

Deno.test({
  name:
    "ClusterExecutor: tasks a host claimed ahead (queued behind a running one) are reclaimed by another host when it dies",
  ignore: !HAVE_REDIS,
  fn: async () => {
    await using srv = await RedisServer.start();
    const url = srv.url;
    const started = new Queue<number>("started", { url });
    const go = new Queue<number>("go", { url });
    const ex = new ClusterExecutor({
      url,
      queue: "ahead",
      visibilityTimeout: 1,
      maxRetries: 1,
    });
    const a = startHost(url, "ahead"); // one thread
    let b: Deno.ChildProcess | undefined;
    try {
      const blocker = ex.submit(
        `${TASKS}#announceThenWait`,
        url,
        "started",
        "go",
      );
      assert.equal(await started.get(), a.pid);
      // Its only thread is busy, yet host A claims these (they cannot be
      // cancelled any more): they wait on its pool.
      const queued = [1, 2, 3].map(() => ex.submit(() => Deno.pid));
      for (const f of queued) await untilRunning(f);
      assert.equal(queued[0]!.cancel(), false);
      a.kill("SIGKILL");
      assert.equal((await a.status).signal, "SIGKILL");
      b = startHost(url, "ahead");
      assert.equal(await started.get(), b.pid); // the blocker, run again
      await go.put(1);
      assert.equal(await blocker, b.pid);
      // Each was charged one run by A's death (maxRetries=1 allows one more).
      for (const f of queued) assert.equal(await f, b.pid);
    } finally {
      await endRun({ ex, go, queues: [started], killed: [a], termed: [b] });
    }
    assertNoThreads();
    assert.equal(await clientCount(srv.port), 0, "redis connections left");
  },
});

Deno.test({
  name:
    "ClusterExecutor: a task claimed ahead behind one that kills its host is charged once; delivered again, it is claimed only when it starts",
  ignore: !HAVE_REDIS,
  fn: async () => {
    await using srv = await RedisServer.start();
    const url = srv.url;
    const started = new Queue<number>("started", { url });
    const go = new Queue<number>("go", { url });
    const ex = new ClusterExecutor({
      url,
      queue: "poison",
      visibilityTimeout: 1,
      maxRetries: 1,
    });
    const hosts: Deno.ChildProcess[] = [];
    try {
      hosts.push(startHost(url, "poison"));
      const blocker = ex.submit(
        `${TASKS}#announceThenWait`,
        url,
        "started",
        "go",
      );
      assert.equal(await started.get(), hosts[0]!.pid);
      const poison = ex.submit(`${TASKS}#killHost`);
      const neighbour = ex.submit(() => Deno.pid);
      await untilRunning(poison);
      await untilRunning(neighbour); // claimed ahead: one run charged
      // Two go's: the poison kills host A right after the blocker returns,
      // maybe before its answer left (at least once: it may run again).
      await go.put(1);
      await go.put(1);
      assert.equal((await hosts[0]!.status).signal, "SIGKILL");
      // Host B claims the poison again (its second run) and dies too; the
      // neighbour, delivered again, waits unclaimed behind it, so B's death
      // does not charge it (else its third claim would fail it).
      hosts.push(startHost(url, "poison"));
      assert.equal((await hosts[1]!.status).signal, "SIGKILL");
      hosts.push(startHost(url, "poison"));
      const err = await poison.exception();
      assert.ok(err instanceof BrokenExecutor, String(err));
      assert.match((err as Error).message, /claimed 2 times.*maxRetries=1/);
      assert.equal(await neighbour, hosts[2]!.pid);
      const ran = (await blocker) as number; // on A, or again on B if A's answer was lost
      assert.ok([hosts[0]!.pid, hosts[1]!.pid].includes(ran), String(ran));
    } finally {
      // Two of the hosts died of the poison: any exit will do.
      await endRun({
        ex,
        go,
        queues: [started],
        termed: hosts,
        termExitAny: true,
      });
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
