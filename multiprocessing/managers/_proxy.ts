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

import {
  registerShareable,
  SHARE,
  type ShareRecord,
} from "../../_internal/codec/shareable.ts";
import { currentProcess } from "../process.ts";
import { convertToError, type Link, linkTo, Pinned } from "./_client.ts";
import {
  proxyFromPy,
  type ProxyRecord,
  proxyToPy,
  type Token,
  tokenFromPy,
  tuple,
} from "./_token.ts";
import { type Address, asAddress } from "./_transport.ts";
import { mapValue } from "./_values.ts";
import "./_wire.ts";

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
const OWNED = new Set(["RLock", "Condition"]);
const finalizer = new FinalizationRegistry<Cell>(({ link, id, pinned }) => {
  pinned?.close();
  link.queueDecref(id);
});

interface Cell {
  readonly link: Link;
  readonly id: string;
  readonly pinned: Pinned | null;
}

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

function classFor(
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

interface State {
  readonly token: Token;
  readonly authkey: Uint8Array;
  readonly exposed: readonly string[] | null;
  readonly types: ProxyTypes | null;
  readonly link: Link;
  /** Its own connection, when its referent tracks owners. */
  pinned: Pinned | null;
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
    const link = linkTo(init.token.address, init.authkey);
    const pinned = OWNED.has(init.token.typeid) ? new Pinned(link) : null;
    const cell = { link, id: init.token.id, pinned };
    this.#s = {
      token: init.token,
      authkey: init.authkey.slice(),
      exposed: init.exposed,
      types: init.types,
      link,
      pinned,
      released: false,
      cell,
    };
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
    const s = this.#live();
    const request = tuple(
      s.token.id,
      methodname,
      tuple(...(toWire(args) as unknown[])),
      toWire(kwds),
    );
    const [kind, result] = await (s.pinned ?? s.link).call(request);
    return await this.#unwrap(kind, result, false);
  }

  /** Blocking {@linkcode callMethod}. */
  callMethodSync(
    methodname: string,
    args: readonly unknown[] = [],
    kwds: Record<string, unknown> = {},
  ): unknown {
    const s = this.#live();
    const request = tuple(
      s.token.id,
      methodname,
      tuple(...(toWire(args) as unknown[])),
      toWire(kwds),
    );
    const [kind, result] = (s.pinned ?? s.link).callSync(request);
    return this.#unwrap(kind, result, true);
  }

  #unwrap(kind: unknown, result: unknown, sync: true): unknown;
  #unwrap(kind: unknown, result: unknown, sync: false): Promise<unknown>;
  #unwrap(kind: unknown, result: unknown, sync: boolean): unknown {
    const s = this.#s;
    if (kind === "#RETURN") {
      return sync
        ? fromWireSync(result, s.authkey, s.types)
        : fromWire(result, s.authkey, s.types);
    }
    if (kind === "#PROXY") {
      const [exposed, tokenPy] = result as [readonly string[], unknown];
      const t = tokenFromPy(tokenPy);
      // As CPython: the token's address is the one this proxy reached.
      const token = { ...t, address: s.token.address };
      const cls = classFor(token.typeid, null, s.types);
      const p = new cls({ token, authkey: s.authkey, exposed, types: s.types });
      return sync ? p : Promise.resolve(p);
    }
    const err = convertToError(kind, result);
    if (sync) throw err;
    return Promise.reject(err);
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
    s.pinned?.close();
    try {
      await s.link.request("decref", [s.token.id]);
    } catch { /* the server may be gone, as CPython's _decref */ }
  }

  /** Blocking {@linkcode [Symbol.asyncDispose]}. */
  [Symbol.dispose](): void {
    const s = this.#s;
    if (s.released) return;
    s.released = true;
    finalizer.unregister(this);
    s.pinned?.close();
    try {
      s.link.requestSync("decref", [s.token.id]);
    } catch { /* the server may be gone */ }
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

const SHARE_TAG = "multiprocessing.managers.BaseProxy";

registerShareable(SHARE_TAG, (data) => {
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
  // The receiver takes its own reference, as CPython's RebuildProxy.
  linkTo(token.address, d.authkey).requestSync("incref", [token.id]);
  return new cls({
    token,
    authkey: d.authkey,
    exposed: d.exposed,
    types: null,
  });
});

/** The proxy's state (for subclasses in this folder). */
export function stateOf(p: BaseProxy): State {
  return p[INTERNAL];
}

/** The record CPython pickles a proxy as. */
export function recordOf(p: BaseProxy): ProxyRecord {
  const s = stateOf(p);
  const pyName = (p.constructor as ProxyClass).pyName;
  const kwds: Record<string, unknown> = {};
  if (pyName === "AutoProxy" && s.exposed) kwds.exposed = tuple(...s.exposed);
  return { proxytype: pyName, token: s.token, kwds };
}

/** Replaces proxies inside an outgoing value with their pickled form. */
export function toWire(v: unknown): unknown {
  return mapValue(
    v,
    (node) => node instanceof BaseProxy ? proxyToPy(recordOf(node)) : undefined,
  );
}

function processAuthkey(): Uint8Array {
  try {
    return currentProcess().authkey;
  } catch {
    return new Uint8Array(0);
  }
}

function rebuild(
  rec: ProxyRecord,
  exposed: readonly string[] | null,
  authkey: Uint8Array,
  types: ProxyTypes | null,
): BaseProxy {
  const key = rec.kwds.authkey instanceof Uint8Array
    ? rec.kwds.authkey
    : authkey ?? processAuthkey();
  const cls = classFor(rec.token.typeid, rec.proxytype, types);
  return new cls({ token: rec.token, authkey: key, exposed, types });
}

function recordsIn(v: unknown): ProxyRecord[] {
  const recs: ProxyRecord[] = [];
  mapValue(v, (node) => {
    const rec = proxyFromPy(node);
    if (rec === null) return undefined;
    recs.push(rec);
    return node;
  });
  return recs;
}

function swapRecords(v: unknown, proxies: BaseProxy[]): unknown {
  let i = 0;
  return mapValue(
    v,
    (node) => proxyFromPy(node) === null ? undefined : proxies[i++],
  );
}

function exposedOf(rec: ProxyRecord): readonly string[] | null {
  return Array.isArray(rec.kwds.exposed) ? rec.kwds.exposed as string[] : null;
}

/**
 * Replaces pickled proxies inside an incoming value with proxies, each
 * taking its own reference (CPython's `RebuildProxy`; an AutoProxy without
 * its exposed methods asks the server for them, as CPython's `AutoProxy`).
 */
export async function fromWire(
  v: unknown,
  authkey: Uint8Array,
  types: ProxyTypes | null,
): Promise<unknown> {
  const recs = recordsIn(v);
  if (recs.length === 0) return v;
  const proxies: BaseProxy[] = [];
  for (const rec of recs) {
    const link = linkTo(rec.token.address, authkey);
    let exposed = exposedOf(rec);
    if (exposed === null && rec.proxytype === "AutoProxy") {
      const m = await link.request("get_methods", [proxyToPy(rec).args![1]]);
      exposed = Array.isArray(m) ? m as string[] : null;
    }
    await link.request("incref", [rec.token.id]);
    proxies.push(rebuild(rec, exposed, authkey, types));
  }
  return swapRecords(v, proxies);
}

/** Blocking {@linkcode fromWire}. */
export function fromWireSync(
  v: unknown,
  authkey: Uint8Array,
  types: ProxyTypes | null,
): unknown {
  const recs = recordsIn(v);
  if (recs.length === 0) return v;
  const proxies: BaseProxy[] = [];
  for (const rec of recs) {
    const link = linkTo(rec.token.address, authkey);
    let exposed = exposedOf(rec);
    if (exposed === null && rec.proxytype === "AutoProxy") {
      const m = link.requestSync("get_methods", [proxyToPy(rec).args![1]]);
      exposed = Array.isArray(m) ? m as string[] : null;
    }
    link.requestSync("incref", [rec.token.id]);
    proxies.push(rebuild(rec, exposed, authkey, types));
  }
  return swapRecords(v, proxies);
}
