/**
 * The wake-ups of the pipe's ring (`_internal/sync/byte_ring.ts`), driven
 * step by step in one thread: a side that sleeps gets exactly one wake-up
 * from the other side, however many messages pass before it runs again
 * (each wake-up is a futex call across processes), and never none.
 *
 * @module
 */

import assert from "node:assert/strict";
import { ByteRing, RING_WORDS } from "../../_internal/sync/byte_ring.ts";
import {
  type Blocking,
  runSync,
  SabWords,
} from "../../_internal/sync/words.ts";
import { heap } from "../../_internal/sync/heap.ts";

/** Words that count the notify calls made on them. */
class CountingWords extends SabWords {
  notifies = 0;
  override notify(i: number, count: number): number {
    this.notifies++;
    return super.notify(i, count);
  }
}

function ring(bytes: number): { ring: ByteRing; words: CountingWords } {
  const words = new CountingWords(
    new Int32Array(new SharedArrayBuffer(RING_WORDS * 4)),
  );
  const data = new Uint8Array(new SharedArrayBuffer(bytes));
  return { ring: new ByteRing(words, 0, data, heap()), words };
}

/** Runs `g` to its first wait; returns the word and value it sleeps on. */
function toFirstWait<T>(g: Blocking<T>): { index: number; expected: number } {
  const step = g.next();
  assert.ok(!step.done, "it should have had to wait");
  const s = step.value;
  assert.ok(s.call === undefined);
  return { index: s.index, expected: s.expected };
}

Deno.test("a reader asleep on an empty ring gets one wake-up for ten messages", () => {
  const { ring: r, words } = ring(1024);
  const reader = r.reading();
  const wait = toFirstWait(reader);
  for (let i = 0; i < 10; i++) runSync(r.writing(new Uint8Array([i])));
  assert.equal(words.notifies, 1);
  // The word it sleeps on moved: its futex wait returns at once.
  assert.notEqual(Atomics.load(words.i32, wait.index), wait.expected);
  const first = reader.next("ok");
  assert.ok(first.done);
  assert.deepEqual(first.value, new Uint8Array([0]));
  for (let i = 1; i < 10; i++) {
    assert.deepEqual(runSync(r.reading()), new Uint8Array([i]));
  }
  assert.equal(words.notifies, 1); // nobody waited since
});

Deno.test("a writer asleep on a full ring gets one wake-up, once half the ring is free", () => {
  const { ring: r, words } = ring(1024);
  // 9 messages of 100 bytes (108 with their headers) fill 972 bytes.
  const message = (i: number) => new Uint8Array(100).fill(i);
  for (let i = 0; i < 9; i++) runSync(r.writing(message(i)));
  const writer = r.writing(message(9));
  const wait = toFirstWait(writer);
  const before = words.notifies;
  for (let i = 0; i < 9; i++) {
    assert.deepEqual(runSync(r.reading()), message(i));
    // Woken when 512 bytes are free (after the 5th read), and only then.
    assert.equal(words.notifies - before, i < 4 ? 0 : 1, `after read ${i}`);
  }
  assert.notEqual(Atomics.load(words.i32, wait.index), wait.expected);
  assert.ok(writer.next("ok").done);
  assert.deepEqual(runSync(r.reading()), message(9));
});

Deno.test("a poller and a reader asleep together are both woken by one message", () => {
  const { ring: r, words } = ring(1024);
  const poller = r.polling(Infinity);
  const pollWait = toFirstWait(poller);
  const reader = r.reading();
  const readWait = toFirstWait(reader);
  assert.equal(pollWait.index, readWait.index);
  runSync(r.writing(new Uint8Array([7])));
  runSync(r.writing(new Uint8Array([8])));
  assert.equal(words.notifies, 1);
  assert.notEqual(Atomics.load(words.i32, readWait.index), readWait.expected);
  assert.notEqual(Atomics.load(words.i32, pollWait.index), pollWait.expected);
  const polled = poller.next("ok");
  assert.ok(polled.done && polled.value === true);
  const read = reader.next("ok");
  assert.ok(read.done);
  assert.deepEqual(read.value, new Uint8Array([7]));
  assert.deepEqual(runSync(r.reading()), new Uint8Array([8]));
});
