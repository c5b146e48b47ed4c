import { RuntimeError, ValueError } from "../_internal/errors.ts";
import { type Heap, heap } from "../_internal/sync/heap.ts";
import { LockCore } from "../_internal/sync/lock_core.ts";
import { LockLayout, Tag } from "../_internal/sync/layout.ts";
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
import { SHARE, type ShareRecord } from "../_internal/codec/shareable.ts";
import { plainLockProtocol } from "../_internal/sync/condition_core.ts";
import {
  LOCK_SOURCE,
  LockKind,
  type LockSourceInfo,
} from "../_internal/sync/lock_source.ts";

/**
 * Python's `threading.Lock`: a primitive (non-recursive) lock in shared
 * memory, usable from every thread of the process.
 *
 * Any thread may release it, not only the one that acquired it. Waiters are
 * not served in any particular order. Passed in a Thread's `args` (or in a
 * queue item, or a pool task) it arrives bound to the same lock.
 *
 * `acquire` never blocks the event loop; `acquireSync` blocks the calling
 * thread (on the main thread too, where it blocks the event loop).
 *
 * @example Counting from two threads without losing an update
 * ```ts
 * import { Lock, Thread } from "@pyconc/std/threading";
 * import assert from "node:assert/strict";
 *
 * const lock = new Lock();
 * const counter = new Int32Array(new SharedArrayBuffer(4));
 * const threads = [0, 1].map(() =>
 *   new Thread({
 *     target: (lock: Lock, counter: Int32Array) => {
 *       for (let i = 0; i < 1000; i++) {
 *         using _ = lock.holdSync();
 *         counter[0]! += 1;
 *       }
 *     },
 *     args: [lock, counter],
 *   })
 * );
 * for (const t of threads) t.start();
 * for (const t of threads) await t.join();
 * assert.equal(counter[0], 2000);
 * ```
 */
export class Lock {
  /** @internal The heap instances live in (multiprocessing overrides it). */
  static [HEAP](): Heap {
    return heap();
  }

  /** @internal The codec tag of this class. */
  static readonly [TAG]: string = "threading.Lock";

  /** @internal Whether a non-blocking acquire ignores a timeout (SemLock). */
  static readonly [SEMLOCK]: boolean = false;

  readonly #ptr: number;
  readonly #core: LockCore;

  /** Creates an unlocked lock. */
  constructor() {
    const h = heapOfClass(new.target);
    this.#ptr = claimRegion(this, Tag.LOCK, LockLayout.WORDS, "Lock", h);
    this.#core = new LockCore(
      h.words(this.#ptr, LockLayout.WORDS),
      LockLayout.CORE,
    );
  }

  /**
   * Acquires the lock, waiting without blocking the event loop.
   *
   * With `blocking` false, tries once and returns at once. With a
   * `timeout` in seconds, waits at most that long; `-1` (the default) waits
   * without limit.
   *
   * @param blocking Whether to wait for the lock.
   * @param timeout Seconds to wait at most, or -1 for no limit.
   * @returns true if the lock was acquired.
   * @throws {ValueError} If a timeout is given with `blocking` false, or is
   *   negative (other than -1).
   * @throws {OverflowError} If the timeout exceeds `TIMEOUT_MAX`.
   */
  acquire(blocking = true, timeout: number | null = -1): Promise<boolean> {
    return this.#core.acquire(lockTimeoutMs(
      blocking,
      timeout,
      (this.constructor as typeof Lock)[SEMLOCK],
    ));
  }

  /**
   * Acquires the lock, blocking the calling thread. Arguments and errors as
   * {@linkcode Lock.acquire}.
   *
   * @param blocking Whether to wait for the lock.
   * @param timeout Seconds to wait at most, or -1 for no limit.
   * @returns true if the lock was acquired.
   */
  acquireSync(blocking = true, timeout: number | null = -1): boolean {
    return this.#core.acquireSync(lockTimeoutMs(
      blocking,
      timeout,
      (this.constructor as typeof Lock)[SEMLOCK],
    ));
  }

  /**
   * Releases the lock; any thread may do so.
   * @throws {RuntimeError} If the lock is not locked (multiprocessing's
   *   Lock: ValueError, as CPython's SemLock).
   */
  release(): void {
    if (!this.#core.release()) {
      // multiprocessing's Lock is CPython's SemLock, which says otherwise.
      throw (this.constructor as typeof Lock)[SEMLOCK]
        ? new ValueError("semaphore or lock released too many times")
        : new RuntimeError("release unlocked lock");
    }
  }

  /** Whether the lock is held by some thread (informational only). */
  locked(): boolean {
    return this.#core.locked();
  }

  /**
   * Acquires the lock and returns a handle that releases it when disposed:
   * `using _ = await lock.hold();` is Python's `with lock:`.
   */
  async hold(): Promise<Disposable> {
    await this.#core.acquire(Infinity);
    return holdHandle(() => this.release());
  }

  /** Like {@linkcode Lock.hold}, blocking the calling thread. */
  holdSync(): Disposable {
    this.#core.acquireSync(Infinity);
    return holdHandle(() => this.release());
  }

  /** Python's repr: `<locked Lock object>` or `<unlocked Lock object>`. */
  toString(): string {
    return `<${this.locked() ? "locked" : "unlocked"} Lock object>`;
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
    return {
      protocol: plainLockProtocol(this.#core),
      ptr: this.#ptr,
      kind: LockKind.LOCK,
    };
  }
}

registerHeapClass("threading.Lock", () => new Lock());
