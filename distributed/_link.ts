/**
 * The owner's side of a Redis thread: the thread that does a distributed
 * object's Redis I/O (as CPython's executors keep a management thread), so
 * that a `Sync` call can block the owner, even on the main thread, without
 * starving the connection.
 *
 * It is the thread pool's machinery with one worker: requests are work
 * items in a pool's shared queue (`_internal/futures`), each bound to a
 * library `Future` that the Redis thread completes through shared memory;
 * so `resultSync()`, `wait()`, `asCompleted()` and callbacks all work as
 * for a thread pool's futures. A request's arguments are one codec-encoded
 * envelope (`[op, ...params]`), read by `_bridge.ts`.
 *
 * @module
 */

import { type Heap, heap } from "../_internal/sync/heap.ts";
import { encode } from "../_internal/codec/encode.ts";
import {
  F,
  FTag,
  MIN_ARGS_BYTES,
  W,
  WState,
} from "../_internal/futures/layout.ts";
import { Port } from "../_internal/futures/port.ts";
import { PoolCore } from "../_internal/futures/pool_core.ts";
import { addLivenessCheck, SLICE_MS } from "../_internal/futures/liveness.ts";
import { Thread } from "../threading/thread.ts";
import { Future, futureInternals } from "../concurrent_futures/future.ts";
import { BrokenExecutor } from "../concurrent_futures/errors.ts";

const BRIDGE = new URL("./_bridge.ts#bridgeMain", import.meta.url);

/** What the Redis thread serves. */
export type LinkKind = "executor" | "queue";

/** A Redis thread and the shared queue of its requests. */
export class Link {
  readonly h: Heap;
  readonly core: PoolCore;
  readonly port: Port;
  readonly thread: Thread;
  #stopped = false;
  #released = false;
  #removeCheck: () => void;

  /**
   * Starts the thread.
   * @param kind What it serves.
   * @param config Its settings (structured-clone data).
   * @param name The thread's name.
   */
  constructor(kind: LinkKind, config: Record<string, unknown>, name: string) {
    this.h = heap();
    this.core = PoolCore.create(
      this.h,
      1,
      (m) => new BrokenExecutor(m),
    );
    this.port = Port.of(this.h);
    this.h.retain(this.core.ptr); // the thread's reference
    this.thread = new Thread({
      name,
      target: BRIDGE,
      args: [this.core.ptr, kind, config],
      daemon: true,
    });
    try {
      this.thread.start();
    } catch (e) {
      this.h.release(this.core.ptr);
      this.h.release(this.core.ptr);
      throw e;
    }
    // A Sync wait looks for a thread that died (its futures then fail).
    this.#removeCheck = addLivenessCheck(() => this.#check());
  }

  #check(): void {
    if (!this.thread.isAlive()) this.core.declareDead(0);
  }

  /**
   * Sends a request; returns its future, bound to the shared state the
   * Redis thread completes, and the region of that state.
   */
  request<R>(envelope: unknown[]): { f: Future<R>; ptr: number } {
    const core = this.core, h = this.h;
    if (core.broken()) throw core.brokenError();
    // Encode first: a value that cannot cross fails here, with nothing queued.
    const { bytes } = encode(envelope, "process");
    const ptr = h.allocObject(
      FTag.FUTURE,
      F.WORDS + Math.ceil(Math.max(bytes.length, MIN_ARGS_BYTES) / 4),
    );
    const w = h.words(ptr, F.WORDS);
    h.u8.set(bytes, ptr * 16 + F.WORDS * 4);
    const i32 = w.i32;
    i32[F.ARGS_LEN] = bytes.length;
    i32[F.PORT] = this.port.ptr;
    h.retain(ptr); // the work item's reference (the future holds the other)
    const f = new Future<R>();
    futureInternals().bind(f, h, ptr, w, this.port, () => {
      throw new RangeError("no SharedArrayBuffers cross to Redis");
    });
    core.queue.put(ptr);
    if (core.broken()) core.failQueued();
    return { f, ptr };
  }

  /**
   * Tells the Redis thread that the future of a request was cancelled (it
   * sees the same region again, which is how it tells a notice from a new
   * request). Only while the thread runs.
   */
  notice(ptr: number): void {
    if (this.#released) return;
    this.h.retain(ptr);
    this.core.queue.put(ptr);
  }

  /** No more requests: the thread leaves once its requests are answered. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.core.queue.putSentinel();
  }

  /** Whether `stop()` was called. */
  get stopped(): boolean {
    return this.#stopped;
  }

  /** Waits (async) until the thread ended. */
  async join(): Promise<void> {
    await this.thread.join();
    this.#release();
  }

  /** Waits (blocking) until the thread ended, or is found dead. */
  joinSync(): void {
    const t = this.thread;
    while (t.isAlive()) {
      t.joinSync(SLICE_MS / 1000);
      if (t.isAlive()) this.#check();
      if (this.core.x.load(this.core.rec(0, W.STATE)) === WState.DEAD) break;
    }
    this.#release();
  }

  #release(): void {
    if (this.#released) return;
    this.#released = true;
    this.#removeCheck();
    this.core.declareDead(0); // false unless it died
    this.h.release(this.core.ptr);
  }
}
