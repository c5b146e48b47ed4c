/**
 * Targets that the distributed tests send by module reference; worker
 * hosts import this file. Synchronisation goes through distributed Queues
 * (the library's own primitive), never through sleeps.
 *
 * @module
 */

import { Queue } from "../../distributed/mod.ts";
import { ValueError } from "../../_internal/errors.ts";

/** Multiplies. */
export function mul(x: number, y: number): number {
  return x * y;
}

/** Throws the library's ValueError, from a named frame. */
export function failingTask(message: string): never {
  throw new ValueError(message);
}

/**
 * Puts this host's pid on queue `started`, then waits for an item on queue
 * `go`; returns the pid of the host that ran it.
 */
export async function announceThenWait(
  url: string,
  started: string,
  go: string,
): Promise<number> {
  const s = new Queue<number>(started, { url });
  const g = new Queue<unknown>(go, { url });
  try {
    await s.put(Deno.pid);
    await g.get();
    return Deno.pid;
  } finally {
    await s.close();
    await g.close();
  }
}

/** Kills the worker host that runs it (a crash mid-task). */
export function killHost(): never {
  Deno.kill(Deno.pid, "SIGKILL");
  throw new Error("unreachable");
}
