/**
 * `run` and `runSync`: start a child, feed it, collect its output, wait.
 *
 * @module
 */

import { ValueError } from "../_internal/errors.ts";
import { CompletedProcess } from "./completed_process.ts";
import { CalledProcessError, type Command, TimeoutExpired } from "./errors.ts";
import { PIPE } from "./constants.ts";
import { Popen, type PopenOptions } from "./popen.ts";
import { Accumulator, readNow } from "./_io.ts";

/** Options of {@linkcode run}: Popen's, plus run's own. */
export interface RunOptions extends PopenOptions {
  /**
   * Data for the child's stdin (implies `stdin: PIPE`); a string is encoded
   * with the text encoding (UTF-8 in bytes mode).
   * @default {undefined}
   */
  input?: string | Uint8Array | null;
  /**
   * Capture stdout and stderr (`stdout: PIPE, stderr: PIPE`).
   * @default {false}
   */
  captureOutput?: boolean;
  /**
   * Seconds to wait at most: then the child is killed and `TimeoutExpired`
   * is thrown with what it wrote so far.
   * @default {null}
   */
  timeout?: number | null;
  /**
   * Throw `CalledProcessError` when the return code is not zero.
   * @default {false}
   */
  check?: boolean;
}

/** Options that put run in text mode (its output is then a string). */
export type TextOptions =
  | { text: true }
  | { universalNewlines: true }
  | { encoding: string }
  | { errors: "strict" | "replace" };

/** Python's checks and defaults of `run`, as Popen options. */
function popenOptions(options: RunOptions): PopenOptions {
  const { input, captureOutput, timeout: _t, check: _c, ...rest } = options;
  const popen: PopenOptions = rest;
  if (input != null) {
    if (rest.stdin != null) {
      throw new ValueError("stdin and input arguments may not both be used");
    }
    popen.stdin = PIPE;
  }
  if (captureOutput) {
    if (rest.stdout != null || rest.stderr != null) {
      throw new ValueError(
        "stdout and stderr arguments may not be used with captureOutput",
      );
    }
    popen.stdout = PIPE;
    popen.stderr = PIPE;
  }
  return popen;
}

function finish<T extends Uint8Array | string>(
  p: Popen<T>,
  [out, err]: [T | null, T | null],
  check: boolean | undefined,
): CompletedProcess<T> {
  const returncode = p.returncode!;
  if (check && returncode !== 0) {
    throw new CalledProcessError(returncode, p.args, out, err);
  }
  return new CompletedProcess<T>(p.args, returncode, out, err);
}

/**
 * After a timeout and the kill: adds to the error what the pipes still hold
 * (without waiting: a grandchild may keep them open). Python's run() on
 * POSIX reports only what was read before the timeout.
 */
function drainInto(p: Popen, err: TimeoutExpired): void {
  const more = (reader: typeof p.stdout, had: unknown) => {
    if (reader === null || reader.closed) return had;
    const extra = drainNow(reader.fileno());
    if (extra.length === 0) return had;
    const before = had instanceof Uint8Array ? had : new Uint8Array(0);
    const joined = new Uint8Array(before.length + extra.length);
    joined.set(before);
    joined.set(extra, before.length);
    return joined;
  };
  err.output = more(p.stdout, err.output) as Uint8Array | null;
  err.stderr = more(p.stderr, err.stderr) as Uint8Array | null;
}

/** What a (non-blocking) pipe holds now, up to end of file. */
function drainNow(fd: number): Uint8Array {
  const acc = new Accumulator(64 * 1024);
  for (;;) {
    const n = readNow(fd, acc.space(64 * 1024));
    if (n <= 0) return acc.take(); // end of file, empty (EAGAIN) or error
    acc.commit(n);
  }
}

