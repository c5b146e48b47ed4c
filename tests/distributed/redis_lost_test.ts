import assert from "node:assert/strict";
import {
  ClusterExecutor,
  ConnectionError,
  Queue,
} from "../../distributed/mod.ts";
import { assertNoThreads } from "../_helpers.ts";
import {
  freePort,
  HAVE_REDIS,
  RedisServer,
  startHost,
} from "./_redis_server.ts";

/** Calls `fn` until it does not fail with ConnectionError. */
async function retrying<T>(fn: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      return await fn();
    } catch (e) {
      if (!(e instanceof ConnectionError)) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

// This test once hung now and then in one process with the other files (a
// loaded machine). The mechanism found: a Queue's blocking get (or the
// executor's reply reader) opens a dedicated connection and waits for its
// first attempt's outcome; when the server died during that attempt, the
// connection was destroyed with the lost main one, and the client (redis 5)
// then ignores its socket's close and never settles the handshake, so the
// wait had no end. Now close() settles it, and a first attempt without an
// outcome after 6 s counts as failed; conn_test.ts shows both with a fake
// server.
Deno.test({
  name:
    "distributed: Redis going away fails pending calls with ConnectionError (no hang); the client reconnects when it is back",
  ignore: !HAVE_REDIS,
  fn: async () => {
    const port = freePort();
    let srv = await RedisServer.start(port);
    const url = srv.url;
    const ex = new ClusterExecutor({ url, queue: "lost" });
    const q = new Queue<number>("lost", { url });
    let host: Deno.ChildProcess | undefined;
    try {
      // No host runs: the task waits in Redis; a getter waits on the queue.
      assert.equal(q.qsize(), 0);
      const f = ex.submit((x: number) => x, 1);
      const g = assert.rejects(q.get(), ConnectionError);
      await srv.kill();
      const err = await f.exception();
      assert.ok(err instanceof ConnectionError, String(err));
      assert.match((err as Error).message, new RegExp(`${port}`));
      await g;
      // While it is away, calls fail at once.
      await assert.rejects(
        ex.submit((x: number) => x, 2).result(),
        ConnectionError,
      );
      assert.throws(() => q.getSync(false), ConnectionError);
      // Back on the same port: each Redis thread connects again (its
      // client's own retry loop, ≤ 1 s apart); until then calls fail fast.
      srv = await RedisServer.start(port);
      host = startHost(url, "lost");
      await retrying(() => q.put(5));
      assert.equal(q.getSync(), 5);
      assert.equal(
        await retrying(() => ex.submit((x: number) => x + 1, 2).result()),
        3,
      );
    } finally {
      await ex.shutdown();
      await q.close();
      if (host !== undefined) {
        host.kill("SIGTERM");
        await host.status;
      }
      await srv.kill();
    }
    assertNoThreads();
  },
});
