/**
 * How a Condition binds to the lock it was given: each lock class says what
 * protocol, region and kind it has, so the condition can use it here and
 * rebuild it in another thread.
 *
 * @module
 */

import type { ConditionLock } from "./condition_core.ts";

/** The method lock classes implement for Condition. */
export const LOCK_SOURCE: unique symbol = Symbol.for("pyconc.lockSource");

/** Which lock class a condition is bound to (stored in its region). */
export const LockKind = { LOCK: 0, RLOCK: 1 } as const;

/** What a lock tells a condition about itself. */
export interface LockSourceInfo {
  /** The lock protocol (release-save, acquire-restore, is-owned). */
  protocol: ConditionLock;
  /** The lock's region. */
  ptr: number;
  /** A {@linkcode LockKind}. */
  kind: number;
}

/** Whether `v` is a lock a Condition can bind to. */
export function isLockSource(
  v: unknown,
): v is { [LOCK_SOURCE](): LockSourceInfo } {
  return typeof v === "object" && v !== null &&
    typeof (v as Record<symbol, unknown>)[LOCK_SOURCE] === "function";
}
