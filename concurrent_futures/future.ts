import { RuntimeError } from "../_internal/errors.ts";
import type { Heap } from "../_internal/sync/heap.ts";
import { deadlineOf, remaining, toMs } from "../_internal/sync/timeout.ts";
import { isThenable, type WaitWords } from "../_internal/sync/words.ts";
import { INSPECT } from "../_internal/sync/hold.ts";
import { decode } from "../_internal/codec/decode.ts";
import { SHARE } from "../_internal/codec/shareable.ts";
import { F, FState, INLINE, Outcome } from "../_internal/futures/layout.ts";
import { claim, publish } from "../_internal/futures/future_core.ts";
import { type Port, setPortUpdater } from "../_internal/futures/port.ts";
import {
  checkLiveness,
  hasLivenessChecks,
  SLICE_MS,
} from "../_internal/futures/liveness.ts";
import { CancelledError, InvalidStateError, TimeoutError } from "./errors.ts";

const { PENDING, RUNNING, CANCELLED, CANCELLED_AND_NOTIFIED, FINISHED } =
  FState;

/** Python's `_STATE_TO_DESCRIPTION_MAP`. */
const DESCRIPTION = [
  "pending",
  "running",
  "cancelled",
  "cancelled",
  "finished",
];
/** Python's state names, for InvalidStateError messages. */
const STATE_NAME = [
  "PENDING",
  "RUNNING",
  "CANCELLED",
  "CANCELLED_AND_NOTIFIED",
  "FINISHED",
];

/** A future of any result type (for collections of mixed futures). */
// deno-lint-ignore no-explicit-any
export type AnyFuture = Future<any>;

/**
 * What `wait()` and `asCompleted()` install on futures (Python's `_Waiter`):
 * told when a future finishes, or when its cancellation is noticed by the
 * executor (CANCELLED_AND_NOTIFIED).
 */
export interface FutureWaiter {
  /** A future finished with a result. */
  addResult(f: AnyFuture): void;
  /** A future finished with an exception. */
  addException(f: AnyFuture): void;
  /** A cancelled future was noticed by its executor. */
  addCancelled(f: AnyFuture): void;
}

/** A future bound to shared state (submitted to a pool). */
interface Remote {
  h: Heap;
  ptr: number;
  w: WaitWords;
  port: Port;
  /** SharedArrayBuffers by request id (the pool's table). */
  sab: (id: number) => SharedArrayBuffer;
}

/** A scratch word to sleep on when nothing can wake us (a local future). */
const nap = new Int32Array(new SharedArrayBuffer(4));

let nextId = 1;

/** The friend interface, set by the class's static block below. */
let internals: FutureInternals;

function typeName(v: unknown): string {
  if (v === null) return "null";
  if (typeof v === "object" || typeof v === "function") {
    return (v as { constructor?: { name?: string } }).constructor?.name ??
      "Object";
  }
  return typeof v;
}

/**
 * Python's `concurrent.futures.Future`: the result of a call that runs
 * elsewhere, and `PromiseLike`, so `await future` gives the result or throws
 * its error.
 *
 * The states are Python's: pending → running → finished, or cancelled
 * (only while pending). `done()` is true once finished or cancelled.
 * Done-callbacks run once, in the thread that created the future, in the
 * order they were added; a callback added to a done future runs at once; a
 * callback that throws is reported on stderr and the others still run.
 *
 * Futures come from `Executor.submit()`; `setResult`, `setException` and
 * `setRunningOrNotifyCancel` are for executor authors and tests. A future
 * submitted to a pool is completed by a worker through shared memory, so
 * `resultSync()` works on the main thread too. Futures themselves stay in
 * the thread that created them: they cannot be sent to another thread.
 *
 * @typeParam T The result's type.
 *
 * @example Awaiting a result
 * ```ts
 * import { ThreadPoolExecutor } from "@pyconc/std/concurrent_futures";
 * import assert from "node:assert/strict";
 *
 * await using pool = new ThreadPoolExecutor({ maxWorkers: 1 });
 * const f = pool.submit((a: number, b: number) => a * b, 6, 7);
 * assert.equal(await f, 42);
 * assert.ok(f.done());
 * ```
 *
 * @example The state machine, by hand
 * ```ts
 * import { Future } from "@pyconc/std/concurrent_futures";
 * import assert from "node:assert/strict";
 *
 * const f = new Future<string>();
 * const seen: string[] = [];
 * f.addDoneCallback((f) => seen.push(f.resultSync()));
 * assert.ok(f.setRunningOrNotifyCancel());
 * assert.ok(f.running());
 * f.setResult("ok");
 * assert.deepEqual(seen, ["ok"]);
 * ```
 */
