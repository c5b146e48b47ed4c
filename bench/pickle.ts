/**
 * pickle benchmarks: `dumps` + `loads` of a small manager-style request
 * (what `multiprocessing.managers` sends for every proxy call) and of a
 * larger mixed payload, beside CPython's C pickle (`_pickle`), protocol 4.
 *
 * Each side times rounds of N calls and reports the fastest round (the
 * machine is shared: the fastest round is the least disturbed one), in
 * microseconds per call.
 *
 * @module
 */

import { dumps, loads, tuple } from "../pickle/mod.ts";
import type { BenchCase } from "./_harness.ts";

const ROUNDS = 9;

/** The fastest of ROUNDS rounds of `n` calls of `fn`, in µs per call. */
function fastest(n: number, fn: () => unknown): number {
  for (let i = 0; i < n; i++) fn(); // warm up (JIT)
  let best = Infinity;
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) fn();
    best = Math.min(best, (performance.now() - t0) * 1000 / n);
  }
  return best;
}

function python(setup: string, stmt: string, n: number): string {
  return `
import pickle, timeit
${setup}
t = min(timeit.repeat(${
    JSON.stringify(stmt)
  }, globals=globals(), number=${n}, repeat=${ROUNDS}))
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
];
