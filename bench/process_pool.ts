/**
 * Process pool benchmarks beside CPython 3.11: ProcessPoolExecutor.map
 * throughput (chunksize 1 and 256), CPU-bound speedup on 2 workers, and a
 * new 2-worker Pool's first result, cold and with the spare child the
 * library keeps booted (CPython: `spawn` and `fork`).
 *
 * @module
 */

import { ProcessPoolExecutor } from "../concurrent_futures/mod.ts";
import { Barrier, Pool } from "../multiprocessing/mod.ts";
import { spareReady, useSpares } from "../_internal/process/launch.ts";
import { type BenchCase, median } from "./_harness.ts";

const ITEMS = 20_000;
const CPU_TASKS = 8;
const CPU_N = 4_000_000;
const STARTS = 5;

const trivial = (x: number) => x;

/** The same pure computation in both runtimes (integer arithmetic). */
const work = (n: number) => {
  let x = 0;
  for (let i = 0; i < n; i++) x = (x + i * i) % 1000003;
  return x;
};

/**
 * Returns once both workers of a new 2-worker pool run. The second worker
 * starts (cold) at the second submit, and two trivial submits may both run
 * on the first: its boot (≈ 20 ms of CPU, far more on a loaded machine)
 * would fall into the first measured round. CPython's fork-based pool
 * starts both workers at the first submit (≈ 2 ms each).
 */
async function bothRunning(pool: ProcessPoolExecutor): Promise<void> {
  const meet = new Barrier(3);
  const arrive = (b: Barrier) => {
    b.waitSync();
  };
  const both = [pool.submit(arrive, meet), pool.submit(arrive, meet)];
  await meet.wait();
  await Promise.all(both);
}

/**
 * `map` of a trivial function over 20k items on 2 workers; items/s, best
 * of 5. The blocking form, as CPython's `map` iterator blocks.
 */
function mapThroughput(chunksize: number): () => Promise<number> {
  return async () => {
    await using pool = new ProcessPoolExecutor(2);
    await bothRunning(pool);
    const items = [...Array(ITEMS).keys()];
    let best = 0;
    for (let r = 0; r < 5; r++) {
      const t0 = performance.now();
      let n = 0;
      for (const _ of pool.mapSync(trivial, items, { chunksize })) n++;
      if (n !== ITEMS) throw new Error(`missing results: ${n}`);
      best = Math.max(best, ITEMS / ((performance.now() - t0) / 1000));
    }
    return best;
  };
}

/** 8 CPU-bound calls: map on 2 workers vs one after another; × serial. */
async function cpuSpeedup(): Promise<number> {
  await using pool = new ProcessPoolExecutor(2);
  await bothRunning(pool);
  await Promise.all([pool.submit(work, 1000), pool.submit(work, 1000)]);
  let best = 0;
  for (let r = 0; r < 2; r++) {
    let t0 = performance.now();
    for (let i = 0; i < CPU_TASKS; i++) await pool.submit(work, CPU_N);
    const serial = performance.now() - t0;
    t0 = performance.now();
    let n = 0;
    for await (const _ of pool.map(work, Array(CPU_TASKS).fill(CPU_N))) n++;
    if (n !== CPU_TASKS) throw new Error("missing results");
    best = Math.max(best, serial / (performance.now() - t0));
  }
  return best;
}

/**
 * The floor of the speedup row: the same 8 calls on 2 bare Workers (no
 * pool, no codec, no shared heap) vs one after another, best of 2. On a
 * machine others load, this is what 2 workers can get at all; the pool's
 * figure is measured beside it.
 */
async function cpuFloor(): Promise<number> {
  const source = `const work = ${work.toString()};
    onmessage = (e) => postMessage(work(e.data));`;
  const url = `data:application/javascript,${encodeURIComponent(source)}`;
  const workers = [0, 1].map(() => new Worker(url, { type: "module" }));
  const call = (w: Worker, n: number) =>
    new Promise<number>((resolve) => {
      w.onmessage = (e) => resolve(e.data);
      w.postMessage(n);
    });
  try {
    await Promise.all(workers.map((w) => call(w, 1000)));
    let best = 0;
    for (let r = 0; r < 2; r++) {
      let t0 = performance.now();
      for (let i = 0; i < CPU_TASKS; i++) await call(workers[i % 2]!, CPU_N);
      const serial = performance.now() - t0;
      t0 = performance.now();
      await Promise.all(workers.map(async (w) => {
        for (let i = 0; i < CPU_TASKS / 2; i++) await call(w, CPU_N);
      }));
      best = Math.max(best, serial / (performance.now() - t0));
    }
    return best;
  } finally {
    for (const w of workers) w.terminate();
  }
}

