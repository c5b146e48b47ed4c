/**
 * A pool's shared state, seen the same way by its owner (the thread that
 * created the executor) and by its workers: flags, the idle count, the work
 * queue, the workers' records, and the two ways a pool breaks (a failed
 * initializer, a dead worker), which fail the queued work in shared memory
 * so that no waiter hangs, whichever thread notices.
 *
 * References to the region: one for the owner's executor object, one per
 * started worker (taken by the owner, adopted by the worker's loop and
 * dropped when it leaves; a dead worker's is dropped by whoever declares it
 * dead). The last one frees the target blocks.
 *
 * @module
 */

import { type Heap, registerDestructor } from "../sync/heap.ts";
import type { WaitWords } from "../sync/words.ts";
import { Broken, BROKEN_MESSAGES, F, FTag, T, W, WState, X } from "./layout.ts";
import { failItem, pushToPort } from "./future_core.ts";
import { SENTINEL, WorkQueue } from "./work_queue.ts";

/** Makes the error a broken pool fails its futures with. */
export type BrokenErrorFactory = (message: string) => Error;

/** A pool's shared state. */
export class PoolCore {
  readonly h: Heap;
  /** The executor's region. */
  readonly ptr: number;
  /** Its words (fixed fields, then the worker records). */
  readonly x: WaitWords;
  readonly queue: WorkQueue;
  readonly maxWorkers: number;
  readonly #brokenError: BrokenErrorFactory;
  readonly #messages: Record<number, string>;

  private constructor(
    h: Heap,
    ptr: number,
    maxWorkers: number,
    brokenError: BrokenErrorFactory,
    messages: Record<number, string>,
  ) {
    this.h = h;
    this.ptr = ptr;
    this.maxWorkers = maxWorkers;
    this.x = h.words(ptr, X.WORDS + maxWorkers * W.WORDS);
    this.queue = new WorkQueue(h, ptr, X.QUEUE);
    this.#brokenError = brokenError;
    this.#messages = messages;
  }

  /** A fresh pool state (one reference: the owner's). */
  static create(
    h: Heap,
    maxWorkers: number,
    brokenError: BrokenErrorFactory,
    messages: Record<number, string> = BROKEN_MESSAGES,
  ): PoolCore {
    const ptr = h.allocObject(FTag.EXECUTOR, X.WORDS + maxWorkers * W.WORDS);
    h.int32(ptr, X.WORDS)[X.MAX_WORKERS] = maxWorkers;
    WorkQueue.init(h, ptr, X.QUEUE);
    return new PoolCore(h, ptr, maxWorkers, brokenError, messages);
  }

  /** Attaches a pool state (a worker does; it brings its own reference). */
  static attach(
    h: Heap,
    ptr: number,
    brokenError: BrokenErrorFactory,
    messages: Record<number, string> = BROKEN_MESSAGES,
  ): PoolCore {
    h.checkTag(ptr, FTag.EXECUTOR, "executor");
    const max = Atomics.load(h.int32(ptr, X.WORDS), X.MAX_WORKERS);
    return new PoolCore(h, ptr, max, brokenError, messages);
  }

  /** The index of field `f` of worker `k`'s record. */
  rec(k: number, f: number): number {
    return X.WORDS + k * W.WORDS + f;
  }

  /** Why the pool is broken (a {@linkcode Broken} value; 0 if it is not). */
  broken(): number {
    return this.x.load(X.BROKEN);
  }

  /** The message of a broken pool. */
  brokenMessage(): string {
    return this.#messages[this.broken()] ?? "The pool is broken";
  }

  /** A new error for a broken pool. */
  brokenError(): Error {
    return this.#brokenError(this.brokenMessage());
  }

  /**
   * Marks the pool broken (first reason wins), fails every queued item and
   * wakes the idle workers so that they leave (Python's
   * `_initializer_failed`, and what ProcessPoolExecutor does when a worker
   * dies).
   */
  break(reason: number): void {
    this.x.compareExchange(X.BROKEN, Broken.NONE, reason);
    this.failQueued();
  }

  /**
   * Fails every queued item with the broken pool's error; puts back the
   * sentinels it met, plus one so that every worker wakes and leaves.
   */
  failQueued(with_?: () => Error): void {
    const q = this.queue;
    let sentinels = 1;
    let error: Error | undefined;
    const make = with_ ?? (() => this.brokenError());
    for (;;) {
      const p = q.getNowait();
      if (p < 0) break;
      if (p === SENTINEL) {
        sentinels++;
        continue;
      }
      error ??= make();
      const w = this.h.words(p, F.WORDS);
      failItem(this.h, p, w, error);
      pushToPort(this.h, p, w); // hands over the queue's reference
    }
    for (let i = 0; i < sentinels; i++) q.putSentinel();
  }

  /**
   * Declares worker `k` dead if it was starting or running (once, whoever
   * notices first): fails the item it ran (with `error`, by default the
   * broken pool's), breaks the pool unless `keepPool` (multiprocessing's
   * Pool replaces the worker instead), drops the references the worker held.
   * @returns false if it had left normally or was declared dead already.
   */
  declareDead(k: number, error?: Error, keepPool = false): boolean {
    const x = this.x, i = this.rec(k, W.STATE);
    let s = x.load(i);
    while (s === WState.NONE || s === WState.RUNNING) {
      const old = x.compareExchange(i, s, WState.DEAD);
      if (old === s) break;
      s = old;
    }
    if (s !== WState.NONE && s !== WState.RUNNING) return false;
    const cur = x.exchange(this.rec(k, W.CURRENT), 0);
    if (cur !== 0) {
      const w = this.h.words(cur, F.WORDS);
      failItem(
        this.h,
        cur,
        w,
        error ?? this.#brokenError(this.#messages[Broken.DIED]!),
      );
      pushToPort(this.h, cur, w); // hands over the queue's reference
      this.h.release(cur); // the worker's hold on its current item
    }
    if (!keepPool) this.break(Broken.DIED);
    this.h.release(this.ptr); // the worker's reference
    return true;
  }

  /**
   * Makes worker `k`'s record ready for a new worker (the old one is gone
   * for good: exited, retired or declared dead).
   */
  resetRecord(k: number): void {
    this.x.store(this.rec(k, W.CURRENT), 0);
    this.x.store(this.rec(k, W.STATE), WState.NONE);
  }

  /** Worker `k`'s record state (a {@linkcode WState}). */
  workerState(k: number): number {
    return this.x.load(this.rec(k, W.STATE));
  }
}

registerDestructor(FTag.EXECUTOR, (h, ptr) => {
  WorkQueue.destroy(h, ptr, X.QUEUE);
  let t = Atomics.load(h.int32(ptr, X.WORDS), X.TARGETS);
  while (t !== 0) {
    const next = h.int32(t, T.WORDS)[T.NEXT]!;
    h.free(t);
    t = next;
  }
});

registerDestructor(FTag.FUTURE, (h, ptr) => {
  const block = Atomics.load(h.int32(ptr, F.WORDS), F.RESULT_PTR);
  if (block > 0) h.free(block);
});
