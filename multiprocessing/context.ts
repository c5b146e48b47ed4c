import { ValueError } from "../_internal/errors.ts";

/**
 * Python's `multiprocessing.cpu_count()`: the number of CPUs this process
 * may use.
 *
 * @example
 * ```ts
 * import { cpuCount } from "@pyconc/std/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * assert.ok(cpuCount() >= 1);
 * ```
 */
export function cpuCount(): number {
  return navigator.hardwareConcurrency || 1;
}

/**
 * Python's `multiprocessing.get_start_method()`: always `"spawn"`, the only
 * start method (a child is a fresh `deno` process; there is no fork).
 *
 * @param allowNone Accepted for Python's signature; the method is always set.
 * @returns `"spawn"`.
 *
 * @example
 * ```ts
 * import { getStartMethod } from "@pyconc/std/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * assert.equal(getStartMethod(), "spawn");
 * ```
 */
export function getStartMethod(allowNone = false): string {
  void allowNone;
  return "spawn";
}

/**
 * Python's `multiprocessing.set_start_method()`: accepts only `"spawn"`.
 *
 * @param method The start method.
 * @param force Accepted for Python's signature.
 * @throws {ValueError} For any other method (`"fork"`, `"forkserver"`).
 *
 * @example
 * ```ts
 * import { setStartMethod, ValueError } from "@pyconc/std/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * setStartMethod("spawn");
 * assert.throws(() => setStartMethod("fork"), ValueError);
 * ```
 */
export function setStartMethod(method: string, force = false): void {
  void force;
  if (method !== "spawn") {
    throw new ValueError(
      `cannot find context for '${method}': only 'spawn' exists here`,
    );
  }
}

/**
 * Python's `multiprocessing.get_all_start_methods()`: `["spawn"]`.
 *
 * @example
 * ```ts
 * import { getAllStartMethods } from "@pyconc/std/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(getAllStartMethods(), ["spawn"]);
 * ```
 */
export function getAllStartMethods(): string[] {
  return ["spawn"];
}
