/**
 * test_shutdown.py's `sleep_and_print`, loaded by module reference.
 *
 * @module
 */

/** Sleeps (blocking its thread) for `seconds`, then prints `msg`. */
export function sleepAndPrint(seconds: number, msg: string): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, seconds * 1000);
  console.log(msg);
}
