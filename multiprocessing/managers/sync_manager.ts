/**
 * `SyncManager` and `Manager()`: a manager whose server holds the shared
 * objects of CPython's `SyncManager` (dict, list, Namespace, queues,
 * locks, conditions, events, barriers, values and arrays).
 *
 * @module
 */

import {
  BaseManager,
  type BaseManagerOptions,
  registerBuiltin,
  setDefaultExposed,
} from "./base_manager.ts";
import { EXPOSED } from "./_registry.ts";
import {
  AcquirerProxy,
  ArrayProxy,
  BarrierProxy,
  type BaseProxy,
  ConditionProxy,
  DictProxy,
  EventProxy,
  IteratorProxy,
  ListProxy,
  NamespaceProxy,
  QueueProxy,
  ValueProxy,
} from "./proxies.ts";
import { AsyncResultProxy, PoolProxy } from "./pool_proxy.ts";
import type { ProxyClass } from "./_proxy.ts";
import { targetToWire } from "./_pool_target.ts";
import type { Target } from "../../_internal/threads/targets.ts";

/** A Barrier's action as it travels to the server (null: none). */
function actionToWire(action: Target | null): Record<string, string> | null {
  return action === null || action === undefined
    ? null
    : targetToWire(action, "action");
}

for (
  const [cls, name] of [
    [DictProxy, "DictProxy"],
    [ListProxy, "ListProxy"],
    [AcquirerProxy, "AcquirerProxy"],
    [ConditionProxy, "ConditionProxy"],
    [EventProxy, "EventProxy"],
    [BarrierProxy, "BarrierProxy"],
    [NamespaceProxy, "NamespaceProxy"],
    [ValueProxy, "ValueProxy"],
    [ArrayProxy, "ArrayProxy"],
    [IteratorProxy, "IteratorProxy"],
    [PoolProxy, "PoolProxy"],
  ] as [ProxyClass, string][]
) {
  setDefaultExposed(cls, EXPOSED[name]!);
}

/**
 * Python's `multiprocessing.managers.SyncManager`: each method creates an
 * object in the server and returns its proxy (async, with a `Sync` form).
 * Its typeids are CPython's, so a CPython client of this server (or this
 * client of a CPython `SyncManager`) uses the same names.
 *
 * @example A shared dict written by processes
 * ```ts
 * import { Manager, Process } from "@pyconc/std/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * await using manager = await Manager();
 * const d = await manager.dict();
 * const p = new Process({
 *   target: (d: { setItemSync(k: string, v: number): void }) => d.setItemSync("x", 42),
 *   args: [d],
 * });
 * p.start();
 * await p.join();
 * assert.equal(await d.getItem("x"), 42);
 * ```
 */
