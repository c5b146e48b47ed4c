/**
 * Pipe flow control: a writer waiting on a full pipe (woken when half the
 * ring is free, or at its periodic wake-up when the reader stops early),
 * an async send that must wait sends the bytes as they were at the call,
 * received arrays own their memory, and streams of mixed sizes (wrapping
 * around the ring, and larger than it) arrive whole and in order, one way
 * and both ways at once.
 */
import assert from "node:assert/strict";
import { type Connection, Pipe, Process } from "../../multiprocessing/mod.ts";
import { mpTest } from "./_helpers.ts";

const CHUNK = 64 << 10;

/** A message whose every byte derives from its index `i` (and size). */
function message(i: number, size: number): Uint8Array {
  const m = new Uint8Array(size);
  for (let k = 0; k < size; k += 4096) m[k] = (i + k) & 0xff;
  if (size > 0) m[size - 1] = i & 0xff;
  return m;
}

function assertMessage(m: Uint8Array, i: number, size: number): void {
  assert.equal(m.length, size, `message ${i}: length`);
  for (let k = 0; k < size; k += 4096) {
    if (m[k] !== ((i + k) & 0xff)) assert.fail(`message ${i}: byte ${k}`);
  }
  if (size > 0) assert.equal(m[size - 1], i & 0xff, `message ${i}: last`);
}

/** The size of message `i` of a mixed stream: small, ring-sized, bigger. */
function sizeOf(i: number): number {
  if (i % 97 === 13) return (1 << 20) + 4096 * (i % 5); // larger than the ring
  if (i % 7 === 0) return 200_000 + i;
  return (i * 7919) % 70_000;
}

/** Whether `p` has settled, after the microtasks already queued ran. */
async function settled(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  p.then(() => done = true, () => done = true);
  for (let i = 0; i < 10; i++) await null;
  return done;
}

mpTest(
  "Pipe: an async send that must wait sends the bytes as they were at the call, and resumes after a single recv",
  async () => {
    const [r, w] = Pipe(false);
    // Fill the pipe: the first send that cannot complete at once waits.
    const buf = new Uint8Array(CHUNK);
    let sent = 0;
    let pending: Promise<void> | undefined;
    for (;;) {
      buf.fill(sent & 0xff);
      const p = w.sendBytes(buf);
      if (!await settled(p)) {
        pending = p;
        break;
      }
      sent++;
      assert.ok(sent < 1000, "the pipe never filled");
    }
    // The caller may reuse its buffer once the call returned.
    buf.fill(0xee);
    // One message taken: the writer is not woken yet (less than half the
    // ring is free) but finds the room at its periodic wake-up.
    assert.equal(r.recvBytesSync()[0], 0);
    await pending;
    for (let i = 1; i <= sent; i++) {
      const m = r.recvBytesSync();
      assert.equal(m.length, CHUNK);
      assert.equal(m[0], i & 0xff);
      assert.equal(m[CHUNK - 1], i & 0xff);
    }
    assert.equal(r.pollSync(0), false, "exactly one message per send");
    r.close();
    w.close();
  },
);

mpTest("Pipe: received arrays own their memory", () => {
  const [r, w] = Pipe(false);
  // Enough traffic for messages to wrap around the ring's end.
  for (let i = 0; i < 40; i++) {
    const size = 50_000 + 997 * i;
    w.sendBytesSync(message(i, size));
    const m = r.recvBytesSync();
    assertMessage(m, i, size);
    assert.equal(m.byteOffset, 0);
    assert.equal(m.buffer.byteLength, size);
    assert.ok(!(m.buffer instanceof SharedArrayBuffer));
  }
  // A received array stays as it was while the pipe carries more.
  w.sendBytesSync(message(1, 1000));
  const kept = r.recvBytesSync();
  for (let i = 0; i < 40; i++) {
    w.sendBytesSync(message(2, 60_000));
    r.recvBytesSync();
  }
  assertMessage(kept, 1, 1000);
  r.close();
  w.close();
});

/** Sends the mixed stream of `n` messages (a child's target). */
function sendStream(w: Connection, n: number) {
  const message = (i: number, size: number) => {
    const m = new Uint8Array(size);
    for (let k = 0; k < size; k += 4096) m[k] = (i + k) & 0xff;
    if (size > 0) m[size - 1] = i & 0xff;
    return m;
  };
  const sizeOf = (i: number) => {
    if (i % 97 === 13) return (1 << 20) + 4096 * (i % 5);
    if (i % 7 === 0) return 200_000 + i;
    return (i * 7919) % 70_000;
  };
  for (let i = 0; i < n; i++) w.sendBytesSync(message(i, sizeOf(i)));
  w.close();
}

mpTest(
  "Pipe(false): a mixed stream from another process arrives whole and in order (recvBytes and recvBytesInto)",
  async () => {
    const N = 1500;
    const [r, w] = Pipe(false);
    const p = new Process({ target: sendStream, args: [w, N] });
    p.start();
    w.close();
    const into = new Uint8Array(300_000);
    for (let i = 0; i < N; i++) {
      const size = sizeOf(i);
      if (i % 2 === 0 || size > into.length) {
        assertMessage(r.recvBytesSync(), i, size);
      } else {
        const n = r.recvBytesIntoSync(into);
        assertMessage(into.subarray(0, n), i, size);
      }
    }
    await p.join();
    assert.equal(p.exitcode, 0);
    assert.equal(r.pollSync(null), true);
    assert.throws(() => r.recvBytesSync(), { name: "EOFError" });
    r.close();
  },
);

mpTest(
  "Pipe(): mixed streams both ways at once arrive whole and in order",
  async () => {
    const N = 600;
    const [a, b] = Pipe();
    // The child echoes each message with its bytes inverted, while this
    // side keeps sending: both directions are full at times.
    const p = new Process({
      target: (c: Connection) => {
        for (;;) {
          const m = c.recvBytesSync();
          if (m.length === 1 && m[0] === 0xff) break;
          for (let k = 0; k < m.length; k++) m[k] = m[k]! ^ 0xff;
          c.sendBytesSync(m);
        }
        c.close();
      },
      args: [b],
    });
    p.start();
    b.close();
    const sending = (async () => {
      for (let i = 0; i < N; i++) await a.sendBytes(message(i, sizeOf(i)));
      await a.sendBytes(Uint8Array.of(0xff));
    })();
    for (let i = 0; i < N; i++) {
      const m = await a.recvBytes();
      for (let k = 0; k < m.length; k++) m[k] = m[k]! ^ 0xff;
      assertMessage(m, i, sizeOf(i));
    }
    await sending;
    await p.join();
    assert.equal(p.exitcode, 0);
    a.close();
  },
);
