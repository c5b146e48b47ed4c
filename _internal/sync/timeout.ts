/**
 * Timeouts: Python's seconds in, milliseconds and deadlines out.
 *
 * @module
 */

import { OverflowError, ValueError } from "../errors.ts";

/**
 * The largest timeout (seconds) a blocking call accepts, as Python's
 * `threading.TIMEOUT_MAX` on Linux; a larger one throws `OverflowError`.
 */
export const TIMEOUT_MAX = 9223372036;

/** Monotonic milliseconds. */
export const now: () => number = performance.now.bind(performance);

/**
 * Checks a timeout in seconds that must be finite and in range.
 * `null`/`undefined` mean forever and give `Infinity`.
 *
 * @param timeout Seconds, or null/undefined for no limit.
 * @param negative What a negative value means: `"error"` throws ValueError,
 *   `"zero"` clamps to 0 (Python's `Condition.wait`, `Event.wait`).
 * @returns milliseconds.
 */
export function toMs(
  timeout: number | null | undefined,
  negative: "error" | "zero" = "zero",
): number {
  if (timeout === null || timeout === undefined) return Infinity;
  if (typeof timeout !== "number") {
    throw new TypeError(
      `timeout must be a number of seconds or null, not ${typeof timeout}`,
    );
  }
  if (Number.isNaN(timeout)) {
    throw new ValueError("Invalid value NaN (not a number)");
  }
  if (timeout < 0) {
    if (negative === "error") {
      throw new ValueError("timeout value must be positive"); // Python's words
    }
    return 0;
  }
  if (timeout > TIMEOUT_MAX) {
    throw new OverflowError("timeout value is too large");
  }
  return timeout * 1000;
}

/** A point in time by which a wait must end (`Infinity` for never). */
export function deadlineOf(ms: number): number {
  return ms === Infinity ? Infinity : now() + ms;
}

/** Milliseconds left until `deadline` (≤ 0 once passed). */
export function remaining(deadline: number): number {
  return deadline === Infinity ? Infinity : deadline - now();
}

/**
 * The static property of a lock or semaphore class that is true when it
 * follows CPython's SemLock (multiprocessing's Lock, RLock, Semaphore,
 * BoundedSemaphore): with `blocking` false a timeout is accepted and
 * ignored, where threading's refuse it.
 */
export const SEMLOCK: unique symbol = Symbol.for("pyconc.semLock");

/** A non-blocking SemLock acquire: the timeout's type is checked, then 0. */
function ignoredTimeout(timeout: number | null | undefined): number {
  if (timeout != null && typeof timeout !== "number") {
    throw new TypeError(
      `timeout must be a number of seconds or null, not ${typeof timeout}`,
    );
  }
  return 0;
}

/**
 * Python's `Lock.acquire(blocking, timeout)` argument rules.
 * @param semLock Follow SemLock's rule for a non-blocking call (see
 *   {@linkcode SEMLOCK}).
 * @returns milliseconds (0 for a non-blocking try, `Infinity` for no limit).
 */
export function lockTimeoutMs(
  blocking: boolean,
  timeout: number | null | undefined,
  semLock = false,
): number {
  const t = timeout ?? -1;
  if (!blocking) {
    if (semLock) return ignoredTimeout(timeout);
    if (t !== -1) {
      throw new ValueError("can't specify a timeout for a non-blocking call");
    }
    return 0;
  }
  return t === -1 ? Infinity : toMs(t, "error");
}

/**
 * Python's `Semaphore.acquire(blocking, timeout)` argument rules.
 * @returns milliseconds (0 for a non-blocking try, `Infinity` for no limit).
 */
export function semaphoreTimeoutMs(
  blocking: boolean,
  timeout: number | null | undefined,
  semLock = false,
): number {
  if (!blocking) {
    if (semLock) return ignoredTimeout(timeout);
    if (timeout != null) {
      throw new ValueError("can't specify timeout for non-blocking acquire");
    }
    return 0;
  }
  return toMs(timeout, "zero");
}
