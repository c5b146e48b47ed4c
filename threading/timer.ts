import { Registry } from "../_internal/threads/registry.ts";
import type { Target } from "../_internal/threads/targets.ts";
import { targetOf, Thread } from "./thread.ts";
import { Event } from "./event.ts";

/**
 * Python's `threading.Timer`: a {@linkcode Thread} that calls a function
 * after `interval` seconds, unless cancelled first.
 *
 * The function is a target (a self-contained function or a module
 * reference). The waiting happens in the timer's own thread, on an
 * {@linkcode Event} (`finished`), so `cancel()` from any thread stops it.
 *
 * @example Cancelling a timer before it fires
 * ```ts
 * import { Timer } from "@pyconc/std/threading";
 * import assert from "node:assert/strict";
 *
 * const t = new Timer(30, () => console.log("too late"));
 * t.start();
 * t.cancel();
 * await t.join();
 * assert.ok(t.finished.isSet());
 * ```
 */
export class Timer extends Thread {
  /** Seconds to wait before calling the function. */
  interval: number;
  /** Set by `cancel()`, or once the function has run. */
  finished: Event;

  /**
   * Creates a timer; `start()` starts the countdown.
   *
   * @param interval Seconds to wait.
   * @param fn The function to call (a target).
   * @param args Its arguments.
   * @param kwargs Its keyword arguments (a final object argument).
   */
  constructor(
    interval: number,
    fn: Target,
    args: readonly unknown[] | null = null,
    kwargs: Record<string, unknown> | null = null,
  ) {
    // Python's Timer does not pass its function to Thread: the name is plain.
    const name = `Thread-${Registry.get().nextNameNumber()}`;
    super({ target: fn, args: args ?? [], kwargs: kwargs ?? null, name });
    this.interval = interval;
    this.finished = new Event();
  }

  /** The function to call (Python's `Timer.function`). */
  get function(): Target | undefined {
    return targetOf(this).target;
  }

  /** The function's arguments. */
  get args(): unknown[] {
    return targetOf(this).args;
  }

  /** The function's keyword arguments (`{}` when none were given, as Python's). */
  get kwargs(): Record<string, unknown> {
    return targetOf(this).kwargs ?? {};
  }

  /** Stops the timer if it has not fired yet. */
  cancel(): void {
    this.finished.set();
  }

  /** Waits `interval` seconds, then calls the function unless cancelled. */
  override async run(): Promise<void> {
    await this.finished.wait(this.interval);
    if (!this.finished.isSet()) await super.run();
    this.finished.set();
  }
}
