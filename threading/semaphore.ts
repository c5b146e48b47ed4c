import { OverflowError, ValueError } from "../_internal/errors.ts";
import { type Heap, heap } from "../_internal/sync/heap.ts";
import { COUNT_MAX, SemaphoreCore } from "../_internal/sync/semaphore_core.ts";
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
import { semaphoreTimeoutMs, SEMLOCK } from "../_internal/sync/timeout.ts";
import { holdHandle } from "../_internal/sync/hold.ts";
import { runAsync, runSync } from "../_internal/sync/words.ts";
import { SHARE, type ShareRecord } from "../_internal/codec/shareable.ts";

/** @internal The key of a Semaphore class's count errors. */
export const COUNT_ERRORS: unique symbol = Symbol("pyconc.countErrors");

/** @internal The errors a Semaphore class raises for counts out of range. */
export interface CountErrors {
  /** An initial value above the 32-bit counter. */
  tooLarge(value: number): Error;
  /** A release past a bounded semaphore's initial value. */
  tooMany(): Error;
  /** A release that would pass the 32-bit counter. */
  overflow(): Error;
}

const THREADING_COUNT_ERRORS: CountErrors = {
  tooLarge: (value) =>
    new OverflowError(
      `Semaphore value is too large: ${value} (at most ${COUNT_MAX})`,
    ),
  tooMany: () => new ValueError("Semaphore released too many times"),
  overflow: () =>
    new OverflowError(
      `Cannot release semaphore: its value would exceed ${COUNT_MAX}`,
    ),
};

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

  /** @internal Whether a non-blocking acquire ignores a timeout (SemLock). */
  static readonly [SEMLOCK]: boolean = false;

  /**
   * @internal The errors for counts the 32-bit counter cannot hold
   * (multiprocessing overrides them with SemLock's).
   */
  static [COUNT_ERRORS](): CountErrors {
    return THREADING_COUNT_ERRORS;
  }

  readonly #ptr: number;
  readonly #core: SemaphoreCore;

  /**
   * Creates a semaphore with counter `value`.
   *
   * @param value The initial counter.
   * @throws {ValueError} If `value` is negative.
   * @throws {OverflowError} If `value` is above 2147483647 (the counter
   *   is 32-bit; Python's threading counter is unbounded).
   */
  constructor(value = 1) {
    const attaching = isAttaching();
    if (!attaching && !(value >= 0)) {
      throw new ValueError("semaphore initial value must be >= 0");
    }
    if (!attaching && Math.floor(value) > COUNT_MAX) {
      throw new.target[COUNT_ERRORS]().tooLarge(value);
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
    const ms = semaphoreTimeoutMs(
      blocking,
      timeout,
      (this.constructor as typeof Semaphore)[SEMLOCK],
    );
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
    const ms = semaphoreTimeoutMs(
      blocking,
      timeout,
      (this.constructor as typeof Semaphore)[SEMLOCK],
    );
    return this.#core.tryAcquire() || runSync(this.#core.acquiring(ms));
  }

  /**
   * Increments the counter by `n`, waking up to `n` waiting threads.
   * @param n How much to add (at least 1).
   * @throws {ValueError} If `n` is below 1, or a BoundedSemaphore would
   *   pass its initial value.
   * @throws {OverflowError} If the counter would pass 2147483647 (nothing
   *   is added).
   */
  release(n = 1): void {
    if (!(n >= 1)) throw new ValueError("n must be one or more");
    const errors = (this.constructor as typeof Semaphore)[COUNT_ERRORS]();
    if (n > COUNT_MAX) throw errors.overflow();
    const result = this.#core.release(Math.floor(n), this.bounded);
    if (result === "bounded") throw errors.tooMany();
    if (result === "overflow") throw errors.overflow();
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
