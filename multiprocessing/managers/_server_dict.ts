/**
 * `dict` as a manager's server holds it: insertion-ordered, keyed by
 * Python equality (`1`, `1.0` and `True` are one key; tuples by content).
 *
 * @module
 */

import { KeyError } from "../../_internal/errors.ts";
import { ServerIterator } from "./_server_iterator.ts";
import { withArgs } from "./_errors.ts";
import { dictEntries, hashKey, pyRepr, pyTypeName } from "./_py.ts";
import {
  type BuiltinReferent,
  type CallContext,
  callTable,
  type MethodTable,
} from "./_referent.ts";

const MISSING = Symbol("missing");

function keyError(k: unknown): KeyError {
  return withArgs(new KeyError(pyRepr(k)), [k]);
}

/** Builds the dict a pickle maps to (plain object with str keys, else Map). */
export function toPyDict(entries: Iterable<[unknown, unknown]>): unknown {
  const list = [...entries];
  if (list.every(([k]) => typeof k === "string")) {
    const o: Record<string, unknown> = {};
    for (const [k, v] of list) {
      Object.defineProperty(o, k as string, {
        value: v,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return o;
  }
  return new Map(list);
}

/** The server's `dict`. */
export class ServerDict implements BuiltinReferent {
  readonly #map = new Map<string, [unknown, unknown]>();

  constructor(init?: unknown, kwds?: Record<string, unknown>) {
    this.update(init, kwds);
  }

  get size(): number {
    return this.#map.size;
  }

  getItem(k: unknown): unknown {
    const e = this.#map.get(hashKey(k));
    if (e === undefined) throw keyError(k);
    return e[1];
  }

  setItem(k: unknown, v: unknown): void {
    const h = hashKey(k);
    const e = this.#map.get(h);
    if (e) e[1] = v;
    else this.#map.set(h, [k, v]);
  }

  delItem(k: unknown): void {
    if (!this.#map.delete(hashKey(k))) throw keyError(k);
  }

  has(k: unknown): boolean {
    return this.#map.has(hashKey(k));
  }

  get(k: unknown, dflt: unknown = null): unknown {
    const e = this.#map.get(hashKey(k));
    return e === undefined ? dflt : e[1];
  }

  pop(k: unknown, dflt: unknown = MISSING): unknown {
    const h = hashKey(k);
    const e = this.#map.get(h);
    if (e === undefined) {
      if (dflt === MISSING) throw keyError(k);
      return dflt;
    }
    this.#map.delete(h);
    return e[1];
  }

  popitem(): unknown {
    const last = [...this.#map.keys()].pop();
    if (last === undefined) {
      throw withArgs(new KeyError("'popitem(): dictionary is empty'"), [
        "popitem(): dictionary is empty",
      ]);
    }
    const e = this.#map.get(last)!;
    this.#map.delete(last);
    return Object.freeze([e[0], e[1]]);
  }

  setdefault(k: unknown, dflt: unknown = null): unknown {
    const h = hashKey(k);
    const e = this.#map.get(h);
    if (e) return e[1];
    this.#map.set(h, [k, dflt]);
    return dflt;
  }

  /** Python's `update(other=(), /, **kwds)`. */
  update(other?: unknown, kwds?: Record<string, unknown>): void {
    if (other !== undefined && other !== null) {
      if (other instanceof ServerDict) {
        for (const [k, v] of other.entries()) this.setItem(k, v);
      } else if (Array.isArray(other)) {
        for (const pair of other) {
          if (!Array.isArray(pair) || pair.length !== 2) {
            throw new TypeError(
              "cannot convert dictionary update sequence element to a sequence of length 2",
            );
          }
          this.setItem(pair[0], pair[1]);
        }
      } else if (typeof other === "object" && !(other instanceof Uint8Array)) {
        for (const [k, v] of dictEntries(other)) this.setItem(k, v);
      } else {
        throw new TypeError(`'${pyTypeName(other)}' object is not iterable`);
      }
    }
    if (kwds) { for (const [k, v] of Object.entries(kwds)) this.setItem(k, v); }
  }

  entries(): [unknown, unknown][] {
    return [...this.#map.values()].map(([k, v]) => [k, v]);
  }

  static readonly TABLE: MethodTable<ServerDict> = {
    __getitem__: [["key"], (s, _c, k) => s.getItem(k)],
    __setitem__: [["key", "value"], (s, _c, k, v) => s.setItem(k, v)],
    __delitem__: [["key"], (s, _c, k) => s.delItem(k)],
    __contains__: [["key"], (s, _c, k) => s.has(k)],
    __len__: [[], (s) => s.size],
    __iter__: [[], (s) => new ServerIterator(s.entries().map((e) => e[0]))],
    clear: [[], (s) => s.#map.clear()],
    copy: [[], (s) => s.getValue()],
    get: [["key", "default"], (s, _c, k, d) => s.get(k, d ?? null)],
    items: [[], (s) => s.entries().map((e) => Object.freeze(e))],
    keys: [[], (s) => s.entries().map((e) => e[0])],
    values: [[], (s) => s.entries().map((e) => e[1])],
    pop: [
      ["key", "default"],
      (s, _c, k, ...d) => s.pop(k, d.length ? d[0] : MISSING),
    ],
    popitem: [[], (s) => s.popitem()],
    setdefault: [
      ["key", "default"],
      (s, _c, k, d) => s.setdefault(k, d ?? null),
    ],
    update: [["other"], (s, _c, o) => s.update(o)],
  };

  callMethod(
    name: string,
    args: readonly unknown[],
    kwds: Record<string, unknown>,
    ctx: CallContext,
  ): unknown {
    // update(**kwds) takes arbitrary keywords: bind them here.
    if (name === "update") {
      if (args.length > 1) {
        throw new TypeError(
          `update expected at most 1 argument, got ${args.length}`,
        );
      }
      return this.update(args[0], kwds);
    }
    return callTable(this, ServerDict.TABLE, name, args, kwds, ctx);
  }
  publicMethods(): string[] {
    return [
      "clear",
      "copy",
      "get",
      "items",
      "keys",
      "pop",
      "popitem",
      "setdefault",
      "update",
      "values",
    ];
  }
  getValue(): unknown {
    return toPyDict(this.entries());
  }
  repr(): string {
    return pyRepr(this.getValue());
  }
}
