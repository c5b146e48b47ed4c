/**
 * Socket connections: the Pipe connection interface over sockets (ported
 * from CPython's _TestConnection, _TestPoll and _TestListenerClient).
 */
import assert from "node:assert/strict";
import {
  BufferTooShort,
  EOFError,
  OSError,
} from "../../../multiprocessing/connection/mod.ts";
import { ValueError } from "../../../_internal/errors.ts";
import { b, leakTest, pair } from "./_helpers.ts";

for (const family of ["AF_UNIX", "AF_INET"] as const) {
  leakTest(
    `SocketConnection (${family}) sendBytes/recvBytes keep messages and their boundaries`,
    async () => {
      const [a, c] = await pair(family);
      const strings = ["hello", "", "a", "b", "", "bye", "", "lop"].map(b);
      for (const s of strings) await c.sendBytes(s);
      for (const s of strings) assert.deepEqual(await a.recvBytes(), s);
      // Sync forms, both ways.
      a.sendBytesSync(b("sync"));
      assert.deepEqual(c.recvBytesSync(), b("sync"));
      a.close();
      c.close();
    },
  );
}

leakTest(
  "SocketConnection.sendBytes() offset and size (test_sendbytes)",
  async () => {
    const [a, c] = await pair();
    const msg = b("abcdefghijklmnopqrstuvwxyz");
    await a.sendBytes(msg);
    assert.deepEqual(await c.recvBytes(), msg);
    await a.sendBytes(msg, 5);
    assert.deepEqual(await c.recvBytes(), msg.slice(5));
    a.sendBytesSync(msg, 7, 8);
    assert.deepEqual(c.recvBytesSync(), msg.slice(7, 15));
    await a.sendBytes(msg, 26);
    assert.deepEqual(await c.recvBytes(), new Uint8Array());
    await a.sendBytes(msg, 26, 0);
    assert.deepEqual(await c.recvBytes(), new Uint8Array());
    assert.throws(() => a.sendBytesSync(msg, 27), ValueError);
    assert.throws(() => a.sendBytes(msg, 22, 5), ValueError);
    assert.throws(() => a.sendBytes(msg, 26, 1), ValueError);
    assert.throws(() => a.sendBytes(msg, -1), ValueError);
    assert.throws(() => a.sendBytes(msg, 4, -1), ValueError);
    // Still usable after the bad calls.
    await a.sendBytes(new Int32Array([1, 2]));
    assert.deepEqual(
      await c.recvBytes(),
      new Uint8Array(new Int32Array([1, 2]).buffer),
    );
    a.close();
    c.close();
  },
);

leakTest(
  "SocketConnection.recvBytesInto() with offsets and BufferTooShort (test_connection)",
  async () => {
    const [a, c] = await pair();
    const arr = new Int32Array([0, 1, 2, 3]);
    let buffer = new Int32Array(10);
    await a.sendBytes(arr);
    assert.equal(await c.recvBytesInto(buffer), 16);
    assert.deepEqual([...buffer], [0, 1, 2, 3, 0, 0, 0, 0, 0, 0]);
    buffer = new Int32Array(10);
    await a.sendBytes(arr);
    assert.equal(c.recvBytesIntoSync(buffer, 12), 16);
    assert.deepEqual([...buffer], [0, 0, 0, 0, 1, 2, 3, 0, 0, 0]);
    const longmsg = b("hello world".repeat(10));
    await a.sendBytes(longmsg);
    await assert.rejects(c.recvBytesInto(new Uint8Array(40)), (e) => {
      assert.ok(e instanceof BufferTooShort);
      assert.deepEqual(e.args[0], longmsg);
      return true;
    });
    // A big message that does not fit, and one that does (straight into it).
    const big = new Uint8Array(100_000).map((_, i) => i & 0xff);
    await a.sendBytes(big);
    assert.throws(
      () => c.recvBytesIntoSync(new Uint8Array(1000)),
      BufferTooShort,
    );
    await a.sendBytes(big);
    const into = new Uint8Array(100_010);
    assert.equal(await c.recvBytesInto(into, 10), 100_000);
    assert.deepEqual(into.subarray(10), big);
    assert.throws(() => c.recvBytesIntoSync(new Uint8Array(4), 5), ValueError);
    assert.throws(() => c.recvBytesIntoSync(new Uint8Array(4), -1), ValueError);
    a.close();
    c.close();
  },
);

