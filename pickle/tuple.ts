/**
 * Python's `tuple`: a frozen array. `dumps` writes a frozen array as a
 * tuple and any other array as a list; `loads` returns tuples as frozen
 * arrays.
 *
 * @param items The tuple's items.
 * @returns A frozen array of the items.
 *
 * @example A manager-style request
 * ```ts
 * import { dumps, loads, tuple } from "@pyconc/std/pickle";
 * import assert from "node:assert/strict";
 *
 * const request = tuple(null, "dummy", tuple(1, "x"), {});
 * const back = loads(dumps(request)) as readonly unknown[];
 * assert.ok(Object.isFrozen(back));
 * assert.deepEqual(back, request);
 * ```
 */
export function tuple<const T extends unknown[]>(...items: T): Readonly<T> {
  return Object.freeze(items);
}

/**
 * Whether `value` is a tuple (a frozen array), as `dumps` decides.
 *
 * @param value Any value.
 * @returns `true` for a frozen array.
 *
 * @example
 * ```ts
 * import { isTuple, tuple } from "@pyconc/std/pickle";
 * import assert from "node:assert/strict";
 *
 * assert.ok(isTuple(tuple(1, 2)));
 * assert.ok(!isTuple([1, 2]));
 * ```
 */
export function isTuple(value: unknown): value is readonly unknown[] {
  return Array.isArray(value) && Object.isFrozen(value);
}
