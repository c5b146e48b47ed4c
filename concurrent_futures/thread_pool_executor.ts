import { RuntimeError, ValueError } from "../_internal/errors.ts";
import { type Heap, heap } from "../_internal/sync/heap.ts";
import { encode } from "../_internal/codec/encode.ts";
import {
  describeTarget,
  type Target,
  type TargetFunction,
  type TargetSpec,
} from "../_internal/threads/targets.ts";
import { E, Registry, State } from "../_internal/threads/registry.ts";
import { MAX_SLOTS, Pool, S } from "../_internal/threads/pool.ts";
import { sendSabs } from "../_internal/threads/spawn.ts";
import { W, WState, X } from "../_internal/futures/layout.ts";
import { Port } from "../_internal/futures/port.ts";
import { newTargetBlock, newWorkItem } from "../_internal/futures/items.ts";
import { PoolCore } from "../_internal/futures/pool_core.ts";
import { SENTINEL } from "../_internal/futures/work_queue.ts";
import { addLivenessCheck, SLICE_MS } from "../_internal/futures/liveness.ts";
import { Thread } from "../threading/thread.ts";
import {
  type ChunkOutcome,
  Executor,
  type ShutdownOptions,
} from "./executor.ts";
import { Future, futureInternals } from "./future.ts";
import { BrokenThreadPool } from "./errors.ts";

/** Options of {@linkcode ThreadPoolExecutor}, Python's keyword arguments. */
export interface ThreadPoolExecutorOptions {
  /**
   * The most threads the pool starts (lazily, one per submit while none is
   * idle). @default min(32, cpuCount + 4), as Python's
   */
  maxWorkers?: number | null;
  /**
   * Names the threads `PREFIX_0`, `PREFIX_1`…
   * @default "ThreadPoolExecutor-N"
   */
  threadNamePrefix?: string;
  /**
   * Run by each worker thread when it starts (a target: a self-contained
   * function or a module reference). If it throws, the pool breaks.
   */
  initializer?: Target | null;
  /** Arguments for the initializer. @default [] */
  initargs?: readonly unknown[];
}

const WORKER = new URL("./_worker.ts#workerLoop", import.meta.url);

/** Python's `ThreadPoolExecutor._counter`, for default name prefixes. */
let counter = 0;

/** Whether `/proc/self/task/TID` exists (true when it cannot be told). */
function taskExists(tid: number): boolean {
  try {
    Deno.statSync(`/proc/self/task/${tid}`);
    return true;
  } catch (e) {
    return !(e instanceof Deno.errors.NotFound);
  }
}

/** A started thread's registry entry, retained for the caller (0 if gone). */
function entryOf(t: Thread): number {
  const reg = Registry.get();
  const h = heap();
  let found = 0;
  for (const e of reg.liveEntries()) {
    if (found === 0 && reg.entry(e).load(E.IDENT) === t.ident) found = e;
    else h.release(e);
  }
  return found;
}

/** The pool slot (Worker) that runs a thread's entry, or 0. */
function slotOf(entry: number): number {
  const pool = Pool.get();
  for (let slot = 1; slot <= MAX_SLOTS; slot++) {
    if (pool.get(slot, S.ENTRY) === entry) return slot;
  }
  return 0;
}

/**
 * The owner's side of a pool: everything the executor object does, kept
 * apart from it so that the watches on the workers (which live as long as
 * the threads) do not keep the executor object alive: an executor dropped
 * without `shutdown()` is shut down when collected, as in Python.
 */
