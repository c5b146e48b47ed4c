/**
 * The owner's side of a process pool: what `ProcessPoolExecutor` and
 * multiprocessing's `Pool` do in the process that made them. Both are
 * faces of the one pool core (`_internal/futures`): the pool's state, work
 * queue and futures live in the program's shared heap, its workers are
 * child processes running the pool worker loop, and a task travels as one
 * number through the queue (no message per task).
 *
 * The two differ in what a dying worker means: a `ProcessPoolExecutor`
 * breaks (every running and pending future fails with BrokenProcessPool,
 * the other workers are terminated, later submits throw), a `Pool`
 * replaces the worker and fails only the task it ran.
 *
 * How a death is noticed: a child's end is seen by polling its lifeline
 * pipe (a system call, no wait). The owner looks while a `Sync` wait of
 * this thread blocks (the liveness checks of `_internal/futures`), and,
 * while it has work in flight, on a 100 ms timer that does not hold the
 * event loop. A completion never waits for that timer: workers wake the
 * owner through the futures' shared words at once.
 *
 * @module
 */

import { RuntimeError } from "../_internal/errors.ts";
import type { Heap } from "../_internal/sync/heap.ts";
import { encode } from "../_internal/codec/encode.ts";
import {
  describeTarget,
  type Target,
  type TargetSpec,
} from "../_internal/threads/targets.ts";
import { programHeap } from "../_internal/process/program_heap.ts";
import {
  Broken,
  F,
  PROCESS_BROKEN_MESSAGES,
  WState,
  X,
} from "../_internal/futures/layout.ts";
import { failItem } from "../_internal/futures/future_core.ts";
import { Port } from "../_internal/futures/port.ts";
import { newTargetBlock, newWorkItem } from "../_internal/futures/items.ts";
import { PoolCore } from "../_internal/futures/pool_core.ts";
import { SENTINEL } from "../_internal/futures/work_queue.ts";
import { addLivenessCheck, SLICE_MS } from "../_internal/futures/liveness.ts";
import { startWorkerChild } from "../multiprocessing/process.ts";
import { ProcessTable } from "../_internal/process/table.ts";
import { signal, SIGTERM } from "../_internal/process/os.ts";
import { Future, futureInternals } from "./future.ts";
import { brokenErrorOf, type PoolKind } from "./_process_worker.ts";
// The owner receives whatever its workers return, shareables included.
import "../_internal/shareables.ts";

const WORKER = new URL("./_process_worker.ts#processWorker", import.meta.url);

/** How a process pool is made. */
export interface ProcessPoolConfig {
  /** The most workers (all of them start at once when `eager`). */
  workers: number;
  init: TargetSpec | null;
  initargs: unknown[];
  /** Items after which a worker is replaced (0: never). */
  maxTasks: number;
  kind: PoolKind;
  /** Start every worker now (Pool), or one per submit while none is idle. */
  eager: boolean;
  /** The workers' process names: `${prefix}-${n}`. */
  prefix: string;
  /** The error the work of a dead worker (Pool) or a terminated pool fails with. */
  lostError: (message: string) => Error;
}

/** Owners with work in flight or workers still ending (see the ticker). */
const watched = new Set<ProcessPoolOwner>();
let ticker: ReturnType<typeof setTimeout> | undefined;

function tick(): void {
  ticker = undefined;
  for (const o of [...watched]) {
    try {
      o.checkWorkers();
    } catch (e) {
      console.error("Exception in a process pool's liveness check:", e);
    }
  }
  scheduleTick();
}

function scheduleTick(): void {
  if (ticker !== undefined) return;
  for (const o of [...watched]) if (!o.needsWatch()) watched.delete(o);
  if (watched.size === 0) return;
  ticker = setTimeout(tick, SLICE_MS);
  Deno.unrefTimer(ticker as unknown as number);
}

let workerNumber = 0;

/** A worker process: its pid and process table entry (ours to release). */
interface Child {
  pid: number;
  entry: number;
}

