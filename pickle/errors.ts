import { named } from "../_internal/named.ts";
import { registerErrorClass } from "../_internal/codec/errors.ts";

/**
 * Python's `pickle.PickleError`: the base class of the pickle errors.
 *
 * @example
 * ```ts
 * import { PickleError, UnpicklingError } from "@pyconc/std/pickle";
 * import assert from "node:assert/strict";
 *
 * assert.ok(new UnpicklingError("x") instanceof PickleError);
 * ```
 */
export class PickleError extends Error {
  static {
    named(this, "PickleError");
  }
}

/**
 * Python's `pickle.PicklingError`: `dumps` was given a value outside the
 * mapping (a function, a symbol, a class instance, a Map key that Python
 * could not hash, nesting deeper than the encoder allows…). Nothing is
 * returned, so nothing half-encoded can be sent.
 *
 * @example
 * ```ts
 * import { dumps, PicklingError } from "@pyconc/std/pickle";
 * import assert from "node:assert/strict";
 *
 * assert.throws(() => dumps([() => 1]), PicklingError);
 * ```
 */
export class PicklingError extends PickleError {
  static {
    named(this, "PicklingError");
  }
}

/**
 * Python's `pickle.UnpicklingError`: `loads` was given bytes that are not
 * a pickle it accepts (truncated, malformed, hostile, too deeply nested, or
 * asking for something a safe loader refuses, such as persistent ids).
 *
 * @example
 * ```ts
 * import { loads, UnpicklingError } from "@pyconc/std/pickle";
 * import assert from "node:assert/strict";
 *
 * assert.throws(() => loads(new Uint8Array([0x80, 4, 0x4b])), UnpicklingError);
 * ```
 */
export class UnpicklingError extends PickleError {
  static {
    named(this, "UnpicklingError");
  }
}

registerErrorClass(PickleError);
registerErrorClass(PicklingError);
registerErrorClass(UnpicklingError);
