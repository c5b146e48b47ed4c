/**
 * The price of one page fault, which the rows that hand out fresh memory
 * pay (see the floor rows of `multiprocessing.ts` and `queue.ts`).
 *
 * @module
 */

import { mmap } from "../mmap/mod.ts";

/** The fresh map written to, in bytes. */
export const FAULT_MAP = 32 << 20;

/**
 * µs per page to write one byte to each 4 KiB page of a fresh anonymous
 * map (nothing copied; each write is the page's first touch). CPython's
 * side of the floor row does the same with `mmap.mmap(-1, FAULT_MAP)`.
 */
export function pageFaultMicros(): number {
  const m = new mmap(-1, FAULT_MAP);
  try {
    const buf = m.buffer;
    const t0 = performance.now();
    for (let i = 0; i < FAULT_MAP; i += 4096) buf[i] = 1;
    return (performance.now() - t0) * 1000 / (FAULT_MAP / 4096);
  } finally {
    m.close();
  }
}