/** The owner's side of one process pool. */
export class ProcessPoolOwner {
  readonly h: Heap;
  readonly core: PoolCore;
  readonly port: Port;
  readonly cfg: ProcessPoolConfig;
  /** Per worker slot: its process (null while the slot is empty). */
  readonly procs: (Child | null)[];
  /** Workers that ended, until they are reaped (then their entry goes). */
  readonly #ending: Child[] = [];
  readonly #table = ProcessTable.get();
  /** Work in flight, by region (removed once done). */
  readonly inflight = new Map<number, Future<unknown>>();
  readonly #targets = new Map<unknown, number>();
  /** No more work is accepted (close, shutdown or terminate). */
  shutdown = false;
  terminated = false;
  #released = false;
  /** Eager pools: workers after the first not started yet. */
  #deferred = false;
  #removeCheck: () => void;

  constructor(cfg: ProcessPoolConfig) {
    this.cfg = cfg;
    this.h = programHeap();
    this.core = PoolCore.create(
      this.h,
      cfg.workers,
      brokenErrorOf(cfg.kind),
      PROCESS_BROKEN_MESSAGES,
    );
    this.port = Port.of(this.h);
    this.procs = new Array(cfg.workers).fill(null);
    this.#removeCheck = addLivenessCheck(() => this.checkWorkers());
    if (cfg.eager) {
      try {
        this.#start(0);
      } catch (e) {
        this.terminate();
        throw e;
      }
      // The others start once the first one runs, or as soon as two tasks
      // are in flight: booting them all at once would slow the first one
      // down (a cold `deno` boot is CPU-bound), and the first result with it.
      this.#deferred = cfg.workers > 1;
      if (this.#deferred) {
        watched.add(this);
        scheduleTick();
      }
    }
  }

  /** Starts the workers held back at construction (see the constructor). */
  #startDeferred(): void {
    if (!this.#deferred) return;
    this.#deferred = false;
    if (this.terminated) return;
    for (let k = 0; k < this.procs.length; k++) {
      if (this.procs[k] === null) {
        try {
          this.#start(k);
        } catch (e) {
          console.error("Cannot start a worker of the pool:", e);
        }
      }
    }
  }

  /** Whether the ticker must keep looking at this pool. */
  needsWatch(): boolean {
    return !this.#released &&
      (this.inflight.size > 0 || this.shutdown || this.#ending.length > 0 ||
        this.#deferred);
  }

  /** Starts a worker in slot `k`. */
  #start(k: number): void {
    const core = this.core, h = this.h;
    core.resetRecord(k);
    h.retain(core.ptr); // the worker's reference
    try {
      this.procs[k] = startWorkerChild(WORKER, [
        core.ptr,
        k,
        this.cfg.init,
        this.cfg.initargs,
        this.cfg.maxTasks,
        this.cfg.kind,
      ], `${this.cfg.prefix}-${++workerNumber}`);
    } catch (e) {
      h.release(core.ptr);
      throw e;
    }
  }

  /**
   * The target block of a callable: made once per callable, and once per
   * source text (a loop that submits a fresh arrow function each time
   * shares one block).
   */
  #targetOf(fn: Target): number {
    const key = fn instanceof URL ? fn.href : fn;
    let t = this.#targets.get(key);
    if (t !== undefined) return t;
    const spec = describeTarget(fn, "fn");
    const bySource = spec.kind === "source"
      ? `${spec.name}\0${spec.source}`
      : undefined;
    if (bySource !== undefined) {
      t = this.#targets.get(bySource);
      if (t !== undefined) {
        if (this.#targets.size < 10_000) this.#targets.set(key, t);
        return t;
      }
    }
    t = newTargetBlock(this.core, encode(spec).bytes);
    this.#targets.set(key, t);
    if (bySource !== undefined) this.#targets.set(bySource, t);
    return t;
  }

