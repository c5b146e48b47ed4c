import { type Heap, heap, registerDestructor } from "../_internal/sync/heap.ts";
import { ConditionCore, waitingFor } from "../_internal/sync/condition_core.ts";
import { ConditionLayout, Tag } from "../_internal/sync/layout.ts";
import {
  attachShared,
  claimRegion,
  classOf,
  classRecord,
  HEAP,
  type HeapClass,
  isAttaching,
  LOCKS,
  registerHeapClass,
  TAG,
} from "../_internal/sync/heap_object.ts";
import { toMs } from "../_internal/sync/timeout.ts";
import { runAsync, runSync } from "../_internal/sync/words.ts";
import { SHARE, type ShareRecord } from "../_internal/codec/shareable.ts";
import {
  isLockSource,
  LOCK_SOURCE,
  LockKind,
} from "../_internal/sync/lock_source.ts";
import { Lock } from "./lock.ts";
import { RLock } from "./rlock.ts";

/**
 * Python's `threading.Condition`: lets threads wait until another thread
 * notifies them, over a lock (by default a new {@linkcode RLock}).
 *
 * `wait` releases the lock (completely, for an RLock held recursively),
 * waits, and takes it back before returning. `notify(n)` wakes at most `n`
 * of the threads waiting at that moment, `notifyAll()` all of them; a thread
 * that starts waiting after the notify is not woken by it. There are no
 * spurious wake-ups. Both must be called with the lock held.
 *
 * @example A producer notifies a consumer thread
 * ```ts
 * import { Condition, Thread } from "@pyconc/std/threading";
 * import assert from "node:assert/strict";
 *
 * const cond = new Condition();
 * const box = new Int32Array(new SharedArrayBuffer(4));
 * const consumer = new Thread({
 *   target: (cond: Condition, box: Int32Array) => {
 *     using _ = cond.holdSync();
 *     cond.waitForSync(() => box[0] !== 0);
 *   },
 *   args: [cond, box],
 * });
 * consumer.start();
 * {
 *   using _ = await cond.hold();
 *   box[0] = 42;
 *   cond.notify();
 * }
 * await consumer.join();
 * assert.equal(box[0], 42);
 * ```
 */
export class Condition {
  /** @internal The heap instances live in (multiprocessing overrides it). */
  static [HEAP](): Heap {
    return heap();
  }

  /** @internal The codec tag of this class. */
  static readonly [TAG]: string = "threading.Condition";

  /** @internal The lock classes a condition of this class binds to. */
  static readonly [LOCKS]: { lock: typeof Lock; rlock: typeof RLock } = {
    lock: Lock,
    rlock: RLock,
  };

  readonly #ptr: number;
  readonly #core: ConditionCore;
  readonly #lock: Lock | RLock;

  /**
   * Creates a condition over `lock`.
   *
   * @param lock The lock to bind to; a new RLock if omitted.
   * @throws {TypeError} If `lock` is not a Lock or RLock of this module.
   */
  constructor(lock?: Lock | RLock) {
    const cls = new.target as unknown as HeapClass & {
      [LOCKS]: { lock: typeof Lock; rlock: typeof RLock };
    };
    const h = cls[HEAP]();
    const locks = cls[LOCKS];
    if (isAttaching()) {
      this.#ptr = claimRegion(
        this,
        Tag.CONDITION,
        ConditionLayout.WORDS,
        "Condition",
        h,
      );
      const words = h.int32(this.#ptr, ConditionLayout.WORDS);
      const lockPtr = words[ConditionLayout.LOCK_PTR]!;
      this.#lock = words[ConditionLayout.LOCK_KIND] === LockKind.RLOCK
        ? attachShared(lockPtr, () => new locks.rlock(), h)
        : attachShared(lockPtr, () => new locks.lock(), h);
    } else {
      lock ??= new locks.rlock();
      if (
        !(lock instanceof locks.lock || lock instanceof locks.rlock) ||
        !isLockSource(lock) ||
        classOf(lock)[HEAP]() !== h
      ) {
        throw new TypeError(
          `Condition lock must be a Lock or RLock of the same module`,
        );
      }
      this.#lock = lock;
      this.#ptr = claimRegion(
        this,
        Tag.CONDITION,
        ConditionLayout.WORDS,
        "Condition",
        h,
      );
      const info = lock[LOCK_SOURCE]();
      const words = h.int32(this.#ptr, ConditionLayout.WORDS);
      h.retain(info.ptr); // the condition's region refers to the lock's
      words[ConditionLayout.LOCK_PTR] = info.ptr;
      words[ConditionLayout.LOCK_KIND] = info.kind;
    }
    this.#core = new ConditionCore(
      h.words(this.#ptr, ConditionLayout.WORDS),
      ConditionLayout.CORE,
      this.#lock[LOCK_SOURCE]().protocol,
    );
  }

