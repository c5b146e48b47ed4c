/**
 * The SyncManager's proxy types, as CPython's (`DictProxy`, `ListProxy`,
 * `NamespaceProxy`, `AcquirerProxy`, `ConditionProxy`, `EventProxy`,
 * `BarrierProxy`, `ValueProxy`, `ArrayProxy`, `IteratorProxy`, and the
 * `AutoProxy` of `Queue` and registered typeids). Each method that reaches
 * the server is async with a `Sync` form; Python's operators have Map-like
 * names (`getItem`, `setItem`, `delItem`, `has`, `length`, `slice`,
 * `setSlice`).
 *
 * @module
 */

import { registerShareable } from "../../_internal/codec/shareable.ts";
import { proxyMethodName } from "./_names.ts";
import {
  BaseProxy,
  proxyImpl,
  type ProxyInit,
  rebuildProxy,
  registerProxyClass,
  SHARE_TAG,
} from "./_proxy.ts";

export { BaseProxy };
export {
  AsyncResultProxy,
  type PoolIterator,
  PoolProxy,
} from "./pool_proxy.ts";

/** Python's `slice(start, stop)`, as pickle carries it (client loaded). */
function pySlice(start?: number | null, stop?: number | null): unknown {
  return proxyImpl.get("slice a list proxy").pySlice(start, stop);
}

const MISSING = Symbol("missing");

/**
 * What the indexable proxies share: Python's `x[k]`, `x[k] = v` and
 * `len(x)`, each one round trip to the server (the base of
 * {@linkcode ArrayProxy} and {@linkcode ContainerProxy}).
 *
 * @example
 * ```ts
 * import { Manager } from "@pyconc/std/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * await using manager = await Manager();
 * const a = await manager.Array("i", [1, 2, 3]);
 * await a.setItem(0, 7);
 * assert.equal(await a.getItem(0), 7);
 * assert.equal(a.lengthSync(), 3);
 * ```
 */
export class ItemsProxy<K, V> extends BaseProxy {
  /** `x[k]`. @throws {KeyError} For a missing key; {IndexError} out of range. */
  getItem(k: K): Promise<V> {
    return this.callMethod("__getitem__", [k]) as Promise<V>;
  }
  /** Blocking {@linkcode getItem}. */
  getItemSync(k: K): V {
    return this.callMethodSync("__getitem__", [k]) as V;
  }
  /** `x[k] = v`. @throws {IndexError} Out of range (lists and arrays). */
  async setItem(k: K, v: V): Promise<void> {
    await this.callMethod("__setitem__", [k, v]);
  }
  /** Blocking {@linkcode setItem}. */
  setItemSync(k: K, v: V): void {
    this.callMethodSync("__setitem__", [k, v]);
  }
  /** `len(x)`. */
  length(): Promise<number> {
    return this.callMethod("__len__") as Promise<number>;
  }
  /** Blocking {@linkcode length}. */
  lengthSync(): number {
    return this.callMethodSync("__len__") as number;
  }
}

/**
 * The containers' operators beyond {@linkcode ItemsProxy}: `del x[k]` and
 * `m in x` (a key of a dict, an item of a list); the base of
 * {@linkcode DictProxy} and {@linkcode ListProxy}.
 *
 * @example
 * ```ts
 * import { Manager } from "@pyconc/std/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * await using manager = await Manager();
 * const l = await manager.list([1, 2]);
 * assert.equal(await l.has(2), true);
 * await l.delItem(0);
 * assert.deepEqual(await l.copy(), [2]);
 * ```
 */
export class ContainerProxy<K, V, M> extends ItemsProxy<K, V> {
  /** `del x[k]`. @throws {KeyError} For a missing key; {IndexError} out of range. */
  async delItem(k: K): Promise<void> {
    await this.callMethod("__delitem__", [k]);
  }
  /** Blocking {@linkcode delItem}. */
  delItemSync(k: K): void {
    this.callMethodSync("__delitem__", [k]);
  }
  /** `m in x`. */
  has(m: M): Promise<boolean> {
    return this.callMethod("__contains__", [m]) as Promise<boolean>;
  }
  /** Blocking {@linkcode has}. */
  hasSync(m: M): boolean {
    return this.callMethodSync("__contains__", [m]) as boolean;
  }
}

