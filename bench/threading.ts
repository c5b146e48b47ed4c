/**
 * threading benchmarks: locks, ping-pong and thread start, beside CPython.
 *
 * @module
 */

import { Barrier, Event, Lock, RLock, Thread } from "../threading/mod.ts";
import { type BenchCase, median } from "./_harness.ts";

const PAIRS = 2_000_000;
const CONTENDED = 1_000_000; // per thread
const ROUNDS = 50_000;
const STARTS = 200;

/** Uncontended Lock acquire+release pairs per second. */
function uncontended(): number {
  const lock = new Lock();
  for (let i = 0; i < 100_000; i++) { // warm up
    lock.acquireSync();
    lock.release();
  }
  const t0 = performance.now();
  for (let i = 0; i < PAIRS; i++) {
    lock.acquireSync();
    lock.release();
  }
  return PAIRS / ((performance.now() - t0) / 1000);
}

/** Two threads increment a shared counter under one Lock. */
async function contended(): Promise<number> {
  const lock = new Lock();
  const counter = new Int32Array(new SharedArrayBuffer(4));
  const start = new Barrier(3);
  const work = (lock: Lock, counter: Int32Array, n: number, start: Barrier) => {
    start.waitSync();
    for (let i = 0; i < n; i++) {
      lock.acquireSync();
      counter[0]! += 1;
      lock.release();
    }
  };
  const threads = [0, 1].map(() =>
    new Thread({ target: work, args: [lock, counter, CONTENDED, start] })
  );
  for (const t of threads) t.start();
  await start.wait();
  const t0 = performance.now();
  for (const t of threads) await t.join();
  const seconds = (performance.now() - t0) / 1000;
  if (counter[0] !== 2 * CONTENDED) {
    throw new Error(`lost updates: ${counter[0]}`);
  }
  return (2 * CONTENDED) / seconds;
}

/** RLock acquired three times and released three times, per second. */
function reentrant(): number {
  const lock = new RLock();
  const n = PAIRS / 4;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    lock.acquireSync();
    lock.acquireSync();
    lock.acquireSync();
    lock.release();
    lock.release();
    lock.release();
  }
  return n / ((performance.now() - t0) / 1000);
}

/** Round trips per second between the main thread and a thread, with two Events. */
async function pingPong(): Promise<number> {
  const ping = new Event(), pong = new Event();
  const t = new Thread({
    target: (ping: Event, pong: Event, n: number) => {
      for (let i = 0; i < n; i++) {
        ping.waitSync();
        ping.clear();
        pong.set();
      }
    },
    args: [ping, pong, ROUNDS],
  });
  t.start();
  const t0 = performance.now();
  for (let i = 0; i < ROUNDS; i++) {
    ping.set();
    pong.waitSync();
    pong.clear();
  }
  const seconds = (performance.now() - t0) / 1000;
  await t.join();
  return ROUNDS / seconds;
}

/** Median start+join latency (ms) with a warm Worker. */
function startJoin(): number {
  const noop = () => {};
  for (let i = 0; i < 20; i++) { // warm the Worker
    const t = new Thread({ target: noop });
    t.start();
    t.joinSync();
  }
  const times: number[] = [];
  for (let i = 0; i < STARTS; i++) {
    const t0 = performance.now();
    const t = new Thread({ target: noop });
    t.start();
    t.joinSync();
    times.push(performance.now() - t0);
  }
  return median(times);
}

/** The threading cases. */
export const cases: BenchCase[] = [
  {
    name: "Lock acquire+release, uncontended",
    unit: "pairs/s",
    better: "higher",
    goal: 1,
    python: `
import threading, time
l = threading.Lock()
N = ${PAIRS}
t = time.perf_counter()
for _ in range(N):
    l.acquire(); l.release()
print(N / (time.perf_counter() - t))`,
    pyconc: uncontended,
  },
  {
    name: "Lock, 2 threads on a shared counter (exact)",
    unit: "ops/s",
    better: "higher",
    goal: 1,
    python: `
import threading, time
N = ${CONTENDED}
lock = threading.Lock()
count = [0]
start = threading.Barrier(3)
def work():
    start.wait()
    for _ in range(N):
        with lock:
            count[0] += 1
ts = [threading.Thread(target=work) for _ in range(2)]
for t in ts: t.start()
start.wait()
t0 = time.perf_counter()
for t in ts: t.join()
dt = time.perf_counter() - t0
assert count[0] == 2 * N
print(2 * N / dt)`,
    pyconc: contended,
  },
  {
    name: "RLock reentrant ×3",
    unit: "cycles/s",
    better: "higher",
    goal: 1,
    python: `
import threading, time
l = threading.RLock()
N = ${PAIRS / 4}
t = time.perf_counter()
for _ in range(N):
    l.acquire(); l.acquire(); l.acquire()
    l.release(); l.release(); l.release()
print(N / (time.perf_counter() - t))`,
    pyconc: reentrant,
  },
  {
    name: "Event ping-pong between two threads",
    unit: "round trips/s",
    better: "higher",
    goal: 2,
    python: `
import threading, time
N = ${ROUNDS}
ping, pong = threading.Event(), threading.Event()
def other():
    for _ in range(N):
        ping.wait(); ping.clear(); pong.set()
t = threading.Thread(target=other); t.start()
t0 = time.perf_counter()
for _ in range(N):
    ping.set(); pong.wait(); pong.clear()
dt = time.perf_counter() - t0
t.join()
print(N / dt)`,
    pyconc: pingPong,
  },
  {
    name: "Thread start+join (median, warm Worker)",
    unit: "ms",
    better: "lower",
    limit: 1,
    python: `
import threading, time, statistics
def f(): pass
for _ in range(20):
    t = threading.Thread(target=f); t.start(); t.join()
xs = []
for _ in range(${STARTS}):
    t0 = time.perf_counter()
    t = threading.Thread(target=f); t.start(); t.join()
    xs.append((time.perf_counter() - t0) * 1000)
print(statistics.median(xs))`,
    pyconc: startJoin,
  },
];
