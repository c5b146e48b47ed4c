// The examples of Python's concurrent.futures documentation, run with a
// ThreadPoolExecutor: Executor.submit (pow), the ThreadPoolExecutor example
// (load_url with as_completed) and the ProcessPoolExecutor example (is_prime
// with Executor.map).
import assert from "node:assert/strict";
import {
  asCompleted,
  asCompletedSync,
  type Future,
  ThreadPoolExecutor,
} from "../../concurrent_futures/mod.ts";
import { threadTest } from "../_helpers.ts";

threadTest(
  "Python's example: submit(pow, 323, 1235) on a one-thread pool",
  async () => {
    await using executor = new ThreadPoolExecutor({ maxWorkers: 1 });
    const future = executor.submit(
      (a: bigint, b: bigint) => a ** b,
      323n,
      1235n,
    );
    const result = await future.result();
    assert.equal(result, 323n ** 1235n);
    assert.equal(String(result).length, 3099); // as len(str(pow(323, 1235)))
    assert.ok(String(result).startsWith("73301874197116625252"));
  },
);

threadTest(
  "Python's ThreadPoolExecutor example: load_url with asCompleted",
  async () => {
    // A local server instead of the web; one URL that nobody serves.
    const pages = new Map([["/a", "a".repeat(100)], ["/b", "b".repeat(2000)], [
      "/c",
      "c".repeat(30),
    ]]);
    await using server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen() {} },
      (req) =>
        new Response(pages.get(new URL(req.url).pathname) ?? "", {
          status: pages.has(new URL(req.url).pathname) ? 200 : 404,
        }),
    );
    const closed = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const deadPort = closed.addr.port;
    closed.close();
    const base = `http://127.0.0.1:${server.addr.port}`;
    const URLS = [...pages.keys()].map((p) => base + p);
    URLS.push(`http://127.0.0.1:${deadPort}/`);

    // Retrieve a single page and report the URL and contents.
    const loadUrl = async (url: string, timeout: number) => {
      const r = await fetch(url, {
        signal: AbortSignal.timeout(timeout * 1000),
      });
      return new Uint8Array(await r.arrayBuffer());
    };

    const report: string[] = [];
    {
      await using executor = new ThreadPoolExecutor({ maxWorkers: 5 });
      // Start the load operations and mark each future with its URL.
      const futureToUrl = new Map<Future<Uint8Array>, string>(
        URLS.map((url) => [executor.submit(loadUrl, url, 60), url]),
      );
      for await (const item of asCompleted(futureToUrl.keys())) {
        const future = item as unknown as Future<Uint8Array>;
        const url = futureToUrl.get(future)!;
        try {
          const data = await future.result();
          report.push(`${url} page is ${data.length} bytes`);
        } catch (exc) {
          report.push(`${url} generated an exception: ${(exc as Error).name}`);
        }
      }
    }
    assert.deepEqual(
      report.sort(),
      [
        `${base}/a page is 100 bytes`,
        `${base}/b page is 2000 bytes`,
        `${base}/c page is 30 bytes`,
        `http://127.0.0.1:${deadPort}/ generated an exception: TypeError`,
      ].sort(),
    );
  },
);

threadTest(
  "Python's ProcessPoolExecutor example (is_prime with map), on threads",
  async () => {
    const PRIMES = [
      112272535095293,
      112582705942171,
      112272535095291,
      115280095190773,
      115797848077099,
      1099726899285419,
    ];
    const isPrime = (n: number) => {
      if (n < 2) return false;
      if (n === 2) return true;
      if (n % 2 === 0) return false;
      const sqrtN = Math.floor(Math.sqrt(n));
      for (let i = 3; i <= sqrtN; i += 2) if (n % i === 0) return false;
      return true;
    };
    const lines: string[] = [];
    {
      await using executor = new ThreadPoolExecutor();
      let i = 0;
      for await (const prime of executor.map(isPrime, PRIMES)) {
        lines.push(`${PRIMES[i++]} is prime: ${prime}`);
      }
    }
    assert.deepEqual(lines, [
      "112272535095293 is prime: true",
      "112582705942171 is prime: true",
      "112272535095291 is prime: false",
      "115280095190773 is prime: true",
      "115797848077099 is prime: true",
      "1099726899285419 is prime: false",
    ]);
    // The same with the Sync forms.
    using executor = new ThreadPoolExecutor();
    assert.deepEqual(
      [...executor.mapSync(isPrime, PRIMES, { chunksize: 2 })],
      [true, true, false, true, true, false],
    );
    const fs = PRIMES.map((p) => executor.submit(isPrime, p));
    let primes = 0;
    for (const f of asCompletedSync(fs)) if (f.resultSync()) primes++;
    assert.equal(primes, 4);
  },
);