/**
 * A proxy for a `dict` in a manager (Python's `DictProxy`).
 *
 * @example A shared dict
 * ```ts
 * import { Manager } from "@pyconc/std/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * await using manager = await Manager();
 * const d = await manager.dict({ a: 1 });
 * await d.setItem("b", 2);
 * assert.equal(await d.getItem("a"), 1);
 * assert.equal(await d.get("zz", 0), 0);
 * assert.deepEqual(await d.copy(), { a: 1, b: 2 });
 * ```
 */
export class DictProxy<K = unknown, V = unknown>
  extends ContainerProxy<K, V, K> {
  /** CPython\'s name of this proxy type. */
  static override readonly pyName: string = "DictProxy";
  /** `d.get(k, default=None)`. */
  get(k: K, dflt: V | null = null): Promise<V | null> {
    return this.callMethod("get", [k, dflt]) as Promise<V | null>;
  }
  /** Blocking {@linkcode get}. */
  getSync(k: K, dflt: V | null = null): V | null {
    return this.callMethodSync("get", [k, dflt]) as V | null;
  }
  /** `d.keys()` (a list). */
  keys(): Promise<K[]> {
    return this.callMethod("keys") as Promise<K[]>;
  }
  /** Blocking {@linkcode keys}. */
  keysSync(): K[] {
    return this.callMethodSync("keys") as K[];
  }
  /** `d.values()` (a list). */
  values(): Promise<V[]> {
    return this.callMethod("values") as Promise<V[]>;
  }
  /** Blocking {@linkcode values}. */
  valuesSync(): V[] {
    return this.callMethodSync("values") as V[];
  }
  /** `d.items()` (a list of `[k, v]` tuples). */
  items(): Promise<[K, V][]> {
    return this.callMethod("items") as Promise<[K, V][]>;
  }
  /** Blocking {@linkcode items}. */
  itemsSync(): [K, V][] {
    return this.callMethodSync("items") as [K, V][];
  }
  /** `d.update(other)`: a dict (plain object or Map) or `[k, v]` pairs. */
  async update(other: unknown): Promise<void> {
    await this.callMethod("update", [other]);
  }
  /** Blocking {@linkcode update}. */
  updateSync(other: unknown): void {
    this.callMethodSync("update", [other]);
  }
  /** `d.pop(k[, default])`. @throws {KeyError} If missing without a default. */
  pop(k: K, ...dflt: [V?]): Promise<V> {
    return this.callMethod("pop", [k, ...dflt]) as Promise<V>;
  }
  /** Blocking {@linkcode pop}. */
  popSync(k: K, ...dflt: [V?]): V {
    return this.callMethodSync("pop", [k, ...dflt]) as V;
  }
  /** `d.popitem()`. @throws {KeyError} If the dict is empty. */
  popitem(): Promise<[K, V]> {
    return this.callMethod("popitem") as Promise<[K, V]>;
  }
  /** Blocking {@linkcode popitem}. */
  popitemSync(): [K, V] {
    return this.callMethodSync("popitem") as [K, V];
  }
  /** `d.setdefault(k, default=None)`. */
  setdefault(k: K, dflt: V | null = null): Promise<V> {
    return this.callMethod("setdefault", [k, dflt]) as Promise<V>;
  }
  /** Blocking {@linkcode setdefault}. */
  setdefaultSync(k: K, dflt: V | null = null): V {
    return this.callMethodSync("setdefault", [k, dflt]) as V;
  }
  /** `d.clear()`. */
  async clear(): Promise<void> {
    await this.callMethod("clear");
  }
  /** Blocking {@linkcode clear}. */
  clearSync(): void {
    this.callMethodSync("clear");
  }
  /** `d.copy()`: a local copy (a plain object, or a Map for non-str keys). */
  copy(): Promise<Record<string, V> | Map<K, V>> {
    return this.callMethod("copy") as Promise<Record<string, V> | Map<K, V>>;
  }
  /** Blocking {@linkcode copy}. */
  copySync(): Record<string, V> | Map<K, V> {
    return this.callMethodSync("copy") as Record<string, V> | Map<K, V>;
  }
}

