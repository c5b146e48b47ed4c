/**
 * wait()/waitSync() (ported from CPython's TestWait: test_wait,
 * test_wait_socket, test_wait_timeout, test_neg_timeout), over socket
 * connections fed by other processes, and over listeners.
 */
import assert from "node:assert/strict";
import {
  Client,
  EOFError,
  Listener,
  OSError,
  type SocketConnection,
  wait,
  waitSync,
} from "../../../multiprocessing/connection/mod.ts";
import { Process } from "../../../multiprocessing/mod.ts";
import { leakTest, pair } from "./_helpers.ts";

const MOD =
  new URL("../../../multiprocessing/connection/mod.ts", import.meta.url)
    .href;

for (const sync of [false, true]) {
  leakTest(
    `wait${
      sync ? "Sync" : ""
    }() gathers the messages of 4 processes (test_wait)`,
    async () => {
      using l = new Listener({ backlog: 4 });
      const procs = [0, 1, 2, 3].map(() =>
        new Process({
          target: async (mod: string, address: string) => {
            const { ClientSync } = await import(mod);
            const conn = ClientSync(address);
            for (let i = 0; i < 10; i++) conn.sendSync([i, Deno.pid]);
            conn.close();
          },
          args: [MOD, l.address as string],
        })
      );
      for (const p of procs) p.start();
      const readers: SocketConnection[] = [];
      for (let i = 0; i < 4; i++) readers.push(await l.accept());
      const messages: [number, number][] = [];
      while (readers.length > 0) {
        const ready = sync ? waitSync(readers) : await wait(readers);
        assert.ok(ready.length > 0);
        for (const r of ready) {
          try {
            messages.push(r.recvSync() as [number, number]);
          } catch (e) {
            assert.ok(e instanceof EOFError);
            readers.splice(readers.indexOf(r), 1);
            r.close();
          }
        }
      }
      for (const p of procs) await p.join();
      const expected = procs.flatMap((p) =>
        Array.from({ length: 10 }, (_, i) => [i, p.pid])
      );
      const key = (m: unknown[]) => `${m[1]}:${m[0]}`;
      assert.deepEqual(messages.map(key).sort(), expected.map(key).sort());
    },
  );
}

leakTest(
  "wait() with a timeout returns [] and then the ready one (test_wait_timeout)",
  async () => {
    const [a, b] = await pair();
    assert.deepEqual(await wait([a, b], 0.2), []);
    assert.deepEqual(waitSync([a, b], 0.1), []);
    await b.send(null);
    assert.deepEqual(await wait([a, b], 20), [a]);
    assert.deepEqual(waitSync([a, b], 20), [a]);
    a.close();
    b.close();
  },
);

leakTest(
  "wait() with a negative timeout returns at once (test_neg_timeout)",
  async () => {
    const [a, b] = await pair();
    assert.deepEqual(await wait([a, b], -1), []);
    assert.deepEqual(waitSync([a, b], -1), []);
    a.close();
    b.close();
  },
);

leakTest(
  "wait() sees a message already buffered by an earlier receive",
  async () => {
    const [a, b] = await pair();
    // Two small messages arrive in one read: the second sits in b's buffer.
    a.sendBytesSync(new Uint8Array([1]));
    a.sendBytesSync(new Uint8Array([2]));
    assert.equal(await b.poll(1), true);
    assert.deepEqual(b.recvBytesSync(), new Uint8Array([1]));
    assert.deepEqual(await wait([b], 0), [b]);
    assert.deepEqual(waitSync([b]), [b]);
    assert.deepEqual(b.recvBytesSync(), new Uint8Array([2]));
    assert.deepEqual(await wait([b], 0), []);
    a.close();
    b.close();
  },
);

leakTest(
  "wait() over a listener: ready when a client waits to be accepted",
  async () => {
    using l = new Listener();
    assert.deepEqual(await wait([l], 0), []);
    const pending = wait([l]);
    using c = await Client(l.address);
    assert.deepEqual(await pending, [l]);
    using s = l.acceptSync();
    await c.sendBytes(new Uint8Array([5]));
    assert.deepEqual(await wait([l, s]), [s]);
  },
);

leakTest(
  "wait(): closing a waited connection makes the wait throw OSError",
  async () => {
    const [a, b] = await pair();
    const pending = wait([a, b]);
    a.close();
    await assert.rejects(pending, OSError);
    b.close();
    assert.throws(() => waitSync([b]), OSError);
    await assert.rejects(async () => await wait([{} as never]), TypeError);
  },
);

leakTest(
  "wait(): short timeouts beside a long wait (a deadline just passed is not an FFI error)",
  async () => {
    const [a, b] = await pair();
    // The long wait keeps the blocking-task poll running; each short one
    // re-arms it with the nearest deadline, at times just passed (a
    // negative fraction of a millisecond rounds up to -0).
    const long = wait([a]);
    for (let i = 0; i < 1000; i++) {
      assert.deepEqual(await wait([a], 0.00001 * (i % 50)), []);
    }
    await b.send(1);
    assert.deepEqual(await long, [a]);
    a.close();
    b.close();
  },
);
