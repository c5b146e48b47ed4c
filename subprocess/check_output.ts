/**
 * `checkOutput` and `checkOutputSync`: run a command and return its stdout.
 *
 * @module
 */

import { ValueError } from "../_internal/errors.ts";
import { PIPE } from "./constants.ts";
import type { Command } from "./errors.ts";
import { run, type RunOptions, runSync, type TextOptions } from "./run.ts";

/** Options of {@linkcode checkOutput}: run's, but stdout is the pipe. */
export type CheckOutputOptions = Omit<
  RunOptions,
  "stdout" | "check" | "captureOutput"
>;

function checkOutputOptions(options: CheckOutputOptions): RunOptions {
  if ((options as RunOptions).stdout != null) {
    throw new ValueError("stdout argument not allowed, it will be overridden");
  }
  const opts: RunOptions = { ...options, stdout: PIPE, check: true };
  // An explicit null input means empty input, not an inherited stdin (Python).
  if ("input" in options && options.input === null) opts.input = "";
  return opts;
}

/**
 * Python's `subprocess.check_output`: runs a command and returns its stdout,
 * throwing if the return code is not zero.
 *
 * @param args The program and its arguments, or a shell command with `shell`.
 * @param options See {@linkcode RunOptions} (without `stdout`).
 * @returns The child's stdout (a string in text mode, else bytes).
 * @throws {CalledProcessError} For a non-zero return code, with the output.
 * @throws {TimeoutExpired} If `timeout` passed (the child was killed).
 * @throws {ValueError} If `stdout` is given.
 *
 * @example
 * ```ts
 * import { checkOutput, STDOUT } from "@pyconc/std/subprocess";
 * import assert from "node:assert/strict";
 *
 * const out = await checkOutput(["sh", "-c", "echo out; echo err >&2"], {
 *   stderr: STDOUT,
 *   text: true,
 * });
 * assert.equal(out, "out\nerr\n");
 * ```
 */
export function checkOutput(
  args: Command,
  options: CheckOutputOptions & TextOptions,
): Promise<string>;
/** In bytes mode (no text option), the output is a Uint8Array. */
export function checkOutput(
  args: Command,
  options?: CheckOutputOptions & { text?: false },
): Promise<Uint8Array>;
/** When the mode is known only at run time, the output is either. */
export function checkOutput(
  args: Command,
  options?: CheckOutputOptions,
): Promise<Uint8Array | string>;
export async function checkOutput(
  args: Command,
  options: CheckOutputOptions = {},
): Promise<Uint8Array | string> {
  return (await run(args, checkOutputOptions(options))).stdout!;
}

/**
 * The blocking form of {@linkcode checkOutput}.
 *
 * @param args The program and its arguments, or a shell command with `shell`.
 * @param options See {@linkcode RunOptions} (without `stdout`).
 * @returns The child's stdout (a string in text mode, else bytes).
 * @throws {CalledProcessError} For a non-zero return code, with the output.
 *
 * @example
 * ```ts
 * import { checkOutputSync } from "@pyconc/std/subprocess";
 * import assert from "node:assert/strict";
 *
 * assert.equal(checkOutputSync(["echo", "hi"], { text: true }), "hi\n");
 * ```
 */
export function checkOutputSync(
  args: Command,
  options: CheckOutputOptions & TextOptions,
): string;
/** In bytes mode (no text option), the output is a Uint8Array. */
export function checkOutputSync(
  args: Command,
  options?: CheckOutputOptions & { text?: false },
): Uint8Array;
/** When the mode is known only at run time, the output is either. */
export function checkOutputSync(
  args: Command,
  options?: CheckOutputOptions,
): Uint8Array | string;
export function checkOutputSync(
  args: Command,
  options: CheckOutputOptions = {},
): Uint8Array | string {
  return runSync(args, checkOutputOptions(options)).stdout!;
}