/**
 * A proxy for a `list` in a manager (Python's `ListProxy`). The proxy is
 * not the list: `copy()` returns a local copy.
 *
 * @example The seed's `p[:] = [1, 2, 3]`
 * ```ts
 * import { Manager } from "@pyconc/std/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * await using manager = await Manager();
 * const p = await manager.list();
 * await p.setSlice(null, null, [1, 2, 3]);
 * assert.deepEqual(await p.copy(), [1, 2, 3]);
 * assert.equal(await p.length(), 3);
 * ```
 */
export class ListProxy<T = unknown> extends ContainerProxy<number, T, T> {
  /** CPython\'s name of this proxy type. */
  static override readonly pyName: string = "ListProxy";
  /** `l[a:b]` (a list). */
  async slice(a?: number | null, b?: number | null): Promise<T[]> {
    await proxyImpl.load();
    return await this.callMethod("__getitem__", [pySlice(a, b)]) as Promise<
      T[]
    >;
  }
  /** Blocking {@linkcode slice}. */
  sliceSync(a?: number | null, b?: number | null): T[] {
    return this.callMethodSync("__getitem__", [pySlice(a, b)]) as T[];
  }
  /** `l[a:b] = values` (the length may change, as Python's). */
  async setSlice(
    a: number | null | undefined,
    b: number | null | undefined,
    values: T[],
  ): Promise<void> {
    await proxyImpl.load();
    await this.callMethod("__setitem__", [pySlice(a, b), values]);
  }
  /** Blocking {@linkcode setSlice}. */
  setSliceSync(
    a: number | null | undefined,
    b: number | null | undefined,
    values: T[],
  ): void {
    this.callMethodSync("__setitem__", [pySlice(a, b), values]);
  }
  /** `l.append(v)`. */
  async append(v: T): Promise<void> {
    await this.callMethod("append", [v]);
  }
  /** Blocking {@linkcode append}. */
  appendSync(v: T): void {
    this.callMethodSync("append", [v]);
  }
  /** `l.extend(values)`. */
  async extend(values: T[]): Promise<void> {
    await this.callMethod("extend", [values]);
  }
  /** Blocking {@linkcode extend}. */
  extendSync(values: T[]): void {
    this.callMethodSync("extend", [values]);
  }
  /** `l.insert(i, v)`. */
  async insert(i: number, v: T): Promise<void> {
    await this.callMethod("insert", [i, v]);
  }
  /** Blocking {@linkcode insert}. */
  insertSync(i: number, v: T): void {
    this.callMethodSync("insert", [i, v]);
  }
  /** `l.remove(v)`. @throws {ValueError} If `v` is not in the list. */
  async remove(v: T): Promise<void> {
    await this.callMethod("remove", [v]);
  }
  /** Blocking {@linkcode remove}. */
  removeSync(v: T): void {
    this.callMethodSync("remove", [v]);
  }
  /** `l.pop(i=-1)`. @throws {IndexError} If empty or out of range. */
  pop(...i: [number?]): Promise<T> {
    return this.callMethod("pop", i) as Promise<T>;
  }
  /** Blocking {@linkcode pop}. */
  popSync(...i: [number?]): T {
    return this.callMethodSync("pop", i) as T;
  }
  /** `l.index(v)`. @throws {ValueError} If `v` is not in the list. */
  index(v: T, ...range: [number?, number?]): Promise<number> {
    return this.callMethod("index", [v, ...range]) as Promise<number>;
  }
  /** Blocking {@linkcode index}. */
  indexSync(v: T, ...range: [number?, number?]): number {
    return this.callMethodSync("index", [v, ...range]) as number;
  }
  /** `l.count(v)`. */
  count(v: T): Promise<number> {
    return this.callMethod("count", [v]) as Promise<number>;
  }
  /** Blocking {@linkcode count}. */
  countSync(v: T): number {
    return this.callMethodSync("count", [v]) as number;
  }
  /** `l.reverse()`. */
  async reverse(): Promise<void> {
    await this.callMethod("reverse");
  }
  /** Blocking {@linkcode reverse}. */
  reverseSync(): void {
    this.callMethodSync("reverse");
  }
  /** `l.sort(reverse=False)` in Python's order (no key function). */
  async sort(options: { reverse?: boolean } = {}): Promise<void> {
    await this.callMethod("sort", [], options.reverse ? { reverse: true } : {});
  }
  /** Blocking {@linkcode sort}. */
  sortSync(options: { reverse?: boolean } = {}): void {
    this.callMethodSync("sort", [], options.reverse ? { reverse: true } : {});
  }
  /** A local copy of the list. */
  copy(): Promise<T[]> {
    return this.getValue() as Promise<T[]>;
  }
  /** Blocking {@linkcode copy}. */
  copySync(): T[] {
    return this.getValueSync() as T[];
  }
}

