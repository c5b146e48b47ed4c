/**
 * Pipe and Connection: CPython's _TestConnection (echo child, bytes,
 * recv_bytes_into, BufferTooShort, poll, EOF, duplex=False, send_bytes
 * argument checks), large messages both ways, connections sent through
 * connections.
 */
import assert from "node:assert/strict";
import {
  BrokenPipeError,
  BufferTooShort,
  type Connection,
  EOFError,
  Event,
  Lock,
  OSError,
  Pipe,
  Process,
  ValueError,
} from "../../multiprocessing/mod.ts";
import { mpTest } from "./_helpers.ts";

const latin = (s: string) => new TextEncoder().encode(s);

/** CPython's _echo: echoes byte messages until an empty one. */
const echo = (conn: Connection) => {
  for (;;) {
    const msg = conn.recvBytesSync();
    if (msg.length === 0) break;
    conn.sendBytesSync(msg);
  }
  conn.close();
};

mpTest("Pipe: CPython's test_connection with an echo child", async () => {
  const [conn, childConn] = Pipe();
  const p = new Process({ target: echo, args: [childConn], daemon: true });
  p.start();
  // Objects travel through the child's bytes echo: send() then recv().
  const seq = [1, 2.25, null];
  await conn.send(seq);
  // The echo child returns the encoded bytes; recv decodes them.
  assert.deepEqual(await conn.recv(), seq);
  const msg = latin("hello world");
  await conn.sendBytes(msg);
  assert.deepEqual(await conn.recvBytes(), msg);

  const arr = new Int32Array([0, 1, 2, 3]);
  let buffer = new Int32Array(10);
  await conn.sendBytes(arr);
  assert.equal(await conn.recvBytesInto(buffer), 16);
  assert.deepEqual([...buffer], [0, 1, 2, 3, 0, 0, 0, 0, 0, 0]);
  buffer = new Int32Array(10);
  await conn.sendBytes(arr);
  assert.equal(await conn.recvBytesInto(buffer, 3 * 4), 16);
  assert.deepEqual([...buffer], [0, 0, 0, 0, 1, 2, 3, 0, 0, 0]);

  const longmsg = latin("hello world".repeat(10));
  conn.sendBytesSync(longmsg);
  await assert.rejects(
    () => conn.recvBytesInto(new Uint8Array(40)),
    (e: unknown) => {
      assert.ok(e instanceof BufferTooShort);
      assert.deepEqual(e.args, [longmsg]);
      return true;
    },
  );

  let t0 = performance.now();
  assert.equal(await conn.poll(), false);
  assert.equal(await conn.poll(-1), false);
  assert.ok(performance.now() - t0 < 1000);
  t0 = performance.now();
  assert.equal(await conn.poll(0.2), false);
  assert.ok(performance.now() - t0 >= 150);
  await conn.send(null);
  assert.equal(await conn.poll(30), true);
  assert.equal(await conn.recv(), null);

  const reallyBig = new Uint8Array(16 << 20).fill(88); // 16 MiB: 16 rings' worth
  const sending = conn.sendBytes(reallyBig);
  const received = await conn.recvBytes();
  await sending;
  assert.equal(received.length, reallyBig.length);
  assert.ok(received.every((b) => b === 88));

  await conn.sendBytes(new Uint8Array(0)); // tell the child to quit
  childConn.close();
  assert.equal(conn.readable, true);
  assert.equal(conn.writable, true);
  await assert.rejects(() => conn.recv(), EOFError);
  assert.throws(() => conn.recvBytesSync(), EOFError);
  await p.join();
  conn.close();
});

mpTest(
  "Pipe(false): the first end only receives, the second only sends",
  () => {
    const [reader, writer] = Pipe(false);
    writer.sendSync(1);
    assert.equal(reader.recvSync(), 1);
    assert.equal(reader.readable, true);
    assert.equal(reader.writable, false);
    assert.equal(writer.readable, false);
    assert.equal(writer.writable, true);
    assert.throws(() => reader.sendSync(2), OSError);
    assert.throws(() => writer.recvSync(), /write-only/);
    assert.throws(() => writer.pollSync(), OSError);
    reader.close();
    writer.close();
  },
);

