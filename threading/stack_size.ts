import { ValueError } from "../_internal/errors.ts";

/** Python's minimum thread stack size (32 KiB). */
const MIN_STACK = 32768;

let size = 0;

/**
 * Python's `threading.stack_size([size])`: the stack size used for threads
 * started afterwards.
 *
 * Without an argument, returns the current setting (0 means the default).
 * With a size, sets it and returns the previous one: 0 resets to the
 * default; any other value must be at least 32768 bytes, as in Python.
 *
 * Where Deno allows: the size is passed to the thread's Worker as
 * `resourceLimits.stackSizeMb` (rounded up to whole MiB), and threads with
 * different settings never share a Worker. Deno 2.9 runs each Worker on an
 * OS thread of fixed size, so the recursion depth a thread reaches barely
 * changes (measured: ≈ 21,000 frames of a small function with the default,
 * ≈ 19,000 with 16 MiB).
 *
 * @param newSize Bytes, or 0 for the default.
 * @returns the previous setting.
 * @throws {ValueError} If the size is below 32768 and not 0.
 *
 * @example
 * ```ts
 * import { stackSize } from "@pyconc/std/threading";
 * import assert from "node:assert/strict";
 *
 * assert.equal(stackSize(), 0);
 * assert.equal(stackSize(4 * 1024 * 1024), 0);
 * assert.equal(stackSize(0), 4 * 1024 * 1024);
 * ```
 */
export function stackSize(newSize?: number): number {
  const previous = size;
  if (newSize === undefined) return previous;
  if (typeof newSize !== "number" || !Number.isInteger(newSize)) {
    throw new TypeError("size must be an integer");
  }
  if (newSize !== 0 && newSize < MIN_STACK) {
    throw new ValueError(`size not valid: ${newSize} bytes`);
  }
  size = newSize;
  return previous;
}

/** The stack size (bytes, 0 for default) for Workers started now. */
export function currentStackSize(): number {
  return size === 0 ? 0 : Math.ceil(size / (1 << 20)) * (1 << 20);
}
