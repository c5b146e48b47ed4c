/**
 * Child-process targets of robust_test.ts: processes that hold an
 * internal lock forever, and producers, consumers, writers, readers and
 * allocators that loop until they are killed.
 *
 * @module
 */

import type {
  Connection,
  Event,
  Lock,
  Queue,
} from "../../multiprocessing/mod.ts";
import type { QueueCore } from "../../_internal/queue/queue_core.ts";
import { programHeap } from "../../_internal/process/program_heap.ts";

/** Keeps the process alive without doing anything. */
function forever(): Promise<never> {
  setInterval(() => {}, 1 << 30);
  return new Promise(() => {});
}

/** The queue algorithm behind a multiprocessing queue. */
export function coreOf(q: Queue<unknown>): QueueCore {
  return (q as unknown as { core: QueueCore }).core;
}

/** Takes the queue's internal lock, says so, and never lets it go. */
export function holdQueueLock(q: Queue<unknown>, held: Event): Promise<never> {
  coreOf(q).lock.enter();
  held.set();
  return forever();
}

/** Takes the shared heap's allocator lock, says so, and never lets it go. */
export function holdHeapLock(held: Event): Promise<never> {
  programHeap().allocatorLock.enter();
  held.set();
  return forever();
}

/** Takes a user-visible lock, says so, and never lets it go. */
export function holdLock(lock: Lock, held: Event): Promise<never> {
  lock.acquireSync();
  held.set();
  return forever();
}

/** Sends 64 KiB messages until the pipe is full (then blocks in send). */
export function fillPipe(w: Connection, started: Event): void {
  const chunk = new Uint8Array(65536);
  for (let i = 0;; i++) {
    chunk[0] = i;
    w.sendBytesSync(chunk);
    // Set once 15 are in (the 1 MiB ring holds 15 of 64 KiB): the test then
    // waits for the writer to sleep, and a sleep before the ring was full
    // (a GC's helper threads, the heap's lock) can no longer pass for the
    // blocked send: it killed the writer after 7 messages once.
    if (i === 14) started.set();
  }
}

/** Blocks in recv on an empty pipe. */
export function recvForever(r: Connection, started: Event): void {
  started.set();
  r.recvBytesSync();
}

/**
 * The item with id (`gen`, `i`): its padding's size and content follow
 * from the id, so a receiver can check it (mostly inline numbers, some
 * heap blocks of small and large size classes).
 */
export function makeItem(gen: number, i: number): [number, number, unknown] {
  const k = (gen * 7919 + i) % 20;
  if (k < 10) return [gen, i, i];
  if (k < 16) return [gen, i, "x".repeat(20 + (i % 200))];
  const pad = new Uint8Array(3000 + ((i * 997) % 60000));
  pad.fill(i & 0xff);
  return [gen, i, pad];
}

/** Whether an item is intact (its padding is what its id says). */
export function itemIntact(item: [number, number, unknown]): boolean {
  const [gen, i, pad] = item;
  const want = makeItem(gen, i)[2];
  if (want instanceof Uint8Array) {
    return pad instanceof Uint8Array && pad.length === want.length &&
      pad.every((b) => b === (i & 0xff));
  }
  return pad === want;
}

/** Puts items (`gen`, 0), (`gen`, 1), … until killed. */
export function produce(q: Queue<unknown>, gen: number, started: Event): void {
  for (let i = 0;; i++) {
    q.putSync(makeItem(gen, i));
    if (i === 0) started.set();
  }
}

/** Moves items from `a` to `b` until killed. */
export function consume(
  a: Queue<unknown>,
  b: Queue<unknown>,
  started: Event,
): void {
  started.set();
  for (;;) b.putSync(a.getSync());
}

