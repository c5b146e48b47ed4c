/**
 * Errors on the wire: the exception a referent's method raised, as
 * CPython's classes (`queue.Empty` is `_queue.Empty`, `queue.Full`,
 * `threading.BrokenBarrierError`, a plain RangeError is a ValueError), and
 * back again on the client.
 *
 * @module
 */

import { ValueError } from "../../_internal/errors.ts";
import { Empty, Full } from "../../_internal/queue/errors.ts";
import { BrokenBarrierError } from "../../_internal/sync/barrier_core.ts";
import { TimeoutError } from "../errors.ts";
import { AttributeError, RemoteError, StopIteration } from "./_errors.ts";
import { PyObject } from "./_token.ts";

/** The error a server sends in `('#ERROR', e)`. */
export function toPyError(e: unknown): unknown {
  if (e instanceof Empty) return new PyObject("_queue", "Empty", []);
  if (e instanceof Full) return new PyObject("queue", "Full", []);
  if (e instanceof BrokenBarrierError) {
    return new PyObject("threading", "BrokenBarrierError", []);
  }
  if (e instanceof TimeoutError) {
    // An AsyncResult's get(timeout) in a served Pool.
    return new PyObject("multiprocessing.context", "TimeoutError", [e.message]);
  }
  if (e instanceof Error && e.constructor === RangeError) {
    return new ValueError(e.message);
  }
  if (!(e instanceof Error)) return new RemoteError(String(e));
  return e;
}

/** The client's error for a received `#ERROR` payload. */
export function fromPyError(result: unknown): Error {
  if (result instanceof PyObject) {
    const q = `${result.module}.${result.name}`;
    if (q === "_queue.Empty" || q === "queue.Empty") return new Empty();
    if (q === "queue.Full") return new Full();
    if (q === "threading.BrokenBarrierError") return new BrokenBarrierError();
    if (q === "multiprocessing.context.TimeoutError") {
      return new TimeoutError(String(result.args?.[0] ?? ""));
    }
    return new RemoteError(
      `${q}(${(result.args ?? []).map((a) => String(a)).join(", ")})`,
    );
  }
  if (result instanceof Error) {
    // Builtins without a class of their own arrive as an Error named so.
    if (result.constructor === Error) {
      const cls = result.name === "AttributeError"
        ? AttributeError
        : result.name === "StopIteration"
        ? StopIteration
        : null;
      if (cls !== null) {
        const e = new cls(result.message);
        const args = (result as { args?: unknown }).args;
        if (args !== undefined) {
          Object.defineProperty(e, "args", {
            value: args,
            configurable: true,
            writable: true,
          });
        }
        return e;
      }
    }
    return result;
  }
  return new RemoteError(String(result));
}
