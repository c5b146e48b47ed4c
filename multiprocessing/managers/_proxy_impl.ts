/**
 * The heavy half of `BaseProxy`: what reaches the server (the client's
 * connections, pickle, the wire). `_proxy.ts` keeps the light shell every
 * thread loads and imports this module lazily (see `_internal/lazy.ts`).
 *
 * @module
 */

import { currentProcess } from "../process.ts";
import { convertToError, linkTo, Pinned } from "./_client.ts";
import {
  BaseProxy,
  type Cell,
  classFor,
  OWNED,
  type ProxyClass,
  proxyImpl,
  type ProxyTypes,
  stateOf,
} from "./_proxy.ts";
import {
  proxyFromPy,
  type ProxyRecord,
  proxyToPy,
  PyObject,
  type Token,
  tokenFromPy,
  tuple,
} from "./_token.ts";
import { mapValue } from "./_values.ts";
import "./_wire.ts";
import * as self from "./_proxy_impl.ts";

/** Connects a proxy's cell to its server's link (once). */
export function attach(cell: Cell, typeid: string): void {
  if (cell.link !== null) return;
  cell.link = linkTo(cell.address, cell.authkey);
  if (OWNED.has(typeid)) cell.pinned = new Pinned(cell.link);
}

function linked(p: BaseProxy) {
  const s = stateOf(p);
  attach(s.cell, s.token.typeid);
  return s;
}

function request(
  id: string,
  methodname: string,
  args: readonly unknown[],
  kwds: Record<string, unknown>,
) {
  return tuple(
    id,
    methodname,
    tuple(...(toWire(args) as unknown[])),
    toWire(kwds),
  );
}

/** `BaseProxy.callMethod`. */
export async function callMethod(
  p: BaseProxy,
  methodname: string,
  args: readonly unknown[],
  kwds: Record<string, unknown>,
): Promise<unknown> {
  const s = linked(p);
  if (s.cell.ready !== null) await s.cell.ready;
  const c = s.cell;
  const [kind, result] = await (c.pinned ?? c.link!).call(
    request(s.token.id, methodname, args, kwds),
  );
  return await unwrap(p, kind, result, false);
}

/** `BaseProxy.callMethodSync`. */
export function callMethodSync(
  p: BaseProxy,
  methodname: string,
  args: readonly unknown[],
  kwds: Record<string, unknown>,
): unknown {
  const s = linked(p);
  const c = s.cell;
  const [kind, result] = (c.pinned ?? c.link!).callSync(
    request(s.token.id, methodname, args, kwds),
  );
  return unwrap(p, kind, result, true);
}

/**
 * The value of a reply (or its error, thrown). For an async caller
 * (`sync` false), a promise when proxies inside it must be rebuilt, else
 * the value itself: no promise, no microtask turn.
 */
function unwrap(
  p: BaseProxy,
  kind: unknown,
  result: unknown,
  sync: boolean,
): unknown {
  const s = stateOf(p);
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
    const q = new cls({ token, authkey: s.authkey, exposed, types: s.types });
    return q;
  }
  throw convertToError(kind, result);
}

/** Takes a reference for a proxy rebuilt from a record (`incref`). */
export function increfSync(token: Token, authkey: Uint8Array): void {
  linkTo(token.address, authkey).requestSync("incref", [token.id]);
}

/** Async {@linkcode increfSync}. */
export async function incref(token: Token, authkey: Uint8Array): Promise<void> {
  await linkTo(token.address, authkey).request("incref", [token.id]);
}

/** Gives a proxy's reference back (failures ignored, as CPython's `_decref`). */
export async function decref(cell: Cell, typeid: string): Promise<void> {
  attach(cell, typeid);
  cell.pinned?.close();
  try {
    await cell.ready;
    await cell.link!.request("decref", [cell.id]);
  } catch { /* the server may be gone */ }
}

/** Blocking {@linkcode decref}. */
export function decrefSync(cell: Cell, typeid: string): void {
  attach(cell, typeid);
  cell.pinned?.close();
  try {
    cell.link!.requestSync("decref", [cell.id]);
  } catch { /* the server may be gone */ }
}

/** Queues the decref of a collected proxy (no I/O in a finalizer). */
export function queueDecref(cell: Cell, typeid: string): void {
  attach(cell, typeid);
  cell.pinned?.close();
  cell.link!.queueDecref(cell.id);
}

/** Python's `slice(start, stop)`, as pickle carries it. */
export function pySlice(start?: number | null, stop?: number | null): PyObject {
  return new PyObject("builtins", "slice", [start ?? null, stop ?? null, null]);
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
 * @returns `v` itself when it holds no proxy, else a promise.
 */
export function fromWire(
  v: unknown,
  authkey: Uint8Array,
  types: ProxyTypes | null,
): unknown {
  const recs = recordsIn(v);
  if (recs.length === 0) return v;
  return rebuildAll(v, recs, authkey, types);
}

async function rebuildAll(
  v: unknown,
  recs: ProxyRecord[],
  authkey: Uint8Array,
  types: ProxyTypes | null,
): Promise<unknown> {
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

// A thread that imports this module statically (with the managers) has it
// at once, for Sync calls on the proxies it makes.
proxyImpl.provide(self);
