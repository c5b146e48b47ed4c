/**
 * A child whose target is a function (a module reference): what
 * currentProcess() is there, cold (`cold`) or on a spare; prints the
 * child's report and its exit code. The child renames itself and throws:
 * its error report (on stderr) names it by the new name.
 */
import { Process, Queue } from "../../../multiprocessing/mod.ts";
import { useSpares } from "../../../_internal/process/launch.ts";

if (Deno.args[0] === "cold") useSpares(false);
const q = new Queue<unknown>();
const p = new Process({
  target: new URL("../_fixtures.ts#describeCurrent", import.meta.url),
  args: [q, 7],
  kwargs: { k: "v" },
  name: "Worker-A",
});
p.start();
console.log(JSON.stringify(await q.get()));
await p.join();
console.log(`exitcode ${p.exitcode}`);
