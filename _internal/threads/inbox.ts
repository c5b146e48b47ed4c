/**
 * An agent's inbox: a word in the pool that other threads bump to make this
 * agent look at something (the threads it started ended with an error; the
 * main thread should create a spare Worker).
 *
 * The listener waits with a bare `Atomics.waitAsync`, which does not keep
 * the event loop alive: on the main thread, an idle program still ends.
 *
 * @module
 */

import { Pool } from "./pool.ts";

const listening = new Set<number>();

/**
 * Calls `handler` each time field `field` of this agent's slot is bumped.
 * @param agent This agent's number (its slot; 0 for the main thread).
 * @param field The slot field to watch.
 * @param handler What to do.
 */
export function listen(
  agent: number,
  field: number,
  handler: () => void,
): void {
  const pool = Pool.get();
  const index = pool.at(agent, field);
  if (listening.has(index)) return;
  listening.add(index);
  const i32 = pool.words.i32;
  const loop = (seen: number): void => {
    const r = Atomics.waitAsync(i32, index, seen);
    const next = () => {
      const now = Atomics.load(i32, index);
      try {
        handler();
      } finally {
        loop(now);
      }
    };
    if (r.async) r.value.then(next);
    else queueMicrotask(next);
  };
  loop(Atomics.load(i32, index));
}
