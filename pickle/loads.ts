import { unpickle } from "./_unpickler.ts";
import { PickleError, UnpicklingError } from "./errors.ts";

/**
 * Python's `pickle.loads`, safe by construction: the value a pickle of any
 * protocol (0-5) holds, mapped to JavaScript, with nothing in the pickle
 * ever imported or called.
 *
 * The mapping: `None` → `null`; `bool` → boolean; `int` → number (bigint
 * outside ±2**53-1); `float` → number; `str` → string; `bytes` and
 * `bytearray` → `Uint8Array`; `list` → Array; `tuple` → a frozen array; a
 * `dict` with only str keys → a plain object, any other → `Map`; `set` and
 * `frozenset` → `Set`; the builtin exceptions → the library's error
 * classes of the same name (others → an `Error` named after the Python
 * class), with Python's `args` in `args`. The constructors CPython writes
 * for plain data (builtins `list`, `dict`, `set`, `frozenset`, `tuple`,
 * `bytes`, `bytearray`, `str`, `int`, `float`; `_codecs.encode`;
 * `copyreg._reconstructor`, `__newobj__`) are evaluated; any other class
 * or function a pickle names becomes an inert `PyObject`. Shared
 * references and cycles come back shared and cyclic.
 *
 * Bytes after the pickle's STOP are ignored, as in Python.
 *
 * A short `bytes` value (up to 256 bytes) is a view of a shared 8 KiB
 * buffer, as Node's `Buffer` pool and `dumps`' results (no two values
 * overlap): `.slice()` it before transferring its `buffer` to another
 * thread.
 *
 * @param data The pickle.
 * @returns The value.
 * @throws {UnpicklingError} If the data is truncated or malformed (an
 *   unknown opcode, a stack underflow, a MARK missing, a bad memo index, a
 *   length past the end of the data), refers to persistent ids, extension
 *   codes or out-of-band buffers, or nests deeper than 2000 levels. Never a
 *   crash, a hang, or an allocation the input's size does not justify.
 *
 * @example A pickle written by CPython
 * ```ts
 * import { loads } from "@pyconc/std/pickle";
 * import assert from "node:assert/strict";
 *
 * // pickle.dumps({"a": [1, 2.5, None]}, 2)
 * const data = Uint8Array.from(
 *   atob("gAJ9cQBYAQAAAGFxAV1xAihLAUdABAAAAAAAAE5lcy4="),
 *   (c) => c.charCodeAt(0),
 * );
 * assert.deepEqual(loads(data), { a: [1, 2.5, null] });
 * ```
 */
export function loads(data: Uint8Array): unknown {
  if (!(data instanceof Uint8Array)) {
    throw new TypeError(
      "loads() expects a Uint8Array (a bytes-like object)",
    );
  }
  try {
    return unpickle(data);
  } catch (e) {
    if (e instanceof PickleError) throw e;
    // Anything else (an engine limit such as a string or BigInt too long)
    // is still a pickle this loader refuses.
    throw new UnpicklingError(
      `cannot load the pickle: ${e instanceof Error ? e.message : String(e)}`,
      { cause: e },
    );
  }
}
