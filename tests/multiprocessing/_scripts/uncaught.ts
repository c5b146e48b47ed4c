// A child's uncaught error: "Process NAME:" and the stack on stderr, exit code 1.
import { Process } from "../../../multiprocessing/mod.ts";

const p = new Process({
  name: "Failing-1",
  target: () => {
    throw new RangeError("boom");
  },
});
p.start();
await p.join();
console.log("exitcode", p.exitcode);