class PoolOwner {
  readonly h: Heap;
  readonly core: PoolCore;
  readonly port: Port;
  readonly prefix: string;
  readonly init: TargetSpec | null;
  readonly initargs: unknown[];
  readonly threads: Thread[] = [];
  /** Per worker: its registry entry (retained; 0 once it ended). */
  readonly entries: number[] = [];
  /** Per worker: its Worker slot, for sending SharedArrayBuffers. */
  readonly slots: number[] = [];
  /** Per worker: whether its thread ended (or its OS thread is gone). */
  readonly ended: boolean[] = [];
  readonly targets = new Map<unknown, number>();
  readonly sabId = new Map<SharedArrayBuffer, number>();
  readonly sabById = new Map<number, SharedArrayBuffer>();
  readonly sabList: [number, SharedArrayBuffer][] = [];
  shutdown = false;
  #alive = 0;
  #released = false;
  #removeCheck: (() => void) | undefined;

  constructor(
    maxWorkers: number,
    prefix: string,
    init: TargetSpec | null,
    initargs: unknown[],
  ) {
    this.h = heap();
    this.core = PoolCore.create(
      this.h,
      maxWorkers,
      (m) => new BrokenThreadPool(m),
    );
    this.port = Port.of(this.h);
    this.prefix = prefix;
    this.init = init;
    this.initargs = initargs;
  }

  sab = (id: number): SharedArrayBuffer => {
    const sab = this.sabById.get(id);
    if (sab === undefined) {
      throw new RangeError(`unknown SharedArrayBuffer ${id}`);
    }
    return sab;
  };