export class SyncManager extends BaseManager {
  /** A `dict` (from a plain object, a Map or `[k, v]` pairs). */
  dict<K = string, V = unknown>(init?: unknown): Promise<DictProxy<K, V>> {
    return this.create("dict", ...(init === undefined ? [] : [init]));
  }
  /** Blocking {@linkcode dict}. */
  dictSync<K = string, V = unknown>(init?: unknown): DictProxy<K, V> {
    return this.createSync("dict", ...(init === undefined ? [] : [init]));
  }
  /** A `list`. */
  list<T = unknown>(init?: readonly T[]): Promise<ListProxy<T>> {
    return this.create("list", ...(init === undefined ? [] : [init]));
  }
  /** Blocking {@linkcode list}. */
  listSync<T = unknown>(init?: readonly T[]): ListProxy<T> {
    return this.createSync("list", ...(init === undefined ? [] : [init]));
  }
  /** A `Namespace` with the given attributes. */
  Namespace(init: Record<string, unknown> = {}): Promise<NamespaceProxy> {
    return this.createWith("Namespace", [], init);
  }
  /** Blocking {@linkcode Namespace}. */
  NamespaceSync(init: Record<string, unknown> = {}): NamespaceProxy {
    return this.createWithSync("Namespace", [], init);
  }
  /** A `queue.Queue(maxsize)`. */
  Queue<T = unknown>(maxsize = 0): Promise<QueueProxy<T>> {
    return this.create("Queue", maxsize);
  }
  /** Blocking {@linkcode Queue}. */
  QueueSync<T = unknown>(maxsize = 0): QueueProxy<T> {
    return this.createSync("Queue", maxsize);
  }
  /** A joinable `queue.Queue(maxsize)` (`taskDone`, `join`). */
  JoinableQueue<T = unknown>(maxsize = 0): Promise<QueueProxy<T>> {
    return this.create("JoinableQueue", maxsize);
  }
  /** Blocking {@linkcode JoinableQueue}. */
  JoinableQueueSync<T = unknown>(maxsize = 0): QueueProxy<T> {
    return this.createSync("JoinableQueue", maxsize);
  }
  /** A `threading.Lock`. */
  Lock(): Promise<AcquirerProxy> {
    return this.create("Lock");
  }
  /** Blocking {@linkcode Lock}. */
  LockSync(): AcquirerProxy {
    return this.createSync("Lock");
  }
  /** A `threading.RLock` (owned by the connection that acquired it). */
  RLock(): Promise<AcquirerProxy> {
    return this.create("RLock");
  }
  /** Blocking {@linkcode RLock}. */
  RLockSync(): AcquirerProxy {
    return this.createSync("RLock");
  }
  /** A `threading.Semaphore(value)`. */
  Semaphore(value = 1): Promise<AcquirerProxy> {
    return this.create("Semaphore", value);
  }
  /** Blocking {@linkcode Semaphore}. */
  SemaphoreSync(value = 1): AcquirerProxy {
    return this.createSync("Semaphore", value);
  }
  /** A `threading.BoundedSemaphore(value)`. */
  BoundedSemaphore(value = 1): Promise<AcquirerProxy> {
    return this.create("BoundedSemaphore", value);
  }
  /** Blocking {@linkcode BoundedSemaphore}. */
  BoundedSemaphoreSync(value = 1): AcquirerProxy {
    return this.createSync("BoundedSemaphore", value);
  }
  /** A `threading.Condition(lock)` (lock: a Lock/RLock proxy of this manager). */
  Condition(lock?: AcquirerProxy | null): Promise<ConditionProxy> {
    return this.create("Condition", ...(lock ? [lock] : []));
  }
  /** Blocking {@linkcode Condition}. */
  ConditionSync(lock?: AcquirerProxy | null): ConditionProxy {
    return this.createSync("Condition", ...(lock ? [lock] : []));
  }
  /** A `threading.Event`. */
  Event(): Promise<EventProxy> {
    return this.create("Event");
  }
  /** Blocking {@linkcode Event}. */
  EventSync(): EventProxy {
    return this.createSync("Event");
  }
  /**
   * A `threading.Barrier(parties, action=None, timeout=None)` in the
   * server.
   *
   * The action runs in the server process, once per generation, in the
   * call of the last party to arrive, before the others are released
   * (Python's `_release`); an action that throws breaks the barrier: that
   * party's `wait()` rejects with the action's error, the others' with
   * `BrokenBarrierError`. It is a target (API.md convention 7): a
   * self-contained function, sent by its source, or a module reference
   * (imported by the server when the Barrier is made: a missing module or
   * export fails this call). It is called with no arguments and may be
   * async. A CPython server cannot run it (it receives the target's
   * description, a dict, and its Barrier fails when it calls it): give a
   * CPython server's Barrier no action.
   *
   * @param parties How many parties `wait()` for each other (≥ 1).
   * @param action Run once per generation in the server, or null.
   * @param timeout Default `wait()` timeout in seconds, or null.
   * @throws {TypeError} If `action` is not a function or module reference
   *   (or is a built-in or bound function, which has no source to send).
   *
   * @example A barrier whose action runs in the server
   * ```ts
   * import { Manager } from "@pyconc/std/multiprocessing";
   * import assert from "node:assert/strict";
   *
   * await using m = await Manager();
   * const barrier = await m.Barrier(2, () => {
   *   // Runs in the server process, once per generation.
   *   const g = globalThis as { generations?: number };
   *   g.generations = (g.generations ?? 0) + 1;
   * });
   * const indices = await Promise.all([barrier.wait(), barrier.wait()]);
   * assert.deepEqual(indices.sort(), [0, 1]);
   * ```
   */
  async Barrier(
    parties: number,
    action: Target | null = null,
    timeout: number | null = null,
  ): Promise<BarrierProxy> {
    return await this.create(
      "Barrier",
      parties,
      actionToWire(action),
      timeout,
    );
  }
  /** Blocking {@linkcode Barrier}. */
  BarrierSync(
    parties: number,
    action: Target | null = null,
    timeout: number | null = null,
  ): BarrierProxy {
    return this.createSync("Barrier", parties, actionToWire(action), timeout);
  }
  /** A `Value(typecode, value)` (a plain holder in the server, as Python's). */
  Value<T = unknown>(typecode: string, value: T): Promise<ValueProxy<T>> {
    return this.create("Value", typecode, value);
  }
  /** Blocking {@linkcode Value}. */
  ValueSync<T = unknown>(typecode: string, value: T): ValueProxy<T> {
    return this.createSync("Value", typecode, value);
  }
  /** An `Array(typecode, sequence)` (Python's `array.array` in the server). */
  Array<T = number>(
    typecode: string,
    sequence: readonly T[],
  ): Promise<ArrayProxy<T>> {
    return this.create("Array", typecode, [...sequence]);
  }
  /** Blocking {@linkcode Array}. */
  ArraySync<T = number>(
    typecode: string,
    sequence: readonly T[],
  ): ArrayProxy<T> {
    return this.createSync("Array", typecode, [...sequence]);
  }
  /**
   * A `multiprocessing.Pool(processes)` in the server (its worker
   * processes are the server's children); `processes` defaults to
   * `cpuCount()`.
   */
  Pool(processes: number | null = null): Promise<PoolProxy> {
    return this.create("Pool", processes);
  }
  /** Blocking {@linkcode Pool}. */
  PoolSync(processes: number | null = null): PoolProxy {
    return this.createSync("Pool", processes);
  }
}

