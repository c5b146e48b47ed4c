// A worker that runs out of memory breaks the pool; the program goes on.
// Argument "sync": the main thread blocks in resultSync() meanwhile.
import { setWorkerHeapLimitMb } from "../../../_internal/threads/spawn.ts";
import {
  BrokenThreadPool,
  ThreadPoolExecutor,
} from "../../../concurrent_futures/mod.ts";

setWorkerHeapLimitMb(64); // small, so that the test is quick
const pool = new ThreadPoolExecutor(2);
const hog = () => {
  const keep: number[][] = [];
  for (;;) keep.push(new Array(100_000).fill(1.5));
};
const f = pool.submit(hog);
let err: unknown;
try {
  if (Deno.args[0] === "sync") f.resultSync(60);
  else await f.result(60);
} catch (e) {
  err = e;
}
console.log(err instanceof BrokenThreadPool ? "broken" : `unexpected: ${err}`);
try {
  pool.submit((x: number) => x, 1);
  console.log("submitted");
} catch (e) {
  console.log(
    e instanceof BrokenThreadPool ? "submit broken" : `unexpected: ${e}`,
  );
}
await pool.shutdown();
console.log("done");
