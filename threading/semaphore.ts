import { ValueError } from "../_internal/errors.ts";
import { type Heap, heap } from "../_internal/sync/heap.ts";
import { SemaphoreCore } from "../_internal/sync/semaphore_core.ts";
import { SemaphoreLayout, Tag } from "../_internal/sync/layout.ts";
import {
  claimRegion,
  classRecord,
  HEAP,
  heapOfClass,
  isAttaching,
  registerHeapClass,
  TAG,
} from "../_internal/sync/heap_object.ts";
import { semaphoreTimeoutMs } from "../_internal/sync/timeout.ts";
import { holdHandle } from "../_internal/sync/hold.ts";
import { runAsync, runSync } from "../_internal/sync/words.ts";
import { SHARE, type ShareRecord } from "../_internal/codec/shareable.ts";

/**
 * Python's `threading.Semaphore`: a counter that `acquire` decrements,
 * waiting while it is zero, and `release` increments, waking waiters.
 *
 * Layered as CPython's: a counter guarded by a `Condition(Lock())` in shared
 * memory. Passed to another thread it arrives bound to the same semaphore.
 *
 * @example At most two threads in a section at once
 * ```ts
 * import { Semaphore } from "@pyconc/std/threading";
 * import assert from "node:assert/strict";
 *
 * const sem = new Semaphore(2);
 * assert.ok(sem.acquireSync());
 * assert.ok(sem.acquireSync());
 * assert.equal(sem.acquireSync(false), false); // none left
 * sem.release(2);
 * ```
 */
export class Semaphore {
  /** @internal The heap instances live in (multiprocessing overrides it). */
  static [HEAP](): Heap {
    return heap();
  }

  /** @internal The codec tag of this class. */
  static readonly [TAG]: string = "threading.Semaphore";

  readonly #ptr: number;
  readonly #core: SemaphoreCore;

  /**
   * Creates a semaphore with counter `value`.
   *
   * @param value The initial counter.
   * @throws {ValueError} If `value` is negative.
   */
  constructor(value = 1) {
    const attaching = isAttaching();
    if (!attaching && !(value >= 0)) {
      throw new ValueError("semaphore initial value must be >= 0");
    }
    const h = heapOfClass(new.target);
    this.#ptr = claimRegion(
      this,
      Tag.SEMAPHORE,
      SemaphoreLayout.WORDS,
      "Semaphore",
      h,
    );
    const words = h.words(this.#ptr, SemaphoreLayout.WORDS);
    this.#core = new SemaphoreCore(words, SemaphoreLayout.CORE);
    if (!attaching) this.#core.init(Math.floor(value));
  }

  /** @internal Whether releases past the initial value are refused. */
  protected get bounded(): boolean {
    return false;
  }

  /**
   * Decrements the counter, waiting (without blocking the event loop) while
   * it is zero. With `blocking` false, never waits. With a `timeout` in
   * seconds, waits at most that long.
   *
   * @param blocking Whether to wait.
   * @param timeout Seconds, or null for no limit.
   * @returns true if the counter was decremented.
   * @throws {ValueError} If a timeout is given with `blocking` false.
   */
  acquire(blocking = true, timeout: number | null = null): Promise<boolean> {
    const ms = semaphoreTimeoutMs(blocking, timeout);
    if (this.#core.tryAcquire()) return Promise.resolve(true);
    return runAsync(this.#core.acquiring(ms));
  }

  /**
   * Like {@linkcode Semaphore.acquire}, blocking the calling thread.
   * @param blocking Whether to wait.
   * @param timeout Seconds, or null for no limit.
   * @returns true if the counter was decremented.
   */
  acquireSync(blocking = true, timeout: number | null = null): boolean {
    const ms = semaphoreTimeoutMs(blocking, timeout);
    return this.#core.tryAcquire() || runSync(this.#core.acquiring(ms));
  }

  /**
   * Increments the counter by `n`, waking up to `n` waiting threads.
   * @param n How much to add (at least 1).
   * @throws {ValueError} If `n` is below 1.
   */
  release(n = 1): void {
    if (!(n >= 1)) throw new ValueError("n must be one or more");
    this.#core.release(Math.floor(n), this.bounded);
  }

  /** Acquires; the handle releases when disposed. */
  async hold(): Promise<Disposable> {
    await this.acquire();
    return holdHandle(() => this.release());
  }

  /** Like {@linkcode Semaphore.hold}, blocking the calling thread. */
  holdSync(): Disposable {
    this.acquireSync();
    return holdHandle(() => this.release());
  }

  /** Python's repr, with the current counter (informational). */
  toString(): string {
    return `<${this.constructor.name} object value=${this.#core.value()}>`;
  }

  /** @internal The codec record: the semaphore travels by reference. */
  [SHARE](): ShareRecord {
    return classRecord(this, this.#ptr);
  }
}

/**
 * Python's `threading.BoundedSemaphore`: a {@linkcode Semaphore} whose
 * counter may not be released above its initial value.
 *
 * @example Over-release is an error
 * ```ts
 * import { BoundedSemaphore } from "@pyconc/std/threading";
 * import assert from "node:assert/strict";
 *
 * const sem = new BoundedSemaphore(1);
 * sem.acquireSync();
 * sem.release();
 * assert.throws(() => sem.release(), /released too many times/);
 * ```
 */
export class BoundedSemaphore extends Semaphore {
  /** @internal The codec tag of this class. */
  static override readonly [TAG]: string = "threading.BoundedSemaphore";

  /** @internal */
  protected override get bounded(): boolean {
    return true;
  }
}

registerHeapClass("threading.Semaphore", () => new Semaphore());
registerHeapClass("threading.BoundedSemaphore", () => new BoundedSemaphore());