  /**
   * A work item in the queue and a future bound to it.
   * @throws {RuntimeError} After shutdown (the caller words its own error).
   */
  submit<R>(
    fn: Target,
    args: unknown[],
    chunk: boolean,
    flat = false,
  ): Future<R> {
    const core = this.core, h = this.h;
    if (core.broken()) throw core.brokenError();
    if (this.shutdown) {
      throw new RuntimeError("cannot schedule new futures after shutdown");
    }
    const target = this.#targetOf(fn);
    // Encode first: a value that cannot cross fails here, with nothing queued.
    const { bytes } = encode(args, "process");
    const { ptr, w } = newWorkItem(
      h,
      target,
      bytes,
      [],
      chunk,
      this.port.ptr,
      flat,
    );
    const f = new Future<R>();
    futureInternals().bind(f, h, ptr, w, this.port, noSabs);
    this.inflight.set(ptr, f as Future<unknown>);
    f.addDoneCallback(() => this.inflight.delete(ptr));
    core.queue.put(ptr);
    if (this.inflight.size === 1 || ticker === undefined) {
      watched.add(this);
      scheduleTick();
    }
    if (!this.cfg.eager) this.#adjustProcessCount();
    else if (this.#deferred && this.inflight.size > 1) this.#startDeferred();
    return f;
  }

  /** Python's `_adjust_process_count`: one more worker while none is idle. */
  #adjustProcessCount(): void {
    const k = this.procs.indexOf(null);
    if (k < 0) return;
    const x = this.core.x;
    for (let idle = x.load(X.IDLE); idle > 0; idle = x.load(X.IDLE)) {
      if (x.compareExchange(X.IDLE, idle, idle - 1) === idle) return;
    }
    this.#start(k);
  }

  /**
   * Looks at each worker: one that ended while starting or running died
   * (the pool breaks, or it is replaced); one that retired is replaced.
   */
  checkWorkers(): void {
    if (this.#released) return;
    if (this.#deferred && this.core.workerState(0) !== WState.NONE) {
      this.#startDeferred();
    }
    for (let k = 0; k < this.procs.length; k++) {
      const p = this.procs[k];
      if (p == null) continue;
      const code = this.#table.poll(p.entry);
      if (code === null) continue;
      const s = this.core.workerState(k);
      this.procs[k] = null;
      this.#ending.push(p);
      if (s === WState.NONE || s === WState.RUNNING || s === WState.DEAD) {
        this.#died(k, code);
      } else if (s === WState.RETIRED && !this.terminated) {
        this.#replace(k);
      }
      if (this.#released) return;
    }
    this.#releaseReaped();
    this.#maybeRelease();
  }

  /** Releases the entries of ended workers that are reaped by now. */
  #releaseReaped(): void {
    const ending = this.#ending;
    for (let i = ending.length - 1; i >= 0; i--) {
      const c = ending[i]!;
      this.#table.poll(c.entry);
      if (this.#table.isReaped(c.entry)) {
        ending.splice(i, 1);
        this.#table.release(c.entry);
      }
    }
  }

  /** Sends SIGTERM to every live worker (Python's `p.terminate()`). */
  #terminateAll(): void {
    for (const p of this.procs) {
      // Only an unreaped child may be signalled: its pid cannot be reused.
      if (p != null && this.#table.poll(p.entry) === null) {
        signal(p.pid, SIGTERM);
      }
    }
  }

  #died(k: number, code: number): void {
    if (this.terminated) {
      this.core.declareDead(k, this.#lost("terminated"), true);
      return;
    }
    if (this.cfg.kind === "executor") {
      this.#breakPool(k);
      return;
    }
    this.core.declareDead(
      k,
      this.#lost(`died (exitcode ${code})`),
      true,
    );
    this.#replace(k);
  }

