/**
 * `BaseProxy`: a reference to an object in a manager's server, as
 * CPython's `multiprocessing.managers.BaseProxy`.
 *
 * A proxy owns one reference to its object (the server counts them): one
 * made by `create` or returned by a method (`#PROXY`) adopts the reference
 * the server took for it; one rebuilt from a pickle or received in a
 * Process's args takes its own (`incref`). The reference is given back
 * (`decref`) by `Symbol.dispose`/`Symbol.asyncDispose`, or, once the proxy
 * is garbage collected, with the next request to that server.
 *
 * @module
 */

import { SHARE, type ShareRecord } from "../../_internal/codec/shareable.ts";
import { lazyModule } from "../../_internal/lazy.ts";
import type { Link, Pinned } from "./_client.ts";
import type { Token } from "./_token.ts";
import { type Address, asAddress } from "./_transport.ts";

/**
 * What reaches the server (client, pickle, wire) loads lazily: every
 * thread and process loads this module (the codec rebuilds proxies), most
 * never use a manager. A proxy made or rebuilt starts the load; a Worker
 * or child awaits it before its target runs; a Sync call that comes first
 * loads it synchronously where it can (see `_internal/lazy.ts`).
 */
export const proxyImpl = lazyModule(
  "multiprocessing.managers",
  () => import("./_proxy_impl.ts"),
  "await an async call of the proxy first, or import @pyconc/std/multiprocessing",
  new URL("./_proxy_impl.ts", import.meta.url),
);

/** How a proxy class is made from a token (internal). */
export interface ProxyInit {
  /** The object's token. */
  readonly token: Token;
  /** The key connections to its server authenticate with. */
  readonly authkey: Uint8Array;
  /** The methods the server exposes for it (null: unknown). */
  readonly exposed: readonly string[] | null;
  /** The proxy classes of its manager's typeids. */
  readonly types: ProxyTypes | null;
}

/** A proxy class. */
export type ProxyClass = {
  new (init: ProxyInit): BaseProxy;
  /** CPython's name of the proxy type (`DictProxy`, `AutoProxy`…). */
  readonly pyName: string;
};

/** typeid → proxy class, as a manager class registered them. */
export type ProxyTypes = ReadonlyMap<string, ProxyClass>;

const INTERNAL = Symbol("proxy internal");

/**
 * Typeids whose referents track their owner (an RLock, a Condition over
 * one): their proxies call over a connection of their own.
 */
export const OWNED: ReadonlySet<string> = new Set(["RLock", "Condition"]);

/** What gives a proxy's reference back: kept apart from the proxy. */
export interface Cell {
  readonly address: Address;
  readonly authkey: Uint8Array;
  readonly id: string;
  readonly typeid: string;
  /** The link to its server, once the heavy part is loaded. */
  link: Link | null;
  /** Its own connection, when its referent tracks owners. */
  pinned: Pinned | null;
  /** The reference taken later for a proxy rebuilt before the load. */
  ready: Promise<void> | null;
}

const finalizer = new FinalizationRegistry<Cell>((cell) => {
  const impl = proxyImpl.loaded;
  if (impl) impl.queueDecref(cell, cell.typeid);
  else void proxyImpl.then((m) => m.queueDecref(cell, cell.typeid));
});

/** Proxy classes by CPython name, for proxies received without a manager. */
const byPyName = new Map<string, ProxyClass>();
/** Default proxy classes by typeid (the SyncManager's). */
const byTypeid = new Map<string, ProxyClass>();

/** Registers a proxy class under its CPython name (and default typeids). */
export function registerProxyClass(
  cls: ProxyClass,
  typeids: readonly string[] = [],
): void {
  byPyName.set(cls.pyName, cls);
  for (const t of typeids) byTypeid.set(t, cls);
}

/** The proxy class for a typeid (and CPython proxy type name). */
export function classFor(
  typeid: string,
  pyName: string | null,
  types: ProxyTypes | null,
): ProxyClass {
  const fromTypes = types?.get(typeid);
  if (fromTypes) return fromTypes;
  const byType = byTypeid.get(typeid);
  if (byType && (pyName === null || byType.pyName === pyName)) return byType;
  return (pyName !== null ? byPyName.get(pyName) : undefined) ??
    byPyName.get("AutoProxy")!;
}

/** A proxy's state (internal). */
export interface State {
  readonly token: Token;
  readonly authkey: Uint8Array;
  readonly exposed: readonly string[] | null;
  readonly types: ProxyTypes | null;
  released: boolean;
  readonly cell: Cell;
}

/**
 * Python's `BaseProxy`: a reference to an object held by a manager's
 * server. Calls go to the server (`callMethod`); the proxy travels by
 * reference (in a Process's args, in a queue item, inside another proxy's
 * value) and the receiver reaches the same object.
 *
 * @example A proxy's methods and a local copy
 * ```ts
 * import { Manager } from "@pyconc/std/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * await using manager = await Manager();
 * const l = await manager.list([3, 1, 2]);
 * await l.callMethod("sort");
 * assert.deepEqual(await l.copy(), [1, 2, 3]);
 * ```
 */
export class BaseProxy {
  /** CPython's name of this proxy type. */
  static readonly pyName: string = "BaseProxy";
  readonly #s: State;

