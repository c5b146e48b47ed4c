/**
 * Targets that tests load by module reference, and helpers to make futures
 * in each of Python's states (test_concurrent_futures/util.py).
 *
 * @module
 */

import {
  BrokenThreadPool,
  CancelledError,
  Future,
} from "../../concurrent_futures/mod.ts";
import { OSError, ValueError } from "../../_internal/errors.ts";

/** Python's `mul`. */
export function mul(x: number, y: number): number {
  return x * y;
}

/** Python's `divmod` (ZeroDivisionError becomes a RangeError). */
export function divmod(a: number, b: number): [number, number] {
  if (b === 0) throw new RangeError("integer division or modulo by zero");
  return [Math.floor(a / b), a % b];
}

let initStatus = "uninitialized";

/** test_init.py's initializer. */
export function init(x: string): void {
  initStatus = x;
}

/** test_init.py's status reader. */
export function getInitStatus(): string {
  return initStatus;
}

/** test_init.py's failing initializer. */
export function initFail(): void {
  throw new RangeError("error in initializer");
}

/** Throws the library's ValueError. */
export function raiseValueError(message: string): never {
  throw new ValueError(message);
}

/** Throws BrokenThreadPool (as a call's own error). */
export function raiseBroken(): never {
  throw new BrokenThreadPool("from a call");
}

/** Throws CancelledError (as a call's own error). */
export function raiseCancelled(): never {
  throw new CancelledError("from a call");
}

/** Sleeps (blocking this thread) for `seconds`. */
export function sleep(seconds: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, seconds * 1000);
}

/** Python's `create_future(state=...)`. */
export function createFuture<T = unknown>(
  state:
    | "PENDING"
    | "RUNNING"
    | "CANCELLED"
    | "CANCELLED_AND_NOTIFIED"
    | "FINISHED",
  outcome: { result?: T; exception?: unknown } = {},
): Future<T> {
  const f = new Future<T>();
  switch (state) {
    case "RUNNING":
      f.setRunningOrNotifyCancel();
      break;
    case "CANCELLED":
      f.cancel();
      break;
    case "CANCELLED_AND_NOTIFIED":
      f.cancel();
      f.setRunningOrNotifyCancel();
      break;
    case "FINISHED":
      if ("exception" in outcome) f.setException(outcome.exception);
      else f.setResult(outcome.result as T);
  }
  return f;
}

/** util.py's module-level futures, one per state. */
export const PENDING_FUTURE: Future<unknown> = createFuture("PENDING");
export const RUNNING_FUTURE: Future<unknown> = createFuture("RUNNING");
export const CANCELLED_FUTURE: Future<unknown> = createFuture("CANCELLED");
export const CANCELLED_AND_NOTIFIED_FUTURE: Future<unknown> = createFuture(
  "CANCELLED_AND_NOTIFIED",
);
export const EXCEPTION_FUTURE: Future<unknown> = createFuture("FINISHED", {
  exception: new OSError(),
});
export const SUCCESSFUL_FUTURE: Future<number> = createFuture("FINISHED", {
  result: 42,
});

/** Collects what is written to console.error while `fn` runs. */
export async function capturedStderr(
  fn: () => void | Promise<void>,
): Promise<string> {
  const original = console.error;
  let text = "";
  console.error = (...args: unknown[]) => {
    text +=
      args.map((a) => a instanceof Error ? a.stack ?? String(a) : String(a))
        .join(" ") + "\n";
  };
  try {
    await fn();
  } finally {
    console.error = original;
  }
  return text;
}
