/**
 * A Thread subclass whose module notes, when it loads, which thread loads
 * it (used once per Worker by a test).
 *
 * @module
 */

import { currentThread, Thread } from "../../threading/mod.ts";

const loadedBy = currentThread().name;

/** Writes the name of the thread that loaded this module in its Worker. */
export class Probe extends Thread {
  out: Uint8Array;
  constructor(out: Uint8Array) {
    super({ name: "probe" });
    this.out = out;
  }
  override run(): void {
    const bytes = new TextEncoder().encode(loadedBy);
    this.out[0] = bytes.length;
    this.out.set(bytes, 1);
  }
}