mpTest(
  "recvBytes: each message is an array of its own (no pool, no view of the ring)",
  async () => {
    // Python's bytes are objects of their own; recvBytes' arrays are too:
    // offset 0 in an ArrayBuffer of exactly their length, never a view
    // of the ring or of a slab shared with other messages, so a program
    // may keep, change or transfer one without touching another.
    const [r, w] = Pipe(false);
    const sizes = [0, 100, 64 << 10, (1 << 20) - 8, 2 << 20]; // last: > ring
    const got: Uint8Array[] = [];
    for (let round = 0; round < 2; round++) {
      for (const [k, n] of sizes.entries()) {
        const fill = round * sizes.length + k + 1;
        const sending = w.sendBytes(new Uint8Array(n).fill(fill));
        got.push(await r.recvBytes());
        await sending;
      }
    }
    assert.equal(new Set(got.map((a) => a.buffer)).size, got.length);
    for (const [i, a] of got.entries()) {
      assert.ok(a.buffer instanceof ArrayBuffer); // not shared memory
      assert.equal(a.byteOffset, 0);
      assert.equal(a.buffer.byteLength, a.length);
      assert.equal(a.length, sizes[i % sizes.length]);
      // Later messages left it as it was received.
      assert.ok(a.every((b) => b === i + 1), `message ${i} changed`);
    }
    // Changing one changes no other; transferring one moves its bytes.
    got[2]!.fill(0xee);
    assert.ok(got[7]!.every((b) => b === 8));
    const moved = new Uint8Array((got[8]!.buffer as ArrayBuffer).transfer());
    assert.equal(got[8]!.length, 0);
    assert.equal(moved.length, (1 << 20) - 8);
    assert.ok(moved.every((b) => b === 9));
    // The ring reuses its memory after all that: a new message is intact.
    w.sendBytesSync(new Uint8Array(64 << 10).fill(0x77));
    assert.ok(r.recvBytesSync().every((b) => b === 0x77));
    assert.ok(got[3]!.every((b) => b === 4));
    r.close();
    w.close();
  },
);

mpTest(
  "Pipe: the child's end closed by the parent right after start (test_spawn_close)",
  async () => {
    const [conn, childConn] = Pipe();
    const p = new Process({ target: echo, args: [childConn], daemon: true });
    p.start();
    childConn.close(); // before the child even ran
    conn.sendBytesSync(latin("hello"));
    assert.deepEqual(await conn.recvBytes(), latin("hello"));
    conn.sendBytesSync(new Uint8Array(0));
    await p.join();
    conn.close();
  },
);

mpTest(
  "Connection.sendBytes: offset and size as CPython's test_sendbytes",
  () => {
    const msg = latin("abcdefghijklmnopqrstuvwxyz");
    const [a, b] = Pipe();
    a.sendBytesSync(msg);
    assert.deepEqual(b.recvBytesSync(), msg);
    a.sendBytesSync(msg, 5);
    assert.deepEqual(b.recvBytesSync(), msg.subarray(5));
    a.sendBytesSync(msg, 7, 8);
    assert.deepEqual(b.recvBytesSync(), msg.subarray(7, 15));
    a.sendBytesSync(msg, 26);
    assert.deepEqual(b.recvBytesSync(), new Uint8Array(0));
    a.sendBytesSync(msg, 26, 0);
    assert.deepEqual(b.recvBytesSync(), new Uint8Array(0));
    assert.throws(() => a.sendBytesSync(msg, 27), ValueError);
    assert.throws(() => a.sendBytesSync(msg, 22, 5), ValueError);
    assert.throws(() => a.sendBytesSync(msg, 26, 1), ValueError);
    assert.throws(() => a.sendBytesSync(msg, -1), ValueError);
    assert.throws(() => a.sendBytesSync(msg, 4, -1), ValueError);
    // NaN sent an empty message and 2.5 a truncated one: Python's TypeError.
    const notIndex = {
      name: "TypeError",
      message:
        "slice indices must be integers or None or have an __index__ method",
    };
    assert.throws(() => a.sendBytesSync(msg, NaN), notIndex);
    assert.throws(() => a.sendBytesSync(msg, 0, NaN), notIndex);
    assert.throws(() => a.sendBytesSync(msg, 2.5), notIndex);
    assert.throws(() => a.sendBytesSync(msg, 0, 2.5), notIndex);
    assert.throws(() => a.sendBytesSync(msg, Infinity), notIndex);
    // deno-lint-ignore no-explicit-any
    assert.throws(() => a.sendBytesSync(msg, "1" as any), notIndex);
    assert.throws(() => a.sendBytes(msg, NaN), notIndex); // as its ValueErrors
    assert.throws(() => a.sendBytesSync(msg, 2 ** 70), {
      name: "ValueError",
      message: "buffer length < offset",
    });
    assert.throws(() => b.recvBytesIntoSync(new Uint8Array(4), 1.5), notIndex);
    assert.equal(b.pollSync(), false, "nothing was sent by the failed calls");
    a.close();
    b.close();
  },
);