export class Future<T = unknown> implements PromiseLike<T> {
  readonly #id = nextId++;
  #state: number = PENDING;
  #result: T | undefined;
  #exception: unknown;
  #failed = false;
  // Made on first use, as #waiters and #wake: most futures need none.
  // Typed loosely so that Future<T> stays covariant in T.
  #callbacks: ((f: AnyFuture) => unknown)[] | undefined;
  #waiters: FutureWaiter[] | undefined;
  #remote: Remote | undefined;
  /** The port that reported on it, kept after it is settled. */
  #port: Port | undefined;
  /** Async `result()`/`exception()` calls waiting for a change. */
  #wake: (() => void)[] | undefined;
  #promise: Promise<T> | undefined;
  // Typed loosely so that Future<T> stays covariant in T.
  // deno-lint-ignore no-explicit-any
  #resolve: ((v: any) => void) | undefined;
  #reject: ((e: unknown) => void) | undefined;

  /** Creates a pending future (executors create them; so may tests). */
  constructor() {}

  /**
   * Cancels the future if it has not started yet.
   * @returns false if it is running or finished; true if it is (now)
   *   cancelled. Done-callbacks run; `wait()`/`asCompleted()` count it as
   *   done only once its executor notices (Python's CANCELLED_AND_NOTIFIED).
   */
  cancel(): boolean {
    this.#refresh();
    const s = this.#state;
    if (s === RUNNING || s === FINISHED) return false;
    if (s === CANCELLED || s === CANCELLED_AND_NOTIFIED) return true;
    const r = this.#remote;
    if (
      r !== undefined &&
      r.w.compareExchange(F.STATE, PENDING, CANCELLED) !== PENDING
    ) {
      // A worker started or finished it meanwhile.
      this.#refresh();
      return this.cancelled();
    }
    this.#state = CANCELLED;
    this.#settlePromise();
    this.#wakeAll();
    this.#invokeCallbacks();
    return true;
  }

  /** Whether the future was cancelled. */
  cancelled(): boolean {
    this.#refresh();
    return this.#state === CANCELLED ||
      this.#state === CANCELLED_AND_NOTIFIED;
  }

  /** Whether the call runs now (informational: it can end at once). */
  running(): boolean {
    this.#refresh();
    return this.#state === RUNNING;
  }

  /** Whether the future finished or was cancelled. */
  done(): boolean {
    this.#refresh();
    return this.#state >= CANCELLED;
  }

  /**
   * The call's result, without blocking the event loop.
   *
   * @param timeout Seconds to wait at most; null or omitted waits forever
   *   (0 or negative: do not wait).
   * @returns the result.
   * @throws {CancelledError} If the future was cancelled.
   * @throws {TimeoutError} If it did not finish within `timeout`.
   * @throws The call's own error, if it threw.
   */
  async result(timeout: number | null = null): Promise<T> {
    await this.#waitDone(toMs(timeout));
    return this.#get();
  }

  /**
   * Like {@linkcode Future.result}, blocking the calling thread (also the
   * main thread, which then runs no other code until it returns).
   *
   * @param timeout Seconds to wait at most, or null for no limit.
   * @returns the result.
   * @throws {CancelledError} If the future was cancelled.
   * @throws {TimeoutError} If it did not finish within `timeout`.
   * @throws The call's own error, if it threw.
   */
  resultSync(timeout: number | null = null): T {
    this.#waitDoneSync(toMs(timeout));
    return this.#get();
  }

  /**
   * The call's error (null if it returned normally), without blocking the
   * event loop.
   *
   * @param timeout Seconds to wait at most, or null for no limit.
   * @returns the thrown value, or null.
   * @throws {CancelledError} If the future was cancelled.
   * @throws {TimeoutError} If it did not finish within `timeout`.
   */
  async exception(timeout: number | null = null): Promise<unknown> {
    await this.#waitDone(toMs(timeout));
    return this.#getException();
  }

