// test_del_shutdown: a pool dropped without shutdown() is shut down when it
// is collected; its threads end, and the results were all computed.
// Run with --v8-flags=--expose-gc.
import { ThreadPoolExecutor } from "../../../concurrent_futures/mod.ts";
import { enumerate } from "../../../threading/mod.ts";

let executor: ThreadPoolExecutor | undefined = new ThreadPoolExecutor(5);
const res = [
  ...executor.mapSync((x: number) => Math.abs(x), [
    -5,
    -4,
    -3,
    -2,
    -1,
    0,
    1,
    2,
    3,
    4,
  ]),
];
executor = undefined;
const before = enumerate().filter((t) =>
  t.name.startsWith("ThreadPoolExecutor-")
);
for (let i = 0; i < 10; i++) {
  (globalThis as { gc?: () => void }).gc?.();
  await new Promise((r) => setTimeout(r, 10));
}
for (const t of before) await t.join(5);
const left = enumerate().filter((t) =>
  t.name.startsWith("ThreadPoolExecutor-")
);
console.log(before.length > 0, left.length, res.join(","));
