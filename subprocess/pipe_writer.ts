/**
 * `PipeWriter`: `Popen.stdin` when it is `PIPE`.
 *
 * @module
 */

import { driveAsync, driveSync } from "./_io.ts";
import type { WriterCore } from "./_pipes.ts";
import { Serial } from "./_serial.ts";
import { toBytes } from "./_text.ts";

/**
 * The parent's end of a pipe that a child reads: Python's file object for
 * `Popen.stdin`.
 *
 * Nothing is buffered: `write` returns once all the data is in the pipe
 * (waiting, without blocking the event loop, while the child does not read),
 * so `flush()` has nothing to do. Concurrent writes run one after another in
 * call order. Strings are encoded with the text mode's encoding (UTF-8 in
 * bytes mode).
 *
 * @typeParam T `Uint8Array` in bytes mode, `string` in text mode.
 *
 * @example Feeding a child
 * ```ts
 * import { PIPE, Popen } from "@pyconc/std/subprocess";
 * import assert from "node:assert/strict";
 *
 * await using p = new Popen<string>(["cat"], { stdin: PIPE, stdout: PIPE, text: true });
 * await p.stdin!.write("hello\n");
 * p.stdin!.close();
 * assert.equal(await p.stdout!.read(), "hello\n");
 * ```
 */
export class PipeWriter<T extends Uint8Array | string = Uint8Array | string> {
  #core: WriterCore;
  #serial = new Serial();

  /**
   * Wraps a pipe end; `Popen` makes these.
   * @ignore
   */
  constructor(core: WriterCore) {
    this.#core = core;
  }

  /** Whether `close()` was called. */
  get closed(): boolean {
    return this.#core.closed;
  }

  /**
   * The descriptor number (Python's `fileno()`).
   * @returns The descriptor, or -1 once closed.
   */
  fileno(): number {
    return this.#core.fd;
  }

  /**
   * Writes all of `data`.
   *
   * @param data Bytes, or a string (encoded).
   * @returns The length of `data` (characters for a string).
   * @throws {BrokenPipeError} If the child closed its end (or ended).
   * @throws {ValueError} If the writer is closed.
   */
  write(data: T | Uint8Array | string): Promise<number> {
    const bytes = toBytes(data, this.#core.mode);
    return this.#serial.run(async () => {
      await driveAsync(this.#core.write(bytes));
      return data.length;
    });
  }

  /**
   * The blocking form of {@linkcode write}.
   *
   * @param data Bytes, or a string (encoded).
   * @returns The length of `data`.
   * @throws {BrokenPipeError} If the child closed its end (or ended).
   * @throws {ValueError} If the writer is closed.
   */
  writeSync(data: T | Uint8Array | string): number {
    driveSync(this.#core.write(toBytes(data, this.#core.mode)));
    return data.length;
  }

  /** Nothing to do: writes are not buffered. */
  flush(): void {}

  /** Closes the parent's end: the child reads end of file. */
  close(): void {
    this.#core.close();
  }
}