// Properties a NamespaceProxy keeps local (never sent to the server):
// JS's protocol names, so that awaiting, printing or spreading a proxy
// does not ask the server for attributes named `then` or `toJSON`.
const LOCAL_NAMES = new Set(["then", "toJSON", "constructor", "inspect"]);

/**
 * A proxy for a `Namespace` in a manager (Python's `NamespaceProxy`): its
 * attributes read and write as plain properties, each a blocking round
 * trip to the server (`ns.x = 1`, `ns.x`, `delete ns.x`). Names starting
 * with `_` stay local, as in Python. Reading a missing attribute throws
 * AttributeError. Because each access blocks, use it from a Process, a
 * Thread, or a main thread that does not host the server itself.
 *
 * @example A namespace
 * ```ts
 * import { Manager } from "@pyconc/std/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * await using manager = await Manager();
 * const ns = await manager.Namespace({ x: 1 });
 * ns.y = "two";
 * assert.equal(ns.x, 1);
 * assert.equal(ns.y, "two");
 * ```
 */
export class NamespaceProxy extends BaseProxy {
  /** CPython\'s name of this proxy type. */
  static override readonly pyName: string = "NamespaceProxy";
  /** The namespace's attributes (each access is a round trip). */
  [key: string]: unknown;

  /** @internal Proxies are made by managers, not by users. */
  constructor(init: ProxyInit) {
    super(init);
    // deno-lint-ignore no-this-alias
    const target = this;
    return new Proxy(this, {
      get(t, prop) {
        if (typeof prop === "symbol" || prop in t || prop.startsWith("_")) {
          const v = Reflect.get(t, prop, t);
          return typeof v === "function" ? v.bind(t) : v;
        }
        if (LOCAL_NAMES.has(prop)) return undefined;
        return target.callMethodSync("__getattribute__", [prop]);
      },
      set(t, prop, value) {
        if (typeof prop === "symbol" || prop.startsWith("_")) {
          return Reflect.set(t, prop, value, t);
        }
        target.callMethodSync("__setattr__", [prop, value]);
        return true;
      },
      deleteProperty(t, prop) {
        if (typeof prop === "symbol" || prop.startsWith("_")) {
          return Reflect.deleteProperty(t, prop);
        }
        target.callMethodSync("__delattr__", [prop]);
        return true;
      },
      has(t, prop) {
        if (typeof prop === "symbol" || prop in t) return true;
        try {
          target.callMethodSync("__getattribute__", [prop]);
          return true;
        } catch {
          return false;
        }
      },
    });
  }

