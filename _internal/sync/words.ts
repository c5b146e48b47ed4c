/**
 * The sync core: a window of 32-bit wait/notify words in shared memory.
 *
 * Every blocking primitive of the package (locks, conditions, semaphores,
 * events, barriers, queues, future completion) is written once against this
 * interface. Two backings implement it:
 *
 * - {@linkcode SabWords}: a SharedArrayBuffer inside one process, waiting with
 *   `Atomics.wait` / `Atomics.waitAsync`;
 * - a cross-process backing over FFI shared memory, waiting with the futex
 *   system call (multiprocessing).
 *
 * Loads, stores and read-modify-write operations are `Atomics` calls on an
 * `Int32Array` in both backings (they are atomic across processes on shared
 * mappings too); only waiting and waking differ.
 *
 * @module
 */

import { Spin } from "./spin.ts";

/** What a wait returned: woken, the word did not hold `expected`, or timed out. */
export type WaitResult = "ok" | "not-equal" | "timed-out";

/**
 * The longest spin of a wait (µs): about what the count-bounded spin it
 * replaced reached (20000 reads of a word ≈ 220 µs), which a slow producer
 * (a 1 MiB queue item, bench/queue.ts) needs to be caught without a sleep:
 * with spin.ts's 100 µs that row fell ≈ 20 %. Against the count-bounded
 * spin that never yielded (7 alternating runs each, load 4–6 on the shared
 * 2-core VM): Event ping-pong 0.48× → 2.28× CPython, the maxsize-64 queue
 * 1.63× → 2.55×, the other queue and Lock rows unchanged within noise.
 */
const WAIT_SPIN_MAX_US = 250;

/** A window of wait/notify words; indices are relative to the window. */
export abstract class WaitWords {
  /** The words, as an `Int32Array` over shared memory. */
  readonly i32: Int32Array;

  constructor(i32: Int32Array) {
    this.i32 = i32;
  }

  /** Atomically reads word `i`. */
  load(i: number): number {
    return Atomics.load(this.i32, i);
  }

  /** Atomically writes word `i`; returns `value`. */
  store(i: number, value: number): number {
    return Atomics.store(this.i32, i, value);
  }

  /** Atomically replaces word `i` if it holds `expected`; returns the old value. */
  compareExchange(i: number, expected: number, replacement: number): number {
    return Atomics.compareExchange(this.i32, i, expected, replacement);
  }

  /** Atomically replaces word `i`; returns the old value. */
  exchange(i: number, value: number): number {
    return Atomics.exchange(this.i32, i, value);
  }

  /** Atomically adds `delta` to word `i`; returns the old value. */
  add(i: number, delta: number): number {
    return Atomics.add(this.i32, i, delta);
  }

  /**
   * This window's waiters' spin (adapted by outcome, see spin.ts), made on
   * the first wait: every future has a window, and most are never waited on.
   */
  #spinner: Spin | undefined;
  get #spin(): Spin {
    return this.#spinner ??= new Spin(WAIT_SPIN_MAX_US);
  }

  /**
   * Spins briefly while word `i` holds `expected`. The spin adapts, as
   * glibc's adaptive mutexes do: it doubles after a spin that saw the word
   * change (the other side answers fast: a ping-pong) and halves after one
   * that had to sleep anyway (a waiter with nothing coming, such as an idle
   * pool worker, stops taking CPU from the threads that have work); it is
   * bounded in time and yields the CPU when the peer may need it.
   * @returns true if the word changed during the spin.
   */
  spin(i: number, expected: number): boolean {
    const a = this.i32;
    return this.#spin.run(() => Atomics.load(a, i) !== expected);
  }

  /**
   * Spins briefly until `ready()` (which may take what it waited for, as a
   * lock's compare-and-swap does), with the same adaptive spin as
   * {@linkcode spin}.
   */
  spinUntil(ready: () => boolean): boolean {
    return this.#spin.run(ready);
  }

  /**
   * Blocks the calling thread while word `i` holds `expected`, until a
   * notify or the timeout. Spins briefly first.
   *
   * @param timeoutMs Milliseconds; `Infinity` waits forever.
   */
  wait(i: number, expected: number, timeoutMs: number): WaitResult {
    const left = this.#spinFor(i, expected, timeoutMs);
    if (typeof left === "string") return left;
    const r = this.sleep(i, expected, left);
    if (r === "ok") this.#spin.woke();
    return r;
  }

  /**
   * The spin before a wait's sleep: what the wait returns if it ends there,
   * else the milliseconds left of `timeoutMs` (the spin counts against it).
   * A zero timeout only looks: it is a poll, not a wait.
   */
  #spinFor(
    i: number,
    expected: number,
    timeoutMs: number,
  ): WaitResult | number {
    if (timeoutMs <= 0) {
      return Atomics.load(this.i32, i) !== expected ? "not-equal" : "timed-out";
    }
    const t0 = performance.now();
    if (this.spin(i, expected)) return "not-equal";
    const left = timeoutMs - (performance.now() - t0);
    return left > 0 ? left : "timed-out";
  }

  /**
   * Like {@linkcode wait} without blocking the event loop. The event loop is
   * kept alive while waiting.
   */
  waitAsync(
    i: number,
    expected: number,
    timeoutMs: number,
  ): Promise<WaitResult> {
    const left = this.#spinFor(i, expected, timeoutMs);
    if (typeof left === "string") return Promise.resolve(left);
    return this.sleepAsync(i, expected, left).then((r) => {
      if (r === "ok") this.#spin.woke();
      return r;
    });
  }

  /** The backing's blocking wait (no spin). */
  protected abstract sleep(
    i: number,
    expected: number,
    timeoutMs: number,
  ): WaitResult;

  /** The backing's asynchronous wait (no spin). */
  protected abstract sleepAsync(
    i: number,
    expected: number,
    timeoutMs: number,
  ): Promise<WaitResult>;

  /**
   * Wakes up to `count` waiters on word `i` (`Infinity` wakes all).
   * @returns how many were woken, where the backing knows.
   */
  abstract notify(i: number, count: number): number;
}

