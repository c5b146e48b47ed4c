/**
 * Walking a value for the proxies inside it: the client swaps proxies for
 * their pickled form on the way out and back on the way in; the server
 * notes proxies to its own objects that a value holds.
 *
 * @module
 */

import { PyObject } from "../../pickle/mod.ts";

/**
 * Returns `v` with every node for which `swap` returns something other
 * than `undefined` replaced by that; containers are copied only when
 * something inside them changed (tuples stay frozen). Walks arrays, plain
 * objects, Maps and Sets; a swapped node is not walked further.
 */
export function mapValue(
  v: unknown,
  swap: (node: unknown) => unknown,
  depth = 0,
): unknown {
  const s = swap(v);
  if (s !== undefined) return s;
  if (v === null || typeof v !== "object" || depth > 200) return v;
  if (Array.isArray(v)) {
    let out: unknown[] | null = null;
    for (let i = 0; i < v.length; i++) {
      const x = mapValue(v[i], swap, depth + 1);
      if (x !== v[i]) (out ??= [...v])[i] = x;
    }
    if (out === null) return v;
    return Object.isFrozen(v) ? Object.freeze(out) : out;
  }
  if (v instanceof Map) {
    let changed = false;
    const out = new Map();
    for (const [k, x] of v) {
      const y = mapValue(x, swap, depth + 1);
      if (y !== x) changed = true;
      out.set(k, y);
    }
    return changed ? out : v;
  }
  if (v instanceof Set) {
    let changed = false;
    const out = new Set();
    for (const x of v) {
      const y = mapValue(x, swap, depth + 1);
      if (y !== x) changed = true;
      out.add(y);
    }
    return changed ? out : v;
  }
  if (v instanceof PyObject) {
    if (v.args === null) return v;
    const args = mapValue(v.args, swap, depth + 1) as unknown[];
    const state = mapValue(v.state, swap, depth + 1);
    if (args === v.args && state === v.state) return v;
    return new PyObject(v.module, v.name, args, state, {
      newobj: v.newobj,
      kwargs: v.kwargs,
      listItems: v.listItems,
      dictItems: v.dictItems,
    });
  }
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return v;
  let out: Record<string, unknown> | null = null;
  for (const [k, x] of Object.entries(v)) {
    const y = mapValue(x, swap, depth + 1);
    if (y !== x) {
      out ??= { ...(v as Record<string, unknown>) };
      out[k] = y;
    }
  }
  return out ?? v;
}
