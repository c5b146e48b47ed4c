import { DEFAULT_PROTOCOL, HIGHEST_PROTOCOL } from "./_opcodes.ts";
import { pickle } from "./_pickler.ts";
import { ValueError } from "../_internal/errors.ts";

/** Options of {@linkcode dumps}. */
export interface DumpsOptions {
  /**
   * The pickle protocol, 0-5 (`-1` for the highest), as Python's
   * `protocol` argument.
   * @default {4}
   */
  protocol?: number;
}

/**
 * Python's `pickle.dumps`: the pickle of `value`, written with the opcodes
 * CPython's pickler uses for the mapped Python object (framing, memo,
 * batches of 1000, Python 2 names below protocol 3), so CPython loads it
 * as that object. Strings shorter than 4 characters are written again
 * rather than memoized; otherwise the bytes are mostly CPython's own.
 *
 * The mapping: `null`/`undefined` → `None`; boolean → `bool`; an integer
 * number → `int`, any other number → `float` (`-0` too); bigint → `int`;
 * string → `str`; `Uint8Array` → `bytes`; Array → `list`; a frozen array
 * (`tuple(...)`) → `tuple`; a plain object → `dict` with str keys; Map →
 * `dict`; Set → `set` (`frozenset` where Python needs a hashable value: a
 * dict key or a set element); the library's error classes → the builtin
 * exception of the same name (with its `args`), other errors → the nearest
 * registered ancestor (`Error` → `Exception`); `PyObject` → the object it
 * records. Shared references and cycles (through lists, dicts, sets,
 * PyObjects) are written once and referred to, as CPython's memo does.
 *
 * A small result is a view of a shared 8 KiB buffer (as Node's `Buffer`
 * pool; no two results overlap): `.slice()` it before transferring its
 * `buffer` to another thread.
 *
 * @param value The value to pickle.
 * @param options `protocol` (default 4, `multiprocessing`'s).
 * @returns The pickle's bytes.
 * @throws {PicklingError} If the value (or something in it) is outside the
 *   mapping — a function, a symbol, a class instance, a list or dict used
 *   as a Map key or Set element, a cycle through such a key — or nests
 *   deeper than 2000 levels. The message names the value's type.
 * @throws {ValueError} If the protocol is not -1 or 0-5.
 *
 * @example Bytes CPython reads
 * ```ts
 * import { dumps, tuple } from "@pyconc/std/pickle";
 * import assert from "node:assert/strict";
 *
 * // pickle.dumps((1, "spam"), 2) in CPython
 * assert.deepEqual(
 *   dumps(tuple(1, "spam"), { protocol: 2 }),
 *   new Uint8Array([
 *     0x80, 2, 0x4b, 1, 0x58, 4, 0, 0, 0, 0x73, 0x70, 0x61, 0x6d, 0x71, 0,
 *     0x86, 0x71, 1, 0x2e,
 *   ]),
 * );
 * ```
 */
export function dumps(value: unknown, options?: DumpsOptions): Uint8Array {
  let protocol = options?.protocol ?? DEFAULT_PROTOCOL;
  if (protocol === DEFAULT_PROTOCOL) return pickle(value, protocol);
  if (protocol === -1) protocol = HIGHEST_PROTOCOL;
  if (
    typeof protocol !== "number" || !Number.isInteger(protocol) ||
    protocol < 0 || protocol > HIGHEST_PROTOCOL
  ) {
    throw new ValueError(
      `pickle protocol must be <= ${HIGHEST_PROTOCOL}: got '${protocol}'`,
    );
  }
  return pickle(value, protocol);
}
