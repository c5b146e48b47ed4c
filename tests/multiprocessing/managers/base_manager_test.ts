import assert from "node:assert/strict";
import {
  type AutoProxy,
  BaseManager,
  type IteratorProxy,
  Process,
  ProcessError,
  RemoteError,
  StopIteration,
  SyncManager,
  ValueError,
} from "../../../multiprocessing/mod.ts";
import { Client } from "../../../multiprocessing/connection/mod.ts";
import { PicklingError } from "../../../pickle/mod.ts";
import { MyManager, QueueManager, QueueManager2, VALUES } from "./_fixtures.ts";
import { mpTest } from "../_helpers.ts";

const fixtures = new URL("./_fixtures.ts", import.meta.url);

async function common(manager: MyManager): Promise<void> {
  const foo = await manager.create<AutoProxy>("Foo");
  const bar = await manager.create<AutoProxy>("Bar");
  const baz = await manager.create<IteratorProxy<number>>("baz");
  assert.deepEqual(
    ["f", "g", "_h"].filter((n) => typeof foo[n] === "function"),
    ["f", "g"],
  );
  assert.deepEqual(
    ["f", "g", "_h"].filter((n) => typeof bar[n] === "function"),
    ["f", "_h"],
  );
  assert.equal(await foo.f(), "f()");
  await assert.rejects(foo.g(), ValueError);
  assert.equal(await foo.callMethod("f"), "f()");
  await assert.rejects(foo.callMethod("_h"), RemoteError);
  assert.equal(await bar.f(), "f()");
  assert.equal(await bar._h(), "_h()");
  assert.equal(bar.fSync(), "f()");
  assert.equal(await bar.callMethod("_h"), "_h()");
  const got: number[] = [];
  for await (const x of baz) got.push(x);
  assert.deepEqual(got, Array.from({ length: 10 }, (_, i) => i * i));
  await assert.rejects(baz.next(), StopIteration);
}

mpTest(
  "_TestMyManager: registered classes, exposed lists, a proxytype, start() and shutdown()",
  async () => {
    const manager = new MyManager();
    await manager.start();
    const proc = manager.process!;
    await common(manager);
    await manager.shutdown();
    assert.equal(proc.exitcode, 0);
  },
);

mpTest("_TestMyManager: await using a started manager", async () => {
  const manager = new MyManager();
  await manager.start();
  const proc = manager.process!;
  {
    await using m = manager;
    await common(m);
  }
  assert.equal(proc.exitcode, 0);
  await assert.rejects(manager.start(), ProcessError);
  assert.throws(() => manager.getServer(), ProcessError);
});

mpTest(
  "using a started manager shuts it down (Symbol.dispose); joinSync waits for the server",
  async () => {
    const manager = new MyManager();
    await manager.start();
    const proc = manager.process!;
    {
      using m = manager;
      await common(m);
    }
    manager.joinSync(); // the server ended already: returns at once
    assert.equal(proc.exitcode, 0);
    assert.equal(proc.isAlive(), false);
  },
);

Deno.test("BaseManager({ serializer }) other than pickle is a ValueError", () => {
  assert.throws(
    // @ts-expect-error: testing a bad argument
    () => new BaseManager({ serializer: "xmlrpclib" }),
    ValueError,
  );
});

mpTest(
  "start() twice throws ProcessError; the initializer runs first in the server process",
  async () => {
    class Tagged extends BaseManager {}
    Tagged.register("Tagged", new URL("#Tagged", fixtures));
    await using m = new Tagged();
    await m.start(new URL("#markServer", fixtures), ["initialised"]);
    await assert.rejects(m.start(), ProcessError);
    const t = await m.create<AutoProxy>("Tagged");
    assert.equal(await t.tag(), "initialised");
  },
);

mpTest(
  "A server process that fails to start is reported, not waited for",
  async () => {
    class Broken extends BaseManager {}
    await using m = new Broken();
    await assert.rejects(
      m.start(() => {
        throw new Error("initializer failed");
      }),
      ProcessError,
    );
  },
);