  /** The request id of a SharedArrayBuffer, sent to the workers once. */
  #sabIdOf(sab: SharedArrayBuffer): number {
    let id = this.sabId.get(sab);
    if (id !== undefined) return id;
    id = Pool.get().nextRequestId();
    this.sabId.set(sab, id);
    this.sabById.set(id, sab);
    this.sabList.push([id, sab]);
    // Workers started later get the whole table in their arguments.
    for (let k = 0; k < this.threads.length; k++) {
      if (!this.ended[k] && this.slots[k] !== 0) {
        sendSabs(this.slots[k]!, id, [sab]);
      }
    }
    return id;
  }

  /** The target block of a callable (made once per callable). */
  #targetOf(fn: Target): number {
    const key = fn instanceof URL ? fn.href : fn;
    let t = this.targets.get(key);
    if (t !== undefined) return t;
    t = newTargetBlock(this.core, encode(describeTarget(fn, "fn")).bytes);
    this.targets.set(key, t);
    return t;
  }

  /** Python's `submit`: a work item in the queue, a future bound to it. */
  submit<R>(fn: Target, args: unknown[], chunk: boolean): Future<R> {
    if (this.shutdown) {
      throw new RuntimeError("cannot schedule new futures after shutdown");
    }
    const core = this.core, h = this.h;
    if (core.broken()) throw core.brokenError();
    const target = this.#targetOf(fn);
    // Encode first: a value that cannot cross fails here, with nothing queued.
    const { bytes, sabs } = encode(args, "share");
    const ids = sabs.length === 0 ? [] : sabs.map((s) => this.#sabIdOf(s));
    const { ptr, w } = newWorkItem(h, target, bytes, ids, chunk, this.port.ptr);
    const f = new Future<R>();
    futureInternals().bind(f, h, ptr, w, this.port, this.sab);
    core.queue.put(ptr);
    // A pool that broke meanwhile fails it rather than strand it.
    if (core.broken()) core.failQueued();
    else this.#adjustThreadCount();
    return f;
  }

  /** Python's `_adjust_thread_count`. */
  #adjustThreadCount(): void {
    const k = this.threads.length;
    // A full pool starts no thread, whatever the idle count says (it is
    // consulted only below the maximum, and a full pool stays full): this
    // saves a contended atomic operation per submit.
    if (k >= this.core.maxWorkers) return;
    const x = this.core.x;
    // An idle worker will take the item: start none.
    for (let idle = x.load(X.IDLE); idle > 0; idle = x.load(X.IDLE)) {
      if (x.compareExchange(X.IDLE, idle, idle - 1) === idle) return;
    }
    const h = this.h;
    h.retain(this.core.ptr); // the worker's reference
    const t = new Thread({
      name: `${this.prefix}_${k}`,
      target: WORKER,
      args: [this.core.ptr, k, this.init, this.initargs, [...this.sabList]],
      daemon: true,
    });
    try {
      t.start();
    } catch (e) {
      h.release(this.core.ptr);
      throw e;
    }
    this.threads.push(t);
    const entry = entryOf(t);
    this.entries.push(entry);
    this.slots.push(entry === 0 ? 0 : slotOf(entry));
    this.ended.push(false);
    this.#alive++;
    this.#removeCheck ??= addLivenessCheck(() => this.checkWorkers());
    if (entry === 0) this.threadEnded(k);
    else this.#watch(k, entry);
  }

  /** Hears (without keeping the process alive) when worker `k` ends. */
  #watch(k: number, entry: number): void {
    const words = Registry.get().entry(entry);
    const loop = (): void => {
      if (words.load(E.STATE) !== State.STARTED) {
        this.threadEnded(k);
        return;
      }
      const r = Atomics.waitAsync(words.i32, E.STATE, State.STARTED);
      if (r.async) r.value.then(loop);
      else loop();
    };
    loop();
  }

  /**
   * Worker `k`'s thread ended (or its OS thread is gone): unless its loop
   * left normally, it died, and the pool breaks.
   */
  threadEnded(k: number): void {
    if (this.ended[k] !== false) return;
    this.ended[k] = true;
    const entry = this.entries[k]!;
    this.entries[k] = 0;
    this.core.declareDead(k);
    if (entry !== 0) this.h.release(entry);
    this.#alive--;
    this.#maybeRelease();
  }

  /**
   * Run while this thread blocks in a `Sync` wait: a worker whose Worker
   * died is reported to its creator's event loop, which may be this very
   * blocked thread, so look for ourselves.
   */
  checkWorkers(): void {
    if (this.#released) return;
    for (let k = 0; k < this.threads.length; k++) {
      if (this.ended[k]) continue;
      const t = this.threads[k]!;
      if (!t.isAlive()) {
        this.threadEnded(k);
        continue;
      }
      const s = this.core.x.load(this.core.rec(k, W.STATE));
      const tid = t.nativeId;
      if (s === WState.RUNNING && tid !== null && !taskExists(tid)) {
        this.threadEnded(k);
      }
    }
  }

  /** Joins every worker thread without blocking the event loop. */
  async join(): Promise<void> {
    for (const t of [...this.threads]) await t.join();
  }

  /**
   * Joins every worker thread, blocking; a worker found dead meanwhile
   * (see {@linkcode checkWorkers}) is not waited for.
   */
  joinSync(): void {
    for (let k = 0; k < this.threads.length; k++) {
      const t = this.threads[k]!;
      while (t.isAlive() && !this.ended[k]) {
        t.joinSync(SLICE_MS / 1000);
        if (t.isAlive()) this.checkWorkers();
      }
    }
  }

  /** Python's `shutdown` without the waiting. */
  stop(cancelFutures: boolean): void {
    // Once released, the region may hold another object: touch nothing.
    if (this.#released) return;
    const core = this.core;
    const first = !this.shutdown;
    this.shutdown = true;
    if (first) core.x.store(X.SHUTDOWN, 1);
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
        const f = this.port.item(p) as Future<unknown> | undefined;
        if (f !== undefined) {
          f.cancel();
          fi.abandon(f); // never run: it stays cancelled
        }
        this.h.release(p); // the work item's reference
      }
      for (let i = 0; i < sentinels; i++) core.queue.putSentinel();
    }
    // Wake the workers blocked on the queue: they leave once it is empty.
    core.queue.putSentinel();
    this.#maybeRelease();
  }

  /** Drops the owner's reference once shut down and every worker ended. */
  #maybeRelease(): void {
    if (this.#released || !this.shutdown || this.#alive > 0) return;
    this.#released = true;
    this.#removeCheck?.();
    this.h.release(this.core.ptr);
  }
}