  /** Reads attribute `name` (async form of `ns[name]`). */
  getAttr(name: string): Promise<unknown> {
    return this.callMethod("__getattribute__", [name]);
  }
  /** Sets attribute `name` (async form of `ns[name] = v`). */
  async setAttr(name: string, value: unknown): Promise<void> {
    await this.callMethod("__setattr__", [name, value]);
  }
  /** Deletes attribute `name` (async form of `delete ns[name]`). */
  async delAttr(name: string): Promise<void> {
    await this.callMethod("__delattr__", [name]);
  }
}

/**
 * A proxy for a Lock, RLock, Semaphore or BoundedSemaphore in a manager
 * (Python's `AcquirerProxy`). The server's RLock is owned by a connection,
 * as CPython's by a thread: an RLock (or Condition) proxy calls over a
 * connection of its own, one call at a time, so each such proxy object is
 * one owner. Two async tasks that must be different owners use two proxies
 * for the object (one received through a queue, for instance).
 *
 * @example A manager's lock
 * ```ts
 * import { Manager } from "@pyconc/std/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * await using manager = await Manager();
 * const lock = await manager.Lock();
 * assert.equal(await lock.acquire(), true);
 * assert.equal(await lock.acquire(false), false);
 * await lock.release();
 * ```
 */
export class AcquirerProxy extends BaseProxy {
  /** CPython\'s name of this proxy type. */
  static override readonly pyName: string = "AcquirerProxy";
  /** `acquire(blocking=True, timeout=None)` → whether it was acquired. */
  acquire(blocking = true, timeout: number | null = null): Promise<boolean> {
    return this.callMethod(
      "acquire",
      timeout === null ? [blocking] : [blocking, timeout],
    ) as Promise<boolean>;
  }
  /** Blocking {@linkcode acquire}. */
  acquireSync(blocking = true, timeout: number | null = null): boolean {
    return this.callMethodSync(
      "acquire",
      timeout === null ? [blocking] : [blocking, timeout],
    ) as boolean;
  }
  /** `release()`. @throws {RuntimeError} If not held. */
  async release(): Promise<void> {
    await this.callMethod("release");
  }
  /** Blocking {@linkcode release}. */
  releaseSync(): void {
    this.callMethodSync("release");
  }
  /** Acquires; disposing the handle releases (`with lock:`). */
  async hold(): Promise<AsyncDisposable & Disposable> {
    await this.acquire();
    return releaser(this);
  }
  /** Blocking {@linkcode hold}. */
  holdSync(): AsyncDisposable & Disposable {
    this.acquireSync();
    return releaser(this);
  }
}

function releaser(p: AcquirerProxy): AsyncDisposable & Disposable {
  let done = false;
  return {
    [Symbol.dispose]() {
      if (!done) {
        done = true;
        p.releaseSync();
      }
    },
    async [Symbol.asyncDispose]() {
      if (!done) {
        done = true;
        await p.release();
      }
    },
  };
}

/** A proxy for a Condition in a manager (Python's `ConditionProxy`). */
export class ConditionProxy extends AcquirerProxy {
  /** CPython\'s name of this proxy type. */
  static override readonly pyName: string = "ConditionProxy";
  /** `wait(timeout=None)` → false on timeout. */
  wait(timeout: number | null = null): Promise<boolean> {
    return this.callMethod("wait", [timeout]) as Promise<boolean>;
  }
  /** Blocking {@linkcode wait}. */
  waitSync(timeout: number | null = null): boolean {
    return this.callMethodSync("wait", [timeout]) as boolean;
  }
  /** `notify(n=1)`. */
  async notify(n = 1): Promise<void> {
    await this.callMethod("notify", [n]);
  }
  /** Blocking {@linkcode notify}. */
  notifySync(n = 1): void {
    this.callMethodSync("notify", [n]);
  }
  /** `notify_all()`. */
  async notifyAll(): Promise<void> {
    await this.callMethod("notify_all");
  }
  /** Blocking {@linkcode notifyAll}. */
  notifyAllSync(): void {
    this.callMethodSync("notify_all");
  }
  /** `wait_for(predicate, timeout=None)`, the predicate run here. */
  async waitFor<T>(
    predicate: () => T | Promise<T>,
    timeout: number | null = null,
  ): Promise<T> {
    let result = await predicate();
    const end = timeout === null ? null : performance.now() + timeout * 1000;
    while (!result) {
      let wait: number | null = null;
      if (end !== null) {
        wait = (end - performance.now()) / 1000;
        if (wait <= 0) break;
      }
      await this.wait(wait);
      result = await predicate();
    }
    return result;
  }
  /** Blocking {@linkcode waitFor}. */
  waitForSync<T>(predicate: () => T, timeout: number | null = null): T {
    let result = predicate();
    const end = timeout === null ? null : performance.now() + timeout * 1000;
    while (!result) {
      let wait: number | null = null;
      if (end !== null) {
        wait = (end - performance.now()) / 1000;
        if (wait <= 0) break;
      }
      this.waitSync(wait);
      result = predicate();
    }
    return result;
  }
}

