/**
 * `call` and `callSync`: run a command and return its return code.
 *
 * @module
 */

import type { Command } from "./errors.ts";
import { Popen, type PopenOptions } from "./popen.ts";

/** Options of {@linkcode call}: Popen's, plus a timeout. */
export interface CallOptions extends PopenOptions {
  /**
   * Seconds to wait at most: then the child is killed and `TimeoutExpired`
   * is thrown.
   * @default {null}
   */
  timeout?: number | null;
}

/**
 * Python's `subprocess.call`: runs a command and waits for it.
 *
 * @param args The program and its arguments, or a shell command with `shell`.
 * @param options See {@linkcode CallOptions}.
 * @returns The return code (negative `-N` for signal N).
 * @throws {FileNotFoundError} If the program does not exist.
 * @throws {TimeoutExpired} If `timeout` passed (the child was killed).
 *
 * @example
 * ```ts
 * import { call } from "@pyconc/std/subprocess";
 * import assert from "node:assert/strict";
 *
 * assert.equal(await call(["sh", "-c", "exit 7"]), 7);
 * ```
 */
export async function call(
  args: Command,
  options: CallOptions = {},
): Promise<number> {
  const { timeout = null, ...rest } = options;
  const p = new Popen(args, rest);
  try {
    return await p.wait(timeout);
  } catch (e) {
    p.kill();
    throw e;
  } finally {
    await p[Symbol.asyncDispose]();
  }
}

/**
 * The blocking form of {@linkcode call}.
 *
 * @param args The program and its arguments, or a shell command with `shell`.
 * @param options See {@linkcode CallOptions}.
 * @returns The return code (negative `-N` for signal N).
 * @throws {FileNotFoundError} If the program does not exist.
 * @throws {TimeoutExpired} If `timeout` passed (the child was killed).
 *
 * @example
 * ```ts
 * import { callSync } from "@pyconc/std/subprocess";
 * import assert from "node:assert/strict";
 *
 * assert.equal(callSync(["true"]), 0);
 * ```
 */
export function callSync(args: Command, options: CallOptions = {}): number {
  const { timeout = null, ...rest } = options;
  const p = new Popen(args, rest);
  try {
    return p.waitSync(timeout);
  } catch (e) {
    p.kill();
    throw e;
  } finally {
    p[Symbol.dispose]();
  }
}
