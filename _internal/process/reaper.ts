/**
 * Background reaping of children that reported their end: a join returns
 * once the child reported, before its teardown (≈ 2 ms, seconds under load)
 * is over, and the kernel sends no notice this side listens for when the
 * child finally exits. So: look again, with a back-off, until nothing is
 * left to reap. The timer is unref'd: it never keeps the program alive (a
 * program that ends takes its zombies with it) nor counts as a test's leak.
 *
 * @module
 */

/** The longest pause between two looks (ms): a lingering child costs one
 * `waitpid(WNOHANG)` per look. */
export const MAX_REAP_DELAY = 250;

/** Reaps in the background until `reap` finds nothing left to reap. */
export class BackgroundReaper {
  readonly #reap: () => number;
  #timer: ReturnType<typeof setTimeout> | undefined;

  /**
   * @param reap Reaps what it can now; returns how many children are
   *   still to reap (their teardown goes on).
   */
  constructor(reap: () => number) {
    this.#reap = reap;
  }

  /**
   * Looks shortly, then again with a doubling pause (at most
   * {@linkcode MAX_REAP_DELAY}) for as long as children are left: it gave
   * up after ≈ 1.3 s once, and a child whose teardown took longer (under
   * load) stayed a zombie.
   */
  soon(delay = 5): void {
    if (this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (this.#reap() > 0) this.soon(Math.min(delay * 2, MAX_REAP_DELAY));
    }, delay);
    Deno.unrefTimer(this.#timer as unknown as number);
  }
}
