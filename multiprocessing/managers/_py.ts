/**
 * Python's value semantics for the objects a manager's server holds: `==`,
 * hashing for dict keys, `<` for `list.sort`, and index/slice arithmetic.
 * Values are the pickle mapping of API.md § pickle (a tuple is a frozen
 * array, a dict a plain object or a Map, bytes a Uint8Array).
 *
 * @module
 */

import { IndexError } from "../../_internal/errors.ts";
import { keyLess, sortKey } from "../../_internal/queue/sort_key.ts";

/** Python's type name of a value, for error messages. */
export function pyTypeName(v: unknown): string {
  if (v === null || v === undefined) return "NoneType";
  if (typeof v === "boolean") return "bool";
  if (typeof v === "number") return Number.isInteger(v) ? "int" : "float";
  if (typeof v === "bigint") return "int";
  if (typeof v === "string") return "str";
  if (v instanceof Uint8Array) return "bytes";
  if (Array.isArray(v)) return Object.isFrozen(v) ? "tuple" : "list";
  if (v instanceof Map) return "dict";
  if (v instanceof Set) return "set";
  if (typeof v === "object") {
    const r = v as { module?: unknown; name?: unknown };
    if (typeof r.module === "string" && typeof r.name === "string") {
      return r.name;
    }
    return "dict";
  }
  return typeof v;
}

/**
 * A string that two values share exactly when Python finds them equal and
 * hashable (`1 == 1.0 == True`, tuples by content).
 *
 * @throws {TypeError} For unhashable values (list, dict, set), as Python.
 */
export function hashKey(v: unknown): string {
  if (v === null || v === undefined) return "N";
  switch (typeof v) {
    case "string":
      return "s" + v;
    case "boolean":
      return v ? "n1" : "n0";
    case "number":
      return "n" + (Object.is(v, -0) ? "0" : String(v));
    case "bigint":
      return Number.isSafeInteger(Number(v)) ? "n" + Number(v) : "n" + v;
  }
  if (v instanceof Uint8Array) return "b" + Array.from(v).join(",");
  if (Array.isArray(v) && Object.isFrozen(v)) {
    return "t(" + v.map(hashKey).join("\u0000") + ")";
  }
  const r = v as { module?: unknown; name?: unknown; args?: unknown };
  if (
    typeof v === "object" && typeof r.module === "string" &&
    typeof r.name === "string"
  ) {
    // An inert PyObject (an enum member, a Token…): equal when it pickles
    // from the same reference and arguments.
    return "o" + r.module + "." + r.name + "(" +
      hashKey(Object.freeze([...(Array.isArray(r.args) ? r.args : [])])) + ")";
  }
  throw new TypeError(`unhashable type: '${pyTypeName(v)}'`);
}

/** Python's `a == b` over the pickle mapping. */
export function pyEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  const ta = typeof a, tb = typeof b;
  const numeric = (t: string) =>
    t === "number" || t === "bigint" || t === "boolean";
  if (numeric(ta) && numeric(tb)) {
    const x = typeof a === "boolean" ? Number(a) : a as number | bigint;
    const y = typeof b === "boolean" ? Number(b) : b as number | bigint;
    // deno-lint-ignore eqeqeq
    return x == y;
  }
  if ((a === null || a === undefined) && (b === null || b === undefined)) {
    return true;
  }
  if (typeof a !== "object" || typeof b !== "object" || !a || !b) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b)) return false;
    if (Object.isFrozen(a) !== Object.isFrozen(b)) return false; // tuple ≠ list
    return a.length === b.length && a.every((x, i) => pyEquals(x, b[i]));
  }
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    return a instanceof Uint8Array && b instanceof Uint8Array &&
      a.length === b.length && a.every((x, i) => x === b[i]);
  }
  if (a instanceof Set || b instanceof Set) {
    if (!(a instanceof Set) || !(b instanceof Set) || a.size !== b.size) {
      return false;
    }
    const keys = new Set([...a].map(hashKey));
    return [...b].every((x) => keys.has(hashKey(x)));
  }
  const ea = dictEntries(a), eb = dictEntries(b);
  if (ea.length !== eb.length) return false;
  const m = new Map(eb.map(([k, v]) => [hashKey(k), v]));
  return ea.every(([k, v]) => {
    const key = hashKey(k);
    return m.has(key) && pyEquals(v, m.get(key));
  });
}

/** The entries of a dict value (plain object or Map). */
export function dictEntries(d: object): [unknown, unknown][] {
  if (d instanceof Map) return [...d.entries()];
  return Object.entries(d);
}

