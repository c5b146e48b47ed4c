/**
 * Type tags and word layouts of the objects in the in-process heap.
 *
 * Every heap object starts with `[tag, refcount]`; the tag makes a region
 * passed to the wrong class fail loudly (see `Heap.checkTag`). Field indices
 * are relative to the object's first word.
 *
 * @module
 */

import { LOCK_WORDS } from "./lock_core.ts";
import { RLOCK_WORDS } from "./rlock_core.ts";
import { CONDITION_WORDS } from "./condition_core.ts";
import { SEMAPHORE_WORDS } from "./semaphore_core.ts";
import { EVENT_WORDS } from "./event_core.ts";
import { BARRIER_WORDS } from "./barrier_core.ts";
import { QUEUE_WORDS } from "../queue/queue_core.ts";

export { HEADER, Tag } from "./object_tags.ts";
import { HEADER } from "./object_tags.ts";

/** Lock: the mutex word. */
export const LockLayout = { CORE: HEADER, WORDS: HEADER + LOCK_WORDS } as const;

/** RLock: lock, owner pid, owner ident, count. */
export const RLockLayout = {
  CORE: HEADER,
  WORDS: HEADER + RLOCK_WORDS,
} as const;

/** Condition: the bound lock (object pointer and kind), then the condition words. */
export const ConditionLayout = {
  LOCK_PTR: HEADER,
  LOCK_KIND: HEADER + 1,
  CORE: HEADER + 2,
  WORDS: HEADER + 2 + CONDITION_WORDS,
} as const;

/** Semaphore and BoundedSemaphore (the codec tag says which). */
export const SemaphoreLayout = {
  CORE: HEADER,
  WORDS: HEADER + SEMAPHORE_WORDS,
} as const;

/** Event. */
export const EventLayout = {
  CORE: HEADER,
  WORDS: HEADER + EVENT_WORDS,
} as const;

/**
 * Barrier: the core, the encoded action (a byte block: pointer and length),
 * and the default timeout in ms as a float64 at an 8-byte-aligned word.
 */
export const BarrierLayout = {
  CORE: HEADER,
  ACTION_PTR: HEADER + BARRIER_WORDS,
  ACTION_LEN: HEADER + BARRIER_WORDS + 1,
  TIMEOUT_F64: (HEADER + BARRIER_WORDS + 2 + 1) & ~1, // word index, even
  WORDS: ((HEADER + BARRIER_WORDS + 2 + 1) & ~1) + 2,
} as const;

/**
 * Queue (every class of `queue`): the queue core's words (lock, ordering
 * policy, storage fields, float64 maxsize and unfinished tasks, then the
 * three conditions a cache line apart: see _internal/queue/queue_core.ts).
 * The core's base must be even (its float64 fields are 8-byte aligned).
 */
export const QueueLayout = {
  CORE: HEADER,
  WORDS: HEADER + QUEUE_WORDS,
} as const;
