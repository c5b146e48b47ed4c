/**
 * The pickle that `send`/`recv` use: CPython's `ForkingPickler.dumps`
 * writes protocol 4 (the default of CPython 3.8–3.13); any protocol loads.
 *
 * @module
 */

import { NotImplementedError } from "../../_internal/errors.ts";

/** Pickles `obj` as CPython's connections do. */
export function dumps(_obj: unknown): Uint8Array {
  throw new NotImplementedError("pickle is not available yet");
}

/** Unpickles a message. */
export function loads(_bytes: Uint8Array): unknown {
  throw new NotImplementedError("pickle is not available yet");
}
