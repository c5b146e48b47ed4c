// Waits 1.5 s on a multiprocessing Event (a futex in the shared heap) while
// V8's CPU profiler interrupts this thread with SIGPROF every millisecond.
import { Event } from "../../multiprocessing/mod.ts";

const ev = new Event();
const t0 = performance.now();
const woken = ev.waitSync(1.5);
console.log(JSON.stringify({ woken, ms: performance.now() - t0 }));
