/**
 * Python's exit rule on the main thread: the process lives while a
 * non-daemon thread is alive; daemon threads do not hold it.
 *
 * Every Worker is unref'ed, so by itself none keeps the process alive. While
 * the registry counts live non-daemon threads, the main thread holds a timer
 * (which keeps Deno's event loop open) and watches the count with
 * `Atomics.waitAsync`; when it drops to zero, pending thread exceptions are
 * reported and the timer is released, so the program ends as Python's does
 * after `threading._shutdown()` joined its threads.
 *
 * @module
 */

import { holdEventLoop } from "../sync/words.ts";
import { Registry } from "./registry.ts";

let release: (() => void) | undefined;
let beforeExit: () => void = () => {};

/** Sets what runs before the hold is released (reporting exceptions). */
export function setBeforeRelease(fn: () => void): void {
  beforeExit = fn;
}

/** Holds the process open while non-daemon threads live (main thread only). */
export function holdWhileThreadsLive(): void {
  if (release !== undefined) return;
  release = holdEventLoop();
  void watch();
}

async function watch(): Promise<void> {
  const reg = Registry.get();
  const words = reg.words;
  const i = Registry.NON_DAEMON;
  for (;;) {
    const n = words.load(i);
    if (n === 0) {
      beforeExit();
      if (words.load(i) === 0) break;
      continue;
    }
    await words.waitAsync(i, n, Infinity);
  }
  release?.();
  release = undefined;
}
