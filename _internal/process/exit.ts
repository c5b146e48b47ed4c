/**
 * What a process does as it ends (Python's `util._exit_function`):
 * terminate its daemonic children, join the others, run the library's exit
 * hooks (closing pipe ends, so that readers elsewhere see end-of-file).
 *
 * In the main process this runs on `unload` (the event loop drained, or
 * `Deno.exit()`), as Python's runs at interpreter exit; a child runs it
 * after its target, then ends with `_exit` (Python's children end with
 * `os._exit` too).
 *
 * @module
 */

import { ChildFlag, ProcessTable } from "./table.ts";
import { isMainThread } from "../sync/main_thread.ts";
import { SIGKILL, signal, SIGTERM } from "./os.ts";

const hooks = new Set<() => void>();
let installed = false;
let ran = false;

/** Adds a hook run once when this process ends normally. */
export function onProcessExit(fn: () => void): void {
  hooks.add(fn);
}

/** Removes a hook. */
export function offProcessExit(fn: () => void): void {
  hooks.delete(fn);
}

/**
 * Terminates the daemonic children (and the spare), then waits for every
 * child to end.
 */
export function shutdownChildren(): void {
  if (!ProcessTable.exists()) return; // this process never started one
  const table = ProcessTable.get();
  const live = table.live();
  try {
    for (const e of live) {
      const flags = table.flags(e);
      if (table.poll(e) !== null) continue;
      if (flags & ChildFlag.SPARE) signal(table.pid(e), SIGKILL);
      else if (flags & ChildFlag.DAEMON) signal(table.pid(e), SIGTERM);
    }
    for (const e of live) table.waitSync(e, Infinity, true);
  } finally {
    for (const e of live) table.release(e);
  }
}

/** Runs the exit procedure once. */
export function runExitProcedure(): void {
  if (ran) return;
  ran = true;
  shutdownChildren();
  for (const fn of hooks) {
    try {
      fn();
    } catch { /* an exit hook must not stop the others */ }
  }
}

/** Makes the main thread run the exit procedure on `unload` (once). */
export function installExitProcedure(): void {
  if (installed) return;
  installed = true;
  globalThis.addEventListener("unload", runExitProcedure);
}

// On the main thread at once: a child started by a Worker thread is joined
// (or terminated) at exit too, as Python joins every child of the process.
if (isMainThread) installExitProcedure();
