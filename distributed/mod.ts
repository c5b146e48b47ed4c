/**
 * Beyond one machine, on Redis: a `concurrent.futures` executor whose
 * tasks run on worker hosts anywhere ({@linkcode ClusterExecutor}, with
 * {@linkcode worker} or the `./distributed/worker` program as the hosts),
 * and a `queue.Queue` shared by every process that opens its name
 * ({@linkcode Queue}).
 *
 * This is the only module of the library with a dependency: the official
 * Redis client from npm. Tasks are delivered **at least once**: a task
 * whose host dies is run again by another host.
 *
 * @example Start a host, submit from a script
 * ```ts ignore
 * // on each machine: deno run -A jsr:@pyconc/std/distributed/worker --url redis://broker:6379
 * import { ClusterExecutor } from "@pyconc/std/distributed";
 * import assert from "node:assert/strict";
 *
 * await using ex = new ClusterExecutor({ url: "redis://broker:6379" });
 * assert.equal(await ex.submit((n: number) => n * 2, 21), 42);
 * ```
 *
 * @module
 */

export * from "./cluster_executor.ts";
export * from "./queue.ts";
export { worker, type WorkerHost, type WorkerOptions } from "./worker.ts";
export {
  BrokenExecutor,
  type ChunkOutcome,
  Executor,
  Future,
  type MapOptions,
  type ShutdownOptions,
  type Target,
  type TargetFunction,
} from "../concurrent_futures/mod.ts";
export {
  ConnectionError,
  OSError,
  RuntimeError,
  ValueError,
} from "../_internal/errors.ts";
export { Empty, Full } from "../_internal/queue/errors.ts";