mpTest(
  "_TestRemoteManager: a child process puts through another manager object; values survive",
  async () => {
    const authkey = crypto.getRandomValues(new Uint8Array(32));
    await using manager = new QueueManager({
      address: ["127.0.0.1", 0],
      authkey,
    });
    await manager.start();
    const p = new Process({
      target: new URL("#putter", fixtures),
      args: [manager.address, authkey, Object.freeze([...VALUES])],
      daemon: true,
    });
    p.start();
    const manager2 = new QueueManager2({ address: manager.address, authkey });
    await manager2.connect();
    const queue = await manager2.create<AutoProxy>("get_queue");
    assert.deepEqual(await queue.get(), VALUES);
    await p.join();
    assert.equal(p.exitcode, 0);
    // A function cannot be pickled: refused before anything is sent.
    await assert.rejects(queue.put(() => 1), PicklingError);
    assert.equal(await queue.qsize(), 0);
    await manager2.shutdown();
  },
);

mpTest(
  "_TestManagerRestart: a manager restarts at the address of the previous one",
  async () => {
    const authkey = crypto.getRandomValues(new Uint8Array(32));
    const manager = new QueueManager({ address: ["127.0.0.1", 0], authkey });
    await manager.start();
    const addr = manager.address!;
    const q = await manager.create<AutoProxy>("get_queue");
    await q.put("hello world");
    assert.equal(await q.get(), "hello world");
    await manager.shutdown();
    const again = new QueueManager({ address: addr, authkey });
    await again.start();
    assert.deepEqual(again.address, addr);
    await again.shutdown();
  },
);

mpTest(
  "getServer().serveForever() serves in this process over TCP; a client's shutdown request stops it",
  async () => {
    class Maths extends BaseManager {}
    Maths.register(
      "Maths",
      class {
        add(a: number, b: number) {
          return a + b;
        }
      },
    );
    const authkey = new TextEncoder().encode("k");
    const server = new Maths({ address: ["127.0.0.1", 0], authkey })
      .getServer();
    const [, port] = server.address as [string, number];
    assert.ok(port > 0);
    const serving = server.serveForever();
    const client = new Maths({ address: server.address, authkey });
    await client.connect();
    const maths = await client.create<AutoProxy>("Maths");
    assert.equal(await maths.add(2, 3), 5);
    assert.equal(server.numberOfObjects(), 1);
    await maths[Symbol.asyncDispose]();
    assert.equal(server.numberOfObjects(), 0);
    await client.shutdown();
    server.shutdown();
    await serving;
  },
);

mpTest(
  "Hostile client bytes: garbage, a truncated frame, a silent peer get that connection closed; the server serves on",
  async () => {
    await using m = new SyncManager({
      address: ["127.0.0.1", 0],
      authkey: new TextEncoder().encode("k"),
    });
    await m.start();
    const d = await m.dict({ a: 1 });
    // No authentication at all: raw bytes instead of the challenge answer.
    const raw = await Client(m.address!);
    await raw.sendBytes(new TextEncoder().encode("GET / HTTP/1.0\r\n\r\n"));
    // The server's challenge, its verdict, then (as CPython's server) a
    // pickled ('#TRACEBACK', …), then the connection ends.
    const got: string[] = [];
    await assert.rejects(async () => {
      for (let i = 0; i < 5; i++) {
        got.push(new TextDecoder().decode((await raw.recvBytes()).slice(0, 9)));
      }
    });
    assert.deepEqual(got.slice(0, 2), ["#CHALLENG", "#FAILURE#"]);
    assert.equal(got.length, 3);
    raw.close();
    const half = await Deno.connect({
      hostname: "127.0.0.1",
      port: (m.address as [string, number])[1],
    });
    await half.write(new Uint8Array([0x7f, 0xff, 0xff, 0xff, 1, 2])); // a 2 GiB frame announced
    half.close();
    assert.equal(await d.getItem("a"), 1);
  },
);

mpTest("register() checks its arguments", () => {
  class M extends BaseManager {}
  assert.throws(() => M.register(""), TypeError);
  assert.throws(() => M.register("x", "not a url"), TypeError);
  assert.throws(
    () => new M({ authkey: "k" as unknown as Uint8Array }),
    TypeError,
  );
});
