/**
 * Where loaded `bytes` live: short ones are views of a shared 8 KiB
 * buffer, as Node's `Buffer` pool (and `dumps`' own results), because an
 * ArrayBuffer of its own costs Deno about 0.25 µs, as much as loading the
 * rest of a small message. No two views overlap; a view keeps its pool
 * alive, so only short values come from it.
 *
 * @module
 */

const POOL_SIZE = 8192;
/** Longer values get a buffer of their own. */
const POOLED_MAX = 256;

let pool = new ArrayBuffer(POOL_SIZE);
let used = 0;

/** A copy of `data[start, start + n)` (the caller checked the bounds). */
export function copyBytes(
  data: Uint8Array,
  start: number,
  n: number,
): Uint8Array {
  if (n > POOLED_MAX) return data.slice(start, start + n);
  // Spent, or detached (someone transferred a value's buffer).
  if (used + n > POOL_SIZE || pool.detached) {
    pool = new ArrayBuffer(POOL_SIZE);
    used = 0;
  }
  const out = new Uint8Array(pool, used, n);
  // Each view starts 8-aligned, so that a DataView or Float64Array over
  // one (given its offset) works as over a buffer of its own.
  used = (used + n + 7) & ~7;
  if (n <= 64) { for (let i = 0; i < n; i++) out[i] = data[start + i]!; }
  else out.set(data.subarray(start, start + n));
  return out;
}
