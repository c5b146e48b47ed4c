/**
 * An agent's completion port: how a thread that submitted work hears that
 * its futures completed in other threads.
 *
 * Completers push finished futures on the port's lock-free list and wake
 * the owner only when the list was empty (future_core.ts). The owner drains
 * the whole list at once, in completion order, and brings each future's
 * JavaScript side up to date: result decoded, promise settled, `wait()` and
 * `asCompleted()` waiters told, done-callbacks run, all in the thread that
 * submitted the work, as the contract asks.
 *
 * One listener per agent waits on the list head while the agent has futures
 * in flight, and the port holds the event loop open meanwhile, so that a
 * program ends only once its submitted work is done, as Python's
 * interpreter waits for its pools' queued work at exit; an agent with
 * nothing in flight does not listen. `Sync` waits drain the port
 * themselves.
 *
 * @module
 */

import type { Heap } from "../sync/heap.ts";
import {
  holdEventLoop,
  type WaitResult,
  type WaitWords,
} from "../sync/words.ts";
import { F, FTag, P } from "./layout.ts";

const ports = new WeakMap<Heap, Port>();

/** Brings a tracked item (a Future) up to date; set by future.ts. */
let updater: (item: object) => void = () => {};

/** Sets how tracked items are brought up to date (future.ts does). */
export function setPortUpdater(fn: (item: object) => void): void {
  updater = fn;
}

/** The completion port of this agent in one heap. */
export class Port {
  /** The port's region (futures name it in `F.PORT`). */
  readonly ptr: number;
  /** The port's words (`P.HEAD` is the list head). */
  readonly words: WaitWords;
  readonly #h: Heap;
  /** A view over the whole heap, to walk the list without allocating. */
  #allView: Int32Array;
  /**
   * Futures in flight, by slot (`F.PORT_SLOT` - 1 of their region): an
   * array and a free list, where a Map keyed by region costs ≈ 0.5–1 µs a
   * set and delete (V8 15), a tenth of a trivial task's whole cost.
   */
  readonly #items: (object | undefined)[] = [];
  readonly #free: number[] = [];
  #count = 0;
  #listening = false;
  #release: (() => void) | undefined;

  private constructor(h: Heap) {
    this.#h = h;
    this.ptr = h.allocObject(FTag.PORT, P.WORDS);
    this.words = h.words(this.ptr, P.WORDS);
    this.#allView = new Int32Array(h.buffer);
  }

  /**
   * The view over the whole heap, remade when the heap's memory is a new
   * buffer (a cross-process heap grown past this process's view: a future
   * another process allocated may lie past the old one).
   */
  get #all(): Int32Array {
    const b = this.#h.buffer;
    if (this.#allView.buffer !== b) this.#allView = new Int32Array(b);
    return this.#allView;
  }

  /** This agent's port in heap `h` (made on first use; never freed). */
  static of(h: Heap): Port {
    let p = ports.get(h);
    if (p === undefined) {
      p = new Port(h);
      ports.set(h, p);
    }
    return p;
  }

  /** How many futures are in flight (informational). */
  get size(): number {
    return this.#count;
  }

  /**
   * Follows a future in flight, brought up to date when it is pushed here.
   * Holds the event loop open while anything is tracked.
   * @param w The future's words (the slot is noted in `F.PORT_SLOT`).
   */
  track(w: WaitWords, item: object): void {
    const slot = this.#free.pop() ?? this.#items.length;
    this.#items[slot] = item;
    w.i32[F.PORT_SLOT] = slot + 1;
    if (++this.#count === 1) {
      this.#release ??= holdEventLoop();
      if (!this.#listening) {
        this.#listening = true;
        // After the caller's synchronous work (a burst of submits), not in it.
        queueMicrotask(() => void this.#listen());
      }
    }
  }

  /** The slot of a tracked region, or -1. */
  #slotOf(ptr: number): number {
    return this.#all[ptr * 4 + F.PORT_SLOT]! - 1;
  }

  /** The item tracked for a region, if any. */
  item(ptr: number): object | undefined {
    const slot = this.#slotOf(ptr);
    return slot < 0 ? undefined : this.#items[slot];
  }

  /** Stops following a future (it is settled here, or its item was dropped). */
  untrack(ptr: number): void {
    const slot = this.#slotOf(ptr);
    if (slot < 0 || this.#items[slot] === undefined) return;
    this.#items[slot] = undefined;
    this.#all[ptr * 4 + F.PORT_SLOT] = 0;
    this.#free.push(slot);
    if (--this.#count === 0) {
      this.#release?.();
      this.#release = undefined;
      // The listener's wait holds the event loop too: end it (nothing may
      // ever be pushed again, e.g. when shutdown dropped the last items).
      if (this.#listening) this.words.notify(P.HEAD, Infinity);
    }
  }

  /**
   * Takes every future pushed so far and updates each tracked one, in
   * completion order; drops the references the list held.
   * @returns whether anything was there.
   */
  drain(): boolean {
    let p = this.words.exchange(P.HEAD, 0);
    if (p === 0) return false;
    const list: number[] = [];
    const all = this.#all;
    while (p !== 0) {
      list.push(p);
      p = Atomics.load(all, p * 4 + F.PORT_NEXT);
    }
    for (let i = list.length - 1; i >= 0; i--) {
      const ptr = list[i]!;
      const item = this.item(ptr);
      try {
        if (item !== undefined) updater(item);
      } finally {
        this.#h.release(ptr);
      }
    }
    return true;
  }

  /**
   * Blocks the calling thread until something is pushed or `timeoutMs`
   * passes (spinning briefly first).
   */
  waitSync(timeoutMs: number): WaitResult {
    if (this.words.load(P.HEAD) !== 0) return "not-equal";
    return this.words.wait(P.HEAD, 0, timeoutMs);
  }

  async #listen(): Promise<void> {
    try {
      while (this.#count > 0) {
        try {
          this.drain();
        } catch (e) {
          console.error("Exception while completing futures:", e);
        }
        if (this.#count === 0) break;
        // The sync core's wait, so that any heap's backing works (a
        // cross-process heap waits with a futex, not Atomics).
        await this.words.waitAsync(P.HEAD, 0, Infinity);
      }
    } finally {
      this.#listening = false;
    }
  }
}