/** Shuts down pools collected without `shutdown()` (Python's weakref callback). */
const collected = new FinalizationRegistry<PoolOwner>((owner) => {
  if (!owner.shutdown) owner.stop(false);
});

function shutdownArgs(
  options: ShutdownOptions | boolean | undefined,
): { wait: boolean; cancelFutures: boolean } {
  if (typeof options === "boolean") {
    return { wait: options, cancelFutures: false };
  }
  const { wait = true, cancelFutures = false } = options ?? {};
  return { wait: Boolean(wait), cancelFutures: Boolean(cancelFutures) };
}

/**
 * Python's `concurrent.futures.ThreadPoolExecutor`: runs calls on a pool of
 * threads (Workers), with real parallelism.
 *
 * Threads start lazily, one per `submit` while no thread is idle, up to
 * `maxWorkers`, and are reused; they are `threading.Thread`s named
 * `ThreadPoolExecutor-N_k`, seen by `threading.enumerate()`. A call's
 * function is a self-contained function (sent by its source text: no
 * closure variables) or a module reference; its arguments and result are
 * structured-clone data; a SharedArrayBuffer in the arguments stays shared
 * (the pool sends each one to its threads once and keeps it until shutdown);
 * the library's locks, events and queues arrive by reference. An error
 * thrown by a call reaches the future with its class, message and the
 * worker's stack.
 *
 * Work items and results travel through shared memory (a queue of work
 * items, the futures' shared state), not through messages: a `Sync` wait
 * works on the main thread, and `maxWorkers` threads run in parallel.
 *
 * If the initializer throws, or a worker thread dies (`Deno.exit()` or
 * `close()` in a call, running out of memory), the pool breaks: pending
 * futures fail with {@linkcode BrokenThreadPool} and `submit` throws it.
 *
 * While futures are pending, the program does not end (Python's interpreter
 * waits for its pools' queued work at exit); an idle pool does not keep it
 * alive. `await using pool = new ThreadPoolExecutor()` shuts down at the
 * end of the block, waiting for the work.
 *
 * Differences from Python: `chunksize` in `map` is honoured (it saves
 * dispatch work); the worker threads are daemon threads (an idle pool never
 * holds the process; pending work does, see above); futures cannot be sent
 * to the pool's threads.
 *
 * @example Python's `ThreadPoolExecutor` example, without the network
 * ```ts
 * import { asCompletedSync, ThreadPoolExecutor } from "@pyconc/std/concurrent_futures";
 * import assert from "node:assert/strict";
 *
 * const load = (name: string) => `contents of ${name}`;
 * await using pool = new ThreadPoolExecutor({ maxWorkers: 5 });
 * const toName = new Map(["a", "b", "c"].map((n) => [pool.submit(load, n), n]));
 * for (const f of asCompletedSync(toName.keys())) {
 *   assert.equal(f.resultSync(), `contents of ${toName.get(f)}`);
 * }
 * ```
 */
export class ThreadPoolExecutor extends Executor {
  readonly #o: PoolOwner;
  readonly #maxWorkers: number;

