/**
 * A function sent to a manager's server (a task of its Pool,
 * `pool.apply(fn, …)`, or a Barrier's action): CPython pickles a function
 * by its qualified name; a pyconc client sends a target as Threads and
 * Processes do (its source text or its module reference), as a tagged
 * dict the server turns back into a function.
 *
 * @module
 */

import {
  describeTarget,
  functionFromSource,
  type Target,
  type TargetSpec,
} from "../../_internal/threads/targets.ts";

const TAG = "pyconc.target";

/**
 * The wire form of a target (a dict with str keys: pickles as one).
 * @param what What the function is for, in error messages.
 * @throws {TypeError} If it cannot be sent (see `describeTarget`).
 */
export function targetToWire(
  fn: Target,
  what = "Pool task",
): Record<string, string> {
  const spec = describeTarget(fn, what);
  return spec.kind === "source"
    ? { [TAG]: "source", source: spec.source, name: spec.name }
    : { [TAG]: "module", url: spec.url, name: spec.name };
}

/**
 * The target spec a received wire form names.
 * @param what What the function is for, in error messages.
 * @throws {TypeError} For anything else (a function CPython pickled by name
 *   cannot run in a pyconc server).
 */
export function specFromWire(v: unknown, what = "Pool"): TargetSpec {
  const d = v instanceof Map ? Object.fromEntries(v) : v;
  if (typeof d === "object" && d !== null && TAG in d) {
    const w = d as Record<string, unknown>;
    const name = String(w.name ?? "");
    if (w[TAG] === "source" && typeof w.source === "string") {
      return { kind: "source", source: w.source, name };
    }
    if (w[TAG] === "module" && typeof w.url === "string") {
      return { kind: "module", url: new URL(w.url).href, name };
    }
  }
  throw new TypeError(
    `A manager's ${what} runs functions sent by a pyconc client (their source or module reference), not ${
      typeof v === "object" && v !== null
        ? v.constructor?.name ?? "object"
        : typeof v
    }`,
  );
}

/**
 * The target a received wire form names, for the server's Pool (a
 * function rebuilt as is, so that it can be sent on to the workers).
 * @throws {TypeError} For anything else.
 */
export function targetFromWire(v: unknown): Target {
  const spec = specFromWire(v);
  if (spec.kind === "source") return functionFromSource(spec);
  const url = new URL(spec.url);
  url.hash = encodeURIComponent(spec.name);
  return url;
}
