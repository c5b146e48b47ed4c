// At exit, non-daemon children are joined and daemon children terminated.
import { Process } from "../../../multiprocessing/mod.ts";

const daemon = new Process({
  target: () => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0),
  daemon: true,
});
daemon.start();
const plain = new Process({
  target: async () => {
    await new Promise((r) => setTimeout(r, 500)); // outlives the main module
    console.log("child done");
  },
});
plain.start();
console.log("main done");
addEventListener("unload", () => console.log("daemon", daemon.pid));
if (Deno.args[0] === "exit") Deno.exit(3);
