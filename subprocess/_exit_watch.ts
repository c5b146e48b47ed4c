/**
 * Waits for children to end without blocking the event loop, on SIGCHLD.
 *
 * A `SIGCHLD` listener (Deno's signal driver, on the event loop) checks
 * every pending wait with its non-blocking `waitpid`; that costs no thread
 * and wakes the waiter sooner than a `poll(2)` on a pidfd run on Deno's
 * blocking pool. Signals coalesce, so each one re-checks every waiter, and
 * a wait checks once right after the listener is in place (the child may
 * have ended before). The listener stays once added: binding a signal costs
 * more than a child's whole wait, and a listener neither keeps the event
 * loop alive nor trips Deno's test sanitizers; an interval timer, ref'd
 * only while something waits, keeps the loop alive. Where no listener can
 * be added, waits fall back to polling the pidfd through the reactor.
 *
 * @module
 */

import { pollAsync, POLLIN } from "./_reactor.ts";

interface Watch {
  /** Reaps without blocking; true once the child has ended. */
  ended: () => boolean;
  resolve: (ended: boolean) => void;
  timer: ReturnType<typeof setTimeout> | undefined;
}

const watches = new Set<Watch>();
/** Keeps the event loop alive while anything waits (ref'd only then). */
let hold: number | undefined;
let listening = false;
let signalsWork = true;

function onSigchld(): void {
  for (const w of watches) {
    if (w.ended()) finish(w, true);
  }
}

function finish(w: Watch, ended: boolean): void {
  if (!watches.delete(w)) return;
  if (w.timer !== undefined) clearTimeout(w.timer);
  if (watches.size === 0) Deno.unrefTimer(hold!);
  w.resolve(ended);
}

/**
 * Resolves true once `ended()` is true (it is called after each SIGCHLD),
 * or false after `timeoutMs`.
 *
 * @param ended Reaps the child without blocking; true once it has ended.
 * @param pidfd The child's pidfd, for the fallback without signals.
 * @param timeoutMs How long to wait at most (`Infinity`: no limit).
 */
export async function waitExit(
  ended: () => boolean,
  pidfd: () => number,
  timeoutMs: number,
): Promise<boolean> {
  if (ended()) return true;
  if (timeoutMs <= 0) return false;
  if (!signalsWork) {
    await pollAsync([{ fd: pidfd(), events: POLLIN }], timeoutMs);
    return ended();
  }
  if (!listening) {
    try {
      Deno.addSignalListener("SIGCHLD", onSigchld);
    } catch {
      signalsWork = false;
      return waitExit(ended, pidfd, timeoutMs);
    }
    listening = true;
  }
  if (watches.size === 0) {
    // One interval, ref'd while waits are pending: cheaper than a new timer
    // for each wait.
    hold ??= setInterval(() => {}, 2 ** 31 - 1) as unknown as number;
    Deno.refTimer(hold);
  }
  return new Promise<boolean>((resolve) => {
    const w: Watch = { ended, resolve, timer: undefined };
    watches.add(w);
    if (timeoutMs !== Infinity) {
      w.timer = setTimeout(
        () => finish(w, ended()),
        Math.min(timeoutMs, 2 ** 31 - 1),
      );
    }
    // The child may have ended before the listener was in place.
    if (ended()) finish(w, true);
  });
}
