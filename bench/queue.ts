/**
 * queue benchmarks: one producer thread and one consumer thread moving
 * items through a Queue, beside CPython's `queue.Queue` and threads.
 *
 * Both sides run five rounds on the same two threads and queue, each
 * round lined up on a Barrier with the main thread, and report the median
 * round (the first warms memory up: heap pages, allocator).
 *
 * The 1 MiB case sends buffers whose contents differ (byte 0 is the item
 * number): CPython must build a new `bytearray` per item (a queue passes
 * references), pyconc changes byte 0 of one buffer and puts it (a queue
 * copies: the consumer gets its own buffer). Each side thus does what it
 * needs for the consumer to receive independent data.
 *
 * The floor row under it: one thread making fresh 1 MiB arrays, each a
 * copy of 1 MiB of shared memory, as a pyconc consumer must (CPython:
 * `bytearray` of an anonymous mmap, in a thread too). CPython's allocator
 * hands the block freed by the previous item straight back, cache-warm;
 * V8 frees an array's memory only at a garbage collection (one per ~32 MiB
 * of garbage), glibc then returns much of it to the kernel, and the next
 * arrays land on new pages: page faults, which cost tens of µs each in this
 * virtual machine under load (≈ 30 µs at a load average of 7; a 1 MiB
 * array is 256 pages; the row's name gives the cost measured with it).
 * That floor, not the queue, sets the 1 MiB row's best case, and its
 * swings from run to run.
 *
 * @module
 */

import { Queue } from "../queue/mod.ts";
import { Barrier, Thread } from "../threading/mod.ts";
import { type BenchCase, median } from "./_harness.ts";
import { pageFaultMicros } from "./_page_fault.ts";

const SMALL = 200_000;
const BIG = 200;
const MIB = 1 << 20;
const ROUNDS = 5;

/**
 * Runs a producer and a consumer target for ROUNDS rounds.
 * @returns the median seconds of a round.
 */
async function rounds(
  producer: (...args: never[]) => unknown,
  consumer: (...args: never[]) => unknown,
  args: unknown[],
): Promise<number> {
  const start = new Barrier(3), end = new Barrier(3);
  const threads = [producer, consumer].map((target) =>
    new Thread({ target, args: [start, end, ROUNDS, ...args] })
  );
  for (const t of threads) t.start();
  const times: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    await start.wait();
    const t0 = performance.now();
    await end.wait();
    times.push((performance.now() - t0) / 1000);
  }
  for (const t of threads) await t.join();
  return median(times);
}

/** Items per second of one producer and one consumer thread, small ints. */
async function smallItems(maxsize: number): Promise<number> {
  const q = new Queue<number>(maxsize);
  const sums = new Float64Array(new SharedArrayBuffer(8 * ROUNDS));
  const seconds = await rounds(
    (
      start: Barrier,
      end: Barrier,
      rounds: number,
      q: Queue<number>,
      n: number,
    ) => {
      for (let r = 0; r < rounds; r++) {
        start.waitSync();
        for (let i = 0; i < n; i++) q.putSync(i);
        end.waitSync();
      }
    },
    (
      start: Barrier,
      end: Barrier,
      rounds: number,
      q: Queue<number>,
      n: number,
      sums: Float64Array,
    ) => {
      for (let r = 0; r < rounds; r++) {
        start.waitSync();
        let s = 0;
        for (let i = 0; i < n; i++) s += q.getSync();
        sums[r] = s;
        end.waitSync();
      }
    },
    [q, SMALL, sums],
  );
  for (const s of sums) {
    if (s !== (SMALL * (SMALL - 1)) / 2) throw new Error(`items lost: ${s}`);
  }
  return SMALL / seconds;
}

/** MB per second of 1 MiB buffers from a producer to a consumer thread. */
async function bigItems(): Promise<number> {
  const q = new Queue<Uint8Array>();
  const seen = new Int32Array(new SharedArrayBuffer(4));
  const seconds = await rounds(
    (
      start: Barrier,
      end: Barrier,
      rounds: number,
      q: Queue<Uint8Array>,
      n: number,
      size: number,
    ) => {
      const buf = new Uint8Array(size).fill(7);
      for (let r = 0; r < rounds; r++) {
        start.waitSync();
        for (let i = 0; i < n; i++) {
          buf[0] = i & 0xff;
          q.putSync(buf);
        }
        end.waitSync();
      }
    },
    (
      start: Barrier,
      end: Barrier,
      rounds: number,
      q: Queue<Uint8Array>,
      n: number,
      _size: number,
      seen: Int32Array,
    ) => {
      for (let r = 0; r < rounds; r++) {
        start.waitSync();
        for (let i = 0; i < n; i++) {
          const item = q.getSync();
          if (item[0] === (i & 0xff) && item[item.length - 1] === 7) seen[0]!++;
        }
        end.waitSync();
      }
    },
    [q, BIG, MIB, seen],
  );
  if (seen[0] !== BIG * ROUNDS) {
    throw new Error(`bad items: ${BIG * ROUNDS - seen[0]!}`);
  }
  return (BIG * MIB) / 1e6 / seconds;
}