  /**
   * Creates a pool; no thread starts before the first `submit`.
   *
   * @param options Python's keyword arguments, or `maxWorkers` alone.
   * @throws {ValueError} If `maxWorkers` is not above 0.
   * @throws {TypeError} If `initializer` is not a target, or `initargs`
   *   cannot be sent to a thread.
   */
  constructor(options: ThreadPoolExecutorOptions | number = {}) {
    super();
    const o = typeof options === "number"
      ? { maxWorkers: options }
      : options ?? {};
    let max = o.maxWorkers;
    if (max == null) {
      max = Math.min(32, (navigator.hardwareConcurrency || 1) + 4);
    }
    if (typeof max !== "number" || Number.isNaN(max)) {
      throw new TypeError("max_workers must be an integer");
    }
    if (max <= 0) throw new ValueError("max_workers must be greater than 0");
    if (!Number.isInteger(max)) {
      throw new TypeError("max_workers must be an integer");
    }
    const init = o.initializer != null
      ? describeTarget(o.initializer, "initializer")
      : null;
    const initargs = [...(o.initargs ?? [])];
    encode(initargs, "share"); // fails now, not in a worker
    const prefix = o.threadNamePrefix
      ? String(o.threadNamePrefix)
      : `ThreadPoolExecutor-${counter++}`;
    this.#maxWorkers = max;
    this.#o = new PoolOwner(max, prefix, init, initargs);
    collected.register(this, this.#o, this.#o);
  }

  /** The most threads this pool starts (Python's `_max_workers`). */
  get maxWorkers(): number {
    return this.#maxWorkers;
  }

  /**
   * Schedules `fn(...args)` on a worker thread.
   *
   * @param fn A self-contained function (sent by its source: no closure
   *   variables; it may `await import(...)`) or a module reference
   *   (`new URL("./tasks.ts#fib", import.meta.url)`). It may be async.
   * @param args Its arguments (structured-clone data).
   * @returns a Future of the result.
   * @throws {RuntimeError} After `shutdown()`.
   * @throws {BrokenThreadPool} If the pool is broken.
   * @throws {TypeError} If `fn` or an argument cannot be sent to a thread
   *   (nothing is queued).
   *
   * @example
   * ```ts
   * import { ThreadPoolExecutor } from "@pyconc/std/concurrent_futures";
   * import assert from "node:assert/strict";
   *
   * using pool = new ThreadPoolExecutor({ maxWorkers: 1 });
   * const f = pool.submit((base: bigint, exp: bigint) => base ** exp, 2n, 100n);
   * assert.equal(f.resultSync(), 2n ** 100n);
   * ```
   */
  submit<A extends unknown[], R>(
    fn: ((...args: A) => R) | URL | string,
    ...args: A
  ): Future<Awaited<R>> {
    return this.#o.submit<Awaited<R>>(fn as Target, args, false);
  }

  /**
   * A chunk of `map` calls as one work item (see `MapOptions.chunksize`).
   *
   * @param fn The callable.
   * @param chunk Argument lists.
   * @returns a future of the calls' outcomes.
   */
  protected override submitChunk(
    fn: TargetFunction | URL | string,
    chunk: unknown[][],
  ): Future<ChunkOutcome[]> {
    return this.#o.submit<ChunkOutcome[]>(fn, chunk, true);
  }

  /**
   * Python's `shutdown`: no more submits; with `wait` (the default),
   * resolves once the queued work is done and the threads ended; with
   * `cancelFutures`, work that has not started is cancelled first. Safe to
   * call more than once.
   *
   * @param options `{ wait = true, cancelFutures = false }`, or `wait` alone.
   *
   * @example
   * ```ts
   * import { ThreadPoolExecutor } from "@pyconc/std/concurrent_futures";
   * import assert from "node:assert/strict";
   *
   * const pool = new ThreadPoolExecutor({ maxWorkers: 2 });
   * const f = pool.submit((x: number) => x + 1, 1);
   * await pool.shutdown();
   * assert.equal(f.resultSync(0), 2);
   * assert.throws(() => pool.submit((x: number) => x, 1), /after shutdown/);
   * ```
   */
  async shutdown(options?: ShutdownOptions | boolean): Promise<void> {
    const { wait, cancelFutures } = shutdownArgs(options);
    this.#o.stop(cancelFutures);
    if (wait) await this.#o.join();
  }

  /**
   * Like {@linkcode ThreadPoolExecutor.shutdown}, blocking the calling
   * thread while it waits.
   *
   * @param options `{ wait = true, cancelFutures = false }`, or `wait` alone.
   */
  shutdownSync(options?: ShutdownOptions | boolean): void {
    const { wait, cancelFutures } = shutdownArgs(options);
    this.#o.stop(cancelFutures);
    if (wait) this.#o.joinSync();
  }
}
