/**
 * Listener and Client (ported from CPython's _TestListener and
 * _TestListenerClient), addresses of both families, close and errors.
 */
import assert from "node:assert/strict";
import {
  Client,
  ClientSync,
  Listener,
  OSError,
} from "../../../multiprocessing/connection/mod.ts";
import { Process } from "../../../multiprocessing/mod.ts";
import {
  ConnectionRefusedError,
  FileNotFoundError,
  ValueError,
} from "../../../_internal/errors.ts";
import { leakTest, socketFiles } from "./_helpers.ts";

const MOD =
  new URL("../../../multiprocessing/connection/mod.ts", import.meta.url)
    .href;

leakTest(
  "Listener() with no address binds a fresh Unix socket path; close() unlinks it",
  async () => {
    const l = new Listener();
    assert.equal(l.family, "AF_UNIX");
    assert.equal(typeof l.address, "string");
    assert.ok(Deno.statSync(l.address as string).isSocket);
    assert.equal(socketFiles().length > 0, true);
    l.close();
    assert.throws(
      () => Deno.statSync(l.address as string),
      Deno.errors.NotFound,
    );
    l.close(); // twice is harmless
    assert.equal(l.closed, true);
    await assert.rejects(l.accept(), /listener is closed/);
    assert.throws(() => l.acceptSync(), OSError);
  },
);

leakTest("Listener AF_INET with port 0 reports the real port", async () => {
  using l = new Listener({ address: ["127.0.0.1", 0] });
  const [host, port] = l.address as [string, number];
  assert.equal(host, "127.0.0.1");
  assert.ok(port > 0 && port < 65536);
  assert.equal(l.family, "AF_INET");
  // family given, address defaulted: Python's ('localhost', 0)
  using l2 = new Listener({ family: "AF_INET" });
  assert.equal((l2.address as [string, number])[0], "127.0.0.1");
  const [a, c] = await Promise.all([l.accept(), Client(["localhost", port])]);
  assert.equal((l.lastAccepted as [string, number])[0], "127.0.0.1");
  a.close();
  c.close();
});

for (const family of ["AF_UNIX", "AF_INET"] as const) {
  leakTest(
    `Listener: binding a bound address throws OSError (test_multiple_bind, ${family})`,
    () => {
      using l = new Listener({ family });
      assert.throws(() => new Listener({ address: l.address, family }), (e) => {
        assert.ok(e instanceof OSError);
        assert.equal(e.errno, 98); // EADDRINUSE
        return true;
      });
    },
  );

  leakTest(
    `Listener/Client with using, then accept on the closed listener throws (test_context, ${family})`,
    async () => {
      let kept: Listener;
      {
        using l = new Listener({ family });
        kept = l;
        using c = await Client(l.address);
        using d = await l.accept();
        await c.send(1729);
        assert.equal(await d.recv(), 1729);
      }
      await assert.rejects(kept.accept(), OSError);
    },
  );

  leakTest(
    `Listener: a client in another process (test_listener_client, ${family})`,
    async () => {
      using l = new Listener({ family });
      const p = new Process({
        target: async (mod: string, address: string | [string, number]) => {
          const { ClientSync } = await import(mod);
          const conn = ClientSync(address);
          conn.sendSync("hello");
          conn.close();
        },
        args: [MOD, l.address],
      });
      p.start();
      using conn = await l.accept();
      assert.equal(await conn.recv(), "hello");
      await assert.rejects(conn.recv(), EOFErrorLike);
      await p.join();
      assert.equal(p.exitcode, 0);
    },
  );
}

/** EOFError by name (the class is re-exported; match on it). */
const EOFErrorLike = (e: unknown) => (e as Error).name === "EOFError";

leakTest("Listener: a Linux abstract name (test_abstract_socket)", async () => {
  const name = `\0pyconc-test-${Deno.pid}-${Math.random()}`;
  const kept = new Listener({ address: name });
  {
    using listener = kept;
    assert.equal(listener.address, name);
    using client = await Client(listener.address);
    using d = await listener.accept();
    await client.send(1729);
    assert.equal(await d.recv(), 1729);
  }
  await assert.rejects(kept.accept(), OSError);
});

leakTest("Listener: an explicit path is unlinked by close()", () => {
  const path = `${Deno.makeTempDirSync()}/sock`;
  try {
    const l = new Listener({ address: path, backlog: 5 });
    assert.equal(l.address, path);
    using c = ClientSync(path);
    using s = l.acceptSync();
    c.sendBytesSync(new Uint8Array([7]));
    assert.deepEqual(s.recvBytesSync(), new Uint8Array([7]));
    assert.equal(l.lastAccepted, ""); // an unnamed client socket, as Python's ''
    l.close();
    assert.throws(() => Deno.statSync(path), Deno.errors.NotFound);
  } finally {
    Deno.removeSync(path.slice(0, -5), { recursive: true });
  }
});

leakTest(
  "Listener.close() while accept() waits makes it throw OSError",
  async () => {
    const l = new Listener();
    const pending = l.accept();
    l.close();
    await assert.rejects(pending, OSError);
  },
);

leakTest("Listener: bad arguments", () => {
  assert.throws(
    () => new Listener({ family: "AF_PIPE" as never }),
    ValueError,
  );
  assert.throws(
    () => new Listener({ authkey: "secret" as never }),
    TypeError,
  );
  assert.throws(() => new Listener({ address: 42 as never }), TypeError);
  assert.throws(
    () => new Listener({ address: ["127.0.0.1", 70000] }),
    RangeError,
  );
  assert.throws(
    () => new Listener({ address: "/tmp/" + "x".repeat(200) }),
    /too long/,
  );
  assert.throws(
    () => new Listener({ address: ["no.such.host.invalid", 0] }),
    OSError,
  );
});

leakTest(
  "Client: nothing at the address gives FileNotFoundError / ConnectionRefusedError",
  async () => {
    const missing = `/tmp/pyconc-no-such-socket-${Deno.pid}`;
    await assert.rejects(Client(missing), FileNotFoundError);
    assert.throws(() => ClientSync(missing), FileNotFoundError);
    // A port that was just free.
    const l = new Listener({ address: ["127.0.0.1", 0] });
    const address = l.address;
    l.close();
    await assert.rejects(Client(address), ConnectionRefusedError);
    assert.throws(() => ClientSync(address), ConnectionRefusedError);
    assert.throws(
      () => ClientSync(address, { family: "AF_PIPE" as never }),
      ValueError,
    );
  },
);

leakTest(
  "Listener: several clients wait in the backlog and are accepted in turn",
  async () => {
    using l = new Listener({ backlog: 8 });
    const clients = await Promise.all(
      [0, 1, 2, 3].map(() => Client(l.address)),
    );
    for (const [i, c] of clients.entries()) {
      await c.sendBytes(new Uint8Array([i]));
    }
    const seen: number[] = [];
    for (let i = 0; i < 4; i++) {
      using s = l.acceptSync();
      seen.push(s.recvBytesSync()[0]!);
    }
    assert.deepEqual(seen.sort(), [0, 1, 2, 3]);
    for (const c of clients) c.close();
  },
);

leakTest("Listener.toString()", () => {
  using l = new Listener({ address: ["127.0.0.1", 0] });
  assert.match(String(l), /^<Listener AF_INET \["127\.0\.0\.1",\d+\]>$/);
});
