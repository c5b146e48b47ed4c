/**
 * The pickled shapes of CPython's `multiprocessing.managers` that carry
 * identities: `Token(typeid, address, id)` and the `RebuildProxy(func,
 * token, serializer, kwds)` call a proxy pickles as (its `__reduce__`).
 *
 * @module
 */

import { isTuple, PyObject, tuple } from "../../pickle/mod.ts";
import { type Address, asAddress } from "./_transport.ts";

const MODULE = "multiprocessing.managers";

/** `multiprocessing.managers.Token`. */
export interface Token {
  /** The typeid the object was created by. */
  readonly typeid: string;
  /** The server's address. */
  readonly address: Address;
  /** The object's id in the server. */
  readonly id: string;
}

/** A Token as pickle writes it (`NEWOBJ`, then `BUILD` with the tuple). */
export function tokenToPy(t: Token): PyObject {
  return new PyObject(MODULE, "Token", [], tuple(t.typeid, t.address, t.id), {
    newobj: true,
  });
}

/** Reads a received Token. */
export function tokenFromPy(v: unknown): Token {
  if (!(v instanceof PyObject) || v.module !== MODULE || v.name !== "Token") {
    throw new TypeError(`Not a manager Token: ${String(v)}`);
  }
  const s = v.state;
  if (!Array.isArray(s) || s.length !== 3) {
    throw new TypeError("Malformed manager Token state");
  }
  const [typeid, address, id] = s;
  if (typeof typeid !== "string" || typeof id !== "string") {
    throw new TypeError("Malformed manager Token state");
  }
  return { typeid, address: asAddress(address), id };
}

/** What a pickled proxy says: its proxy type, token and options. */
export interface ProxyRecord {
  /** CPython's proxy type name (`DictProxy`, `AutoProxy`…). */
  readonly proxytype: string;
  readonly token: Token;
  /** `exposed` (AutoProxy), `authkey` (when spawning), `incref`… */
  readonly kwds: Record<string, unknown>;
}

/** A proxy as CPython pickles it: `RebuildProxy(func, token, 'pickle', kwds)`. */
export function proxyToPy(r: ProxyRecord): PyObject {
  return new PyObject(
    MODULE,
    "RebuildProxy",
    tuple(
      new PyObject(MODULE, r.proxytype),
      tokenToPy(r.token),
      "pickle",
      r.kwds,
    ),
  );
}

/** Reads a received proxy, or null when `v` is not one. */
export function proxyFromPy(v: unknown): ProxyRecord | null {
  if (
    !(v instanceof PyObject) || v.module !== MODULE ||
    v.name !== "RebuildProxy" || v.args === null || v.args.length !== 4
  ) {
    return null;
  }
  const [func, token, _serializer, kwds] = v.args;
  if (!(func instanceof PyObject)) return null;
  return {
    proxytype: func.name,
    token: tokenFromPy(token),
    kwds: kwds !== null && typeof kwds === "object" && !(kwds instanceof Map)
      ? { ...(kwds as Record<string, unknown>) }
      : {},
  };
}

export { isTuple, PyObject, tuple };
