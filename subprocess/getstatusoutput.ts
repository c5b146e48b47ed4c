/**
 * `getstatusoutput` and `getstatusoutputSync`: a shell command's status and
 * output.
 *
 * @module
 */

import { STDOUT } from "./constants.ts";
import { CalledProcessError } from "./errors.ts";
import { checkOutput, checkOutputSync } from "./check_output.ts";

/** Options of {@linkcode getstatusoutput}. */
export interface GetstatusoutputOptions {
  /**
   * The encoding of the output.
   * @default {"utf-8"}
   */
  encoding?: string | null;
  /**
   * How undecodable bytes are treated.
   * @default {"strict"}
   */
  errors?: "strict" | "replace" | null;
}

function options(o: GetstatusoutputOptions) {
  return {
    shell: true,
    text: true,
    stderr: STDOUT,
    encoding: o.encoding ?? null,
    errors: o.errors ?? null,
  } as const;
}

function strip(data: string): string {
  return data.endsWith("\n") ? data.slice(0, -1) : data;
}

/**
 * Python's `subprocess.getstatusoutput`: runs `cmd` in the shell and returns
 * its return code and its stdout and stderr together, without the last
 * newline.
 *
 * @param cmd A shell command.
 * @param opts See {@linkcode GetstatusoutputOptions}.
 * @returns `[returncode, output]`.
 * @throws {FileNotFoundError} If `/bin/sh` is missing.
 *
 * @example
 * ```ts
 * import { getstatusoutput } from "@pyconc/std/subprocess";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(await getstatusoutput("echo hi; exit 3"), [3, "hi"]);
 * ```
 */
export async function getstatusoutput(
  cmd: string,
  opts: GetstatusoutputOptions = {},
): Promise<[number, string]> {
  try {
    return [0, strip(await checkOutput(cmd, options(opts)) as string)];
  } catch (e) {
    if (!(e instanceof CalledProcessError)) throw e;
    return [e.returncode, strip(e.output as string)];
  }
}

/**
 * The blocking form of {@linkcode getstatusoutput}.
 *
 * @param cmd A shell command.
 * @param opts See {@linkcode GetstatusoutputOptions}.
 * @returns `[returncode, output]`.
 *
 * @example
 * ```ts
 * import { getstatusoutputSync } from "@pyconc/std/subprocess";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(getstatusoutputSync("echo hi >&2"), [0, "hi"]);
 * ```
 */
export function getstatusoutputSync(
  cmd: string,
  opts: GetstatusoutputOptions = {},
): [number, string] {
  try {
    return [0, strip(checkOutputSync(cmd, options(opts)) as string)];
  } catch (e) {
    if (!(e instanceof CalledProcessError)) throw e;
    return [e.returncode, strip(e.output as string)];
  }
}
