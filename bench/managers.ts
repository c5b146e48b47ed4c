/**
 * Manager benchmarks beside CPython 3.11: `d[k] = v` and `d[k]` through a
 * `Manager().dict()` proxy (one blocking round trip each, Sync and async
 * forms), many async calls in flight at once (pyconc only), and manager
 * start-up.
 *
 * @module
 */

import { Manager } from "../multiprocessing/mod.ts";
import { type BenchCase, median } from "./_harness.ts";

const OPS = 20_000;
const STARTS = 5;

const PY_DICT = (op: "set" | "get") => `
import multiprocessing as mp, time
if __name__ == "__main__":
    with mp.Manager() as m:
        d = m.dict()
        d["k"] = 0
        for i in range(1000): d["k"] = i
        t0 = time.perf_counter()
        for i in range(${OPS}):
            ${op === "set" ? 'd["k"] = i' : 'd["k"]'}
        print(${OPS} / (time.perf_counter() - t0))`;

async function dictOps(op: "set" | "get", sync: boolean): Promise<number> {
  await using m = await Manager();
  const d = await m.dict<string, number>();
  await d.setItem("k", 0);
  for (let i = 0; i < 1000; i++) d.setItemSync("k", i); // warm the path
  const t0 = performance.now();
  if (sync) {
    if (op === "set") { for (let i = 0; i < OPS; i++) d.setItemSync("k", i); }
    else for (let i = 0; i < OPS; i++) d.getItemSync("k");
  } else {
    if (op === "set") { for (let i = 0; i < OPS; i++) await d.setItem("k", i); }
    else for (let i = 0; i < OPS; i++) await d.getItem("k");
  }
  return OPS / ((performance.now() - t0) / 1000);
}

async function inFlight(): Promise<number> {
  await using m = await Manager();
  const d = await m.dict<string, number>();
  const width = 16;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: width }, async (_, w) => {
      for (let i = w; i < OPS; i += width) await d.setItem("k", i);
    }),
  );
  return OPS / ((performance.now() - t0) / 1000);
}

async function startup(): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < STARTS; i++) {
    const t0 = performance.now();
    const m = await Manager();
    times.push(performance.now() - t0);
    await m.shutdown();
  }
  return median(times);
}

/** The managers cases. */
export const cases: BenchCase[] = [
  {
    name: "Manager().dict() d[k] = v, Sync",
    unit: "ops/s",
    better: "higher",
    goal: 2,
    python: PY_DICT("set"),
    pyconc: () => dictOps("set", true),
  },
  {
    name: "Manager().dict() d[k], Sync",
    unit: "ops/s",
    better: "higher",
    goal: 2,
    python: PY_DICT("get"),
    pyconc: () => dictOps("get", true),
  },
  {
    name: "Manager().dict() d[k] = v, async",
    unit: "ops/s",
    better: "higher",
    goal: 2,
    python: PY_DICT("set"),
    pyconc: () => dictOps("set", false),
  },
  {
    name: "Manager().dict() d[k], async",
    unit: "ops/s",
    better: "higher",
    goal: 2,
    python: PY_DICT("get"),
    pyconc: () => dictOps("get", false),
  },
  {
    name:
      "Manager().dict() d[k] = v, 16 async calls in flight (CPython: one at a time)",
    unit: "ops/s",
    better: "higher",
    python: PY_DICT("set"),
    pyconc: inFlight,
  },
  {
    name: "Manager() start-up",
    unit: "ms",
    better: "lower",
    goal: 1,
    python: `
import multiprocessing as mp, time, statistics
if __name__ == "__main__":
    xs = []
    for i in range(${STARTS}):
        t0 = time.perf_counter()
        m = mp.Manager()
        xs.append((time.perf_counter() - t0) * 1000)
        m.shutdown()
    print(statistics.median(xs))`,
    pyconc: startup,
  },
];
