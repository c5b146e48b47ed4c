/**
 * The demo: real parallel work with Python's threading API.
 *
 * @module
 */

import { Thread } from "../threading/mod.ts";

const N = 300_000_000;
const work = (out: Float64Array, i: number, n: number) => {
  let s = 0;
  for (let k = 0; k < n; k++) s += Math.sqrt(k);
  out[i] = s;
};

const out = new Float64Array(new SharedArrayBuffer(16));
let t0 = performance.now();
work(out, 0, N);
work(out, 1, N);
const serial = performance.now() - t0;

t0 = performance.now();
const threads = [0, 1].map((i) =>
  new Thread({ target: work, args: [out, i, N] })
);
for (const t of threads) t.start();
for (const t of threads) await t.join();
const parallel = performance.now() - t0;
console.log(
  `two CPU-bound jobs: serial ${serial.toFixed(0)} ms, two threads ${
    parallel.toFixed(0)
  } ms (${(serial / parallel).toFixed(2)}× faster)`,
);
