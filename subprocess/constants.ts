/**
 * The special values of `stdin`/`stdout`/`stderr`, with Python's numbers.
 *
 * @module
 */

/**
 * Python's `subprocess.PIPE`: connect the stream to a new pipe that the
 * parent reads (`stdout`, `stderr`) or writes (`stdin`).
 *
 * @example
 * ```ts
 * import { PIPE, runSync } from "@pyconc/std/subprocess";
 * import assert from "node:assert/strict";
 *
 * assert.equal(runSync(["echo", "hi"], { stdout: PIPE, text: true }).stdout, "hi\n");
 * ```
 */
export const PIPE: -1 = -1;

/**
 * Python's `subprocess.STDOUT`: for `stderr` only, send the child's stderr
 * where its stdout goes, at the descriptor level, so the two streams keep
 * the order in which the child wrote them.
 *
 * @example
 * ```ts
 * import { PIPE, runSync, STDOUT } from "@pyconc/std/subprocess";
 * import assert from "node:assert/strict";
 *
 * const r = runSync(["sh", "-c", "echo a; echo b >&2; echo c"], {
 *   stdout: PIPE,
 *   stderr: STDOUT,
 *   text: true,
 * });
 * assert.equal(r.stdout, "a\nb\nc\n");
 * ```
 */
export const STDOUT: -2 = -2;

/**
 * Python's `subprocess.DEVNULL`: connect the stream to `/dev/null`.
 *
 * @example
 * ```ts
 * import { DEVNULL, runSync } from "@pyconc/std/subprocess";
 * import assert from "node:assert/strict";
 *
 * assert.equal(runSync(["cat"], { stdin: DEVNULL }).returncode, 0);
 * ```
 */
export const DEVNULL: -3 = -3;
