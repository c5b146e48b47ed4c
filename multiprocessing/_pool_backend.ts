/**
 * What a `Pool` runs on: worker processes (the process pool core shared
 * with `ProcessPoolExecutor`) or worker threads (`ThreadPool`, on the
 * thread pool core of `ThreadPoolExecutor`). Either way a task is a Future
 * bound to shared state, completed by a worker through shared memory.
 *
 * @module
 */

import type { Target, TargetSpec } from "../_internal/threads/targets.ts";
import type { Future } from "../concurrent_futures/future.ts";
import type { ChunkOutcome } from "../concurrent_futures/executor.ts";
import { ProcessPoolOwner } from "../concurrent_futures/_process_pool.ts";
import { ThreadPoolExecutor } from "../concurrent_futures/thread_pool_executor.ts";
import { ProcessError } from "./errors.ts";

/** The operations a Pool needs from its workers. */
export interface PoolBackend {
  /** One call (`chunk` false) or a chunk of calls as one task. */
  submit<R>(fn: Target, args: unknown[], chunk: false): Future<R>;
  submit(fn: Target, args: unknown[][], chunk: true): Future<ChunkOutcome[]>;
  /** No more tasks; workers leave once the queued ones are done. */
  close(): void;
  /** Workers stop now; unfinished tasks fail. */
  terminate(): void;
  join(): Promise<void>;
  joinSync(): void;
}

/** A Pool's worker processes. */
export class ProcessBackend implements PoolBackend {
  readonly #o: ProcessPoolOwner;

  constructor(
    processes: number,
    init: TargetSpec | null,
    initargs: unknown[],
    maxTasks: number,
  ) {
    this.#o = new ProcessPoolOwner({
      workers: processes,
      init,
      initargs,
      maxTasks,
      kind: "pool",
      eager: true,
      prefix: "SpawnPoolWorker",
      lostError: (m) => new ProcessError(m),
    });
  }

  submit<R>(fn: Target, args: unknown[], chunk: boolean): Future<R> {
    return this.#o.submit<R>(fn, args, chunk);
  }

  close(): void {
    this.#o.close(false);
  }

  terminate(): void {
    this.#o.terminate();
  }

  join(): Promise<void> {
    return this.#o.join();
  }

  joinSync(): void {
    this.#o.joinSync();
  }
}

/** ThreadPoolExecutor with its chunked submit reachable. */
class ChunkingThreadPool extends ThreadPoolExecutor {
  chunk(fn: Target, args: unknown[][]): Future<ChunkOutcome[]> {
    return this.submitChunk(fn, args);
  }
}

/** A ThreadPool's worker threads. */
export class ThreadBackend implements PoolBackend {
  readonly #x: ChunkingThreadPool;

  constructor(
    processes: number,
    init: Target | null,
    initargs: unknown[],
  ) {
    this.#x = new ChunkingThreadPool({
      maxWorkers: processes,
      threadNamePrefix: "ThreadPoolWorker",
      initializer: init,
      initargs,
    });
  }

  submit<R>(fn: Target, args: unknown[], chunk: boolean): Future<R> {
    if (chunk) return this.#x.chunk(fn, args as unknown[][]) as Future<R>;
    return this.#x.submit(fn as (...a: unknown[]) => R, ...args) as Future<
      R
    >;
  }

  close(): void {
    void this.#x.shutdown({ wait: false });
  }

  terminate(): void {
    // Threads cannot be killed: what has not started is cancelled.
    void this.#x.shutdown({ wait: false, cancelFutures: true });
  }

  join(): Promise<void> {
    return this.#x.shutdown({ wait: true });
  }

  joinSync(): void {
    this.#x.shutdownSync({ wait: true });
  }
}
