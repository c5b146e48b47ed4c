/**
 * A function sent to a manager's Pool (`pool.apply(fn, …)` on a proxy):
 * CPython pickles a function by its qualified name; a pyconc client sends
 * a target as Threads and Processes do (its source text or its module
 * reference), as a tagged dict the server turns back into a function.
 *
 * @module
 */

import {
  describeTarget,
  functionFromSource,
  type Target,
} from "../../_internal/threads/targets.ts";

const TAG = "pyconc.target";

/** The wire form of a target (a dict with str keys: pickles as one). */
export function targetToWire(fn: Target): Record<string, string> {
  const spec = describeTarget(fn, "Pool task");
  return spec.kind === "source"
    ? { [TAG]: "source", source: spec.source, name: spec.name }
    : { [TAG]: "module", url: spec.url, name: spec.name };
}

/**
 * The target a received wire form names, for the server's Pool.
 * @throws {TypeError} For anything else (a function CPython pickled by name
 *   cannot run in a pyconc server).
 */
export function targetFromWire(v: unknown): Target {
  const d = v instanceof Map ? Object.fromEntries(v) : v;
  if (typeof d === "object" && d !== null && TAG in d) {
    const w = d as Record<string, unknown>;
    const name = String(w.name ?? "");
    if (w[TAG] === "source" && typeof w.source === "string") {
      return functionFromSource({ source: w.source, name });
    }
    if (w[TAG] === "module" && typeof w.url === "string") {
      const url = new URL(w.url);
      url.hash = encodeURIComponent(name);
      return url;
    }
  }
  throw new TypeError(
    `A manager's Pool runs functions sent by a pyconc client (their source or module reference), not ${
      typeof v === "object" && v !== null
        ? v.constructor?.name ?? "object"
        : typeof v
    }`,
  );
}
