/**
 * Which thread is running in this Worker, as a generation number: a Worker
 * runs many threads one after another, and `threading.local` must look empty
 * to each new one.
 *
 * @module
 */

let generation = 0;

/** Called when a Worker begins running a new thread. */
export function beginThread(): void {
  generation++;
}

/** The generation of the thread running now in this Worker. */
export function threadGeneration(): number {
  return generation;
}