  /** @internal Proxies are made by managers, not by users. */
  constructor(init: ProxyInit) {
    const cell: Cell = {
      address: init.token.address,
      authkey: init.authkey.slice(),
      id: init.token.id,
      typeid: init.token.typeid,
      link: null,
      pinned: null,
      ready: null,
    };
    this.#s = {
      token: init.token,
      authkey: cell.authkey,
      exposed: init.exposed,
      types: init.types,
      released: false,
      cell,
    };
    const impl = proxyImpl.use();
    if (impl) impl.attach(cell, cell.typeid);
    else void proxyImpl.load().catch(() => {});
    finalizer.register(this, cell, this);
  }

  /** CPython's `_token`: the object's typeid, server address and id. */
  get token(): Token {
    return this.#s.token;
  }

  /** The methods the server exposes for this object. */
  get exposed(): readonly string[] | null {
    return this.#s.exposed;
  }

  /** @internal */
  get [INTERNAL](): State {
    return this.#s;
  }

  /**
   * Python's `_callmethod(methodname, args=(), kwds={})`: calls a method of
   * the referent in the server and returns (a copy of) its result; a
   * result the server returns as a proxy (`methodToTypeid`) arrives as
   * one.
   *
   * @throws The referent's error, with its Python class (KeyError…);
   *   RemoteError when the server failed outside the method.
   */
  async callMethod(
    methodname: string,
    args: readonly unknown[] = [],
    kwds: Record<string, unknown> = {},
  ): Promise<unknown> {
    this.#live();
    // Loaded: no await (each costs the round trip a microtask turn).
    const impl = proxyImpl.use() ?? await proxyImpl.load();
    return await impl.callMethod(this, methodname, args, kwds);
  }

  /**
   * Blocking {@linkcode callMethod}.
   * @throws {RuntimeError} If this thread has not loaded the managers'
   *   client yet (a proxy received by a Sync call in a thread that never
   *   used a manager): await an async call first.
   */
  callMethodSync(
    methodname: string,
    args: readonly unknown[] = [],
    kwds: Record<string, unknown> = {},
  ): unknown {
    this.#live();
    const impl = proxyImpl.get(`call '${methodname}' of a proxy`);
    return impl.callMethodSync(this, methodname, args, kwds);
  }

  /** Python's `_getvalue()`: a local copy of the referent. */
  getValue(): Promise<unknown> {
    return this.callMethod("#GETVALUE");
  }

  /** Blocking {@linkcode getValue}. */
  getValueSync(): unknown {
    return this.callMethodSync("#GETVALUE");
  }

  /** Python's `str(proxy)`: the referent's repr, from the server. */
  async str(): Promise<string> {
    try {
      return String(await this.callMethod("__repr__"));
    } catch {
      return `${this.toString().slice(0, -1)}; '__str__()' failed>`;
    }
  }

  /** Python's `repr(proxy)`. */
  toString(): string {
    const cls = (this.constructor as ProxyClass).pyName;
    return `<${cls} object, typeid '${this.#s.token.typeid}'>`;
  }

  #live(): State {
    if (this.#s.released) {
      throw new ReferenceError(
        `Cannot use a released proxy (typeid '${this.#s.token.typeid}')`,
      );
    }
    return this.#s;
  }

  /** Gives the proxy's reference back to the server now. */
  async [Symbol.asyncDispose](): Promise<void> {
    const s = this.#s;
    if (s.released) return;
    s.released = true;
    finalizer.unregister(this);
    const impl = await proxyImpl.load();
    await impl.decref(s.cell, s.token.typeid);
  }

  /** Blocking {@linkcode [Symbol.asyncDispose]}. */
  [Symbol.dispose](): void {
    const s = this.#s;
    if (s.released) return;
    s.released = true;
    finalizer.unregister(this);
    const impl = proxyImpl.loaded;
    if (impl) impl.decrefSync(s.cell, s.token.typeid);
    // Not loaded yet: its reference is given back once it is.
    else void proxyImpl.then((m) => m.decref(s.cell, s.token.typeid));
  }

  /** @internal Travels by reference: the receiver reaches the same object. */
  [SHARE](): ShareRecord {
    const s = this.#live();
    return {
      tag: SHARE_TAG,
      data: {
        pyName: (this.constructor as ProxyClass).pyName,
        typeid: s.token.typeid,
        address: s.token.address,
        id: s.token.id,
        exposed: s.exposed,
        authkey: s.authkey,
      },
      crossProcess: true,
    };
  }
}

/** The codec's tag of every proxy. */
export const SHARE_TAG = "multiprocessing.managers.BaseProxy";

/**
 * Rebuilds a proxy the codec received. Registered for {@linkcode SHARE_TAG}
 * by proxies.ts, once the proxy classes are: a process that loaded only
 * this module (a manager's server or a spare child loads the client) must
 * not take the tag for loaded, or the codec would not load the classes.
 */
export function rebuildProxy(data: unknown): BaseProxy {
  const d = data as {
    pyName: string;
    typeid: string;
    address: Address;
    id: string;
    exposed: readonly string[] | null;
    authkey: Uint8Array;
  };
  const token = { typeid: d.typeid, address: asAddress(d.address), id: d.id };
  const cls = classFor(d.typeid, d.pyName, null);
  const p = new cls({
    token,
    authkey: d.authkey,
    exposed: d.exposed,
    types: null,
  });
  // The receiver takes its own reference, as CPython's RebuildProxy; before
  // the client is loaded, right after (its calls wait for it).
  const impl = proxyImpl.use();
  if (impl) impl.increfSync(token, d.authkey);
  else {
    stateOf(p).cell.ready = proxyImpl.then((m) => m.incref(token, d.authkey));
  }
  return p;
}

/** The proxy's state (for subclasses in this folder). */
export function stateOf(p: BaseProxy): State {
  return p[INTERNAL];
}
