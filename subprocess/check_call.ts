/**
 * `checkCall` and `checkCallSync`: run a command, throw unless it succeeds.
 *
 * @module
 */

import { call, type CallOptions, callSync } from "./call.ts";
import { CalledProcessError, type Command } from "./errors.ts";

/**
 * Python's `subprocess.check_call`: runs a command, waits for it, and throws
 * if its return code is not zero.
 *
 * @param args The program and its arguments, or a shell command with `shell`.
 * @param options See {@linkcode CallOptions}.
 * @returns 0.
 * @throws {CalledProcessError} For a non-zero return code.
 * @throws {TimeoutExpired} If `timeout` passed (the child was killed).
 *
 * @example
 * ```ts
 * import { CalledProcessError, checkCall } from "@pyconc/std/subprocess";
 * import assert from "node:assert/strict";
 *
 * assert.equal(await checkCall(["true"]), 0);
 * await assert.rejects(checkCall(["false"]), CalledProcessError);
 * ```
 */
export async function checkCall(
  args: Command,
  options: CallOptions = {},
): Promise<number> {
  const returncode = await call(args, options);
  if (returncode !== 0) throw new CalledProcessError(returncode, args);
  return 0;
}

/**
 * The blocking form of {@linkcode checkCall}.
 *
 * @param args The program and its arguments, or a shell command with `shell`.
 * @param options See {@linkcode CallOptions}.
 * @returns 0.
 * @throws {CalledProcessError} For a non-zero return code.
 *
 * @example
 * ```ts
 * import { checkCallSync } from "@pyconc/std/subprocess";
 * import assert from "node:assert/strict";
 *
 * assert.throws(() => checkCallSync(["sh", "-c", "exit 2"]), { returncode: 2 });
 * ```
 */
export function checkCallSync(
  args: Command,
  options: CallOptions = {},
): number {
  const returncode = callSync(args, options);
  if (returncode !== 0) throw new CalledProcessError(returncode, args);
  return 0;
}
