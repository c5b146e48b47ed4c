/**
 * The pools' work queue (`_internal/futures/work_queue.ts`): FIFO order
 * across the ring's growth, the sentinel behind the items, and, across
 * threads, no lost wake-up whatever the timing of puts against sleeping
 * consumers (sleepers never time out here: a lost wake-up hangs).
 *
 * @module
 */

import assert from "node:assert/strict";
import { heap } from "../../_internal/sync/heap.ts";
import {
  EMPTY,
  SENTINEL,
  WORK_QUEUE_WORDS,
  WorkQueue,
} from "../../_internal/futures/work_queue.ts";
import { Thread } from "../../threading/mod.ts";

const CONSUMER = new URL("./_work_queue_consumer.ts#consume", import.meta.url);
const TAG = 0x54455354; // "TEST"

/** A region with two queues (in, out); the second starts on an even word. */
function region(): { ptr: number; inBase: number; outBase: number } {
  const h = heap();
  const inBase = 2, outBase = 2 + WORK_QUEUE_WORDS;
  const ptr = h.allocObject(TAG, outBase + WORK_QUEUE_WORDS);
  return { ptr, inBase, outBase };
}

function free(ptr: number, bases: number[]): void {
  const h = heap();
  for (const b of bases) WorkQueue.destroy(h, ptr, b);
  h.release(ptr);
}

Deno.test("WorkQueue: FIFO across the ring's growth; EMPTY when empty; size", () => {
  const { ptr, inBase } = region();
  const q = new WorkQueue(heap(), ptr, inBase);
  try {
    assert.equal(q.getNowait(), EMPTY);
    // Interleaved puts and gets move the head, so growth must keep order
    // across the ring's wrap.
    let next = 1, expect = 1;
    for (let round = 0; round < 20; round++) {
      for (let i = 0; i < 50 * (round + 1); i++) q.put(next++);
      for (let i = 0; i < 30 * (round + 1); i++) {
        assert.equal(q.getNowait(), expect++);
      }
    }
    assert.equal(q.size(), next - expect);
    while (expect < next) assert.equal(q.getSync(), expect++);
    assert.equal(q.getNowait(), EMPTY);
    assert.equal(q.size(), 0);
  } finally {
    free(ptr, [inBase]);
  }
});

Deno.test("WorkQueue: a sentinel queues behind the items (Python's None)", () => {
  const { ptr, inBase } = region();
  const q = new WorkQueue(heap(), ptr, inBase);
  try {
    q.put(7);
    q.putSentinel();
    q.put(8);
    assert.deepEqual([q.getSync(), q.getSync(), q.getSync()], [7, SENTINEL, 8]);
  } finally {
    free(ptr, [inBase]);
  }
});

Deno.test("WorkQueue: consumer threads get every item, in bursts and one by one, without a lost wake-up", async () => {
  const { ptr, inBase, outBase } = region();
  const h = heap();
  const input = new WorkQueue(h, ptr, inBase, Infinity);
  const output = new WorkQueue(h, ptr, outBase, Infinity);
  const threads = Array.from(
    { length: 3 },
    () => new Thread({ target: CONSUMER, args: [ptr, inBase, outBase] }),
  );
  for (const t of threads) t.start();
  try {
    let next = 1;
    const seen = new Set<number>();
    // One by one (each put finds the consumers asleep or spinning), then
    // bursts of growing size (the ring grows while consumers take).
    const rounds = [
      ...Array.from({ length: 300 }, () => 1),
      ...Array.from({ length: 40 }, (_, i) => 1 + i * 50),
    ];
    for (const n of rounds) {
      const first = next;
      for (let i = 0; i < n; i++) input.put(next++);
      for (let i = 0; i < n; i++) seen.add(output.getSync());
      for (let v = first; v < next; v++) assert.ok(seen.has(v), `lost ${v}`);
    }
    assert.equal(seen.size, next - 1);
  } finally {
    input.putSentinel();
    for (const t of threads) await t.join();
    free(ptr, [inBase, outBase]);
  }
});

Deno.test("WorkQueue.get(): waits without blocking the event loop, woken by another thread's put", async () => {
  const { ptr, inBase, outBase } = region();
  const h = heap();
  const input = new WorkQueue(h, ptr, inBase, Infinity);
  const output = new WorkQueue(h, ptr, outBase, Infinity);
  const t = new Thread({ target: CONSUMER, args: [ptr, inBase, outBase] });
  t.start();
  try {
    for (let i = 1; i <= 50; i++) {
      let settled = false;
      const got = output.get().finally(() => (settled = true));
      // The event loop runs while get() waits, and nothing came yet.
      await new Promise((r) => setTimeout(r, 1));
      assert.equal(settled, false);
      input.put(i);
      assert.equal(await got, i);
    }
  } finally {
    input.putSentinel();
    await t.join();
    free(ptr, [inBase, outBase]);
  }
});