/** Python's `a < b` (numbers, strings, bytes-free sequences). */
export function pyLess(a: unknown, b: unknown): boolean {
  return keyLess(sortKey(a), 0, sortKey(b), 0);
}

/** Sorts `items` in place as Python's stable `list.sort`. */
export function pySort(items: unknown[], reverse = false): void {
  const keyed = items.map((v, i) => ({ v, k: sortKey(v), i }));
  keyed.sort((x, y) => {
    if (keyLess(x.k, 0, y.k, 0)) return reverse ? 1 : -1;
    if (keyLess(y.k, 0, x.k, 0)) return reverse ? -1 : 1;
    return x.i - y.i;
  });
  for (let i = 0; i < keyed.length; i++) items[i] = keyed[i]!.v;
}

/** A Python `slice(start, stop, step)` as received (fields may be null). */
export interface SliceSpec {
  start: number | null;
  stop: number | null;
  step: number | null;
}

/** Whether a received value is a `builtins.slice` record. */
export function asSlice(v: unknown): SliceSpec | null {
  if (v === null || typeof v !== "object") return null;
  const r = v as { module?: unknown; name?: unknown; args?: unknown };
  if (r.module !== "builtins" || r.name !== "slice") return null;
  const args = Array.isArray(r.args) ? r.args : [];
  const num = (x: unknown): number | null => {
    if (x === null || x === undefined) return null;
    if (typeof x === "bigint") return Number(x);
    if (typeof x !== "number" || !Number.isInteger(x)) {
      throw new TypeError(
        "slice indices must be integers or None or have an __index__ method",
      );
    }
    return x;
  };
  if (args.length === 1) return { start: null, stop: num(args[0]), step: null };
  return { start: num(args[0]), stop: num(args[1]), step: num(args[2]) };
}

/** Python's `slice.indices(length)`: concrete start, stop, step. */
export function sliceIndices(
  s: SliceSpec,
  length: number,
): [number, number, number] {
  const step = s.step ?? 1;
  if (step === 0) throw new RangeError("slice step cannot be zero");
  const clamp = (v: number | null, dflt: number, lo: number, hi: number) => {
    if (v === null) return dflt;
    if (v < 0) v += length;
    return Math.min(Math.max(v, lo), hi);
  };
  if (step > 0) {
    return [
      clamp(s.start, 0, 0, length),
      clamp(s.stop, length, 0, length),
      step,
    ];
  }
  return [
    clamp(s.start, length - 1, -1, length - 1),
    clamp(s.stop, -1, -1, length - 1),
    step,
  ];
}

/** The positions a slice selects. */
export function slicePositions(s: SliceSpec, length: number): number[] {
  const [start, stop, step] = sliceIndices(s, length);
  const out: number[] = [];
  if (step > 0) { for (let i = start; i < stop; i += step) out.push(i); }
  else for (let i = start; i > stop; i += step) out.push(i);
  return out;
}

/**
 * Python's index normalisation for `seq[i]`.
 * @throws {TypeError} If `i` is not an integer.
 * @throws {IndexError} If it is out of range (`what` names the sequence).
 */
export function normIndex(i: unknown, length: number, what: string): number {
  if (typeof i === "boolean") i = Number(i);
  if (typeof i === "bigint") i = Number(i);
  if (typeof i !== "number" || !Number.isInteger(i)) {
    throw new TypeError(
      `${what} indices must be integers or slices, not ${pyTypeName(i)}`,
    );
  }
  const j = i < 0 ? i + length : i;
  if (j < 0 || j >= length) throw new IndexError(`${what} index out of range`);
  return j;
}

/** Python's `repr` of a value, short and good enough for messages. */
export function pyRepr(v: unknown): string {
  if (typeof v === "string") return `'${v}'`;
  if (v === null || v === undefined) return "None";
  if (typeof v === "boolean") return v ? "True" : "False";
  if (typeof v === "bigint") return String(v);
  if (Array.isArray(v)) {
    const inner = v.map(pyRepr).join(", ");
    return Object.isFrozen(v)
      ? `(${inner}${v.length === 1 ? "," : ""})`
      : `[${inner}]`;
  }
  if (v instanceof Uint8Array) return `b'${new TextDecoder().decode(v)}'`;
  if (typeof v === "object") {
    try {
      return `{${
        dictEntries(v).map(([k, x]) => `${pyRepr(k)}: ${pyRepr(x)}`).join(", ")
      }}`;
    } catch {
      return String(v);
    }
  }
  return String(v);
}