  /**
   * Like {@linkcode Future.exception}, blocking the calling thread.
   *
   * @param timeout Seconds to wait at most, or null for no limit.
   * @returns the thrown value, or null.
   * @throws {CancelledError} If the future was cancelled.
   * @throws {TimeoutError} If it did not finish within `timeout`.
   */
  exceptionSync(timeout: number | null = null): unknown {
    this.#waitDoneSync(toMs(timeout));
    return this.#getException();
  }

  /**
   * Attaches a callable run with this future when it finishes or is
   * cancelled, in this thread; at once if it is done already. Callbacks run
   * in the order they were added; one that throws is reported on stderr
   * (Python logs it) and does not stop the others.
   *
   * @param fn The callback.
   * @throws {TypeError} If `fn` is not a function.
   */
  addDoneCallback(fn: (future: Future<T>) => unknown): void {
    if (typeof fn !== "function") {
      throw new TypeError("done callback must be a function");
    }
    this.#refresh();
    if (this.#state < CANCELLED) {
      (this.#callbacks ??= []).push(fn as (f: AnyFuture) => unknown);
      return;
    }
    this.#call(fn as (f: AnyFuture) => unknown);
  }

  /**
   * Python's `set_running_or_notify_cancel`, for executor authors: call it
   * before running the work.
   *
   * @returns true if the work should run (the future is now running);
   *   false if it was cancelled (waiters are now told).
   * @throws {RuntimeError} If called twice, or after a result was set.
   */
  setRunningOrNotifyCancel(): boolean {
    this.#refresh();
    const r = this.#remote;
    if (this.#state === CANCELLED) {
      r?.w.compareExchange(F.STATE, CANCELLED, CANCELLED_AND_NOTIFIED);
      this.#unbind();
      this.#state = CANCELLED_AND_NOTIFIED;
      this.#notify("cancelled");
      return false;
    }
    if (
      this.#state === PENDING &&
      (r === undefined ||
        r.w.compareExchange(F.STATE, PENDING, RUNNING) === PENDING)
    ) {
      this.#state = RUNNING;
      return true;
    }
    this.#refresh();
    throw new RuntimeError("Future in unexpected state");
  }

  /**
   * Sets the result (for executor authors and tests).
   * @param result The value.
   * @throws {InvalidStateError} If the future is done already.
   */
  setResult(result: T): void {
    this.#claimLocal();
    this.#finish(false, result);
  }

  /**
   * Sets the error (for executor authors and tests).
   * @param exception The thrown value.
   * @throws {InvalidStateError} If the future is done already.
   */
  setException(exception: unknown): void {
    this.#claimLocal();
    this.#finish(true, exception);
  }

  /**
   * Makes the future awaitable: resolves with the result, rejects with the
   * error, or with CancelledError.
   */
  then<R1 = T, R2 = never>(
    onfulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    return this.#settled().then(onfulfilled, onrejected);
  }

  /** Python's repr: `<Future at 0x1 state=finished returned number>`. */
  toString(): string {
    this.#refresh();
    const head = `<Future at 0x${this.#id.toString(16)} state=${
      DESCRIPTION[this.#state]
    }`;
    if (this.#state === FINISHED) {
      return this.#failed
        ? `${head} raised ${typeName(this.#exception)}>`
        : `${head} returned ${typeName(this.#result)}>`;
    }
    return `${head}>`;
  }

  /** Shown by `console.log` and Deno's `inspect`. */
  [INSPECT](): string {
    return this.toString();
  }

  /**
   * @internal A future stays in the thread that created it: sending one
   * (in a call's arguments, a queue item…) throws a TypeError at once,
   * rather than deliver an empty object.
   */
  [SHARE](): never {
    throw new TypeError(
      "Cannot send a Future to another thread: it stays in the thread that created it (send its result instead)",
    );
  }

  // --- internals ---------------------------------------------------------

  #claimLocal(): void {
    this.#refresh();
    const s = this.#state;
    const r = this.#remote;
    if (s >= CANCELLED || (r !== undefined && !claim(r.w))) {
      this.#refresh();
      throw new InvalidStateError(`${STATE_NAME[this.#state]}: ${this}`);
    }
    if (r !== undefined) {
      // Its worker must not complete it now; its owner keeps the outcome.
      publish(r.w, Outcome.LOCAL, 0, 0, 0);
      this.#unbind();
    }
  }