const BUILTIN: [string, ProxyClass][] = [
  ["Queue", QueueProxy],
  ["JoinableQueue", QueueProxy],
  ["Event", EventProxy],
  ["Lock", AcquirerProxy],
  ["RLock", AcquirerProxy],
  ["Semaphore", AcquirerProxy],
  ["BoundedSemaphore", AcquirerProxy],
  ["Condition", ConditionProxy],
  ["Barrier", BarrierProxy],
  ["list", ListProxy],
  ["dict", DictProxy],
  ["Value", ValueProxy],
  ["Array", ArrayProxy],
  ["Namespace", NamespaceProxy],
];
for (const [typeid, proxytype] of BUILTIN) {
  // The class methods above are the typed forms: no generated method.
  registerBuiltin(SyncManager, typeid, proxytype);
}
registerBuiltin(SyncManager, "Pool", PoolProxy);
registerBuiltin(SyncManager, "Iterator", IteratorProxy);
// What a Pool's *_async methods return (CPython: create_method=False).
registerBuiltin(SyncManager, "AsyncResult", AsyncResultProxy);

/**
 * Python's `multiprocessing.Manager()`: starts a {@linkcode SyncManager}
 * (its server in a new process) and resolves to it. Shut it down with
 * `await using`, `shutdown()` or `shutdownSync()`.
 *
 * @example The seed's Example 15-1, make_dict
 * ```ts
 * import { Manager, Process } from "@pyconc/std/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * await using mgr = await Manager();
 * const d = await mgr.dict();
 * const procs = ["ab", "cde"].map((s) =>
 *   new Process({
 *     target: (d: { setItemSync(k: string, v: number): void }, s: string) =>
 *       d.setItemSync(s, s.length),
 *     args: [d, s],
 *   })
 * );
 * for (const p of procs) p.start();
 * for (const p of procs) await p.join();
 * assert.deepEqual(await d.copy(), { ab: 2, cde: 3 });
 * ```
 */
export async function Manager(
  options: BaseManagerOptions = {},
): Promise<SyncManager> {
  const m = new SyncManager(options);
  await m.start();
  return m;
}

/**
 * Python's `multiprocessing.Manager()` for synchronous code: starts a
 * {@linkcode SyncManager}, blocking the calling thread until its server
 * listens, and returns it (the `Sync` twin of {@linkcode Manager}, named
 * as `ClientSync` is for `Client`). Shut it down with `using`,
 * `shutdownSync()` or `shutdown()`.
 *
 * @throws {ProcessError} If the server process ended before listening.
 *
 * @example In synchronous code
 * ```ts
 * import { ManagerSync } from "@pyconc/std/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * using m = ManagerSync();
 * const l = m.listSync([1, 2]);
 * l.appendSync(3);
 * assert.deepEqual(l.copySync(), [1, 2, 3]);
 * ```
 */
export function ManagerSync(options: BaseManagerOptions = {}): SyncManager {
  const m = new SyncManager(options);
  m.startSync();
  return m;
}

export type { BaseProxy };