/**
 * Python's `subprocess.run`: runs a command, waits for it, and returns a
 * {@linkcode CompletedProcess}.
 *
 * With `captureOutput` (or `stdout`/`stderr: PIPE`) the output is collected;
 * with `input` it is written to the child's stdin. With `timeout`, a child
 * still running is killed and reaped, and `TimeoutExpired` carries the
 * output it wrote until then. With `check`, a non-zero return code throws
 * `CalledProcessError`. Never blocks the event loop (see {@linkcode runSync}).
 *
 * @param args The program and its arguments, or a shell command with `shell`.
 * @param options See {@linkcode RunOptions}.
 * @returns The command, return code and captured output (strings in text
 *   mode, else bytes).
 * @throws {FileNotFoundError} If the program does not exist.
 * @throws {TimeoutExpired} If `timeout` passed (the child was killed).
 * @throws {CalledProcessError} With `check`, for a non-zero return code.
 * @throws {ValueError} For `input` with `stdin`, or `captureOutput` with
 *   `stdout`/`stderr`.
 *
 * @example
 * ```ts
 * import { run } from "@pyconc/std/subprocess";
 * import assert from "node:assert/strict";
 *
 * const r = await run(["sh", "-c", "cat; echo oops >&2; exit 3"], {
 *   input: "hi\n",
 *   captureOutput: true,
 *   text: true,
 * });
 * assert.equal(r.returncode, 3);
 * assert.equal(r.stdout, "hi\n");
 * assert.equal(r.stderr, "oops\n");
 * ```
 */
export function run(
  args: Command,
  options: RunOptions & TextOptions,
): Promise<CompletedProcess<string>>;
/** In bytes mode (no text option), the output is a Uint8Array. */
export function run(
  args: Command,
  options?: RunOptions & { text?: false },
): Promise<CompletedProcess<Uint8Array>>;
/** When the mode is known only at run time, the output is either. */
export function run(
  args: Command,
  options?: RunOptions,
): Promise<CompletedProcess>;
export async function run(
  args: Command,
  options: RunOptions = {},
): Promise<CompletedProcess> {
  const p = new Popen(args, popenOptions(options));
  try {
    const output = await p.communicate(options.input, options.timeout ?? null);
    return finish(p, output, options.check);
  } catch (e) {
    p.kill();
    await p.wait();
    if (e instanceof TimeoutExpired) drainInto(p, e);
    throw e;
  } finally {
    // Reaped already (the usual end): disposing cannot block, and the
    // blocking form saves the event loop turns of the async one.
    if (p.returncode !== null) p[Symbol.dispose]();
    else await p[Symbol.asyncDispose]();
  }
}

/**
 * The blocking form of {@linkcode run}: blocks the calling thread (on the
 * main thread, the event loop too) until the child ends or `timeout` passes.
 *
 * @param args The program and its arguments, or a shell command with `shell`.
 * @param options See {@linkcode RunOptions}.
 * @returns The command, return code and captured output.
 * @throws {FileNotFoundError} If the program does not exist.
 * @throws {TimeoutExpired} If `timeout` passed (the child was killed).
 * @throws {CalledProcessError} With `check`, for a non-zero return code.
 *
 * @example
 * ```ts
 * import { CalledProcessError, runSync } from "@pyconc/std/subprocess";
 * import assert from "node:assert/strict";
 *
 * assert.throws(() => runSync(["false"], { check: true }), CalledProcessError);
 * assert.equal(runSync("echo $((6 * 7))", { shell: true, captureOutput: true, text: true }).stdout, "42\n");
 * ```
 */
export function runSync(
  args: Command,
  options: RunOptions & TextOptions,
): CompletedProcess<string>;
/** In bytes mode (no text option), the output is a Uint8Array. */
export function runSync(
  args: Command,
  options?: RunOptions & { text?: false },
): CompletedProcess<Uint8Array>;
/** When the mode is known only at run time, the output is either. */
export function runSync(args: Command, options?: RunOptions): CompletedProcess;
export function runSync(
  args: Command,
  options: RunOptions = {},
): CompletedProcess {
  const p = new Popen(args, popenOptions(options));
  try {
    const output = p.communicateSync(options.input, options.timeout ?? null);
    return finish(p, output, options.check);
  } catch (e) {
    p.kill();
    p.waitSync();
    if (e instanceof TimeoutExpired) drainInto(p, e);
    throw e;
  } finally {
    p[Symbol.dispose]();
  }
}