  /** Brings a bound future up to date with its shared state. */
  #refresh(): void {
    const r = this.#remote;
    if (r === undefined) return;
    const s = r.w.load(F.STATE);
    if (s === FINISHED) {
      let failed = r.w.load(F.OUTCOME) === Outcome.ERROR;
      let value: unknown;
      const block = r.w.load(F.RESULT_PTR);
      try {
        const len = r.w.load(F.RESULT_LEN);
        if (block === INLINE) {
          const at = r.ptr * 16 + F.WORDS * 4;
          value = decode(r.h.u8.subarray(at, at + len));
        } else {
          const nSabs = r.w.load(F.RESULT_SABS);
          const sabs: SharedArrayBuffer[] = [];
          if (nSabs > 0) {
            const ids = r.h.int32(block, nSabs);
            for (let i = 0; i < nSabs; i++) sabs.push(r.sab(ids[i]!));
          }
          value = decode(
            r.h.bytes(block, nSabs * 4 + len).subarray(nSabs * 4),
            sabs,
          );
        }
      } catch (e) {
        failed = true; // e.g. a class not loaded in this thread
        value = e;
      }
      this.#unbind();
      this.#finish(failed, value as T);
    } else if (s === CANCELLED_AND_NOTIFIED) {
      this.#unbind();
      this.#state = CANCELLED_AND_NOTIFIED;
      this.#notify("cancelled");
      this.#wakeAll();
    } else if (s === RUNNING || s === FState.COMPLETING) {
      this.#state = RUNNING;
    }
  }

  /** Drops the binding to shared state: nothing more will change there. */
  #unbind(): void {
    const r = this.#remote;
    if (r === undefined) return;
    this.#remote = undefined;
    r.port.untrack(r.ptr);
    r.h.release(r.ptr);
  }

  #finish(failed: boolean, value: unknown): void {
    if (failed) this.#exception = value;
    else this.#result = value as T;
    this.#failed = failed;
    this.#state = FINISHED;
    this.#notify(failed ? "exception" : "result");
    this.#settlePromise();
    this.#wakeAll();
    this.#invokeCallbacks();
  }

  #settlePromise(): void {
    const resolve = this.#resolve, reject = this.#reject;
    if (resolve === undefined || reject === undefined) return;
    this.#resolve = this.#reject = undefined;
    if (this.#state === FINISHED) {
      if (this.#failed) reject(this.#exception);
      else resolve(this.#result as T);
    } else {
      reject(new CancelledError());
    }
  }

  #settled(): Promise<T> {
    if (this.#promise === undefined) {
      this.#refresh();
      this.#promise = new Promise<T>((resolve, reject) => {
        this.#resolve = resolve;
        this.#reject = reject;
      });
      if (this.#state >= CANCELLED) this.#settlePromise();
    }
    return this.#promise;
  }

  /** Tells the installed `wait()`/`asCompleted()` waiters. */
  #notify(what: "result" | "exception" | "cancelled"): void {
    const waiters = this.#waiters;
    if (waiters === undefined || waiters.length === 0) return;
    for (const w of [...waiters]) {
      if (what === "result") w.addResult(this);
      else if (what === "exception") w.addException(this);
      else w.addCancelled(this);
    }
  }

  #wakeAll(): void {
    const wake = this.#wake;
    if (wake === undefined) return;
    this.#wake = undefined;
    for (const fn of wake) fn();
  }

  #invokeCallbacks(): void {
    const callbacks = this.#callbacks;
    if (callbacks === undefined) return;
    this.#callbacks = undefined;
    for (const fn of callbacks) this.#call(fn);
  }

  #call(fn: (f: AnyFuture) => unknown): void {
    const report = (e: unknown) =>
      console.error(`exception calling callback for ${this}\n`, e);
    try {
      const r = fn(this);
      if (isThenable(r)) (r as Promise<unknown>).then(undefined, report);
    } catch (e) {
      report(e);
    }
  }

  /** Waits (async) until done or the timeout; never throws. */
  async #waitDone(ms: number): Promise<void> {
    this.#refresh();
    if (this.#state >= CANCELLED || ms <= 0) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await new Promise<void>((resolve) => {
      (this.#wake ??= []).push(resolve);
      if (ms !== Infinity) timer = setTimeout(resolve, ms);
    });
    if (timer !== undefined) clearTimeout(timer);
    this.#refresh();
  }

  /** Waits (blocking) until done or the timeout; never throws. */
  #waitDoneSync(ms: number): void {
    this.#blockUntilDone(ms);
    // A thread that only ever blocks never runs its port's listener: take
    // what the port holds now, so that the completed items are freed.
    this.#port?.drain();
  }

  #blockUntilDone(ms: number): void {
    this.#refresh();
    if (this.#state >= CANCELLED || ms <= 0) return;
    const r = this.#remote;
    const deadline = deadlineOf(ms);
    if (r === undefined) {
      // Nothing in another thread can complete a local future.
      Atomics.wait(nap, 0, 0, ms);
      return;
    }
    const w = r.w;
    w.add(F.WAITING, 1);
    try {
      for (;;) {
        const s = w.load(F.STATE);
        if (s !== PENDING && s !== RUNNING && s !== FState.COMPLETING) break;
        const left = remaining(deadline);
        if (left <= 0) break;
        const slice = hasLivenessChecks() ? Math.min(left, SLICE_MS) : left;
        if (w.wait(F.STATE, s, slice) === "timed-out" && slice < left) {
          checkLiveness();
        }
      }
    } finally {
      w.add(F.WAITING, -1);
    }
    this.#refresh();
  }

  #get(): T {
    const s = this.#state;
    if (s === CANCELLED || s === CANCELLED_AND_NOTIFIED) {
      throw new CancelledError();
    }
    if (s !== FINISHED) throw new TimeoutError();
    if (this.#failed) throw this.#exception;
    return this.#result as T;
  }

  #getException(): unknown {
    const s = this.#state;
    if (s === CANCELLED || s === CANCELLED_AND_NOTIFIED) {
      throw new CancelledError();
    }
    if (s !== FINISHED) throw new TimeoutError();
    return this.#failed ? this.#exception : null;
  }

  static {
    setPortUpdater((f) => (f as Future<unknown>).#refresh());
    internals = {
      bind(f, h, ptr, w, port, sab) {
        f.#remote = { h, ptr, w, port, sab };
        f.#port = port;
        port.track(w, f);
      },
      abandon(f) {
        f.#unbind();
      },
      refresh(f) {
        f.#refresh();
      },
      port(f) {
        return f.#remote?.port;
      },
      completed(f) {
        f.#refresh();
        return f.#state === FINISHED || f.#state === CANCELLED_AND_NOTIFIED;
      },
      failed(f) {
        f.#refresh();
        return f.#state === FINISHED && f.#failed;
      },
      addWaiter(f, w) {
        (f.#waiters ??= []).push(w);
      },
      removeWaiter(f, w) {
        const i = f.#waiters?.indexOf(w) ?? -1;
        if (i >= 0) f.#waiters!.splice(i, 1);
      },
    };
  }
}

/** What executors and `wait`/`asCompleted` use of a future's insides. */
interface FutureInternals {
  /** Binds a new future to its shared state and tracks it on `port`. */
  bind(
    f: AnyFuture,
    h: Heap,
    ptr: number,
    w: WaitWords,
    port: Port,
    sab: (id: number) => SharedArrayBuffer,
  ): void;
  /** Unbinds a future whose work item was dropped (it stays as it is). */
  abandon(f: AnyFuture): void;
  /** Brings a future up to date with its shared state. */
  refresh(f: AnyFuture): void;
  /** The port that tells about the future, if it is bound. */
  port(f: AnyFuture): Port | undefined;
  /** Python's `_state in [CANCELLED_AND_NOTIFIED, FINISHED]`. */
  completed(f: AnyFuture): boolean;
  /** Finished with an exception. */
  failed(f: AnyFuture): boolean;
  addWaiter(f: AnyFuture, w: FutureWaiter): void;
  removeWaiter(f: AnyFuture, w: FutureWaiter): void;
}

/** The friend interface of {@linkcode Future} (not part of the public API). */
export function futureInternals(): FutureInternals {
  return internals;
}
