/**
 * Barrier actions by module reference, for the managers' Barrier tests:
 * each records the process it ran in (the server) in a global log that
 * `ActionLogManager`'s `log` typeid reads back.
 *
 * @module
 */

import { SyncManager } from "../../../multiprocessing/mod.ts";

/** What a server's actions recorded (in that server process). */
function theLog(): number[] {
  const g = globalThis as { barrierActionLog?: number[] };
  return g.barrierActionLog ??= [];
}

/** Records this process's pid. */
export function record(): void {
  theLog().push(Deno.pid);
}

/** Records, then throws (the barrier breaks). */
export function fail(): never {
  theLog().push(Deno.pid);
  throw new TypeError("the action failed");
}

/** Records after a 100 ms timer (an async action). */
export async function recordLater(): Promise<void> {
  await new Promise((r) => setTimeout(r, 100));
  theLog().push(Deno.pid);
}

/** A SyncManager whose `log` typeid returns its server's action log. */
export class ActionLogManager extends SyncManager {}
ActionLogManager.register("log", () => {
  const g = globalThis as { barrierActionLog?: number[] };
  return [...(g.barrierActionLog ?? [])];
});
