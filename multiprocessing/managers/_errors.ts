/**
 * The errors of managers: Python's `AttributeError` (a Namespace attribute
 * or a method that is not there) and `multiprocessing.managers.RemoteError`
 * (the server failed outside the referent's method: its traceback text).
 *
 * @module
 */

import { registerErrorClass } from "../../_internal/codec/errors.ts";
import { named } from "../../_internal/named.ts";

/**
 * Python's `AttributeError`: a missing attribute or method.
 *
 * @example An AttributeError
 * ```ts
 * import { AttributeError } from "@pyconc/std/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * assert.equal(new AttributeError("x").name, "AttributeError");
 * ```
 */
export class AttributeError extends Error {
  static {
    named(this, "AttributeError");
    registerErrorClass(this);
  }
}

/** An AttributeError about `type` missing `name`, in Python's words. */
export class AttributeErrorOf extends AttributeError {
  constructor(type: string, name: string) {
    super(`'${type}' object has no attribute '${name}'`);
  }
}

/**
 * Python's `multiprocessing.managers.RemoteError`: the server reported a
 * failure with a traceback (`#TRACEBACK`) rather than an exception object,
 * e.g. an unknown object id or a method that is not exposed. `message`
 * holds the server's traceback text.
 *
 * @example A RemoteError
 * ```ts
 * import { RemoteError } from "@pyconc/std/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * assert.match(String(new RemoteError("Traceback ...")), /RemoteError/);
 * ```
 */
export class RemoteError extends Error {
  static {
    named(this, "RemoteError");
    registerErrorClass(this);
  }
}

/**
 * Python's `StopIteration`: an iterator proxy has no more items.
 *
 * @example A StopIteration
 * ```ts
 * import { StopIteration } from "@pyconc/std/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * assert.equal(new StopIteration().name, "StopIteration");
 * ```
 */
export class StopIteration extends Error {
  static {
    named(this, "StopIteration");
    registerErrorClass(this);
  }
}

/**
 * Gives an error Python's `args` (what pickle sends as the exception's
 * arguments): `KeyError('zz')` travels as `('zz',)`, not its message.
 */
export function withArgs<E extends Error>(err: E, args: unknown[]): E {
  Object.defineProperty(err, "args", {
    value: args,
    writable: true,
    enumerable: false,
    configurable: true,
  });
  return err;
}