/** Median ms from `new Pool(2)` to its first trivial result. */
async function poolStart(warm: boolean): Promise<number> {
  useSpares(warm);
  try {
    const times: number[] = [];
    for (let i = 0; i < STARTS + 1; i++) {
      if (warm && !(await spareReady())) throw new Error("no spare process");
      const t0 = performance.now();
      const pool = new Pool(2);
      pool.applySync(trivial, [1]);
      if (i >= 1) times.push(performance.now() - t0); // the first loads modules
      pool.terminate();
      await pool.join();
    }
    return median(times);
  } finally {
    useSpares(true);
  }
}

const PY_WORK = `
def work(n):
    x = 0
    for i in range(n):
        x = (x + i * i) % 1000003
    return x
`;

function pyStart(method: string): string {
  return `
import multiprocessing as mp, time, statistics
if __name__ == "__main__":
    ctx = mp.get_context("${method}")
    xs = []
    for i in range(${STARTS + 1}):
        t0 = time.perf_counter()
        pool = ctx.Pool(2)
        pool.apply(int, (1,))
        if i >= 1: xs.append((time.perf_counter() - t0) * 1000)
        pool.terminate(); pool.join()
    print(statistics.median(xs))`;
}

/** The process pool cases. */
export const cases: BenchCase[] = [
  ...[[1, 5], [256, 1]].map(([chunksize, goal]): BenchCase => ({
    name: `ProcessPoolExecutor(2).map, ${
      ITEMS / 1000
    }k trivial items, chunksize ${chunksize}`,
    unit: "items/s",
    better: "higher",
    goal: goal!,
    python: `
import time
from concurrent.futures import ProcessPoolExecutor
def trivial(x): return x
if __name__ == "__main__":
    best = 0
    with ProcessPoolExecutor(2) as ex:
        list(ex.map(trivial, range(2)))
        for _ in range(5):
            t = time.perf_counter()
            n = sum(1 for _ in ex.map(trivial, range(${ITEMS}), chunksize=${chunksize}))
            assert n == ${ITEMS}
            best = max(best, ${ITEMS} / (time.perf_counter() - t))
    print(best)`,
    pyconc: mapThroughput(chunksize!),
  })),
  {
    name:
      `ProcessPoolExecutor(2): ${CPU_TASKS} CPU-bound calls vs serial (limit: ≥ 1.8×)`,
    unit: "× serial",
    better: "higher",
    limit: 1.8,
    python: `
import time
from concurrent.futures import ProcessPoolExecutor
${PY_WORK}
if __name__ == "__main__":
    N = ${CPU_N / 20}
    best = 0
    with ProcessPoolExecutor(2) as ex:
        list(ex.map(work, [1000, 1000]))
        for _ in range(2):
            t = time.perf_counter()
            for _ in range(${CPU_TASKS}): ex.submit(work, N).result()
            serial = time.perf_counter() - t
            t = time.perf_counter()
            list(ex.map(work, [N] * ${CPU_TASKS}))
            best = max(best, serial / (time.perf_counter() - t))
    print(best)`,
    pyconc: cpuSpeedup,
  },
  {
    name:
      `floor: ${CPU_TASKS} CPU-bound calls on 2 bare Workers / forked processes vs serial`,
    unit: "× serial",
    better: "higher",
    limit: 1.8,
    python: `
import os, time
${PY_WORK}
if __name__ == "__main__":
    N = ${CPU_N / 20}
    best = 0
    for _ in range(2):
        t = time.perf_counter()
        for _ in range(${CPU_TASKS}): work(N)
        serial = time.perf_counter() - t
        t = time.perf_counter()
        pids = []
        for _ in range(2):
            pid = os.fork()
            if pid == 0:
                for _ in range(${CPU_TASKS / 2}): work(N)
                os._exit(0)
            pids.append(pid)
        for pid in pids: os.waitpid(pid, 0)
        best = max(best, serial / (time.perf_counter() - t))
    print(best)`,
    pyconc: cpuFloor,
  },
  {
    rounds: 3,
    name: "new Pool(2) to its first result, cold (CPython: spawn)",
    unit: "ms",
    better: "lower",
    goal: 1,
    python: pyStart("spawn"),
    pyconc: () => poolStart(false),
  },
  {
    name: "new Pool(2) to its first result, warm spare (CPython: fork)",
    unit: "ms",
    better: "lower",
    goal: 1,
    python: pyStart("fork"),
    pyconc: () => poolStart(true),
  },
];