const noop = () => {};
/** setTimeout's largest delay (ms); longer timers fire at once. */
const MAX_TIMER = 2 ** 31 - 1;

/**
 * Holds the event loop open while an asynchronous wait is pending:
 * `Atomics.waitAsync` does not, and without this a program whose only work is
 * an awaited wait would end with "Top-level await promise never resolved".
 * @returns a function that releases the hold.
 */
export function holdEventLoop(): () => void {
  const timer = setInterval(noop, MAX_TIMER);
  return () => clearInterval(timer);
}

/** The in-process backing: a SharedArrayBuffer, `Atomics.wait`/`waitAsync`. */
export class SabWords extends WaitWords {
  protected sleep(i: number, expected: number, timeoutMs: number): WaitResult {
    return Atomics.wait(this.i32, i, expected, timeoutMs);
  }

  protected async sleepAsync(
    i: number,
    expected: number,
    timeoutMs: number,
  ): Promise<WaitResult> {
    const r = Atomics.waitAsync(this.i32, i, expected, timeoutMs);
    if (!r.async) return r.value;
    const release = holdEventLoop();
    try {
      return await r.value;
    } finally {
      release();
    }
  }

  notify(i: number, count: number): number {
    return Atomics.notify(this.i32, i, count === Infinity ? undefined : count);
  }
}

/**
 * One step of a blocking algorithm: wait while `words[index] === expected`,
 * or (with `call`) run a user function (a barrier action, a predicate).
 */
export type Step =
  | {
    words: WaitWords;
    index: number;
    expected: number;
    timeoutMs: number;
    call?: undefined;
  }
  | { call: () => unknown };

/**
 * A blocking algorithm written once, as a generator that yields the waits it
 * needs; {@linkcode runSync} and {@linkcode runAsync} drive it, so the `Sync`
 * and async forms of every primitive cannot drift apart.
 */
export type Blocking<T> = Generator<Step, T, unknown>;

/** Drives a blocking algorithm on the calling thread (Atomics.wait / futex). */
export function runSync<T>(g: Blocking<T>): T {
  let r = g.next();
  while (!r.done) {
    const step = r.value;
    let value: unknown;
    if (step.call !== undefined) {
      try {
        value = step.call();
      } catch (e) {
        r = g.throw(e);
        continue;
      }
      if (isThenable(value)) {
        r = g.throw(
          new TypeError(
            "Cannot run an async function from a Sync call: use the async form",
          ),
        );
        continue;
      }
    } else {
      value = step.words.wait(step.index, step.expected, step.timeoutMs);
    }
    r = g.next(value);
  }
  return r.value;
}

/** Drives a blocking algorithm without blocking the event loop. */
export async function runAsync<T>(g: Blocking<T>): Promise<T> {
  let r = g.next();
  while (!r.done) {
    const step = r.value;
    let value: unknown;
    try {
      value = step.call !== undefined
        ? await step.call()
        : await step.words.waitAsync(step.index, step.expected, step.timeoutMs);
    } catch (e) {
      r = g.throw(e);
      continue;
    }
    r = g.next(value);
  }
  return r.value;
}

/** Whether `v` is a promise-like value. */
export function isThenable(v: unknown): v is PromiseLike<unknown> {
  return v !== null && (typeof v === "object" || typeof v === "function") &&
    typeof (v as { then?: unknown }).then === "function";
}
