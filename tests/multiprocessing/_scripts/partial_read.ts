// A program that may not read the library's files (`--allow-read=/tmp`):
// its children still receive the classes of shared objects, in their
// arguments and in queue items.
import { Lock, Process, Queue, Value } from "../../../multiprocessing/mod.ts";

const q = new Queue<unknown>();
const back = new Queue<unknown>();
const v = new Value("i", 0);
const p = new Process({
  target: (q: Queue<unknown>, back: Queue<unknown>, v: Value<"i">) => {
    const lock = q.getSync() as Lock;
    lock.acquireSync();
    lock.release();
    v.value = 5;
    back.putSync(lock.constructor.name);
  },
  args: [q, back, v],
});
p.start();
q.putSync(new Lock());
console.log(await back.get(true, 60), v.value); // Empty if the child failed
await p.join();
console.log(p.exitcode);