/**
 * A proxy for an Event in a manager (Python's `EventProxy`).
 *
 * @example An event
 * ```ts
 * import { Manager } from "@pyconc/std/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * await using manager = await Manager();
 * const ev = await manager.Event();
 * const waiting = ev.wait(5);
 * await ev.set();
 * assert.equal(await waiting, true);
 * ```
 */
export class EventProxy extends BaseProxy {
  /** CPython\'s name of this proxy type. */
  static override readonly pyName: string = "EventProxy";
  /** `is_set()`. */
  isSet(): Promise<boolean> {
    return this.callMethod("is_set") as Promise<boolean>;
  }
  /** Blocking {@linkcode isSet}. */
  isSetSync(): boolean {
    return this.callMethodSync("is_set") as boolean;
  }
  /** `set()`. */
  async set(): Promise<void> {
    await this.callMethod("set");
  }
  /** Blocking {@linkcode set}. */
  setSync(): void {
    this.callMethodSync("set");
  }
  /** `clear()`. */
  async clear(): Promise<void> {
    await this.callMethod("clear");
  }
  /** Blocking {@linkcode clear}. */
  clearSync(): void {
    this.callMethodSync("clear");
  }
  /** `wait(timeout=None)` → the flag. */
  wait(timeout: number | null = null): Promise<boolean> {
    return this.callMethod("wait", [timeout]) as Promise<boolean>;
  }
  /** Blocking {@linkcode wait}. */
  waitSync(timeout: number | null = null): boolean {
    return this.callMethodSync("wait", [timeout]) as boolean;
  }
}

/** A proxy for a Barrier in a manager (Python's `BarrierProxy`). */
export class BarrierProxy extends BaseProxy {
  /** CPython\'s name of this proxy type. */
  static override readonly pyName: string = "BarrierProxy";
  /** `wait(timeout=None)` → this party's index. @throws {BrokenBarrierError} */
  wait(timeout: number | null = null): Promise<number> {
    return this.callMethod("wait", [timeout]) as Promise<number>;
  }
  /** Blocking {@linkcode wait}. */
  waitSync(timeout: number | null = null): number {
    return this.callMethodSync("wait", [timeout]) as number;
  }
  /** `abort()`. */
  async abort(): Promise<void> {
    await this.callMethod("abort");
  }
  /** Blocking {@linkcode abort}. */
  abortSync(): void {
    this.callMethodSync("abort");
  }
  /** `reset()`. */
  async reset(): Promise<void> {
    await this.callMethod("reset");
  }
  /** Blocking {@linkcode reset}. */
  resetSync(): void {
    this.callMethodSync("reset");
  }
  /** `parties` (a blocking round trip). */
  get parties(): number {
    return this.callMethodSync("__getattribute__", ["parties"]) as number;
  }
  /** `n_waiting` (a blocking round trip). */
  get nWaiting(): number {
    return this.callMethodSync("__getattribute__", ["n_waiting"]) as number;
  }
  /** `broken` (a blocking round trip). */
  get broken(): boolean {
    return this.callMethodSync("__getattribute__", ["broken"]) as boolean;
  }
}

