/**
 * The exceptions of Python's `subprocess` module.
 *
 * @module
 */

import { named } from "../_internal/named.ts";
import { registerErrorClass } from "../_internal/codec/errors.ts";
import { signalRepr } from "../_internal/signal_table.ts";
import { strCmd } from "./_repr.ts";

/** A command as given to `run`/`Popen`: a string or a list of strings. */
export type Command = string | readonly string[];

/** What a captured stream holds: bytes, text, or nothing. */
export type Output = Uint8Array | string | null;

/** Gives a class Python's exception name and, with `output`, the `stdout` alias. */
function pythonClass(
  cls: { prototype: { name: string } },
  name: string,
  stdoutAlias = false,
): void {
  named(cls, name);
  if (stdoutAlias) {
    Object.defineProperty(cls.prototype, "stdout", {
      get(this: { output: Output }): Output {
        return this.output;
      },
      set(this: { output: Output }, value: Output) {
        this.output = value;
      },
      enumerable: false,
      configurable: true,
    });
  }
}

/**
 * Python's `subprocess.SubprocessError`: the base of this module's errors.
 *
 * @example
 * ```ts
 * import { CalledProcessError, SubprocessError } from "@pyconc/std/subprocess";
 * import assert from "node:assert/strict";
 *
 * assert.ok(new CalledProcessError(1, ["false"]) instanceof SubprocessError);
 * ```
 */
export class SubprocessError extends Error {
  static {
    pythonClass(this, "SubprocessError");
  }
}

/**
 * Python's `subprocess.TimeoutExpired`: a child did not end before a
 * timeout.
 *
 * As in Python, `output` (alias `stdout`) and `stderr` are always bytes when
 * anything was captured, also in text mode, and may be null when nothing was
 * read.
 *
 * @example
 * ```ts
 * import { TimeoutExpired } from "@pyconc/std/subprocess";
 * import assert from "node:assert/strict";
 *
 * const err = new TimeoutExpired(["sleep", "5"], 0.5);
 * assert.equal(err.message, "Command '['sleep', '5']' timed out after 0.5 seconds");
 * assert.equal(err.stdout, null);
 * ```
 */
export class TimeoutExpired extends SubprocessError {
  static {
    pythonClass(this, "TimeoutExpired", true);
  }
  /** The command, as given. */
  cmd: Command;
  /** The timeout, in seconds. */
  timeout: number;
  /** The child's stdout read before the timeout, or null. */
  output: Output;
  /** The child's stderr read before the timeout, or null. */
  stderr: Output;

  /**
   * Creates the error (Python's positional arguments).
   *
   * @param cmd The command.
   * @param timeout The timeout, in seconds.
   * @param output The stdout captured so far.
   * @param stderr The stderr captured so far.
   */
  constructor(
    cmd: Command,
    timeout: number,
    output: Output = null,
    stderr: Output = null,
  ) {
    super(`Command '${strCmd(cmd)}' timed out after ${timeout} seconds`);
    this.cmd = cmd;
    this.timeout = timeout;
    this.output = output;
    this.stderr = stderr;
  }

  /** Alias of `output`. */
  declare stdout: Output;
}

/**
 * Python's `subprocess.CalledProcessError`: a child checked with `check`
 * (or `checkCall`, `checkOutput`, `checkReturncode()`) ended with a non-zero
 * return code.
 *
 * @example
 * ```ts
 * import { CalledProcessError } from "@pyconc/std/subprocess";
 * import assert from "node:assert/strict";
 *
 * assert.equal(
 *   new CalledProcessError(1, ["false"]).message,
 *   "Command '['false']' returned non-zero exit status 1.",
 * );
 * assert.equal(
 *   new CalledProcessError(-9, "sleep 9").message,
 *   "Command 'sleep 9' died with <Signals.SIGKILL: 9>.",
 * );
 * ```
 */
export class CalledProcessError extends SubprocessError {
  static {
    pythonClass(this, "CalledProcessError", true);
  }
  /** The exit status; negative `-N` when signal N ended the child. */
  returncode: number;
  /** The command, as given. */
  cmd: Command;
  /** The child's stdout if it was captured, else null. */
  output: Output;
  /** The child's stderr if it was captured, else null. */
  stderr: Output;

  /**
   * Creates the error (Python's positional arguments).
   *
   * @param returncode The exit status (negative for a signal).
   * @param cmd The command.
   * @param output The captured stdout.
   * @param stderr The captured stderr.
   */
  constructor(
    returncode: number,
    cmd: Command,
    output: Output = null,
    stderr: Output = null,
  ) {
    super(calledMessage(returncode, cmd));
    this.returncode = returncode;
    this.cmd = cmd;
    this.output = output;
    this.stderr = stderr;
  }

  /** Alias of `output`. */
  declare stdout: Output;
}

function calledMessage(returncode: number, cmd: Command): string {
  if (returncode < 0) {
    const repr = signalRepr(-returncode);
    return repr === null
      ? `Command '${strCmd(cmd)}' died with unknown signal ${-returncode}.`
      : `Command '${strCmd(cmd)}' died with ${repr}.`;
  }
  return `Command '${
    strCmd(cmd)
  }' returned non-zero exit status ${returncode}.`;
}

registerErrorClass(SubprocessError);
registerErrorClass(TimeoutExpired);
registerErrorClass(CalledProcessError);
