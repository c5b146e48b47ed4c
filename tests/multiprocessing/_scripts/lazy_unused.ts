// A program that imports the whole multiprocessing module (and so the
// managers) but never makes a proxy: its children must not be told to load
// the managers' client (it cost each Process start 50 ms). Prints what this
// program would hand its children, before and after using a manager.
import { Manager, Process } from "../../../multiprocessing/mod.ts";
import { lazyModulesInUse } from "../../../_internal/lazy.ts";

const before = lazyModulesInUse();
const p = new Process({ target: () => {} });
p.start();
await p.join();
const afterProcess = lazyModulesInUse();
{
  await using m = await Manager();
  await m.dict();
}
console.log(
  JSON.stringify({ before, afterProcess, after: lazyModulesInUse() }),
);
