// A non-daemon thread keeps the process alive after the main module ends.
import { Event, Thread } from "../../../threading/mod.ts";

const t = new Thread({
  target: (e: Event) => {
    e.waitSync(0.3); // outlives the main module
    console.log("thread done");
  },
  args: [new Event()],
});
t.start();
console.log("main done");