/** The message with id (`gen`, `i`): mostly small, some 100 KiB, a few larger than the pipe's ring. */
export function makeMessage(gen: number, i: number): Uint8Array {
  const k = (gen * 7919 + i) % 50;
  const n = k === 0 ? (1 << 20) + 4096 : k < 8 ? 100_000 : 8 + (i % 300);
  const m = new Uint8Array(n);
  const v = new DataView(m.buffer);
  v.setUint32(0, gen, true);
  v.setUint32(4, i, true);
  m.fill((gen + i) & 0xff, 8);
  return m;
}

/** Whether a message is intact; returns its id. */
export function messageId(m: Uint8Array): [number, number] | undefined {
  if (m.length < 8) return undefined;
  const v = new DataView(m.buffer, m.byteOffset, m.length);
  const gen = v.getUint32(0, true), i = v.getUint32(4, true);
  const want = makeMessage(gen, i);
  if (want.length !== m.length) return undefined;
  for (let k = 8; k < m.length; k++) if (m[k] !== want[k]) return undefined;
  return [gen, i];
}

/** Sends messages (`gen`, 0), (`gen`, 1), … until killed. */
export function write(w: Connection, gen: number, started: Event): void {
  for (let i = 0;; i++) {
    w.sendBytesSync(makeMessage(gen, i));
    if (i === 0) started.set();
  }
}

/** Moves messages from a pipe to a queue until killed. */
export function read(r: Connection, out: Queue<unknown>, started: Event): void {
  started.set();
  for (;;) out.putSync(r.recvBytesSync());
}

/**
 * Allocates and frees blocks of the shared heap at random until killed
 * (keeping up to 64 live blocks, each filled with a mark, checked before
 * it is freed).
 */
export function churnHeap(seed: number, started: Event): void {
  const h = programHeap();
  const live: [number, number, number][] = [];
  let s = seed | 1;
  const rnd = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
  for (let k = 0;; k++) {
    if (live.length > 0 && (live.length >= 64 || rnd() < 0.5)) {
      const [ptr, n, mark] = live.splice(
        Math.floor(rnd() * live.length),
        1,
      )[0]!;
      const bytes = h.bytes(ptr, n);
      if (!bytes.every((b) => b === mark)) {
        throw new Error("heap block overwritten");
      }
      h.free(ptr);
    } else {
      const n = rnd() < 0.8
        ? 1 + Math.floor(rnd() * 2048)
        : 2049 + Math.floor(rnd() * 70000);
      const ptr = h.alloc(n, false);
      const mark = k & 0xff;
      h.bytes(ptr, n).fill(mark);
      live.push([ptr, n, mark]);
    }
    if (k === 0) started.set();
  }
}

/**
 * Puts one item (`op` "put") or gets one (`op` "get"), SIGKILLed by the
 * journal hook at its `step`th step; exits normally if the operation has
 * fewer steps.
 */
export async function dieDuring(
  q: Queue<unknown>,
  op: string,
  step: number,
): Promise<void> {
  const { killAtJournalStep } = await import(
    "../../_internal/sync/journal.ts"
  );
  const item = makeItem(9, 999); // encoded before the hook is armed
  killAtJournalStep(step);
  if (op === "put") q.putSync(item);
  else q.getSync();
  killAtJournalStep(0);
}

/**
 * Takes this child's own handle-list lock, leaves a half-done update of
 * the list (its length bumped by 5, journaled), says so, and never lets go.
 */
export async function holdHoldings(held: Event): Promise<never> {
  const { R } = await import("../../_internal/process/record.ts");
  const { ProcessTable } = await import("../../_internal/process/table.ts");
  const { RobustLock } = await import("../../_internal/sync/robust_lock.ts");
  const { Journal } = await import("../../_internal/sync/journal.ts");
  const h = programHeap();
  const record = ProcessTable.get().selfRecord;
  const words = h.words(record, R.WORDS);
  new RobustLock(words, R.HOLD_LOCK, R.HOLD_STAMP).enter();
  const len = words.i32[R.HOLD_LEN]!;
  new Journal(words.i32, R.JOURNAL, 4).note(record * 4 + R.HOLD_LEN, len);
  words.i32[R.HOLD_LEN] = len + 5;
  held.set();
  return forever();
}
