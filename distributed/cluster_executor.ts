import { RuntimeError, ValueError } from "../_internal/errors.ts";
import { encode } from "../_internal/codec/encode.ts";
import {
  describeTarget,
  type Target,
  type TargetFunction,
} from "../_internal/threads/targets.ts";
import {
  type ChunkOutcome,
  Executor,
  type ShutdownOptions,
} from "../concurrent_futures/executor.ts";
import type { Future } from "../concurrent_futures/future.ts";
import { Link } from "./_link.ts";
import type { ExecutorConfig } from "./_bridge.ts";

/** Options of {@linkcode ClusterExecutor}. */
export interface ClusterExecutorOptions {
  /** The Redis server. @default "redis://127.0.0.1:6379" */
  url?: string;
  /** The task queue's name; worker hosts serve one queue. @default "pyconc" */
  queue?: string;
  /**
   * Seconds a host's claim on a task lasts without its heartbeat: a task
   * whose host died is claimed by another host after this long.
   * @default 30
   */
  visibilityTimeout?: number;
  /**
   * How many times a task whose host died is claimed again; after that its
   * future fails with `BrokenExecutor`. A host's death counts against every
   * task it had claimed (also the ones it claimed ahead). @default 3
   */
  maxRetries?: number;
}

function shutdownArgs(
  options: ShutdownOptions | boolean | undefined,
): { wait: boolean; cancelFutures: boolean } {
  if (typeof options === "boolean") {
    return { wait: options, cancelFutures: false };
  }
  const { wait = true, cancelFutures = false } = options ?? {};
  return { wait: Boolean(wait), cancelFutures: Boolean(cancelFutures) };
}

let counter = 0;

/**
 * An `Executor` whose calls run on worker hosts, on other machines or
 * here, through Redis (the role of `dask.distributed.Client`, or Celery
 * and RQ on a Redis broker). Start hosts with
 * `deno run -A jsr:@pyconc/std/distributed/worker --url redis://…` or
 * {@linkcode worker}.
 *
 * A call's function is a self-contained function (sent by its source text:
 * no closure variables; it may `await import(...)`) or a module reference
 * whose URL every host can import (`https:`, `jsr:`, `npm:`, or a `file:`
 * path present on the hosts). Arguments and results are the library's
 * structured data, copied (a SharedArrayBuffer is copied; the library's
 * locks and queues cannot cross machines). An error thrown by a call
 * reaches its future with its class, message and the host's stack.
 *
 * Futures are the library's `Future`s: `await`, `resultSync()` (also on the
 * main thread: the Redis I/O runs on its own thread), `wait()`,
 * `asCompleted()`, done-callbacks. `cancel()` succeeds until a host
 * claims the task (a host claiming it at the same moment may still run
 * it; its result is then dropped). A busy host claims up to 4 tasks per
 * pool slot ahead of a free slot; their futures then show as running (as
 * Python's `ProcessPoolExecutor` marks the calls it moves to its call
 * queue).
 *
 * Delivery is **at least once**: tasks are entries of a Redis stream read
 * by a consumer group; a host acknowledges a task only when it sends the
 * result, and heartbeats the tasks it runs. When a host dies, its tasks
 * are claimed by another host after `visibilityTimeout` seconds and run
 * again, at most `maxRetries` times; then the future fails with
 * `BrokenExecutor`. A host's death uses one retry of each task it had
 * claimed, the ones claimed ahead included; a task delivered again is
 * claimed only when a pool slot is free, so a task that keeps killing its
 * hosts uses up its own retries and charges a neighbour at most once
 * (tasks with `maxRetries: 0` are never claimed ahead). A task that
 * finished just before its host died may run again (its answer was lost
 * with the host). Make tasks idempotent, or accept a repeated run.
 *
 * If Redis is unreachable or the connection drops, the futures in flight
 * fail with `ConnectionError` (no call hangs); the connection is made again
 * when the server is back, and later submits work.
 *
 * Differences from Python's executors: no `maxWorkers` (hosts decide);
 * tasks queued in Redis when the client goes away still run, their results
 * are dropped.
 *
 * @example Submit, then run a worker host in this process
 * ```ts ignore
 * import { ClusterExecutor, worker } from "@pyconc/std/distributed";
 * import assert from "node:assert/strict";
 *
 * const host = worker({ url: "redis://127.0.0.1:6379", threads: 2 });
 * await using ex = new ClusterExecutor({ url: "redis://127.0.0.1:6379" });
 * assert.equal(await ex.submit((a: number, b: number) => a + b, 1, 2), 3);
 * await host.stop();
 * ```
 *
 * @example Redis unreachable: futures fail clearly, nothing hangs
 * ```ts
 * import { ClusterExecutor, ConnectionError } from "@pyconc/std/distributed";
 * import assert from "node:assert/strict";
 *
 * await using ex = new ClusterExecutor({ url: "redis://127.0.0.1:1" });
 * const err = await ex.submit((x: number) => x, 1).exception();
 * assert.ok(err instanceof ConnectionError);
 * ```
 */
