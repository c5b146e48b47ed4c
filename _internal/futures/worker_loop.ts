/**
 * The loop every pool worker runs, a thread (ThreadPoolExecutor) or a child
 * process (ProcessPoolExecutor, multiprocessing.Pool): Python's `_worker`
 * of `concurrent/futures/thread.py`, `_process_worker` of `process.py` and
 * `worker` of `multiprocessing/pool.py`, written once. Run the initializer,
 * then take work items from the pool's shared queue, run them, and write
 * each outcome into the future's shared state, until a sentinel says the
 * pool shut down, or (with `maxTasks`) the worker has done its share.
 *
 * What differs between a thread and a process is given by the host: the
 * heap, how SharedArrayBuffers travel (threads share them; processes copy),
 * and how an abrupt end is heard from inside.
 *
 * @module
 */

import type { Heap } from "../sync/heap.ts";
import { isThenable, type WaitWords } from "../sync/words.ts";
import { decode } from "../codec/decode.ts";
import { encode } from "../codec/encode.ts";
import {
  loadTarget,
  loadTargetSync,
  preloaded,
  preloading,
  type TargetFunction,
  type TargetSpec,
} from "../threads/targets.ts";
import {
  Broken,
  CHUNK_FLAT,
  F,
  INLINE,
  Outcome,
  T,
  W,
  WState,
  X,
} from "./layout.ts";
import {
  claim,
  publish,
  pushToPort,
  startItem,
  storeBytes,
} from "./future_core.ts";
import type { PoolCore } from "./pool_core.ts";
import { SENTINEL } from "./work_queue.ts";

/** What a worker's home (a thread, a process) provides to the loop. */
export interface WorkerHost {
  h: Heap;
  pool: PoolCore;
  /** This worker's index (its record). */
  k: number;
  init: TargetSpec | null;
  initargs: unknown[];
  /**
   * How SharedArrayBuffers travel: "share" (threads: by request id, see
   * `sabs`) or "process" (copied into the bytes).
   */
  mode: "share" | "process";
  /** Threads: the pool's SharedArrayBuffers so far, and how to get more. */
  sabs?: {
    table: [number, SharedArrayBuffer][];
    fetch: (id: number) => Promise<SharedArrayBuffer>;
  };
  /**
   * Registers a hook run if this worker ends abruptly (Deno.exit in a
   * call); returns its remover.
   */
  onAbruptExit?: (fn: () => void) => () => void;
  /** Leave (state RETIRED) after this many items; 0: never. */
  maxTasks: number;
  /**
   * Runs a function in a task of its own, soon (see the loop below);
   * default: `setImmediate`. A process passes a lighter one: the first
   * `setImmediate` sets up Deno's Node compatibility (≈ 15 ms of a pool
   * worker's start), which a Worker has loaded already.
   */
  defer?: (fn: () => void) => void;
}

/** Node's `setImmediate` (a Deno global): a task of its own, ≈ 2 µs. */
const setImmediateTask = (fn: () => void): void => {
  (globalThis as unknown as { setImmediate(fn: () => void): unknown })
    .setImmediate(fn);
};

/**
 * Runs a pool worker until the pool shuts down, breaks, or it retires.
 * The loop adopts the reference to the pool's region the owner took for it.
 */
