import { OverflowError, ValueError } from "../_internal/errors.ts";
import { COUNT_MAX } from "../_internal/sync/semaphore_core.ts";
import { type Heap, heap, registerDestructor } from "../_internal/sync/heap.ts";
import {
  BarrierCore,
  BrokenBarrierError,
} from "../_internal/sync/barrier_core.ts";
import { BarrierLayout, Tag } from "../_internal/sync/layout.ts";
import {
  claimRegion,
  classRecord,
  HEAP,
  heapOfClass,
  isAttaching,
  registerHeapClass,
  TAG,
} from "../_internal/sync/heap_object.ts";
import { toMs } from "../_internal/sync/timeout.ts";
import { runAsync, runSync } from "../_internal/sync/words.ts";
import { SHARE, type ShareRecord } from "../_internal/codec/shareable.ts";
import { encode } from "../_internal/codec/encode.ts";
import { decode } from "../_internal/codec/decode.ts";
import { registerErrorClass } from "../_internal/codec/errors.ts";
import {
  describeTarget,
  loadTargetSync,
  preload,
  type Target,
  type TargetSpec,
} from "../_internal/threads/targets.ts";

export { BrokenBarrierError };
registerErrorClass(BrokenBarrierError);

/**
 * Python's `threading.Barrier`: a fixed number of threads wait until all of
 * them have called `wait`, then all continue.
 *
 * Written as CPython's state machine (filling, draining, resetting, broken)
 * over a `Condition(Lock())` in shared memory. When the last party arrives
 * the `action` (a target: a self-contained function or a module reference)
 * runs in that thread before the others are released; if it throws, the
 * barrier breaks. A wait that times out breaks the barrier too.
 *
 * @example Three threads meet
 * ```ts
 * import { Barrier, Thread } from "@pyconc/std/threading";
 * import assert from "node:assert/strict";
 *
 * const barrier = new Barrier(3);
 * const threads = [0, 1].map(() =>
 *   new Thread({ target: (b: Barrier) => b.waitSync(), args: [barrier] })
 * );
 * for (const t of threads) t.start();
 * const index = await barrier.wait(); // the third party
 * for (const t of threads) await t.join();
 * assert.ok(index >= 0 && index < 3);
 * ```
 */
export class Barrier {
  /** @internal The heap instances live in (multiprocessing overrides it). */
  static [HEAP](): Heap {
    return heap();
  }

  /** @internal The codec tag of this class. */
  static readonly [TAG]: string = "threading.Barrier";

  readonly #ptr: number;
  readonly #core: BarrierCore;
  readonly #timeoutMs: number;

  /**
   * Creates a barrier for `parties` threads.
   *
   * @param parties How many threads must wait before all are released.
   * @param action Run by the last thread to arrive (a target).
   * @param timeout Default timeout of `wait`, in seconds.
   * @throws {ValueError} If `parties` is below 1.
   * @throws {OverflowError} If `parties` is above 2147483647 or Infinity
   *   (Python's count is unbounded; a barrier for more threads than that
   *   could never trip).
   * @throws {TypeError} If `action` is not a target.
   */
  constructor(
    parties: number,
    action?: Target | null,
    timeout: number | null = null,
  ) {
    const h = heapOfClass(new.target);
    const attaching = isAttaching();
    let local: (() => unknown) | undefined;
    if (!attaching) {
      if (!(parties >= 1)) throw new ValueError("parties must be > 0");
      // The count is 32-bit: 2 ** 32 stored as 0, 2 ** 31 as negative.
      if (!(Math.floor(parties) <= COUNT_MAX)) {
        throw new OverflowError(
          `Barrier parties is too large: ${parties} (at most ${COUNT_MAX})`,
        );
      }
      const spec = action != null
        ? describeTarget(action, "barrier action")
        : undefined;
      toMs(timeout); // validate now
      this.#ptr = claimRegion(
        this,
        Tag.BARRIER,
        BarrierLayout.WORDS,
        "Barrier",
        h,
      );
      const words = h.int32(this.#ptr, BarrierLayout.WORDS);
      if (spec !== undefined) {
        const { bytes } = encode(spec);
        const block = h.alloc(bytes.length, false);
        h.u8.set(bytes, block * 16);
        words[BarrierLayout.ACTION_PTR] = block;
        words[BarrierLayout.ACTION_LEN] = bytes.length;
        if (typeof action === "function") local = action as () => unknown;
      }
      h.float64(this.#ptr, BarrierLayout.TIMEOUT_F64, 1)[0] = timeout ?? -1;
    } else {
      this.#ptr = claimRegion(
        this,
        Tag.BARRIER,
        BarrierLayout.WORDS,
        "Barrier",
        h,
      );
    }
    const words = h.int32(this.#ptr, BarrierLayout.WORDS);
    const seconds = h.float64(this.#ptr, BarrierLayout.TIMEOUT_F64, 1)[0]!;
    this.#timeoutMs = seconds < 0 ? Infinity : seconds * 1000;
    const len = words[BarrierLayout.ACTION_LEN]!;
    let run: (() => unknown) | undefined = local;
    if (run === undefined && len > 0) {
      const spec = decode(
        h.bytes(words[BarrierLayout.ACTION_PTR]!, len),
      ) as TargetSpec;
      preload(spec);
      run = () => loadTargetSync(spec)();
    }
    this.#core = new BarrierCore(
      h.words(this.#ptr, BarrierLayout.WORDS),
      BarrierLayout.CORE,
      run,
    );
    if (!attaching) this.#core.init(Math.floor(parties));
  }

  /**
   * Waits until all parties have called `wait`, without blocking the event
   * loop.
   * @param timeout Seconds; defaults to the barrier's timeout.
   * @returns this thread's arrival index, 0 … parties - 1.
   * @throws {BrokenBarrierError} If the barrier is or becomes broken or reset,
   *   or the wait times out (which breaks it).
   */
  wait(timeout: number | null = null): Promise<number> {
    return runAsync(
      this.#core.waiting(timeout === null ? this.#timeoutMs : toMs(timeout)),
    );
  }

  /**
   * Like {@linkcode Barrier.wait}, blocking the calling thread. The action,
   * if this thread runs it, must not be async.
   * @param timeout Seconds; defaults to the barrier's timeout.
   * @returns this thread's arrival index.
   */
  waitSync(timeout: number | null = null): number {
    return runSync(
      this.#core.waiting(timeout === null ? this.#timeoutMs : toMs(timeout)),
    );
  }

  /** Returns the barrier to its initial state; current waiters get BrokenBarrierError. */
  reset(): void {
    this.#core.reset();
  }

  /** Breaks the barrier: current and future `wait` calls throw BrokenBarrierError. */
  abort(): void {
    this.#core.abort();
  }

  /** The number of threads required to pass the barrier. */
  get parties(): number {
    return this.#core.parties();
  }

  /** The number of threads waiting now. */
  get nWaiting(): number {
    return this.#core.nWaiting();
  }

  /** Whether the barrier is broken. */
  get broken(): boolean {
    return this.#core.broken();
  }

  /** @internal The codec record: the barrier travels by reference. */
  [SHARE](): ShareRecord {
    return classRecord(this, this.#ptr);
  }
}

registerHeapClass("threading.Barrier", () => new Barrier(1));
registerDestructor(Tag.BARRIER, (h, ptr) => {
  const block = h.int32(ptr, BarrierLayout.WORDS)[BarrierLayout.ACTION_PTR]!;
  if (block !== 0) h.free(block);
});
