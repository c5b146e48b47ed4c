/**
 * The waiters `wait()` and `asCompleted()` install on futures (Python's
 * `_Waiter` classes), and the blocking loop of their `Sync` forms.
 *
 * @module
 */

import { remaining } from "../_internal/sync/timeout.ts";
import type { Port } from "../_internal/futures/port.ts";
import {
  checkLiveness,
  hasLivenessChecks,
  SLICE_MS,
} from "../_internal/futures/liveness.ts";
import {
  type AnyFuture,
  Future,
  futureInternals,
  type FutureWaiter,
} from "./future.ts";

/** Collects finished futures and says when the wait may end. */
export class Waiter implements FutureWaiter {
  /** Futures that finished (or whose cancellation was noticed), in order. */
  finished: AnyFuture[] = [];
  /** Python's `event.is_set()`. */
  fired = false;
  #pending: number;
  readonly #kind: "as-completed" | "first" | "all" | "first-exception";
  #wake: (() => void) | undefined;

  /**
   * @param kind Which of Python's waiters this is.
   * @param pending For "all"/"first-exception": how many are not done.
   */
  constructor(
    kind: "as-completed" | "first" | "all" | "first-exception",
    pending = 0,
  ) {
    this.#kind = kind;
    this.#pending = pending;
  }

  addResult(f: AnyFuture): void {
    this.finished.push(f);
    if (this.#kind === "all" || this.#kind === "first-exception") {
      this.#decrement();
    } else this.#fire();
  }

  addException(f: AnyFuture): void {
    this.finished.push(f);
    if (this.#kind === "all") this.#decrement();
    else this.#fire();
  }

  addCancelled(f: AnyFuture): void {
    this.finished.push(f);
    if (this.#kind === "all" || this.#kind === "first-exception") {
      this.#decrement();
    } else this.#fire();
  }

  #decrement(): void {
    if (--this.#pending <= 0) this.#fire();
  }

  #fire(): void {
    this.fired = true;
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  /** Python's `event.clear()`. */
  clear(): void {
    this.fired = false;
  }

  /** Waits (without blocking the event loop) until fired or `ms` passes. */
  async waitAsync(ms: number): Promise<void> {
    if (this.fired || ms <= 0) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await new Promise<void>((resolve) => {
      this.#wake = resolve;
      if (ms !== Infinity) timer = setTimeout(resolve, ms);
    });
    this.#wake = undefined;
    if (timer !== undefined) clearTimeout(timer);
  }

  /**
   * Blocks the calling thread until fired or `deadline` (see
   * {@linkcode blockUntil}).
   */
  waitSync(futures: Iterable<AnyFuture>, deadline: number): void {
    blockUntil(() => this.fired, deadline, portsOf(futures));
  }
}

/** The ports that report on some futures. */
export function portsOf(futures: Iterable<AnyFuture>): Set<Port> {
  const ports = new Set<Port>();
  const fi = futureInternals();
  for (const f of futures) {
    const p = fi.port(f);
    if (p !== undefined) ports.add(p);
  }
  return ports;
}

/** A scratch word to sleep on when nothing can wake us. */
const nap = new Int32Array(new SharedArrayBuffer(4));

/**
 * Blocks the calling thread until `ready()` or the deadline, draining the
 * given completion ports (which updates their futures and fires waiters) as
 * completions arrive. With no port nothing can complete while this thread
 * blocks, so it sleeps until the deadline.
 * @returns `ready()` at the end.
 */
export function blockUntil(
  ready: () => boolean,
  deadline: number,
  ports: Set<Port>,
): boolean {
  for (;;) {
    for (const p of ports) p.drain();
    if (ready()) return true;
    const left = remaining(deadline);
    if (left <= 0) return false;
    let slice = left;
    if (hasLivenessChecks()) slice = Math.min(slice, SLICE_MS);
    if (ports.size > 1) slice = Math.min(slice, 1); // futures of several heaps
    const [first] = ports;
    if (first === undefined) {
      Atomics.wait(nap, 0, 0, slice);
    } else if (first.waitSync(slice) === "timed-out" && slice < left) {
      checkLiveness();
    }
  }
}

/** Checks that every item is a Future; returns them as a Set (duplicates collapse). */
export function futureSet<T>(
  fs: Iterable<Future<T>>,
  what: string,
): Set<Future<T>> {
  if (
    fs == null ||
    typeof (fs as Iterable<unknown>)[Symbol.iterator] !== "function"
  ) {
    throw new TypeError(`${what}: fs must be an iterable of futures`);
  }
  const set = new Set<Future<T>>();
  for (const f of fs) {
    if (!(f instanceof Future)) {
      throw new TypeError(`${what}: fs must hold only futures, not ${f}`);
    }
    set.add(f);
  }
  return set;
}