export async function runWorkerLoop(host: WorkerHost): Promise<void> {
  const { h, pool, k, init, initargs, mode, maxTasks } = host;
  const setImmediate = host.defer ?? setImmediateTask;
  const x = pool.x;
  const state = pool.rec(k, W.STATE);
  const current = pool.rec(k, W.CURRENT);
  if (x.compareExchange(state, WState.NONE, WState.RUNNING) !== WState.NONE) {
    return; // declared dead before it could start: the owner dropped our reference
  }
  let dead = false;
  const sabById = new Map<number, SharedArrayBuffer>(host.sabs?.table ?? []);
  const sabId = new Map<SharedArrayBuffer, number>();
  for (const [id, sab] of sabById) sabId.set(sab, id);
  const fns = new Map<number, TargetFunction>();

  // Deno.exit(), process.exit() or close() in a call: this worker dies, and
  // says so first (its item fails instead of hanging).
  const removeExitHandler = host.onAbruptExit?.(() => {
    if (dead) return;
    dead = true;
    pool.declareDead(k);
  }) ?? (() => {});

  const leave = (how: number = WState.EXITED) => {
    if (x.compareExchange(state, WState.RUNNING, how) === WState.RUNNING) {
      h.release(pool.ptr);
    }
  };

  if (init !== null) {
    try {
      const fn = await loadTarget(init);
      // In a task's own callback, as the items (see below).
      const r = await new Promise<unknown>((resolve, reject) =>
        setImmediate(() => {
          try {
            resolve(fn(...initargs));
          } catch (e) {
            reject(e);
          }
        })
      );
      if (isThenable(r)) await r;
    } catch (e) {
      if (dead) return;
      console.error(
        "Exception in initializer:\n" +
          (e instanceof Error ? e.stack ?? String(e) : String(e)),
      );
      pool.break(Broken.INITIALIZER);
      leave();
      removeExitHandler();
      return;
    }
  }

  /** The SharedArrayBuffers an item refers to (waiting for any in transit). */
  const sabsOf = async (ids: Int32Array): Promise<SharedArrayBuffer[]> => {
    const out: SharedArrayBuffer[] = [];
    for (const id of ids) {
      let sab = sabById.get(id);
      if (sab === undefined) {
        if (host.sabs === undefined) {
          throw new TypeError("SharedArrayBuffers cannot reach this worker");
        }
        sab = await host.sabs.fetch(id);
        sabById.set(id, sab);
        sabId.set(sab, id);
      }
      out.push(sab);
    }
    return out;
  };

  const fnFor = (target: number): TargetFunction | Promise<TargetFunction> => {
    const fn = fns.get(target);
    if (fn !== undefined) return fn;
    const words = h.int32(target, T.WORDS);
    const spec = decode(
      h.bytes(target, T.WORDS * 4 + words[T.LEN]!).subarray(T.WORDS * 4),
    ) as TargetSpec;
    if (spec.kind === "source") {
      const compiled = loadTargetSync(spec); // no import: no need to wait
      fns.set(target, compiled);
      return compiled;
    }
    return loadTarget(spec).then((fn) => {
      fns.set(target, fn);
      return fn;
    });
  };

  /**
   * Encodes an outcome; SharedArrayBuffers this pool knows stay shared
   * (threads).
   * @returns the bytes (valid until the next encode) and the ids.
   */
  const encodeOutcome = (
    value: unknown,
  ): { bytes: Uint8Array; ids: number[] } => {
    if (mode === "process") {
      return { bytes: encode(value, mode).bytes, ids: [] };
    }
    const { bytes, sabs } = encode(value, "share");
    const ids: number[] = [];
    for (const sab of sabs) {
      const id = sabId.get(sab);
      if (id === undefined) {
        // Made in the task: the owner cannot receive it without a message
        // it may be too busy (blocked in resultSync) to read: a copy.
        return { bytes: encode(value, "copy").bytes, ids: [] };
      }
      ids.push(id);
    }
    return { bytes, ids };
  };

  /** Runs one call (or a chunk of calls); returns the outcome. */
  const call = (
    fn: TargetFunction,
    args: unknown[],
    chunk: number,
  ): unknown => {
    if (chunk === 0) return fn(...args);
    const flat = chunk === CHUNK_FLAT;
    // A chunk: run each call in turn, keeping each outcome (the values,
    // and which calls threw: see ChunkOutcome in concurrent_futures).
    const values: unknown[] = new Array(args.length);
    const failed: number[] = [];
    const next = (i: number): unknown => {
      for (; i < args.length; i++) {
        let r: unknown;
        try {
          r = flat ? fn(args[i]) : fn(...(args[i] as unknown[]));
        } catch (e) {
          values[i] = e;
          failed.push(i);
          continue;
        }
        if (isThenable(r)) {
          const at = i;
          return (r as Promise<unknown>).then(
            (v) => {
              values[at] = v;
            },
            (e) => {
              values[at] = e;
              failed.push(at);
            },
          ).then(() => next(at + 1));
        }
        values[i] = r;
      }
      return [values, failed];
    };
    return next(0);
  };

  let done = 0;
  const retiring = () => maxTasks > 0 && done >= maxTasks;

  const finish = (
    ptr: number,
    w: WaitWords,
    ok: boolean,
    value: unknown,
  ): void => {
    if (dead) return;
    let out: { bytes: Uint8Array; ids: number[] };
    let outcome: number = ok ? Outcome.VALUE : Outcome.ERROR;
    try {
      out = encodeOutcome(value);
    } catch (e) {
      outcome = Outcome.ERROR; // e.g. the result cannot be sent
      try {
        out = encodeOutcome(e);
      } catch {
        // Not even the error can be sent (a getter threw something odd).
        out = encodeOutcome(new TypeError(`Cannot send the outcome: ${e}`));
      }
    }
    done++;
    // Idle from now on (Python's _idle_semaphore.release()), counted before
    // the result is out: the owner may submit again as soon as it sees it.
    // A worker about to retire is not idle: it leaves.
    if (!retiring()) x.add(X.IDLE, 1);
    if (claim(w)) {
      const { bytes, ids } = out;
      let block = INLINE;
      if (ids.length > 0 || bytes.length > h.sizeOf(ptr) - F.WORDS * 4) {
        block = storeBytes(h, bytes, ids);
      } else {
        // In place of the arguments: no allocation, nothing to free.
        h.u8.set(bytes, ptr * 16 + F.WORDS * 4);
      }
      publish(w, outcome, block, bytes.length, ids.length);
    }
    pushToPort(h, ptr, w);
  };

  /**
   * Runs one item. Returns a promise only when something must be awaited
   * (an async call, a module to import, SharedArrayBuffers in transit), so
   * that plain calls cost no microtask turn.
   */
  const run = (ptr: number): void | Promise<void> => {
    const w = h.words(ptr, F.WORDS);
    let start: boolean;
    try {
      start = startItem(h, ptr, w);
    } catch {
      // Its owner completed it by hand (setResult): hand it back.
      start = false;
      pushToPort(h, ptr, w);
    }
    if (!start) {
      x.add(X.IDLE, 1);
      return;
    }
    const settle = (ok: boolean, value: unknown): void =>
      finish(ptr, w, ok, value);
    try {
      const nSabs = w.load(F.N_SABS);
      const argsAt = F.WORDS * 4 + nSabs * 4;
      const fn = fnFor(w.load(F.TARGET));
      const ids = h.int32(ptr, F.WORDS + nSabs).subarray(F.WORDS);
      const chunk = w.load(F.CHUNK);
      const decodeArgs = (sabs: SharedArrayBuffer[]) =>
        decode(
          h.bytes(ptr, argsAt + w.load(F.ARGS_LEN)).subarray(argsAt),
          sabs,
        ) as unknown[];
      let early: unknown[] | undefined;
      if (nSabs === 0 && !isThenable(fn)) {
        early = decodeArgs([]);
        if (!preloading()) {
          const r = call(fn, early, chunk);
          if (!isThenable(r)) return settle(true, r);
          return Promise.resolve(r).then(
            (v) => settle(true, v),
            (e) => settle(false, e),
          );
        }
      }
      return (async () => {
        const sabs = nSabs === 0 ? [] : await sabsOf(ids);
        const f = await fn;
        const args = early ?? decodeArgs(sabs);
        // A value in the args may have started loading a lazy part of the
        // library (a manager's proxy, its client): the task's Sync calls
        // need it, as a Process target's do.
        await preloaded();
        // The call itself in a task's own callback (see the loop below).
        return await new Promise<unknown>((resolve, reject) =>
          setImmediate(() => {
            try {
              resolve(call(f, args, chunk));
            } catch (e) {
              reject(e);
            }
          })
        );
      })().then((v) => settle(true, v), (e) => settle(false, e));
    } catch (e) {
      settle(false, e);
    }
  };

  /**
   * After an item: drops our hold on it.
   * @returns whether to go on taking items.
   */
  const after = (ptr: number): boolean => {
    if (dead) return false;
    if (x.exchange(current, 0) !== 0) h.release(ptr);
    return pool.broken() === Broken.NONE && !retiring();
  };

  // The loop runs in setImmediate callbacks, not in promise jobs: Deno ends
  // a Worker that runs out of memory only if it happens in a task's own
  // callback (in a promise job the Worker hangs, measured in Deno 2.9), and
  // setImmediate costs ≈ 2 µs where nested timers are clamped to 4 ms.
  await new Promise<void>((resolve) => {
    const pump = (): void => {
      try {
        for (;;) {
          const ptr = pool.queue.getSync();
          if (ptr === SENTINEL) {
            pool.queue.putSentinel(); // for the next worker
            return resolve();
          }
          h.retain(ptr); // held while named in our record (see declareDead)
          x.store(current, ptr);
          let p: void | Promise<void> = undefined;
          try {
            p = run(ptr);
          } catch (e) {
            console.error("Exception in worker", e);
          }
          if (p !== undefined) {
            p.catch((e) => console.error("Exception in worker", e)).then(
              () => after(ptr) ? setImmediate(pump) : resolve(),
            );
            return;
          }
          if (!after(ptr)) return resolve();
        }
      } catch (e) {
        console.error("Exception in worker", e);
        resolve();
      }
    };
    setImmediate(pump);
  });
  if (dead) return;
  leave(retiring() ? WState.RETIRED : WState.EXITED);
  removeExitHandler();
}
