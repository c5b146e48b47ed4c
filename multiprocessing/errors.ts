import { named } from "../_internal/named.ts";
import { registerErrorClass } from "../_internal/codec/errors.ts";

/**
 * Python's `multiprocessing.ProcessError`: the base class of
 * multiprocessing's own errors.
 *
 * @example
 * ```ts
 * import { BufferTooShort, ProcessError } from "@pyconc/std/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * assert.ok(new BufferTooShort(new Uint8Array(3)) instanceof ProcessError);
 * ```
 */
export class ProcessError extends Error {
  static {
    named(this, "ProcessError");
  }
}

/**
 * Python's `multiprocessing.BufferTooShort`: `Connection.recvBytesInto()`
 * was given a buffer too small for the message. As in Python, the whole
 * message is in `args[0]` (a Uint8Array), so nothing is lost.
 *
 * @example
 * ```ts
 * import { BufferTooShort, Pipe } from "@pyconc/std/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * const [a, b] = Pipe();
 * b.sendBytesSync(new Uint8Array([1, 2, 3, 4]));
 * try {
 *   a.recvBytesIntoSync(new Uint8Array(2));
 *   assert.fail("not reached");
 * } catch (e) {
 *   assert.ok(e instanceof BufferTooShort);
 *   assert.deepEqual(e.args[0], new Uint8Array([1, 2, 3, 4]));
 * }
 * a.close();
 * b.close();
 * ```
 */
export class BufferTooShort extends ProcessError {
  static {
    named(this, "BufferTooShort");
  }

  /** Python's `args`: the whole message first. */
  args: unknown[];

  /**
   * Creates the error, as Python raises it: `BufferTooShort(message)`.
   * @param args The whole message's bytes first.
   */
  constructor(...args: unknown[]) {
    const first = args[0];
    super(
      first instanceof Uint8Array
        ? `The buffer is too short for a message of ${first.length} bytes`
        : String(first ?? ""),
    );
    this.args = args;
  }
}

/**
 * Python's `multiprocessing.AuthenticationError`: a connection's
 * authentication challenge failed.
 *
 * @example
 * ```ts
 * import { AuthenticationError, ProcessError } from "@pyconc/std/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * assert.ok(new AuthenticationError("digest received was wrong") instanceof ProcessError);
 * ```
 */
export class AuthenticationError extends ProcessError {
  static {
    named(this, "AuthenticationError");
  }
}

/**
 * Python's `multiprocessing.TimeoutError` (not the built-in `TimeoutError`,
 * an OSError): a result was not ready in time.
 *
 * @example
 * ```ts
 * import { ProcessError, TimeoutError } from "@pyconc/std/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * assert.ok(new TimeoutError() instanceof ProcessError);
 * ```
 */
export class TimeoutError extends ProcessError {
  static {
    named(this, "TimeoutError");
  }
}

registerErrorClass(ProcessError);
registerErrorClass(BufferTooShort);
registerErrorClass(AuthenticationError);
// Python has two TimeoutErrors too: this one travels under its own key.
registerErrorClass(TimeoutError, "multiprocessing.TimeoutError");
