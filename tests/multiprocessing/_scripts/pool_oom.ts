// A pool worker process that runs out of memory (the children inherit
// --v8-flags=--max-old-space-size=64): Pool fails that task and goes on;
// ProcessPoolExecutor breaks. Nothing hangs.
import { Pool, ProcessError } from "../../../multiprocessing/mod.ts";
import {
  BrokenProcessPool,
  ProcessPoolExecutor,
} from "../../../concurrent_futures/mod.ts";

const hog = () => {
  const keep: number[][] = [];
  for (;;) keep.push(new Array(100_000).fill(1.5));
};
const pool = new Pool(1);
try {
  pool.applySync(hog);
  console.log("unexpected: no error");
} catch (e) {
  console.log(
    e instanceof ProcessError ? "pool task failed" : `unexpected: ${e}`,
  );
}
console.log(`pool goes on: ${pool.applySync((x: number) => x * 2, [21])}`);
pool.close();
await pool.join();

const executor = new ProcessPoolExecutor(1);
try {
  await executor.submit(hog);
  console.log("unexpected: no error");
} catch (e) {
  console.log(
    e instanceof BrokenProcessPool ? "executor broken" : `unexpected: ${e}`,
  );
}
await executor.shutdown();
console.log("done");
