import { type Heap, heap } from "../_internal/sync/heap.ts";
import { EventCore } from "../_internal/sync/event_core.ts";
import { EventLayout, Tag } from "../_internal/sync/layout.ts";
import {
  claimRegion,
  classRecord,
  HEAP,
  heapOfClass,
  registerHeapClass,
  TAG,
} from "../_internal/sync/heap_object.ts";
import { toMs } from "../_internal/sync/timeout.ts";
import { runAsync, runSync } from "../_internal/sync/words.ts";
import { SHARE, type ShareRecord } from "../_internal/codec/shareable.ts";

/**
 * Python's `threading.Event`: a flag that threads wait for.
 *
 * `set()` wakes every waiting thread; `wait()` returns at once while the
 * flag is set. A waiter woken by `set()` returns true even if the flag was
 * cleared again before it ran. Layered as CPython's: a flag guarded by a
 * `Condition(Lock())` in shared memory.
 *
 * @example Starting workers together
 * ```ts
 * import { Event, Thread } from "@pyconc/std/threading";
 * import assert from "node:assert/strict";
 *
 * const go = new Event();
 * const t = new Thread({
 *   target: (go: Event) => go.waitSync(10),
 *   args: [go],
 * });
 * t.start();
 * go.set();
 * await t.join();
 * assert.ok(go.isSet());
 * ```
 */
export class Event {
  /** @internal The heap instances live in (multiprocessing overrides it). */
  static [HEAP](): Heap {
    return heap();
  }

  /** @internal The codec tag of this class. */
  static readonly [TAG]: string = "threading.Event";

  readonly #ptr: number;
  readonly #core: EventCore;

  /** Creates an event whose flag is clear. */
  constructor() {
    const h = heapOfClass(new.target);
    this.#ptr = claimRegion(this, Tag.EVENT, EventLayout.WORDS, "Event", h);
    this.#core = new EventCore(
      h.words(this.#ptr, EventLayout.WORDS),
      EventLayout.CORE,
    );
  }

  /** Whether the flag is set. */
  isSet(): boolean {
    return this.#core.isSet();
  }

  /** Sets the flag and wakes every waiting thread. */
  set(): void {
    this.#core.set();
  }

  /** Clears the flag. */
  clear(): void {
    this.#core.clear();
  }

  /**
   * Waits until the flag is set, without blocking the event loop.
   * @param timeout Seconds, or null for no limit.
   * @returns true if the flag was set, false if the timeout passed.
   */
  wait(timeout: number | null = null): Promise<boolean> {
    if (this.#core.isSet()) return Promise.resolve(true);
    return runAsync(this.#core.waiting(toMs(timeout)));
  }

  /**
   * Like {@linkcode Event.wait}, blocking the calling thread.
   * @param timeout Seconds, or null for no limit.
   * @returns true if the flag was set, false if the timeout passed.
   */
  waitSync(timeout: number | null = null): boolean {
    return this.#core.isSet() || runSync(this.#core.waiting(toMs(timeout)));
  }

  /** Python's repr: `<Event object set>` or `<Event object unset>`. */
  toString(): string {
    return `<Event object ${this.isSet() ? "set" : "unset"}>`;
  }

  /** @internal The codec record: the event travels by reference. */
  [SHARE](): ShareRecord {
    return classRecord(this, this.#ptr);
  }
}

registerHeapClass("threading.Event", () => new Event());
