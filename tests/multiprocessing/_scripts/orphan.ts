// Prints the pids of a daemon and a non-daemon child (started from the main
// thread, or with argument "thread" from a threading.Thread) once both
// block in a Sync call, then waits to be killed.
import { Event, Process } from "../../../multiprocessing/mod.ts";
import { Thread } from "../../../threading/mod.ts";

export function startBoth(): void {
  const block = (running: Event) => {
    running.set();
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
  };
  const running = [new Event(), new Event()];
  const daemon = new Process({
    target: block,
    args: [running[0]],
    daemon: true,
  });
  const plain = new Process({ target: block, args: [running[1]] });
  daemon.start();
  plain.start();
  for (const e of running) e.waitSync(60);
  console.log(daemon.pid, plain.pid);
}

if (import.meta.main) {
  if (Deno.args[0] === "thread") {
    const t = new Thread({ target: new URL("#startBoth", import.meta.url) });
    t.start();
    await t.join();
  } else {
    startBoth();
  }
  await new Promise(() => setInterval(() => {}, 1 << 30));
}
