// A program that only blocks (resultSync) ends once its work is done: the
// completion port stops listening when nothing is in flight.
import { ThreadPoolExecutor } from "../../../concurrent_futures/mod.ts";

const t = new ThreadPoolExecutor(2);
const f = t.submit((x: number) => {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
  return x + 1;
}, 1);
await new Promise((r) => setTimeout(r, 0)); // the port's listener is waiting
console.log(f.resultSync());