  /**
   * Acquires the underlying lock (Python's `Condition.acquire`).
   * @param blocking Whether to wait for the lock.
   * @param timeout Seconds to wait at most, or -1 for no limit.
   */
  acquire(blocking = true, timeout: number | null = -1): Promise<boolean> {
    return this.#lock.acquire(blocking, timeout);
  }

  /**
   * Acquires the underlying lock, blocking the calling thread.
   * @param blocking Whether to wait for the lock.
   * @param timeout Seconds to wait at most, or -1 for no limit.
   */
  acquireSync(blocking = true, timeout: number | null = -1): boolean {
    return this.#lock.acquireSync(blocking, timeout);
  }

  /** Releases the underlying lock. */
  release(): void {
    this.#lock.release();
  }

  /** Acquires the lock; the handle releases it when disposed. */
  hold(): Promise<Disposable> {
    return this.#lock.hold();
  }

  /** Like {@linkcode Condition.hold}, blocking the calling thread. */
  holdSync(): Disposable {
    return this.#lock.holdSync();
  }

  /**
   * Waits until notified or until the timeout passes, without blocking the
   * event loop. The lock must be held; it is released while waiting and held
   * again on return.
   *
   * @param timeout Seconds (a negative value does not wait), or null for no limit.
   * @returns false if the timeout passed, else true.
   * @throws {RuntimeError} If the lock is not held.
   */
  wait(timeout: number | null = null): Promise<boolean> {
    return runAsync(this.#core.waiting(toMs(timeout)));
  }

  /**
   * Like {@linkcode Condition.wait}, blocking the calling thread.
   * @param timeout Seconds, or null for no limit.
   * @returns false if the timeout passed, else true.
   */
  waitSync(timeout: number | null = null): boolean {
    return runSync(this.#core.waiting(toMs(timeout)));
  }

  /**
   * Waits until `predicate()` is truthy (Python's `wait_for`). The predicate
   * is called with the lock held, first before any wait. It may be async in
   * this form.
   *
   * @param predicate The condition to wait for.
   * @param timeout Seconds, or null for no limit.
   * @returns the predicate's last value (falsy if the timeout passed).
   */
  waitFor<T>(
    predicate: () => T | Promise<T>,
    timeout: number | null = null,
  ): Promise<T> {
    return runAsync(
      waitingFor(this.#core, predicate, toMs(timeout)),
    ) as Promise<T>;
  }

  /**
   * Like {@linkcode Condition.waitFor}, blocking the calling thread.
   * @param predicate The condition to wait for (synchronous).
   * @param timeout Seconds, or null for no limit.
   */
  waitForSync<T>(predicate: () => T, timeout: number | null = null): T {
    return runSync(waitingFor(this.#core, predicate, toMs(timeout))) as T;
  }

  /**
   * Wakes up to `n` threads waiting on this condition. The lock must be held.
   * @param n How many waiters to wake.
   * @throws {RuntimeError} If the lock is not held.
   */
  notify(n = 1): void {
    this.#core.notify(n);
  }

  /** Wakes every thread waiting on this condition. The lock must be held. */
  notifyAll(): void {
    this.#core.notifyAll();
  }

  /** @internal The codec record: this condition travels by reference. */
  [SHARE](): ShareRecord {
    return classRecord(this, this.#ptr);
  }
}

registerHeapClass("threading.Condition", () => new Condition());
registerDestructor(Tag.CONDITION, (h, ptr) => {
  h.release(h.int32(ptr, ConditionLayout.WORDS)[ConditionLayout.LOCK_PTR]!);
});