/**
 * A proxy for a `Value` in a manager (Python's `ValueProxy`): `get()`,
 * `set(v)`, and `value` as a property (a blocking round trip).
 */
export class ValueProxy<T = unknown> extends BaseProxy {
  /** CPython\'s name of this proxy type. */
  static override readonly pyName: string = "ValueProxy";
  /** `get()`. */
  get(): Promise<T> {
    return this.callMethod("get") as Promise<T>;
  }
  /** Blocking {@linkcode get}. */
  getSync(): T {
    return this.callMethodSync("get") as T;
  }
  /** `set(v)`. */
  async set(v: T): Promise<void> {
    await this.callMethod("set", [v]);
  }
  /** Blocking {@linkcode set}. */
  setSync(v: T): void {
    this.callMethodSync("set", [v]);
  }
  /** `value` (a blocking round trip each way). */
  get value(): T {
    return this.getSync();
  }
  set value(v: T) {
    this.setSync(v);
  }
}

/** A proxy for an `Array` in a manager (Python's `ArrayProxy`). */
export class ArrayProxy<T = number> extends ItemsProxy<number, T> {
  /** CPython\'s name of this proxy type. */
  static override readonly pyName: string = "ArrayProxy";
  /** A local copy of the array's items. */
  copy(): Promise<T[]> {
    return this.getValue() as Promise<T[]>;
  }
  /** Blocking {@linkcode copy}. */
  copySync(): T[] {
    return this.getValueSync() as T[];
  }
}

/** A proxy for an iterator in a manager (Python's `IteratorProxy`). */
export class IteratorProxy<T = unknown> extends BaseProxy {
  /** CPython\'s name of this proxy type. */
  static override readonly pyName: string = "IteratorProxy";
  /** `next(it)`. @throws {StopIteration} At the end. */
  next(): Promise<T> {
    return this.callMethod("__next__") as Promise<T>;
  }
  /** Blocking {@linkcode next}. */
  nextSync(): T {
    return this.callMethodSync("__next__") as T;
  }
  /** Iterates the remaining items. */
  async *[Symbol.asyncIterator](): AsyncGenerator<T> {
    for (;;) {
      try {
        yield await this.next();
      } catch (e) {
        if ((e as Error)?.name === "StopIteration") return;
        throw e;
      }
    }
  }
}

/**
 * A proxy whose methods come from the server's exposed list (Python's
 * `AutoProxy`): each exposed method `name` is `proxy[camelCase(name)]`
 * (async) and `proxy[camelCase(name) + "Sync"]`, plus `callMethod`.
 */
export class AutoProxy extends BaseProxy {
  /** CPython\'s name of this proxy type. */
  static override readonly pyName: string = "AutoProxy";
  /** The exposed methods, camelCased, each with a `Sync` form. */
  // deno-lint-ignore no-explicit-any
  [method: string]: any;

  /** @internal Proxies are made by managers, not by users. */
  constructor(init: ProxyInit) {
    super(init);
    for (const name of init.exposed ?? []) {
      const js = proxyMethodName(name);
      if (js in this) continue;
      Object.defineProperty(this, js, {
        value: (...args: unknown[]) => this.callMethod(name, args),
        configurable: true,
      });
      Object.defineProperty(this, js + "Sync", {
        value: (...args: unknown[]) => this.callMethodSync(name, args),
        configurable: true,
      });
    }
  }
}

/**
 * A proxy for a `queue.Queue` in a manager (CPython serves it through an
 * `AutoProxy`; this one has the queue's methods typed).
 *
 * @example A queue
 * ```ts
 * import { Manager } from "@pyconc/std/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * await using manager = await Manager();
 * const q = await manager.Queue();
 * await q.put("job");
 * assert.equal(await q.get(), "job");
 * ```
 */