  #replace(k: number): void {
    // After close, a worker is replaced only while work is left (Python's
    // worker handler keeps the pool while its cache is not empty).
    if (this.shutdown && this.inflight.size === 0) return;
    try {
      this.#start(k);
    } catch (e) {
      console.error("Cannot replace a worker of the pool:", e);
    }
  }

  #lost(what: string): Error {
    return this.cfg.lostError(
      what === "terminated"
        ? "The pool was terminated before the task finished"
        : `A worker process of the pool ${what} while running the task`,
    );
  }

  /**
   * A ProcessPoolExecutor's worker died: the pool breaks, the other workers
   * are terminated, every running and pending future fails (Python's
   * `_terminate_broken`).
   */
  #breakPool(dead: number): void {
    const core = this.core;
    core.x.compareExchange(X.BROKEN, Broken.NONE, Broken.DIED);
    this.shutdown = true;
    this.#terminateAll();
    this.#failInflight(() => core.brokenError());
    core.declareDead(dead, undefined, true);
    for (let k = 0; k < this.procs.length; k++) {
      if (this.procs[k] != null) core.declareDead(k, undefined, true);
    }
  }

  /**
   * Fails every future in flight (the queue is not touched: a killed worker
   * may have left its lock taken).
   */
  #failInflight(make: () => Error): void {
    const h = this.h;
    let error: Error | undefined;
    for (const ptr of [...this.inflight.keys()]) {
      const w = h.words(ptr, F.WORDS);
      failItem(h, ptr, w, error ??= make());
    }
    // Bring the futures up to date now (callbacks run, waiters wake).
    this.port.drain();
  }

  /** Python's `Pool.close()` / `shutdown(wait=False)` without the waiting. */
  close(cancelFutures = false): void {
    if (this.#released) return;
    const core = this.core;
    const first = !this.shutdown;
    this.shutdown = true;
    if (first) core.x.store(X.SHUTDOWN, 1);
    // Held-back workers start only if there is work for them.
    if (this.#deferred && this.inflight.size <= 1) this.#deferred = false;
    if (core.broken() !== Broken.NONE || this.terminated) {
      watched.add(this); // reaps the workers as they end
      scheduleTick();
      this.#maybeRelease();
      return;
    }
    if (cancelFutures) {
      const fi = futureInternals();
      let sentinels = 0;
      for (;;) {
        const p = core.queue.getNowait();
        if (p < 0) break;
        if (p === SENTINEL) {
          sentinels++;
          continue;
        }
        const f = this.inflight.get(p);
        if (f !== undefined) {
          f.cancel();
          fi.abandon(f); // never run: it stays cancelled
          this.inflight.delete(p);
        }
        this.h.release(p); // the work item's reference
      }
      for (let i = 0; i < sentinels; i++) core.queue.putSentinel();
    }
    if (first) core.queue.putSentinel(); // each worker puts it back for the next
    watched.add(this);
    scheduleTick();
    this.#maybeRelease();
  }

  /** Python's `Pool.terminate()`: every worker ends now; unfinished work fails. */
  terminate(): void {
    if (this.#released) return;
    this.shutdown = true;
    this.terminated = true;
    this.#deferred = false;
    this.core.x.store(X.SHUTDOWN, 1);
    this.#terminateAll();
    this.#failInflight(() => this.#lost("terminated"));
    for (let k = 0; k < this.procs.length; k++) {
      if (this.procs[k] != null) {
        this.core.declareDead(k, this.#lost("terminated"), true);
      }
    }
    watched.add(this);
    scheduleTick();
  }

  /** Whether every worker has ended (and none will be started). */
  #allEnded(): boolean {
    return this.procs.every((p) => p == null);
  }

  /**
   * Waits (without blocking the event loop) until every worker ended and
   * was reaped.
   */
  async join(): Promise<void> {
    for (;;) {
      this.checkWorkers();
      const p = this.procs.find((p) => p != null);
      if (p == null) break;
      await this.#table.wait(p.entry, SLICE_MS);
    }
    // One at a time, from the list: the ticker may release one meanwhile.
    while (this.#ending.length > 0) {
      await this.#table.waitReaped(this.#ending[0]!.entry, Infinity);
      this.#releaseReaped();
    }
    this.#maybeRelease();
  }

  /** Like {@linkcode join}, blocking the calling thread. */
  joinSync(): void {
    for (;;) {
      this.checkWorkers();
      const p = this.procs.find((p) => p != null);
      if (p == null) break;
      this.#table.waitSync(p.entry, SLICE_MS);
    }
    for (const c of this.#ending) this.#table.waitSync(c.entry, Infinity, true);
    this.#releaseReaped();
    this.#maybeRelease();
  }

  /** Drops the owner's reference once shut down and every worker ended. */
  #maybeRelease(): void {
    if (this.#released || !this.shutdown || !this.#allEnded()) return;
    this.#releaseReaped();
    if (this.#ending.length > 0) return; // the ticker comes back
    this.#released = true;
    watched.delete(this);
    this.#removeCheck();
    // Work a broken or terminated pool failed is settled by now; the rest
    // of its queue (never popped) dies with the region.
    this.h.release(this.core.ptr);
  }
}

function noSabs(): never {
  throw new TypeError("a process pool shares no SharedArrayBuffer");
}
