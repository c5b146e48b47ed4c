/**
 * Helpers about loaded values: the errors of the loader, the dict keys it
 * sets, and the two walks over a finished value (redirecting dicts that
 * became Maps, refusing too deep nesting), both iterative.
 *
 * @module
 */

import { UnpicklingError } from "./errors.ts";
import { PyObject } from "./py_object.ts";

/** The deepest nesting `loads` accepts (and `dumps` writes). */
export const MAX_DEPTH = 2000;

/** Throws the loader's error. */
export function fail(message: string): never {
  throw new UnpicklingError(message);
}

/** Whether `x` is a plain object (what a str-keyed dict loads as). */
export function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (typeof x !== "object" || x === null) return false;
  const p = Object.getPrototypeOf(x);
  return p === Object.prototype || p === null;
}

/** Sets a dict key on a plain object; `__proto__` stays an own key. */
export function setKey(
  obj: Record<string, unknown>,
  k: string,
  v: unknown,
): void {
  if (k === "__proto__") {
    Object.defineProperty(obj, k, {
      value: v,
      writable: true,
      enumerable: true,
      configurable: true,
    });
  } else {
    obj[k] = v;
  }
}

/** A short description of a loaded value's Python type, for messages. */
export function describe(v: unknown): string {
  if (v === null || v === undefined) return "None";
  if (Array.isArray(v)) return "a list or tuple";
  if (v instanceof PyObject) return `an instance of ${v.qualname}`;
  if (v instanceof Map || isPlainObject(v)) return "a dict";
  if (v instanceof Set) return "a set";
  if (v instanceof Uint8Array) return "bytes";
  if (v instanceof Error) return `an exception (${v.name})`;
  return `a ${typeof v === "string" ? "str" : typeof v}`;
}

/** Pushes `c` onto `out` if it is an object. */
function add(out: unknown[], c: unknown): void {
  if (typeof c === "object" && c !== null) out.push(c);
}

const hasOwn = Object.prototype.hasOwnProperty;

/** Pushes the children of a loaded container that are objects onto `out`. */
function pushChildren(x: object, out: unknown[]): void {
  if (Array.isArray(x)) {
    for (let i = 0; i < x.length; i++) add(out, x[i]);
  } else if (x instanceof Map) {
    for (const [k, v] of x) {
      add(out, k);
      add(out, v);
    }
  } else if (x instanceof Set) {
    for (const c of x) add(out, c);
  } else if (x instanceof PyObject) {
    if (x.args !== null) add(out, x.args);
    add(out, x.state);
    add(out, x.kwargs);
    add(out, x.listItems);
    for (const pair of x.dictItems) add(out, pair);
  } else if (!(x instanceof Uint8Array)) {
    // for-in rather than Object.keys (no array of keys): the same own
    // keys in the same order.
    const rec = x as Record<string, unknown>;
    for (const k in rec) if (hasOwn.call(rec, k)) add(out, rec[k]);
  }
}

/**
 * Replaces every reference to a dict that became a Map (iteratively, each
 * container once).
 */
export function redirect(
  root: unknown,
  converted: Map<object, Map<unknown, unknown>>,
): unknown {
  const fix = (v: unknown) =>
    typeof v === "object" && v !== null ? converted.get(v) ?? v : v;
  const rootFixed = fix(root);
  const seen = new Set<object>();
  const todo: unknown[] = [rootFixed];
  while (todo.length > 0) {
    const x = todo.pop();
    if (typeof x !== "object" || x === null || seen.has(x)) continue;
    seen.add(x);
    if (Array.isArray(x)) {
      for (let i = 0; i < x.length; i++) x[i] = fix(x[i]);
    } else if (x instanceof Map) {
      for (const [k, v] of x) {
        const f = fix(v);
        if (f !== v) x.set(k, f);
      }
    } else if (x instanceof PyObject) {
      x.state = fix(x.state);
      if (x.kwargs !== null) {
        const kw = fix(x.kwargs);
        if (isPlainObject(kw)) x.kwargs = kw;
      }
      // args, listItems and dictItems' pairs are arrays: fixed in place.
      for (const pair of x.dictItems) todo.push(pair);
      if (x.args !== null) todo.push(x.args);
      todo.push(x.listItems);
    } else if (!(x instanceof Set) && !(x instanceof Uint8Array)) {
      const rec = x as Record<string, unknown>;
      for (const k of Object.keys(rec)) {
        const v = rec[k];
        const f = fix(v);
        if (f !== v) setKey(rec, k, f);
      }
    }
    pushChildren(x, todo);
  }
  return rootFixed;
}

/**
 * Refuses a value nested deeper than {@linkcode MAX_DEPTH}, so no
 * recursive consumer (our own `dumps`, a deep compare) overflows on it.
 * `treeBudget` (-1 if the value may share objects) says that it is a tree
 * made of at most that many objects: then no set of the objects seen is
 * kept (a third of the cost of loading a big list of dicts). A walk that
 * meets more objects than that was not of a tree: the full walk follows.
 */
export function checkDepth(root: unknown, treeBudget = -1): void {
  if (treeBudget >= 0 && checkTreeDepth(root, treeBudget)) return;
  // Depth-first, each container once (cycles and shared references are
  // fine): the depth at which a walk like `dumps` first meets each one.
  const seen = new Set<object>();
  const todo: unknown[] = [root];
  const depths: number[] = [1];
  const children: unknown[] = [];
  while (todo.length > 0) {
    const x = todo.pop();
    const d = depths.pop()!;
    if (typeof x !== "object" || x === null || seen.has(x)) continue;
    seen.add(x);
    if (d > MAX_DEPTH) {
      fail(`pickle nests deeper than ${MAX_DEPTH} levels`);
    }
    children.length = 0;
    pushChildren(x, children);
    for (let i = 0; i < children.length; i++) {
      const c = children[i] as object;
      if (!seen.has(c)) {
        todo.push(c);
        depths.push(d + 1);
      }
    }
  }
}

/** checkDepth() for a tree; `false` if it met more than `budget` objects. */
function checkTreeDepth(root: unknown, budget: number): boolean {
  if (typeof root !== "object" || root === null) return true;
  const todo: unknown[] = [root];
  const depths: number[] = [1];
  while (todo.length > 0) {
    const x = todo.pop() as object;
    const d = depths.pop()!;
    if (--budget < 0) return false;
    if (d > MAX_DEPTH) {
      fail(`pickle nests deeper than ${MAX_DEPTH} levels`);
    }
    const n = todo.length;
    pushChildren(x, todo);
    for (let i = n; i < todo.length; i++) depths.push(d + 1);
  }
  return true;
}
