/**
 * `with lock:` as `using _ = lock.holdSync()`: a handle whose disposal
 * releases, once.
 *
 * @module
 */

/**
 * The handle `hold()` returns. A class, not an object literal: V8 gives a
 * literal with a computed `[Symbol.dispose]` key a slow shape, and
 * `using` then costs ≈ 160 ns more per scope (measured in
 * bench/multiprocessing.ts, Value under its lock).
 */
class Hold implements Disposable {
  #release: (() => void) | null;

  constructor(release: () => void) {
    this.#release = release;
  }

  [Symbol.dispose](): void {
    const release = this.#release;
    if (release !== null) {
      this.#release = null;
      release();
    }
  }
}

/** A handle that runs `release` when disposed (at most once). */
export function holdHandle(release: () => void): Disposable {
  return new Hold(release);
}

/** The key Deno's `inspect` looks up for a custom representation. */
export const INSPECT: unique symbol = Symbol.for("Deno.customInspect") as never;
