import { OSError } from "../_internal/errors.ts";

/**
 * Python's `mmap.error`: an alias of {@linkcode OSError}, kept for code that
 * catches it by that name.
 *
 * @example
 * ```ts
 * import { error, mmap } from "@pyconc/std/mmap";
 * import assert from "node:assert/strict";
 *
 * assert.throws(() => new mmap(-2, 4096), error);
 * ```
 */
export const error: typeof OSError = OSError;
