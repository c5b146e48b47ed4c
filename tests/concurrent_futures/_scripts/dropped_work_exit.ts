// Work dropped by shutdown({ cancelFutures }) before any worker took it,
// while the completion port listens: nothing is in flight any more, and the
// program ends.
import { ThreadPoolExecutor } from "../../../concurrent_futures/mod.ts";
import { Event } from "../../../threading/mod.ts";

const gate = new Event();
const t = new ThreadPoolExecutor({
  maxWorkers: 1,
  initializer: (gate: Event) => gate.waitSync(), // holds the only worker
  initargs: [gate],
});
const fs = [1, 2, 3].map((i) => t.submit((x: number) => x, i));
await new Promise((r) => setTimeout(r, 10)); // the port listens now
t.shutdownSync({ wait: false, cancelFutures: true });
gate.set();
console.log(fs.map((f) => f.cancelled()));
