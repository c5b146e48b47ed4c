/**
 * The pickle that `send`/`recv` use: CPython's `ForkingPickler.dumps`
 * writes protocol 4 (the default of CPython 3.8–3.13); any protocol loads.
 *
 * @module
 */

import { dumps as pickleDumps } from "../../pickle/dumps.ts";
import { loads as pickleLoads } from "../../pickle/loads.ts";

const PROTOCOL_4 = { protocol: 4 } as const;

/** Pickles `obj` as CPython's connections do. */
export function dumps(obj: unknown): Uint8Array {
  return pickleDumps(obj, PROTOCOL_4);
}

/** Unpickles a message. */
export function loads(bytes: Uint8Array): unknown {
  return pickleLoads(bytes);
}