leakTest(
  "SocketConnection 16 MiB messages cross, and the sender may reuse its buffer at once",
  async () => {
    const [a, c] = await pair();
    const big = new Uint8Array(16 << 20).fill(88);
    big[big.length - 1] = 1;
    const got = c.recvBytes();
    await a.sendBytes(big);
    assert.deepEqual(await got, big);
    // Async send of a message larger than the socket buffer while the other
    // side reads: the caller may reuse its buffer as soon as the call returns.
    const copy = big.slice();
    const sent = a.sendBytes(copy);
    copy.fill(0);
    assert.deepEqual(await c.recvBytes(), big);
    await sent;
    a.close();
    c.close();
  },
);

leakTest(
  "SocketConnection.poll() (test_connection, test_issue16955)",
  async () => {
    const [a, c] = await pair();
    assert.equal(await c.poll(), false);
    assert.equal(await c.poll(-1), false);
    assert.equal(c.pollSync(0.1), false);
    assert.equal(await c.poll(0.1), false);
    await a.sendBytes(b(""));
    assert.equal(await c.poll(1), true);
    assert.equal(c.pollSync(), true); // polling does not consume
    assert.deepEqual(await c.recvBytes(), new Uint8Array());
    const waiting = c.poll(null);
    await a.sendBytes(b("hello"));
    assert.equal(await waiting, true);
    assert.deepEqual(c.recvBytesSync(), b("hello"));
    a.close();
    assert.equal(await c.poll(), true); // end-of-file is readable
    await assert.rejects(c.recvBytes(), EOFError);
    c.close();
  },
);

leakTest(
  "SocketConnection: closed peer gives EOFError, closed handle OSError",
  async () => {
    const [a, c] = await pair();
    await a.sendBytes(b("last"));
    a.close();
    assert.equal(a.closed, true);
    a.close(); // twice is harmless
    assert.deepEqual(await c.recvBytes(), b("last"));
    await assert.rejects(c.recvBytes(), EOFError);
    assert.throws(() => c.recvBytesSync(), EOFError);
    assert.equal(c.readable, true);
    assert.equal(c.writable, true);
    assert.throws(() => a.sendBytesSync(b("x")), OSError);
    assert.throws(() => a.recvBytes(), /handle is closed/);
    assert.throws(() => a.poll(), OSError);
    assert.throws(() => a.fileno(), OSError);
    // Writing to a peer that is gone: BrokenPipeError (an OSError), never SIGPIPE.
    await assert.rejects(async () => {
      for (let i = 0; i < 100; i++) await c.sendBytes(new Uint8Array(65536));
    }, OSError);
    c.close();
  },
);

leakTest(
  "SocketConnection: maxlength refuses a longer message and makes it unreadable",
  async () => {
    const [a, c] = await pair();
    await a.sendBytes(new Uint8Array(300));
    assert.throws(() => c.recvBytes(-1), ValueError);
    await assert.rejects(c.recvBytes(256), /bad message length/);
    assert.equal(c.readable, false);
    assert.throws(() => c.recvBytesSync(), /write-only/);
    await c.sendBytes(b("still writable"));
    assert.deepEqual(await a.recvBytes(), b("still writable"));
    await a.sendBytes(new Uint8Array(256));
    a.close();
    c.close();
  },
);

leakTest(
  "SocketConnection: concurrent async calls queue, a Sync call meanwhile throws",
  async () => {
    const [a, c] = await pair();
    const r1 = c.recvBytes();
    const r2 = c.recvBytes();
    assert.throws(() => c.recvBytesSync(), /async receive .* in progress/);
    const sends = [];
    for (let i = 0; i < 3; i++) {
      sends.push(a.sendBytes(new Uint8Array(200_000).fill(i)));
    }
    const r3 = c.recvBytes();
    await Promise.all(sends);
    assert.deepEqual(await r1, new Uint8Array(200_000).fill(0));
    assert.deepEqual(await r2, new Uint8Array(200_000).fill(1));
    assert.deepEqual(await r3, new Uint8Array(200_000).fill(2));
    // Settled calls are counted out before their callers resume.
    await a.sendBytes(b("x"));
    assert.deepEqual(c.recvBytesSync(), b("x"));
    a.close();
    c.close();
  },
);

leakTest(
  "SocketConnection.close() while an async receive waits fails it with OSError",
  async () => {
    const [a, c] = await pair();
    // Both checks are attached before the close: a rejection that waited
    // for its handler across a turn of the event loop would be uncaught.
    const failed = Promise.all([
      assert.rejects(c.recvBytes(), OSError),
      assert.rejects(c.poll(null), OSError),
    ]);
    c.close();
    await failed;
    a.close();
  },
);

leakTest("SocketConnection.fileno() and toString()", async () => {
  const [a, c] = await pair();
  assert.equal(typeof a.fileno(), "number");
  assert.match(String(a), /SocketConnection fd=\d+/);
  a.close();
  c.close();
  assert.equal(String(a), "<SocketConnection closed>");
});
