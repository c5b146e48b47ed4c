/**
 * A safe subset of Python's `pickle`: the wire format CPython's
 * `multiprocessing` (connections, managers) speaks, readable and writable
 * from Deno.
 *
 * `dumps(value, { protocol = 4 })` writes the pickle CPython would write
 * for the mapped Python object; `loads(bytes)` reads any protocol 0-5 as
 * CPython writes it, and never imports or calls anything a pickle names:
 * the few constructors CPython uses for plain data are evaluated, every
 * other class or function reference loads as an inert {@linkcode PyObject}
 * that dumps back to the same object. Malformed, truncated or hostile
 * input gets {@linkcode UnpicklingError}.
 *
 * | Python | JavaScript (`loads`) | JavaScript (`dumps`) |
 * | --- | --- | --- |
 * | `None` | `null` | `null`, `undefined` |
 * | `bool` | boolean | boolean |
 * | `int` | number; bigint outside ±(2**53-1) | integer number, bigint |
 * | `float` | number | non-integer number, `-0`, `NaN`, ±`Infinity` |
 * | `str` | string | string |
 * | `bytes`, `bytearray` | `Uint8Array` | `Uint8Array` (as `bytes`) |
 * | `list` | Array | Array |
 * | `tuple` | frozen Array | `tuple(...)` (any frozen Array) |
 * | `dict` (str keys) | plain object | plain object |
 * | `dict` (other keys) | `Map` | `Map` |
 * | `set`, `frozenset` | `Set` | `Set` (`frozenset` as a key) |
 * | `ValueError`, `KeyError`, `OSError`… | the library's error classes | the same; `TypeError`; `Error` → `Exception` |
 * | other builtin exceptions | an `Error` named after the class | such an `Error` |
 * | anything else | `PyObject` | `PyObject` |
 *
 * @example A round trip
 * ```ts
 * import { dumps, loads, tuple } from "@pyconc/std/pickle";
 * import assert from "node:assert/strict";
 *
 * const value = { id: 7, tags: new Set(["a"]), pair: tuple(1n << 70n, 2.5) };
 * assert.deepEqual(loads(dumps(value)), value);
 * ```
 *
 * @module
 */

export { dumps, type DumpsOptions } from "./dumps.ts";
export { DEFAULT_PROTOCOL, HIGHEST_PROTOCOL } from "./_opcodes.ts";
export { loads } from "./loads.ts";
export { isTuple, tuple } from "./tuple.ts";
export { PyObject, type PyObjectOptions } from "./py_object.ts";
export { PickleError, PicklingError, UnpicklingError } from "./errors.ts";
