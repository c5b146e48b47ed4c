/**
 * Argument checks shared by the FFI-backed modules (`mmap`, `os_process`),
 * with Python's error classes: a value of the wrong type is a TypeError, a
 * right type with a bad value a ValueError, and the message names the
 * argument.
 *
 * @module
 */

import { OverflowError, ValueError } from "./errors.ts";

/** A short description of a value for error messages. */
export function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "number" || typeof value === "bigint") {
    return String(value);
  }
  if (typeof value === "string") return `"${value}"`;
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") {
    return `an object (${value.constructor?.name ?? "Object"})`;
  }
  return typeof value;
}

/**
 * An integer argument (Python's `__index__`).
 * @throws {TypeError} If `value` is not an integer number.
 * @throws {OverflowError} If it is an integer beyond ±(2^53 - 1).
 */
export function integer(value: unknown, name: string): number {
  if (typeof value === "number" && Number.isSafeInteger(value)) return value;
  if (typeof value === "number" && Number.isInteger(value)) {
    throw new OverflowError(`${name} is too large: ${value}`);
  }
  throw new TypeError(`${name} must be an integer, not ${describe(value)}`);
}

/**
 * An integer argument that libc takes as a C `int` (a pid, a descriptor,
 * flags), with Python's errors for one out of range: a JavaScript number
 * would otherwise reach the FFI layer, which throws a bare TypeError.
 * @throws {TypeError} If `value` is not an integer number.
 * @throws {OverflowError} If it is outside −2^31 … 2^31 − 1 (Python's
 *   messages, verbatim).
 */
export function cInt(value: unknown, name: string): number {
  if (typeof value === "number" && Number.isInteger(value)) {
    if (value > 0x7fffffff) {
      throw new OverflowError("signed integer is greater than maximum");
    }
    if (value < -0x80000000) {
      throw new OverflowError("signed integer is less than minimum");
    }
    return value;
  }
  return integer(value, name); // throws the TypeError
}

/**
 * A bytes-like argument (an ArrayBuffer or any view of one) as a Uint8Array
 * over the same memory, without copying.
 * @throws {TypeError} If `value` is not bytes-like.
 */
export function bytesLike(value: unknown, name: string): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (ArrayBuffer.isView(value)) {
    return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  }
  if (
    value instanceof ArrayBuffer ||
    (typeof SharedArrayBuffer === "function" &&
      value instanceof SharedArrayBuffer)
  ) {
    return new Uint8Array(value);
  }
  throw new TypeError(
    `${name} must be a bytes-like object (Uint8Array, ArrayBuffer or view), not ${
      describe(value)
    }`,
  );
}

/**
 * A string argument that becomes a C string.
 * @throws {TypeError} If `value` is not a string.
 * @throws {ValueError} If it holds a NUL character (Python: "embedded null byte").
 */
export function cString(value: unknown, name: string): string {
  if (typeof value !== "string") {
    throw new TypeError(`${name} must be a string, not ${describe(value)}`);
  }
  if (value.includes("\0")) {
    throw new ValueError("embedded null byte"); // Python's message, verbatim
  }
  return value;
}
