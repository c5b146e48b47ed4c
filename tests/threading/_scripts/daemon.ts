// A daemon thread does not keep the process alive.
import { Event, Thread } from "../../../threading/mod.ts";

const t = new Thread({
  target: (e: Event) => e.waitSync(),
  args: [new Event()],
  daemon: true,
});
t.start();
console.log("main done");
