/**
 * Runs the async operations of one stream one after another, as a file
 * object's lock does in Python, so that two concurrent reads never
 * interleave their bytes.
 *
 * @module
 */

/** A queue of operations that run one at a time, in call order. */
export class Serial {
  #tail: Promise<unknown> = Promise.resolve();

  /** Runs `op` after every operation queued before it. */
  run<T>(op: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(op, op);
    this.#tail = result.catch(() => {});
    return result;
  }
}
