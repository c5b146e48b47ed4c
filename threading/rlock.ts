import { type Heap, heap } from "../_internal/sync/heap.ts";
import { RLockCore } from "../_internal/sync/rlock_core.ts";
import { RLockLayout, Tag } from "../_internal/sync/layout.ts";
import {
  claimRegion,
  classRecord,
  HEAP,
  heapOfClass,
  registerHeapClass,
  TAG,
} from "../_internal/sync/heap_object.ts";
import { lockTimeoutMs, SEMLOCK } from "../_internal/sync/timeout.ts";
import { holdHandle, INSPECT } from "../_internal/sync/hold.ts";
import { runAsync, runSync } from "../_internal/sync/words.ts";
import { SHARE, type ShareRecord } from "../_internal/codec/shareable.ts";
import {
  LOCK_SOURCE,
  LockKind,
  type LockSourceInfo,
} from "../_internal/sync/lock_source.ts";

/**
 * Python's `threading.RLock`: a reentrant lock. The thread that holds it may
 * acquire it again; each acquire needs a matching release, and only the
 * owner may release.
 *
 * The owner is recorded as (process id, thread ident) in shared memory, so
 * the lock is right from every thread. Passed to another thread it arrives
 * bound to the same lock.
 *
 * @example Reentrant acquisition
 * ```ts
 * import { RLock } from "@pyconc/std/threading";
 * import assert from "node:assert/strict";
 *
 * const lock = new RLock();
 * {
 *   using _outer = lock.holdSync();
 *   using _inner = lock.holdSync(); // no deadlock: same owner
 *   assert.match(String(lock), /^<locked RLock object owner=\d+ count=2>$/);
 * }
 * assert.equal(String(lock), "<unlocked RLock object owner=0 count=0>");
 * ```
 */
export class RLock {
  /** @internal The heap instances live in (multiprocessing overrides it). */
  static [HEAP](): Heap {
    return heap();
  }

  /** @internal The codec tag of this class. */
  static readonly [TAG]: string = "threading.RLock";

  /** @internal Whether a non-blocking acquire ignores a timeout (SemLock). */
  static readonly [SEMLOCK]: boolean = false;

  readonly #ptr: number;
  readonly #core: RLockCore;

  /** Creates an unlocked reentrant lock. */
  constructor() {
    const h = heapOfClass(new.target);
    this.#ptr = claimRegion(this, Tag.RLOCK, RLockLayout.WORDS, "RLock", h);
    this.#core = new RLockCore(
      h.words(this.#ptr, RLockLayout.WORDS),
      RLockLayout.CORE,
    );
  }

  /**
   * Acquires the lock (again, if this thread owns it), waiting without
   * blocking the event loop. Arguments as Python's: with `blocking` false,
   * tries once; `timeout` in seconds, -1 for no limit.
   *
   * @param blocking Whether to wait for the lock.
   * @param timeout Seconds to wait at most, or -1 for no limit.
   * @returns true if the lock was acquired.
   * @throws {ValueError} If a timeout is given with `blocking` false, or is negative.
   * @throws {OverflowError} If the timeout exceeds `TIMEOUT_MAX`.
   */
  acquire(blocking = true, timeout: number | null = -1): Promise<boolean> {
    const ms = lockTimeoutMs(
      blocking,
      timeout,
      (this.constructor as typeof RLock)[SEMLOCK],
    );
    if (this.#core.tryAcquire()) return Promise.resolve(true);
    if (ms <= 0) return Promise.resolve(false);
    return runAsync(this.#core.acquiring(ms));
  }

  /**
   * Like {@linkcode RLock.acquire}, blocking the calling thread.
   *
   * @param blocking Whether to wait for the lock.
   * @param timeout Seconds to wait at most, or -1 for no limit.
   * @returns true if the lock was acquired.
   */
  acquireSync(blocking = true, timeout: number | null = -1): boolean {
    const ms = lockTimeoutMs(
      blocking,
      timeout,
      (this.constructor as typeof RLock)[SEMLOCK],
    );
    if (this.#core.tryAcquire()) return true;
    return ms > 0 && runSync(this.#core.acquiring(ms));
  }

  /**
   * Releases one level; the last release unlocks.
   * @throws {RuntimeError} If the calling thread does not own the lock.
   */
  release(): void {
    this.#core.release();
  }

  /** Whether the lock is held by some thread (informational only). */
  locked(): boolean {
    return this.#core.state().locked;
  }

  /** Acquires and returns a handle that releases one level when disposed. */

  async hold(): Promise<Disposable> {
    await this.acquire();
    return holdHandle(() => this.release());
  }

  /** Like {@linkcode RLock.hold}, blocking the calling thread. */
  holdSync(): Disposable {
    this.acquireSync();
    return holdHandle(() => this.release());
  }

  /** Python's repr: `<locked RLock object owner=IDENT count=N>`. */
  toString(): string {
    const s = this.#core.state();
    return `<${
      s.locked ? "locked" : "unlocked"
    } RLock object owner=${s.owner} count=${s.count}>`;
  }

  /** @internal */
  [INSPECT](): string {
    return this.toString();
  }

  /** @internal The codec record: this lock travels by reference. */
  [SHARE](): ShareRecord {
    return classRecord(this, this.#ptr);
  }

  /** @internal What a Condition needs to bind to this lock. */
  [LOCK_SOURCE](): LockSourceInfo {
    return { protocol: this.#core, ptr: this.#ptr, kind: LockKind.RLOCK };
  }
}

registerHeapClass("threading.RLock", () => new RLock());
