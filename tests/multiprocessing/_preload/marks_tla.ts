/**
 * A target module using top-level await whose top level has a visible side effect: it appends
 * the running process's name to a file named by the parent's pid (the
 * preload tests count the lines).
 *
 * @module
 */

import { currentProcess } from "../../../multiprocessing/mod.ts";

Deno.writeTextFileSync(
  `/tmp/pyconc-preload-${Deno.ppid}.log`,
  `${currentProcess().name}\n`,
  { append: true },
);

await Promise.resolve(); // top-level await: never loaded ahead

/** Does nothing. */
export function noop(): void {}
