/**
 * `getoutput` and `getoutputSync`: a shell command's output.
 *
 * @module
 */

import {
  getstatusoutput,
  type GetstatusoutputOptions,
  getstatusoutputSync,
} from "./getstatusoutput.ts";

/**
 * Python's `subprocess.getoutput`: runs `cmd` in the shell and returns its
 * stdout and stderr together, without the last newline, whatever its
 * return code.
 *
 * @param cmd A shell command.
 * @param opts See {@linkcode GetstatusoutputOptions}.
 * @returns The output.
 *
 * @example
 * ```ts
 * import { getoutput } from "@pyconc/std/subprocess";
 * import assert from "node:assert/strict";
 *
 * assert.equal(await getoutput("echo a; echo b"), "a\nb");
 * ```
 */
export async function getoutput(
  cmd: string,
  opts: GetstatusoutputOptions = {},
): Promise<string> {
  return (await getstatusoutput(cmd, opts))[1];
}

/**
 * The blocking form of {@linkcode getoutput}.
 *
 * @param cmd A shell command.
 * @param opts See {@linkcode GetstatusoutputOptions}.
 * @returns The output.
 *
 * @example
 * ```ts
 * import { getoutputSync } from "@pyconc/std/subprocess";
 * import assert from "node:assert/strict";
 *
 * assert.equal(getoutputSync("printf x"), "x");
 * ```
 */
export function getoutputSync(
  cmd: string,
  opts: GetstatusoutputOptions = {},
): string {
  return getstatusoutputSync(cmd, opts)[1];
}
