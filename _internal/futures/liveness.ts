/**
 * Liveness checks run while a `Sync` wait of `concurrent_futures` blocks.
 *
 * A pool worker that dies without running any code (out of memory) is only
 * reported to the thread that created its Worker, through that thread's
 * event loop, which may be the very thread now blocked in `resultSync()`.
 * So a blocking wait wakes every {@linkcode SLICE_MS} to let each pool of
 * this thread check its workers (see thread_pool_executor.ts); a pool that
 * finds one gone breaks and fails its futures, which ends the wait. This is
 * not polling for the result: completions wake the waiter at once.
 *
 * @module
 */

/** How often (ms) a blocked `Sync` wait lets pools check their workers. */
export const SLICE_MS = 100;

const checks = new Set<() => void>();

/**
 * Registers a check run while this thread blocks.
 * @returns a function that removes it.
 */
export function addLivenessCheck(check: () => void): () => void {
  checks.add(check);
  return () => checks.delete(check);
}

/** Runs every registered check (a failing check is reported, not thrown). */
export function checkLiveness(): void {
  for (const check of [...checks]) {
    try {
      check();
    } catch (e) {
      console.error("Exception in a thread pool liveness check:", e);
    }
  }
}

/** Whether any check is registered (no pool: no need to wake). */
export function hasLivenessChecks(): boolean {
  return checks.size > 0;
}
