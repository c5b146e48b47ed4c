/**
 * What the queue classes share: the destructor of queue objects, the
 * ordering policy and record tag of each class, and argument checks.
 *
 * @module
 */

import { registerDestructor } from "../_internal/sync/heap.ts";
import { QueueLayout, Tag } from "../_internal/sync/layout.ts";
import { QueueCore } from "../_internal/queue/queue_core.ts";

// The last reference to a queue frees its items (releasing the shareable
// objects they hold) and its storage.
registerDestructor(
  Tag.QUEUE,
  (h, ptr) => QueueCore.destroy(h, ptr, QueueLayout.CORE),
);

/** A queue class's policy and codec record tag. */
export interface QueueKind {
  order: number;
  tag: string;
  name: string;
}

const kinds = new Map<unknown, QueueKind>();

/** Declares the policy and record tag of a queue class. */
export function defineKind(cls: unknown, kind: QueueKind): void {
  kinds.set(cls, kind);
}

/**
 * The kind of `cls` or of its nearest declared ancestor (a user subclass
 * of `LifoQueue` is a LIFO queue, and travels as a `LifoQueue`).
 */
export function kindOf(cls: unknown): QueueKind {
  for (
    let c = cls;
    c !== null && c !== undefined;
    c = Object.getPrototypeOf(c)
  ) {
    const kind = kinds.get(c);
    if (kind !== undefined) return kind;
  }
  throw new TypeError("Cannot create queue: unknown queue class");
}

/**
 * Checks Python's `maxsize` (any number; ≤ 0 means unbounded).
 * @throws {TypeError} If it is not a number.
 */
export function checkMaxsize(maxsize: unknown): number {
  if (typeof maxsize !== "number") {
    throw new TypeError(`maxsize must be a number, not ${typeof maxsize}`);
  }
  return maxsize;
}
