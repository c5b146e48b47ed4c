/**
 * `CompletedProcess`, what `run` returns.
 *
 * @module
 */

import { CalledProcessError, type Command } from "./errors.ts";
import { repr } from "./_repr.ts";

/**
 * Python's `subprocess.CompletedProcess`: a finished child's command,
 * return code and captured output.
 *
 * @typeParam T The type of captured output: `Uint8Array` (bytes, the
 *   default) or `string` (text mode).
 *
 * @example
 * ```ts
 * import { CompletedProcess } from "@pyconc/std/subprocess";
 * import assert from "node:assert/strict";
 *
 * const done = new CompletedProcess(["ls"], 2, null, "ls: no such file\n");
 * assert.throws(() => done.checkReturncode(), { returncode: 2 });
 * ```
 */
export class CompletedProcess<
  T extends Uint8Array | string = Uint8Array | string,
> {
  /** The command, as given. */
  args: Command;
  /** The exit status: negative `-N` when signal N ended the child. */
  returncode: number;
  /** The captured stdout, or null when it was not captured. */
  stdout: T | null;
  /** The captured stderr, or null when it was not captured. */
  stderr: T | null;

  /**
   * Creates the record (Python's positional arguments).
   *
   * @param args The command.
   * @param returncode The exit status.
   * @param stdout The captured stdout.
   * @param stderr The captured stderr.
   */
  constructor(
    args: Command,
    returncode: number,
    stdout: T | null = null,
    stderr: T | null = null,
  ) {
    this.args = args;
    this.returncode = returncode;
    this.stdout = stdout;
    this.stderr = stderr;
  }

  /**
   * Python's `repr()`, e.g. `CompletedProcess(args=['true'], returncode=0)`.
   *
   * @returns The description.
   */
  toString(): string {
    const parts = [`args=${repr(this.args)}`, `returncode=${this.returncode}`];
    if (this.stdout !== null) parts.push(`stdout=${repr(this.stdout)}`);
    if (this.stderr !== null) parts.push(`stderr=${repr(this.stderr)}`);
    return `CompletedProcess(${parts.join(", ")})`;
  }

  /**
   * Throws when the return code is not zero.
   *
   * @throws {CalledProcessError} With the return code, command and output.
   */
  checkReturncode(): void {
    if (this.returncode !== 0) {
      throw new CalledProcessError(
        this.returncode,
        this.args,
        this.stdout,
        this.stderr,
      );
    }
  }
}
