// A program that uses a ProcessPoolExecutor and a Pool and ends without
// shutting either down: it must end, and its workers with it.
import { ProcessPoolExecutor } from "../../../concurrent_futures/mod.ts";
import { Pool } from "../../../multiprocessing/mod.ts";

const executor = new ProcessPoolExecutor({ maxWorkers: 2 });
const pool = new Pool(2);
const sq = (x: number) => x * x;
const a = await Promise.all([1, 2, 3].map((x) => executor.submit(sq, x)));
const b = pool.mapSync(sq, [1, 2, 3]);
const pids = new Set<number>();
for (const p of pool.mapSync(() => Deno.pid, [1, 2, 3, 4], 1)) pids.add(p);
pids.add(await executor.submit(() => Deno.pid));
console.log(`results ${a} ${b}`);
console.log([...pids].join(" "));
// Work still in flight at the end is finished first.
executor.submit(sq, 4);
