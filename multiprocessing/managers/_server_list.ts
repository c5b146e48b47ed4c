/**
 * `list` as a manager's server holds it, with Python's indexing, slicing
 * (a `builtins.slice` record as the index), equality and sort.
 *
 * @module
 */

import { IndexError, ValueError } from "../../_internal/errors.ts";
import {
  asSlice,
  normIndex,
  pyEquals,
  pyRepr,
  pySort,
  pyTypeName,
  sliceIndices,
  slicePositions,
} from "./_py.ts";
import {
  type BuiltinReferent,
  type CallContext,
  callTable,
  type MethodTable,
} from "./_referent.ts";

function iterableToArray(v: unknown): unknown[] {
  if (Array.isArray(v)) return [...v];
  if (typeof v === "string") return [...v];
  if (v instanceof Uint8Array) return [...v];
  if (v instanceof Set) return [...v];
  if (v instanceof Map) return [...v.keys()];
  if (v !== null && typeof v === "object") return Object.keys(v);
  throw new TypeError(`'${pyTypeName(v)}' object is not iterable`);
}

function intArg(v: unknown, what: string): number {
  if (typeof v === "bigint") return Number(v);
  if (typeof v === "boolean") return Number(v);
  if (typeof v !== "number" || !Number.isInteger(v)) {
    throw new TypeError(
      `'${pyTypeName(v)}' object cannot be interpreted as an integer (${what})`,
    );
  }
  return v;
}

/** The server's `list`. */
export class ServerList implements BuiltinReferent {
  items: unknown[];

  constructor(init?: unknown) {
    this.items = init === undefined || init === null
      ? []
      : iterableToArray(init);
  }

  getItem(i: unknown): unknown {
    const s = asSlice(i);
    if (s) {
      return slicePositions(s, this.items.length).map((j) => this.items[j]);
    }
    return this.items[normIndex(i, this.items.length, "list")];
  }

  setItem(i: unknown, v: unknown): void {
    const s = asSlice(i);
    if (!s) {
      this.items[normIndex(i, this.items.length, "list")] = v;
      return;
    }
    const values = iterableToArray(v);
    const [start, stop, step] = sliceIndices(s, this.items.length);
    if (step === 1) {
      this.items.splice(start, Math.max(0, stop - start), ...values);
      return;
    }
    const pos = slicePositions(s, this.items.length);
    if (pos.length !== values.length) {
      throw new ValueError(
        `attempt to assign sequence of size ${values.length} to extended slice of size ${pos.length}`,
      );
    }
    pos.forEach((p, k) => this.items[p] = values[k]);
  }

  delItem(i: unknown): void {
    const s = asSlice(i);
    if (!s) {
      this.items.splice(normIndex(i, this.items.length, "list"), 1);
      return;
    }
    const drop = new Set(slicePositions(s, this.items.length));
    this.items = this.items.filter((_, j) => !drop.has(j));
  }

  index(v: unknown, start: unknown = 0, stop: unknown = null): number {
    const n = this.items.length;
    let a = intArg(start ?? 0, "start"),
      b = stop === null || stop === undefined ? n : intArg(stop, "stop");
    if (a < 0) a = Math.max(0, a + n);
    if (b < 0) b = Math.max(0, b + n);
    for (let j = a; j < Math.min(b, n); j++) {
      if (pyEquals(this.items[j], v)) return j;
    }
    throw new ValueError(`${pyRepr(v)} is not in list`);
  }

  pop(i: unknown = -1): unknown {
    if (this.items.length === 0) throw new IndexError("pop from empty list");
    const j = i === undefined
      ? this.items.length - 1
      : normIndex(i, this.items.length, "pop");
    return this.items.splice(j, 1)[0];
  }

  static readonly TABLE: MethodTable<ServerList> = {
    __getitem__: [["index"], (s, _c, i) => s.getItem(i)],
    __setitem__: [["index", "value"], (s, _c, i, v) => s.setItem(i, v)],
    __delitem__: [["index"], (s, _c, i) => s.delItem(i)],
    __contains__: [
      ["value"],
      (s, _c, v) => s.items.some((x) => pyEquals(x, v)),
    ],
    __len__: [[], (s) => s.items.length],
    __add__: [["other"], (s, _c, o) => [...s.items, ...iterableToArray(o)]],
    __mul__: [
      ["n"],
      (s, _c, n) =>
        Array.from({ length: Math.max(0, intArg(n, "n")) }, () => s.items)
          .flat(),
    ],
    __rmul__: [
      ["n"],
      (s, _c, n) =>
        Array.from({ length: Math.max(0, intArg(n, "n")) }, () => s.items)
          .flat(),
    ],
    __imul__: [["n"], (s, _c, n) => {
      s.items = Array.from(
        { length: Math.max(0, intArg(n, "n")) },
        () => s.items,
      ).flat();
    }],
    __reversed__: [[], (s) => [...s.items].reverse()],
    append: [["object"], (s, _c, v) => {
      s.items.push(v);
    }],
    extend: [["iterable"], (s, _c, v) => {
      s.items.push(...iterableToArray(v));
    }],
    insert: [["index", "object"], (s, _c, i, v) => {
      const n = s.items.length;
      let j = intArg(i, "index");
      if (j < 0) j = Math.max(0, j + n);
      s.items.splice(Math.min(j, n), 0, v);
    }],
    remove: [["value"], (s, _c, v) => {
      const j = s.items.findIndex((x) => pyEquals(x, v));
      if (j < 0) throw new ValueError("list.remove(x): x not in list");
      s.items.splice(j, 1);
    }],
    index: [["value", "start", "stop"], (s, _c, v, a, b) => s.index(v, a, b)],
    count: [
      ["value"],
      (s, _c, v) => s.items.filter((x) => pyEquals(x, v)).length,
    ],
    pop: [["index"], (s, _c, i) => s.pop(i)],
    reverse: [[], (s) => {
      s.items.reverse();
    }],
    sort: [["key", "reverse"], (s, _c, key, rev) => {
      if (key !== null && key !== undefined) {
        throw new TypeError("a manager's list cannot sort by a key function");
      }
      pySort(s.items, Boolean(rev));
    }],
    clear: [[], (s) => {
      s.items = [];
    }],
    copy: [[], (s) => [...s.items]],
  };

  callMethod(
    name: string,
    args: readonly unknown[],
    kwds: Record<string, unknown>,
    ctx: CallContext,
  ): unknown {
    return callTable(this, ServerList.TABLE, name, args, kwds, ctx);
  }
  publicMethods(): string[] {
    return [
      "append",
      "clear",
      "copy",
      "count",
      "extend",
      "index",
      "insert",
      "pop",
      "remove",
      "reverse",
      "sort",
    ];
  }
  getValue(): unknown {
    return [...this.items];
  }
  repr(): string {
    return pyRepr(this.items);
  }
}
