// Prints the pids of a daemon and a non-daemon child, then waits to be killed.
import { Process } from "../../../multiprocessing/mod.ts";

const block = () =>
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
const daemon = new Process({ target: block, daemon: true });
const plain = new Process({ target: block });
daemon.start();
plain.start();
console.log(daemon.pid, plain.pid);
await new Promise(() => setInterval(() => {}, 1 << 30));
