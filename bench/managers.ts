/**
 * Manager benchmarks beside CPython 3.11: `d[k] = v` and `d[k]` through a
 * `Manager().dict()` proxy (one blocking round trip each, Sync and async
 * forms), many async calls in flight at once (pyconc only), and manager
 * start-up (back to back, on a warm spare, cold; beside the back-to-back
 * row, its floor: a bare runtime's start against CPython's fork).
 *
 * @module
 */

import { Manager } from "../multiprocessing/mod.ts";
import { type BenchCase, median, pyMedianMs } from "./_harness.ts";
import { spareReady, useSpares } from "../_internal/process/launch.ts";
import { bareRuntimeStart } from "./multiprocessing.ts";

const OPS = 20_000;
/**
 * Untimed calls first, the same on both sides: V8 optimises the client's
 * path after a few thousand calls (the first of four rows in one program
 * ran at 33–36k ops/s after 1,000 warm-up calls, later rows 41–47k; after
 * 5,000: 43k first), and the rows time the steady state.
 */
const WARM_OPS = 5_000;
const STARTS = 5;

const PY_DICT = (op: "set" | "get") => `
import multiprocessing as mp, time
if __name__ == "__main__":
    with mp.Manager() as m:
        d = m.dict()
        d["k"] = 0
        for i in range(${WARM_OPS}): d["k"] = i
        t0 = time.perf_counter()
        for i in range(${OPS}):
            ${op === "set" ? 'd["k"] = i' : 'd["k"]'}
        print(${OPS} / (time.perf_counter() - t0))`;

/**
 * Starting a manager takes a spare process and boots the next one in the
 * background (≈ 200 ms of CPU): let it finish before timing, so its boot
 * does not share the 2 cores with the round trips (no such process runs
 * beside CPython's; the start-up rows below time starts themselves).
 */
async function quietManager() {
  const m = await Manager();
  await spareReady();
  return m;
}

async function dictOps(op: "set" | "get", sync: boolean): Promise<number> {
  await using m = await quietManager();
  const d = await m.dict<string, number>();
  await d.setItem("k", 0);
  for (let i = 0; i < WARM_OPS; i++) d.setItemSync("k", i); // warm the path
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
  await using m = await quietManager();
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

/**
 * Median `Manager()` start-up (ms), the server shut down after each:
 * - "back to back": each start right after the previous shutdown (the
 *   spare child started by the previous start may still be booting);
 * - "warm": each start on a spare that is ready (as the Process warm-start
 *   rows of bench/multiprocessing.ts; untimed wait);
 * - "cold": no spare at all (every start spawns `deno`).
 */
async function startup(
  mode: "back to back" | "warm" | "cold",
): Promise<number> {
  if (mode === "cold") useSpares(false);
  try {
    // One untimed start: the spares that follow load the server ahead.
    await (await Manager()).shutdown();
    const times: number[] = [];
    for (let i = 0; i < STARTS; i++) {
      if (mode === "warm" && !(await spareReady())) {
        throw new Error("no spare process");
      }
      const t0 = performance.now();
      const m = await Manager();
      times.push(performance.now() - t0);
      await m.shutdown();
    }
    return median(times);
  } finally {
    if (mode === "cold") useSpares(true);
  }
}

/** CPython's side of the start-up rows (`method`: its start method). */
const PY_STARTUP = (method: "fork" | "spawn") => `
import multiprocessing as mp, time, statistics
if __name__ == "__main__":
    ctx = mp.get_context("${method}")
    ctx.Manager().shutdown()
    xs = []
    for i in range(${STARTS}):
        t0 = time.perf_counter()
        m = ctx.Manager()
        xs.append((time.perf_counter() - t0) * 1000)
        m.shutdown()
    print(statistics.median(xs))`;

/** The managers cases. */
export const cases: BenchCase[] = [
  {
    rounds: 3,
    name: "Manager().dict() d[k] = v, Sync",
    unit: "ops/s",
    better: "higher",
    goal: 2,
    python: PY_DICT("set"),
    pyconc: () => dictOps("set", true),
  },
  {
    rounds: 3,
    name: "Manager().dict() d[k], Sync",
    unit: "ops/s",
    better: "higher",
    goal: 2,
    python: PY_DICT("get"),
    pyconc: () => dictOps("get", true),
  },
  {
    rounds: 3,
    name: "Manager().dict() d[k] = v, async",
    unit: "ops/s",
    better: "higher",
    goal: 2,
    python: PY_DICT("set"),
    pyconc: () => dictOps("set", false),
  },
  {
    rounds: 3,
    name: "Manager().dict() d[k], async",
    unit: "ops/s",
    better: "higher",
    goal: 2,
    python: PY_DICT("get"),
    pyconc: () => dictOps("get", false),
  },
  {
    rounds: 3,
    name:
      "Manager().dict() d[k] = v, 16 async calls in flight (CPython: one at a time)",
    unit: "ops/s",
    better: "higher",
    python: PY_DICT("set"),
    pyconc: inFlight,
  },
  {
    name: "Manager() start-up, back to back (CPython: fork)",
    unit: "ms",
    better: "lower",
    goal: 1,
    python: PY_STARTUP("fork"),
    pyconc: () => startup("back to back"),
  },
  {
    // Back to back, each start takes the spare the previous one had
    // spawned, still booting: the floor is a runtime's start, which
    // CPython's fork does not pay.
    name:
      "floor: bare runtime start+exit, `deno run` of an empty module (CPython: fork+exit)",
    unit: "ms",
    better: "lower",
    python: pyMedianMs(
      STARTS,
      "os",
      `pid = os.fork()
      if pid == 0: os._exit(0)
      os.waitpid(pid, 0)`,
    ),
    pyconc: bareRuntimeStart,
  },
  {
    name: "Manager() start-up, warm spare (CPython: fork)",
    unit: "ms",
    better: "lower",
    goal: 1,
    python: PY_STARTUP("fork"),
    pyconc: () => startup("warm"),
  },
  {
    rounds: 3,
    name: "Manager() start-up, cold (CPython: spawn)",
    unit: "ms",
    better: "lower",
    goal: 1,
    python: PY_STARTUP("spawn"),
    pyconc: () => startup("cold"),
  },
];