export class ClusterExecutor extends Executor {
  readonly #link: Link;
  readonly #pending = new Map<Future<unknown>, number>();
  #shutdown = false;

  /**
   * Connects (from its own thread); never throws for an unreachable
   * server: futures fail with `ConnectionError` then.
   *
   * @param options The server, queue, visibility timeout and retries.
   * @throws {ValueError} If `visibilityTimeout` is not above 0 or
   *   `maxRetries` is not a non-negative integer.
   * @throws {TypeError} If `url` or `queue` is not a string.
   */
  constructor(options: ClusterExecutorOptions = {}) {
    super();
    const {
      url = "redis://127.0.0.1:6379",
      queue = "pyconc",
      visibilityTimeout = 30,
      maxRetries = 3,
    } = options;
    if (typeof url !== "string") throw new TypeError("url must be a string");
    if (typeof queue !== "string" || queue === "") {
      throw new TypeError("queue must be a non-empty string");
    }
    if (
      typeof visibilityTimeout !== "number" || !(visibilityTimeout > 0) ||
      !Number.isFinite(visibilityTimeout)
    ) {
      throw new ValueError("visibilityTimeout must be a number above 0");
    }
    if (!Number.isInteger(maxRetries) || maxRetries < 0) {
      throw new ValueError("maxRetries must be an integer >= 0");
    }
    const config: ExecutorConfig = {
      url,
      queue,
      client: crypto.randomUUID(),
      visibilityMs: Math.ceil(visibilityTimeout * 1000),
      maxRetries,
    };
    this.#link = new Link(
      "executor",
      { ...config },
      `ClusterExecutor-${counter++}`,
    );
  }

  #submit<R>(fn: Target, args: unknown[], chunk: boolean): Future<R> {
    if (this.#shutdown) {
      throw new RuntimeError("cannot schedule new futures after shutdown");
    }
    const target = describeTarget(fn, "fn");
    // Encoded here, so that a value that cannot cross fails at the caller.
    const bytes = encode(args, "process").bytes.slice();
    const { f, ptr } = this.#link.request<R>(["task", target, bytes, chunk]);
    this.#pending.set(f, ptr);
    f.addDoneCallback(() => {
      this.#pending.delete(f);
      // Cancelled here: the Redis thread withdraws the task from Redis.
      if (f.cancelled()) this.#link.notice(ptr);
    });
    return f;
  }

  /**
   * Schedules `fn(...args)` on a worker host.
   *
   * @param fn A self-contained function or a module reference the hosts
   *   can import. It may be async.
   * @param args Its arguments (structured data, copied).
   * @returns a Future of the result.
   * @throws {RuntimeError} After `shutdown()`.
   * @throws {TypeError} If `fn` or an argument cannot be sent (nothing is
   *   queued).
   */
  submit<A extends unknown[], R>(
    fn: ((...args: A) => R) | URL | string,
    ...args: A
  ): Future<Awaited<R>> {
    return this.#submit<Awaited<R>>(fn as Target, args, false);
  }

  /**
   * A chunk of `map` calls as one task.
   *
   * @param fn The callable.
   * @param chunk Argument lists (with `flat`, single arguments).
   * @param flat Whether each call takes one argument, `chunk[i]` itself.
   * @returns a future of the calls' outcomes.
   */
  protected override submitChunk(
    fn: TargetFunction | URL | string,
    chunk: unknown[],
    flat = false,
  ): Future<ChunkOutcome> {
    const lists = flat ? chunk.map((x) => [x]) : chunk;
    return this.#submit<ChunkOutcome>(fn, lists, true);
  }

  #stop(cancelFutures: boolean): void {
    this.#shutdown = true;
    if (cancelFutures) {
      for (const f of [...this.#pending.keys()]) {
        f.cancel();
      }
    }
    this.#link.stop();
  }

  /**
   * Python's `shutdown`: no more submits; with `wait` (the default),
   * resolves once every submitted task is answered (or cancelled, or
   * failed) and the Redis thread ended; with `cancelFutures`, tasks no host
   * claimed yet are cancelled first. Safe to call more than once.
   *
   * @param options `{ wait = true, cancelFutures = false }`, or `wait` alone.
   */
  async shutdown(options?: ShutdownOptions | boolean): Promise<void> {
    const { wait, cancelFutures } = shutdownArgs(options);
    this.#stop(cancelFutures);
    if (wait) await this.#link.join();
  }

  /**
   * Like {@linkcode ClusterExecutor.shutdown}, blocking the calling thread.
   *
   * @param options `{ wait = true, cancelFutures = false }`, or `wait` alone.
   */
  shutdownSync(options?: ShutdownOptions | boolean): void {
    const { wait, cancelFutures } = shutdownArgs(options);
    this.#stop(cancelFutures);
    if (wait) this.#link.joinSync();
  }
}