export class QueueProxy<T = unknown> extends BaseProxy {
  /** CPython\'s name of this proxy type. */
  static override readonly pyName: string = "AutoProxy";
  /** `put(item, block=True, timeout=None)`. @throws {Full} */
  async put(
    item: T,
    block = true,
    timeout: number | null = null,
  ): Promise<void> {
    await this.callMethod("put", [item, block, timeout]);
  }
  /** Blocking {@linkcode put}. */
  putSync(item: T, block = true, timeout: number | null = null): void {
    this.callMethodSync("put", [item, block, timeout]);
  }
  /** `get(block=True, timeout=None)`. @throws {Empty} */
  get(block = true, timeout: number | null = null): Promise<T> {
    return this.callMethod("get", [block, timeout]) as Promise<T>;
  }
  /** Blocking {@linkcode get}. */
  getSync(block = true, timeout: number | null = null): T {
    return this.callMethodSync("get", [block, timeout]) as T;
  }
  /** `put_nowait(item)`. @throws {Full} */
  async putNowait(item: T): Promise<void> {
    await this.callMethod("put_nowait", [item]);
  }
  /** Blocking {@linkcode putNowait}. */
  putNowaitSync(item: T): void {
    this.callMethodSync("put_nowait", [item]);
  }
  /** `get_nowait()`. @throws {Empty} */
  getNowait(): Promise<T> {
    return this.callMethod("get_nowait") as Promise<T>;
  }
  /** Blocking {@linkcode getNowait}. */
  getNowaitSync(): T {
    return this.callMethodSync("get_nowait") as T;
  }
  /** `qsize()` (informational only). */
  qsize(): Promise<number> {
    return this.callMethod("qsize") as Promise<number>;
  }
  /** Blocking {@linkcode qsize}. */
  qsizeSync(): number {
    return this.callMethodSync("qsize") as number;
  }
  /** `empty()`. */
  empty(): Promise<boolean> {
    return this.callMethod("empty") as Promise<boolean>;
  }
  /** Blocking {@linkcode empty}. */
  emptySync(): boolean {
    return this.callMethodSync("empty") as boolean;
  }
  /** `full()`. */
  full(): Promise<boolean> {
    return this.callMethod("full") as Promise<boolean>;
  }
  /** Blocking {@linkcode full}. */
  fullSync(): boolean {
    return this.callMethodSync("full") as boolean;
  }
  /** `task_done()`. @throws {ValueError} If called more times than items. */
  async taskDone(): Promise<void> {
    await this.callMethod("task_done");
  }
  /** Blocking {@linkcode taskDone}. */
  taskDoneSync(): void {
    this.callMethodSync("task_done");
  }
  /** `join()`: waits until every item is done. */
  async join(): Promise<void> {
    await this.callMethod("join");
  }
  /** Blocking {@linkcode join}. */
  joinSync(): void {
    this.callMethodSync("join");
  }
}

registerProxyClass(AutoProxy);
registerProxyClass(DictProxy, ["dict"]);
registerProxyClass(ListProxy, ["list"]);
registerProxyClass(NamespaceProxy, ["Namespace"]);
registerProxyClass(AcquirerProxy, [
  "Lock",
  "RLock",
  "Semaphore",
  "BoundedSemaphore",
]);
registerProxyClass(ConditionProxy, ["Condition"]);
registerProxyClass(EventProxy, ["Event"]);
registerProxyClass(BarrierProxy, ["Barrier"]);
registerProxyClass(ValueProxy, ["Value"]);
registerProxyClass(ArrayProxy, ["Array"]);
registerProxyClass(IteratorProxy, ["Iterator"]);
// QueueProxy pickles as AutoProxy; it is found by typeid only.
registerProxyClass(QueueProxy, ["Queue", "JoinableQueue"]);
registerProxyClass(AutoProxy);
// The codec rebuilds proxies once their classes are registered (see
// rebuildProxy).
registerShareable(SHARE_TAG, rebuildProxy);

export { MISSING as _MISSING };
