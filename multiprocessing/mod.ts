/**
 * Python's `multiprocessing` module for Deno: processes (child `deno`
 * processes), pools of them (`Pool`, and `ThreadPool` on threads), and the
 * synchronisation primitives, queues, pipes and shared values that work
 * across them, on shared memory.
 *
 * Every blocking method comes in two forms: `join()` returns a Promise and
 * never blocks the event loop; `joinSync()` blocks the calling thread.
 * Timeouts are in seconds. `with lock:` is `using _ = lock.holdSync();`.
 *
 * Permissions: `--allow-ffi` (shared memory, futexes and process control
 * go through libc) and, to start processes, `--allow-run` for the `deno`
 * executable and `--allow-read` (the child loads the modules of its target).
 * A child gets its parent's permissions.
 *
 * @example A process and a shared counter
 * ```ts
 * import { Process, Value } from "@pyconc/std/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * const counter = new Value("i", 0);
 * const work = (counter: Value<"i">) => {
 *   for (let i = 0; i < 1000; i++) {
 *     using _ = counter.getLock().holdSync();
 *     counter.value += 1;
 *   }
 * };
 * const procs = [1, 2].map(() => new Process({ target: work, args: [counter] }));
 * for (const p of procs) p.start();
 * for (const p of procs) await p.join();
 * assert.equal(counter.value, 2000);
 * ```
 *
 * @module
 */

// Every class that travels by reference, for the programs that import the
// module (a child process started on a function loads them on demand).
import "../_internal/shareables.ts";

export {
  activeChildren,
  currentProcess,
  parentProcess,
  Process,
  type ProcessOptions,
} from "./process.ts";
export { Lock } from "./lock.ts";
export { RLock } from "./rlock.ts";
export { Condition } from "./condition.ts";
export { BoundedSemaphore, Semaphore } from "./semaphore.ts";
export { Event } from "./event.ts";
export { Barrier } from "./barrier.ts";
export { BrokenBarrierError } from "../threading/barrier.ts";
export { RawValue, type SharedCtypeOptions, Value } from "./value.ts";
export { Array, RawArray, type SizeOrInit } from "./array.ts";
export type { ElementOf, RawOf, Typecode } from "./_sharedctypes.ts";
export { Connection, Pipe } from "./connection.ts";
export {
  Pool,
  type PoolOptions,
  ThreadPool,
  type ThreadPoolOptions,
} from "./pool.ts";
export { type AsyncCallbacks, AsyncResult } from "./async_result.ts";
export { IMapIterator } from "./imap_iterator.ts";
export { Queue } from "./queue.ts";
export { JoinableQueue } from "./joinable_queue.ts";
export { SimpleQueue } from "./simple_queue.ts";
export { Empty, Full } from "../_internal/queue/errors.ts";
export {
  cpuCount,
  getAllStartMethods,
  getStartMethod,
  setStartMethod,
} from "./context.ts";
export {
  AuthenticationError,
  BufferTooShort,
  ProcessError,
  TimeoutError,
} from "./errors.ts";
export type { Target, TargetFunction } from "../_internal/threads/targets.ts";
export * from "../_internal/errors.ts";
export {
  type Address,
  BaseManager,
  type BaseManagerOptions,
  type ReferentClass,
  type RegisterOptions,
  Server,
} from "./managers/base_manager.ts";
export { Manager, ManagerSync, SyncManager } from "./managers/sync_manager.ts";
export {
  AcquirerProxy,
  ArrayProxy,
  AutoProxy,
  BarrierProxy,
  BaseProxy,
  ConditionProxy,
  ContainerProxy,
  DictProxy,
  EventProxy,
  ItemsProxy,
  IteratorProxy,
  ListProxy,
  NamespaceProxy,
  QueueProxy,
  ValueProxy,
} from "./managers/proxies.ts";
export {
  AsyncResultProxy,
  type PoolIterator,
  PoolProxy,
} from "./managers/pool_proxy.ts";
export {
  AttributeError,
  RemoteError,
  StopIteration,
} from "./managers/_errors.ts";
export type { Token } from "./managers/_token.ts";
export type { ProxyClass, ProxyInit, ProxyTypes } from "./managers/_proxy.ts";
