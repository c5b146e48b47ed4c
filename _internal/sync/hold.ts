/**
 * `with lock:` as `using _ = lock.holdSync()`: a handle whose disposal
 * releases, once.
 *
 * @module
 */

/** A handle that runs `release` when disposed (at most once). */
export function holdHandle(release: () => void): Disposable {
  let held = true;
  return {
    [Symbol.dispose]() {
      if (held) {
        held = false;
        release();
      }
    },
  };
}

/** The key Deno's `inspect` looks up for a custom representation. */
export const INSPECT: unique symbol = Symbol.for("Deno.customInspect") as never;
