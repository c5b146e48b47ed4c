/**
 * pickle benchmarks: `dumps` + `loads` of a small manager-style request
 * (what `multiprocessing.managers` sends for every proxy call), of a
 * larger mixed payload and of a 1,000-item list of dicts, each also
 * `dumps` alone and `loads` alone (which side is slow), beside CPython's
 * C pickle (`_pickle`), protocol 4.
 *
 * Each side times rounds of N calls in process CPU time (user + system,
 * every thread: V8's GC and compiler threads count) and reports the
 * fastest round, in microseconds per call. CPU time rather than wall time,
 * and the fastest round, because the machine is shared: a round that lost
 * the CPU to another process would otherwise measure that process.
 *
 * @module
 */

import process from "node:process";
import { dumps, loads, tuple } from "../pickle/mod.ts";
import type { BenchCase } from "./_harness.ts";

const ROUNDS = 9;

/** Process CPU time in µs. */
function cpu(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

/** The fastest of ROUNDS rounds of `n` calls of `fn`, in CPU µs per call. */
function fastest(n: number, fn: () => unknown): number {
  for (let i = 0; i < n; i++) fn(); // warm up (JIT)
  let best = Infinity;
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = cpu();
    for (let i = 0; i < n; i++) fn();
    best = Math.min(best, (cpu() - t0) / n);
  }
  return best;
}

function python(setup: string, stmt: string, n: number): string {
  const code = JSON.stringify(stmt);
  return `
import pickle, time, timeit
${setup}
t = min(timeit.repeat(${code}, globals=globals(), number=${n},
                      repeat=${ROUNDS}, timer=time.process_time))
print(t / ${n} * 1e6)
`;
}

const REQUEST_PY = "obj = (None, 'dummy', (1, 'x'), {})";
const request = tuple(null, "dummy", tuple(1, "x"), {});

const MIXED_PY =
  `obj = {"id": 12345, "name": "worker-7", "ok": True, "ratio": 0.75,
       "tags": ["a", "b", "c"], "pos": (1, 2, 3), "blob": b"x" * 64,
       "rows": [{"k": i, "v": str(i)} for i in range(20)]}`;
const mixed = {
  id: 12345,
  name: "worker-7",
  ok: true,
  ratio: 0.75,
  tags: ["a", "b", "c"],
  pos: tuple(1, 2, 3),
  blob: new Uint8Array(64).fill(0x78),
  rows: Array.from({ length: 20 }, (_, i) => ({ k: i, v: String(i) })),
};

// ~50 KB: a thousand memoized keys and names, so the memo outgrows its
// linear scan, and the output its first buffer.
const LARGE_PY =
  `obj = [{"id": i, "name": f"item-{i}", "score": i * 0.5, "tags": ["x", "y"]}
       for i in range(1000)]`;
const large = Array.from({ length: 1000 }, (_, i) => ({
  id: i,
  name: `item-${i}`,
  score: i * 0.5,
  tags: ["x", "y"],
}));

/** The benchmark cases of this group. */
export const cases: BenchCase[] = [
  {
    name: "dumps+loads of a manager request (None, 'dummy', (1, 'x'), {})",
    unit: "µs",
    better: "lower",
    goal: 1,
    python: python(REQUEST_PY, "pickle.loads(pickle.dumps(obj, 4))", 100_000),
    pyconc: () => fastest(100_000, () => loads(dumps(request))),
  },
  {
    name: "dumps of the request",
    unit: "µs",
    better: "lower",
    python: python(REQUEST_PY, "pickle.dumps(obj, 4)", 100_000),
    pyconc: () => fastest(100_000, () => dumps(request)),
  },
  {
    name: "loads of the request",
    unit: "µs",
    better: "lower",
    python: python(
      REQUEST_PY + "\ndata = pickle.dumps(obj, 4)",
      "pickle.loads(data)",
      100_000,
    ),
    pyconc: () => {
      const data = dumps(request).slice();
      return fastest(100_000, () => loads(data));
    },
  },
  {
    name: "dumps+loads of a mixed dict (~1 KB: 20 rows, bytes, tuple)",
    unit: "µs",
    better: "lower",
    python: python(MIXED_PY, "pickle.loads(pickle.dumps(obj, 4))", 10_000),
    pyconc: () => fastest(10_000, () => loads(dumps(mixed))),
  },
  {
    name: "dumps of the mixed dict",
    unit: "µs",
    better: "lower",
    python: python(MIXED_PY, "pickle.dumps(obj, 4)", 10_000),
    pyconc: () => fastest(10_000, () => dumps(mixed)),
  },
  {
    name: "loads of the mixed dict",
    unit: "µs",
    better: "lower",
    python: python(
      MIXED_PY + "\ndata = pickle.dumps(obj, 4)",
      "pickle.loads(data)",
      10_000,
    ),
    pyconc: () => {
      const data = dumps(mixed).slice();
      return fastest(10_000, () => loads(data));
    },
  },
  {
    name: "dumps+loads of 1,000 small dicts (~50 KB)",
    unit: "µs",
    better: "lower",
    python: python(LARGE_PY, "pickle.loads(pickle.dumps(obj, 4))", 200),
    pyconc: () => fastest(200, () => loads(dumps(large))),
  },
  {
    name: "dumps of the 1,000 small dicts",
    unit: "µs",
    better: "lower",
    python: python(LARGE_PY, "pickle.dumps(obj, 4)", 200),
    pyconc: () => fastest(200, () => dumps(large)),
  },
  {
    name: "loads of the 1,000 small dicts",
    unit: "µs",
    better: "lower",
    python: python(
      LARGE_PY + "\ndata = pickle.dumps(obj, 4)",
      "pickle.loads(data)",
      200,
    ),
    pyconc: () => {
      const data = dumps(large).slice();
      return fastest(200, () => loads(data));
    },
  },
];