mpTest(
  "Connection: recvBytes(maxlength) drops a longer message and stays usable",
  () => {
    const [a, b] = Pipe();
    a.sendBytesSync(latin("0123456789"));
    a.sendBytesSync(latin("ok"));
    assert.throws(() => b.recvBytesSync(5), /bad message length/);
    assert.deepEqual(b.recvBytesSync(5), latin("ok"));
    assert.throws(() => b.recvBytesSync(-1), ValueError);
    assert.throws(() => b.recvBytesIntoSync(new Uint8Array(4), 5), ValueError);
    a.close();
    b.close();
  },
);

mpTest(
  "Connection: a value that cannot cross is refused before anything is sent",
  () => {
    const [a, b] = Pipe();
    assert.throws(() => a.sendSync({ f: () => 1 }), TypeError);
    assert.equal(b.pollSync(), false);
    a.sendSync({ ok: true });
    assert.deepEqual(b.recvSync(), { ok: true });
    a.close();
    b.close();
  },
);

mpTest(
  "Connection: closed handles refuse work; send to a closed end is a BrokenPipeError",
  () => {
    const [a, b] = Pipe();
    b.close();
    assert.equal(b.closed, true);
    assert.throws(() => b.sendSync(1), /handle is closed/);
    assert.throws(() => a.sendSync(1), BrokenPipeError);
    assert.throws(() => a.recvSync(), EOFError);
    b.close(); // twice is harmless
    a.close();
    assert.throws(() => a.pollSync(), OSError);
  },
);

mpTest(
  "Pipe: large messages in both directions, in order, across processes",
  async () => {
    const [conn, child] = Pipe();
    const p = new Process({
      target: (conn: Connection) => {
        for (let i = 0; i < 8; i++) {
          const m = conn.recvBytesSync();
          // Reply with a message of another size made from the first byte.
          conn.sendBytesSync(new Uint8Array((3 << 20) + i).fill(m[0]! ^ 0xff));
        }
      },
      args: [child],
    });
    p.start();
    child.close();
    for (let i = 0; i < 8; i++) {
      const sending = conn.sendBytes(new Uint8Array((5 << 20) - i).fill(i));
      const reply = await conn.recvBytes();
      await sending;
      assert.equal(reply.length, (3 << 20) + i);
      assert.equal(reply[0], i ^ 0xff);
      assert.equal(reply[reply.length - 1], i ^ 0xff);
    }
    await assert.rejects(
      () => conn.recv(),
      EOFError,
      "the child's end closed at its exit",
    );
    await p.join();
    assert.equal(p.exitcode, 0);
    conn.close();
  },
);

mpTest(
  "Pipe: the other end sees EOF when a child that held it exits (normally or with an error)",
  async () => {
    for (const fail of [false, true]) {
      const [r, w] = Pipe(false);
      const p = new Process({
        target: (w: Connection, fail: boolean) => {
          w.sendSync("last words");
          if (fail) throw new Error("boom");
        },
        args: [w, fail],
      });
      p.start();
      w.close();
      assert.equal(await r.recv(), "last words");
      await assert.rejects(() => r.recv(), EOFError);
      await p.join();
      assert.equal(p.exitcode, fail ? 1 : 0);
      r.close();
    }
  },
);

mpTest(
  "Pipe: connections and locks travel through connections, bound to the same state",
  async () => {
    const [a, b] = Pipe();
    const [c, d] = Pipe();
    const lock = new Lock();
    const done = new Event();
    a.sendSync({ conn: d, lock, done });
    const got = b.recvSync() as { conn: Connection; lock: Lock; done: Event };
    assert.equal(got.conn, d, "the same object within a thread");
    assert.equal(got.lock, lock);
    const p = new Process({
      target: (b: Connection) => {
        const { conn, lock, done } = b.recvSync() as {
          conn: Connection;
          lock: Lock;
          done: Event;
        };
        using _ = lock.holdSync();
        conn.sendSync("through the passed connection");
        done.set();
      },
      args: [b],
    });
    p.start();
    a.sendSync({ conn: d, lock, done });
    assert.equal(await c.recv(), "through the passed connection");
    assert.ok(await done.wait(30));
    await p.join();
    for (const x of [a, b, c, d]) x.close();
  },
);

mpTest(
  "Pipe: a killed child's handle is closed when the parent reaps it: EOF",
  async () => {
    for (const how of ["terminate", "kill"] as const) {
      const [r, w] = Pipe(false);
      const ready = new Event();
      const p = new Process({
        target: (w: Connection, ready: Event) => {
          w.sendSync("hello");
          ready.set();
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
        },
        args: [w, ready],
      });
      p.start();
      w.close();
      assert.ok(await ready.wait(30));
      p[how]();
      await p.join();
      assert.equal(await r.recv(), "hello");
      await assert.rejects(() => r.recv(), EOFError);
      r.close();
    }
  },
);
