/**
 * The demo: Python's concurrency modules doing real parallel work in Deno.
 *
 * `deno task demo` — each section prints one line; the whole run takes a
 * few seconds on two cores.
 *
 * @module
 */

import { Thread } from "../threading/mod.ts";
import { Queue } from "../queue/mod.ts";
import { ThreadPoolExecutor } from "../concurrent_futures/mod.ts";
import * as mp from "../multiprocessing/mod.ts";
import { PIPE, Popen } from "../subprocess/mod.ts";

const cores = navigator.hardwareConcurrency;
console.log(
  `pyconc demo — Python's concurrency modules on Deno (${cores} cores)\n`,
);

/** Milliseconds taken by `fn`. */
async function time(fn: () => unknown): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/** CPU-bound work: the sum of square roots below n (self-contained: it travels by source). */
const work = (out: Float64Array, i: number, n: number) => {
  let s = 0;
  for (let k = 0; k < n; k++) s += Math.sqrt(k);
  out[i] = s;
};

// 1. threading: two CPU-bound threads, against the same work done serially.
{
  const N = 200_000_000;
  const out = new Float64Array(new SharedArrayBuffer(16));
  // Start two Workers first (≈ 20 ms each, once): threads reuse them.
  const warm = [0, 1].map(() => new Thread({ target: () => {} }));
  for (const t of warm) t.start();
  for (const t of warm) await t.join();

  const serial = await time(() => {
    work(out, 0, N);
    work(out, 1, N);
  });
  const parallel = await time(async () => {
    const threads = [0, 1].map((i) =>
      new Thread({ target: work, args: [out, i, N] })
    );
    for (const t of threads) t.start();
    for (const t of threads) await t.join();
  });
  console.log(
    `threading          2 CPU-bound threads: ${
      parallel.toFixed(0)
    } ms, serial ${serial.toFixed(0)} ms → ${
      (serial / parallel).toFixed(2)
    }× (CPython's GIL: ≈ 1×)`,
  );
}

// 2. concurrent_futures: a pool of two threads maps a function over inputs.
{
  const isPrime = (n: number): boolean => {
    if (n < 2) return false;
    for (let d = 2; d * d <= n; d++) if (n % d === 0) return false;
    return true;
  };
  const countPrimes = (from: number, to: number) => {
    let count = 0;
    for (let n = from; n < to; n++) if (isPrime(n)) count++;
    return count;
  };
  // Self-contained, as a target must be: the helper is defined inside.
  const task = (from: number) => {
    const isPrime = (n: number): boolean => {
      if (n < 2) return false;
      for (let d = 2; d * d <= n; d++) if (n % d === 0) return false;
      return true;
    };
    let count = 0;
    for (let n = from; n < from + 250_000; n++) if (isPrime(n)) count++;
    return count;
  };
  const starts = Array.from({ length: 16 }, (_, i) => 10_000_000 + i * 250_000);
  let serialCount = 0;
  const serial = await time(() => {
    for (const s of starts) serialCount += countPrimes(s, s + 250_000);
  });
  await using pool = new ThreadPoolExecutor({ maxWorkers: 2 });
  await pool.submit(() => 0); // start its Workers, as a long-lived pool has them
  await pool.submit(() => 0);
  let poolCount = 0;
  const pooled = await time(async () => {
    for await (const c of pool.map(task, starts)) poolCount += c;
  });
  console.log(
    `concurrent.futures ThreadPoolExecutor(2).map, 16 prime-count tasks: ${
      pooled.toFixed(0)
    } ms, serial ${serial.toFixed(0)} ms → ${
      (serial / pooled).toFixed(2)
    }×, same count: ${poolCount === serialCount}`,
  );
}

// 3. queue: a producer and two consumer threads share one Queue in shared memory.
{
  const ITEMS = 200_000;
  const q = new Queue<number>(1024);
  const totals = new Float64Array(new SharedArrayBuffer(16));
  const consume = (q: Queue<number>, totals: Float64Array, i: number) => {
    let sum = 0;
    for (let v = q.getSync(); v >= 0; v = q.getSync()) sum += v;
    totals[i] = sum;
  };
  const ms = await time(async () => {
    const consumers = [0, 1].map((i) =>
      new Thread({ target: consume, args: [q, totals, i] })
    );
    for (const t of consumers) t.start();
    for (let i = 0; i < ITEMS; i++) q.putSync(i);
    q.putSync(-1);
    q.putSync(-1);
    for (const t of consumers) await t.join();
  });
  const exact = totals[0]! + totals[1]! === (ITEMS * (ITEMS - 1)) / 2;
  console.log(
    `queue              ${
      ITEMS / 1000
    }k items, 1 producer → 2 consumer threads: ${
      (ITEMS / ms * 1000 / 1e6).toFixed(2)
    }M items/s, every item once: ${exact}`,
  );
}

// 4. multiprocessing: two processes increment a shared Value under its lock.
{
  const N = 100_000;
  const counter = new mp.Value("i", 0);
  const bump = (counter: mp.Value<"i">, n: number) => {
    for (let i = 0; i < n; i++) {
      using _ = counter.getLock().holdSync();
      counter.value += 1;
    }
  };
  const ms = await time(async () => {
    const procs = [0, 1].map(() =>
      new mp.Process({ target: bump, args: [counter, N] })
    );
    for (const p of procs) p.start();
    for (const p of procs) await p.join();
  });
  console.log(
    `multiprocessing    2 processes × ${
      N / 1000
    }k locked increments of a Value: ${counter.value} (exact), ${
      ms.toFixed(0)
    } ms with process start`,
  );
}

// 5. subprocess: a pipeline whose bytes never pass through JavaScript.

{
  const ms = await time(async () => {
    await using seq = new Popen(["seq", "1", "1000000"], { stdout: PIPE });
    await using wc = new Popen(["wc", "-l"], {
      stdin: seq.stdout!,
      stdout: PIPE,
      text: true,
    });
    const [out] = await wc.communicate();
    await seq.wait();
    console.log(
      `subprocess         seq 1 1000000 | wc -l → ${
        String(out).trim()
      } lines, pipe child to child`,
    );
  });
  void ms;
}

// 6. multiprocessing.Pool: the seed's recommended way to use processes.
{
  const task = (from: number) => {
    const isPrime = (n: number): boolean => {
      if (n < 2) return false;
      for (let d = 2; d * d <= n; d++) if (n % d === 0) return false;
      return true;
    };
    let count = 0;
    for (let n = from; n < from + 250_000; n++) if (isPrime(n)) count++;
    return count;
  };
  const starts = Array.from({ length: 16 }, (_, i) => 10_000_000 + i * 250_000);
  let serialCount = 0;
  const serial = await time(() => {
    for (const s of starts) serialCount += task(s);
  });
  using pool = new mp.Pool(2); // `with Pool(2) as pool:` (terminates at the end)
  pool.mapSync((x: number) => x, [0, 1], 1); // its workers are up
  let poolCount = 0;
  const pooled = await time(async () => {
    for await (const c of pool.imapUnordered(task, starts)) poolCount += c;
  });
  console.log(
    `multiprocessing    Pool(2).imapUnordered, 16 prime-count tasks: ${
      pooled.toFixed(0)
    } ms, serial ${serial.toFixed(0)} ms → ${
      (serial / pooled).toFixed(2)
    }×, same count: ${poolCount === serialCount}`,
  );
}