/**
 * MB per second of one thread making fresh 1 MiB arrays, each copied out of
 * shared memory (the floor under the consumer of the 1 MiB row).
 */
async function freshArrays(): Promise<number> {
  const src = new Uint8Array(new SharedArrayBuffer(MIB)).fill(7);
  const seen = new Int32Array(new SharedArrayBuffer(4));
  const seconds = await rounds(
    (
      start: Barrier,
      end: Barrier,
      rounds: number,
      src: Uint8Array,
      n: number,
      seen: Int32Array,
    ) => {
      for (let r = 0; r < rounds; r++) {
        start.waitSync();
        for (let i = 0; i < n; i++) {
          const item = new Uint8Array(src);
          if (item[item.length - 1] === 7) seen[0]!++;
        }
        end.waitSync();
      }
    },
    (start: Barrier, end: Barrier, rounds: number) => {
      for (let r = 0; r < rounds; r++) {
        start.waitSync();
        end.waitSync();
      }
    },
    [src, BIG, seen],
  );
  if (seen[0] !== BIG * ROUNDS) {
    throw new Error(`bad arrays: ${BIG * ROUNDS - seen[0]!}`);
  }
  return (BIG * MIB) / 1e6 / seconds;
}

/** The Python side: `produce(i)` and `consume(i, item)` bodies around the same rounds. */
function pythonRounds(
  setup: string,
  produce: string,
  consume: string,
  metric: string,
): string {
  return `
import threading, time, queue, statistics
ROUNDS = ${ROUNDS}
${setup}
start, end = threading.Barrier(3), threading.Barrier(3)
def producer():
    for r in range(ROUNDS):
        start.wait()
        for i in range(N):
${produce}
        end.wait()
def consumer():
    for r in range(ROUNDS):
        start.wait()
        for i in range(N):
            item = q.get()
${consume}
        end.wait()
ts = [threading.Thread(target=producer), threading.Thread(target=consumer)]
for t in ts: t.start()
times = []
for r in range(ROUNDS):
    start.wait()
    t0 = time.perf_counter()
    end.wait()
    times.append(time.perf_counter() - t0)
for t in ts: t.join()
check()
dt = statistics.median(times)
print(${metric})`;
}

function pythonSmall(maxsize: number): string {
  return pythonRounds(
    `N = ${SMALL}
q = queue.Queue(${maxsize})
sums = []
acc = [0]
def check():
    assert sums == [N * (N - 1) // 2] * ROUNDS, sums`,
    "            q.put(i)",
    `            acc[0] += item
            if i == N - 1:
                sums.append(acc[0]); acc[0] = 0`,
    "N / dt",
  );
}

/** The queue cases. */
export const cases: BenchCase[] = [
  {
    rounds: 3,
    name: "Queue, 1 producer → 1 consumer thread, 200k small ints, unbounded",
    unit: "items/s",
    better: "higher",
    goal: 2,
    python: pythonSmall(0),
    pyconc: () => smallItems(0),
  },
  {
    rounds: 3,
    name: "Queue, 1 producer → 1 consumer thread, 200k small ints, maxsize 64",
    unit: "items/s",
    better: "higher",
    goal: 2,
    python: pythonSmall(64),
    pyconc: () => smallItems(64),
  },
  {
    rounds: 3,
    name: "Queue, 1 producer → 1 consumer thread, 1 MiB buffers",
    unit: "MB/s",
    better: "higher",
    goal: 1,
    python: pythonRounds(
      `N = ${BIG}
SIZE = ${MIB}
q = queue.Queue()
template = bytearray(b"\\x07" * SIZE)
seen = [0]
def check():
    assert seen[0] == N * ROUNDS, seen`,
      `            b = bytearray(template)
            b[0] = i & 0xff
            q.put(b)`,
      `            if item[0] == i & 0xff and item[-1] == 7:
                seen[0] += 1`,
      "N * SIZE / 1e6 / dt",
    ),
    pyconc: bigItems,
  },
  {
    rounds: 3,
    // Named when the row is printed: with what a page fault cost then.
    get name() {
      return `floor of the 1 MiB row: one thread making fresh 1 MiB arrays, each copied from shared memory (CPython: bytearray of an mmap); a page fault took ${
        pageFaultMicros().toFixed(1)
      } µs, load avg ${Deno.loadavg()[0]!.toFixed(1)}`;
    },
    unit: "MB/s",
    better: "higher",
    python: `
import mmap, threading, time, statistics
N, SIZE, ROUNDS = ${BIG}, ${MIB}, ${ROUNDS}
m = mmap.mmap(-1, SIZE)
m.write(b"\\x07" * SIZE)
times, seen = [], [0]
def run():
    for r in range(ROUNDS):
        t0 = time.perf_counter()
        for i in range(N):
            item = bytearray(m)
            if item[-1] == 7:
                seen[0] += 1
        times.append(time.perf_counter() - t0)
t = threading.Thread(target=run)
t.start(); t.join()
m.close()
assert seen[0] == N * ROUNDS, seen
print(N * SIZE / 1e6 / statistics.median(times))`,
    pyconc: freshArrays,
  },
];
