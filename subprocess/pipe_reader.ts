/**
 * `PipeReader`: `Popen.stdout` and `Popen.stderr` when they are `PIPE`.
 *
 * @module
 */

import { driveAsync, driveSync } from "./_io.ts";
import type { ReaderCore } from "./_pipes.ts";
import { Serial } from "./_serial.ts";

/**
 * The parent's end of a pipe that a child writes: Python's file object for
 * `Popen.stdout`/`Popen.stderr` (bytes, or text in text mode).
 *
 * Reads wait without blocking the event loop (`read`, `readline`, async
 * iteration) or block the thread (`readSync`, `readlineSync`). Concurrent
 * async reads run one after another in call order. In text mode `\r\n` and
 * `\r` read as `\n` (Python's universal newlines) and sizes count UTF-16 code
 * units.
 *
 * @typeParam T `Uint8Array` in bytes mode, `string` in text mode.
 *
 * @example Reading lines as they come
 * ```ts
 * import { PIPE, Popen } from "@pyconc/std/subprocess";
 * import assert from "node:assert/strict";
 *
 * await using p = new Popen<string>(["printf", "a\\nb\\n"], { stdout: PIPE, text: true });
 * const lines: string[] = [];
 * for await (const line of p.stdout!) lines.push(line);
 * assert.deepEqual(lines, ["a\n", "b\n"]);
 * ```
 */
export class PipeReader<T extends Uint8Array | string = Uint8Array | string>
  implements AsyncIterable<T> {
  #core: ReaderCore;
  #serial = new Serial();

  /**
   * Wraps a pipe end; `Popen` makes these.
   * @ignore
   */
  constructor(core: ReaderCore) {
    this.#core = core;
  }

  /** Whether `close()` was called (or `communicate` finished with the pipe). */
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
   * Reads `size` bytes (characters in text mode), fewer only at end of file;
   * with no size (or a negative one), everything up to end of file.
   *
   * @param size How much to read; -1 for all.
   * @returns The data; empty at end of file.
   * @throws {ValueError} If the reader is closed.
   */
  read(size = -1): Promise<T> {
    return this.#serial.run(() =>
      driveAsync(this.#core.read(size)) as Promise<T>
    );
  }

  /**
   * The blocking form of {@linkcode read}.
   *
   * @param size How much to read; -1 for all.
   * @returns The data; empty at end of file.
   * @throws {ValueError} If the reader is closed.
   */
  readSync(size = -1): T {
    return driveSync(this.#core.read(size)) as T;
  }

  /**
   * Reads one line, with its `\n`; at end of file the last partial line, then
   * empty data. With a size, at most that much.
   *
   * @param size The most to read; -1 for no limit.
   * @returns The line; empty at end of file.
   * @throws {ValueError} If the reader is closed.
   */
  readline(size = -1): Promise<T> {
    return this.#serial.run(() =>
      driveAsync(this.#core.readline(size)) as Promise<T>
    );
  }

  /**
   * The blocking form of {@linkcode readline}.
   *
   * @param size The most to read; -1 for no limit.
   * @returns The line; empty at end of file.
   * @throws {ValueError} If the reader is closed.
   */
  readlineSync(size = -1): T {
    return driveSync(this.#core.readline(size)) as T;
  }

  /**
   * The lines until end of file, each with its `\n` (Python's `for line in
   * p.stdout`).
   *
   * @returns An async iterator of lines.
   */
  async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    for (;;) {
      const line = await this.readline();
      if (line.length === 0) return;
      yield line;
    }
  }

  /** Closes the parent's end; a pending read ends with a ValueError. */
  close(): void {
    this.#core.close();
  }
}
