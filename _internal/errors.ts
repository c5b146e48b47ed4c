/**
 * Python's exception classes, shared by every module of the package.
 *
 * Each class extends the closest JavaScript built-in (`ValueError extends
 * RangeError`, `OSError extends Error`, …) so that `instanceof` works with
 * both vocabularies. Module-specific exceptions (`queue.Empty`,
 * `concurrent_futures.CancelledError`, …) live in their modules.
 *
 * @module
 */

import { named } from "./named.ts";

/**
 * Python's `ValueError`: an argument has the right type but a bad value.
 *
 * @example Catching a bad argument
 * ```ts
 * import { ValueError } from "@pyconc/std";
 * import assert from "node:assert/strict";
 *
 * const err = new ValueError("semaphore initial value must be >= 0");
 * assert.ok(err instanceof RangeError);
 * assert.equal(err.name, "ValueError");
 * ```
 */
export class ValueError extends RangeError {
  static {
    named(this, "ValueError");
  }
}

/**
 * Python's `IndexError`: a sequence index out of range.
 *
 * @example
 * ```ts
 * import { IndexError } from "@pyconc/std";
 * import assert from "node:assert/strict";
 *
 * assert.equal(new IndexError("index out of range").name, "IndexError");
 * ```
 */
export class IndexError extends RangeError {
  static {
    named(this, "IndexError");
  }
}

/**
 * Python's `OverflowError`: a number too large for the operation (for example
 * a timeout above `threading.TIMEOUT_MAX`).
 *
 * @example
 * ```ts
 * import { OverflowError } from "@pyconc/std";
 * import assert from "node:assert/strict";
 *
 * assert.ok(new OverflowError("timeout value is too large") instanceof RangeError);
 * ```
 */
export class OverflowError extends RangeError {
  static {
    named(this, "OverflowError");
  }
}

/**
 * Python's `KeyError`: a mapping key that is missing.
 *
 * @example
 * ```ts
 * import { KeyError } from "@pyconc/std";
 * import assert from "node:assert/strict";
 *
 * assert.equal(new KeyError("'PATH'").name, "KeyError");
 * ```
 */
export class KeyError extends Error {
  static {
    named(this, "KeyError");
  }
}

/**
 * Python's `RuntimeError`: an operation not allowed in the object's state
 * (releasing an unlocked lock, starting a thread twice, …).
 *
 * @example
 * ```ts
 * import { RuntimeError } from "@pyconc/std";
 * import assert from "node:assert/strict";
 *
 * assert.equal(new RuntimeError("release unlocked lock").name, "RuntimeError");
 * ```
 */
export class RuntimeError extends Error {
  static {
    named(this, "RuntimeError");
  }
}

/**
 * Python's `NotImplementedError`, a `RuntimeError`.
 *
 * @example
 * ```ts
 * import { NotImplementedError, RuntimeError } from "@pyconc/std";
 * import assert from "node:assert/strict";
 *
 * assert.ok(new NotImplementedError("x") instanceof RuntimeError);
 * ```
 */
export class NotImplementedError extends RuntimeError {
  static {
    named(this, "NotImplementedError");
  }
}

/**
 * Python's `EOFError`: the other end of a connection is closed.
 *
 * @example
 * ```ts
 * import { EOFError } from "@pyconc/std";
 * import assert from "node:assert/strict";
 *
 * assert.equal(new EOFError().name, "EOFError");
 * ```
 */
export class EOFError extends Error {
  static {
    named(this, "EOFError");
  }
}

/** Linux errno values that choose an OSError subclass, as Python does. */
export const errno = {
  EPERM: 1,
  ENOENT: 2,
  ESRCH: 3,
  EINTR: 4,
  EIO: 5,
  ENXIO: 6,
  E2BIG: 7,
  ENOEXEC: 8,
  EBADF: 9,
  ECHILD: 10,
  EAGAIN: 11,
  ENOMEM: 12,
  EACCES: 13,
  EFAULT: 14,
  EBUSY: 16,
  EEXIST: 17,
  ENODEV: 19,
  ENOTDIR: 20,
  EISDIR: 21,
  EINVAL: 22,
  ENFILE: 23,
  EMFILE: 24,
  ENOSPC: 28,
  ESPIPE: 29,
  EPIPE: 32,
  ERANGE: 34,
  ENAMETOOLONG: 36,
  ENOSYS: 38,
  EOVERFLOW: 75,
  ENOTSUP: 95,
  EADDRINUSE: 98,
  EADDRNOTAVAIL: 99,
  ENETUNREACH: 101,
  ECONNABORTED: 103,
  ECONNRESET: 104,
  ENOTCONN: 107,
  ESHUTDOWN: 108,
  ETIMEDOUT: 110,
  ECONNREFUSED: 111,
  EHOSTUNREACH: 113,
  EALREADY: 114,
  EINPROGRESS: 115,
} as const;

const STRERROR: Record<number, string> = {
  1: "Operation not permitted",
  2: "No such file or directory",
  3: "No such process",
  4: "Interrupted system call",
  5: "Input/output error",
  6: "No such device or address",
  7: "Argument list too long",
  8: "Exec format error",
  9: "Bad file descriptor",
  10: "No child processes",
  11: "Resource temporarily unavailable",
  12: "Cannot allocate memory",
  13: "Permission denied",
  14: "Bad address",
  16: "Device or resource busy",
  17: "File exists",
  19: "No such device",
  20: "Not a directory",
  21: "Is a directory",
  22: "Invalid argument",
  23: "Too many open files in system",
  24: "Too many open files",
  28: "No space left on device",
  29: "Illegal seek",
  32: "Broken pipe",
  34: "Numerical result out of range",
  36: "File name too long",
  38: "Function not implemented",
  75: "Value too large for defined data type",
  95: "Operation not supported",
  98: "Address already in use",
  99: "Cannot assign requested address",
  101: "Network is unreachable",
  103: "Software caused connection abort",
  104: "Connection reset by peer",
  107: "Transport endpoint is not connected",
  108: "Cannot send after transport endpoint shutdown",
  110: "Connection timed out",
  111: "Connection refused",
  113: "No route to host",
  114: "Operation already in progress",
  115: "Operation now in progress",
};

/**
 * The message Linux's `strerror` gives for an errno value.
 *
 * @param code An errno value.
 * @returns The message, or `Unknown error N`.
 */
export function strerror(code: number): string {
  return STRERROR[code] ?? `Unknown error ${code}`;
}

/**
 * Python's `OSError`: a system call failed. `errno`, `strerror`, `filename`
 * and `filename2` are Python's attributes.
 *
 * As in Python, `new OSError(errno, strerror)` returns the subclass that the
 * errno selects (`FileNotFoundError` for `ENOENT`, `PermissionError` for
 * `EACCES`/`EPERM`, …).
 *
 * @example Python's errno-based subclass selection
 * ```ts
 * import { FileNotFoundError, OSError } from "@pyconc/std";
 * import assert from "node:assert/strict";
 *
 * const err = new OSError(2, "No such file or directory", "x.txt");
 * assert.ok(err instanceof FileNotFoundError);
 * assert.equal(err.message, "[Errno 2] No such file or directory: 'x.txt'");
 * ```
 */
export class OSError extends Error {
  static {
    named(this, "OSError");
  }
  /** The errno value, or `null`. */
  errno: number | null;
  /** The error's text, or `null`. */
  strerror: string | null;
  /** The file name involved, or `null`. */
  filename: string | null;
  /** The second file name involved (e.g. for a rename), or `null`. */
  filename2: string | null;

  /**
   * Creates an OSError (or the subclass its errno selects).
   *
   * @param errnoOrMessage An errno value, or a plain message.
   * @param strerror The error's text (defaults to Linux's text for errno).
   * @param filename The file name involved.
   * @param filename2 A second file name.
   * @param options The standard `ErrorOptions` (`cause`).
   */
  constructor(
    errnoOrMessage?: number | string,
    strerror?: string,
    filename?: string | null,
    filename2?: string | null,
    options?: ErrorOptions,
  ) {
    const code = typeof errnoOrMessage === "number" ? errnoOrMessage : null;
    const text = code !== null ? (strerror ?? STRERROR[code] ?? "") : null;
    let message: string;
    if (code === null) {
      message = errnoOrMessage === undefined ? "" : String(errnoOrMessage);
    } else {
      message = `[Errno ${code}] ${text}`;
      if (filename != null) message += `: '${filename}'`;
      if (filename2 != null) message += ` -> '${filename2}'`;
    }
    super(message, options);
    this.errno = code;
    this.strerror = text;
    this.filename = filename ?? null;
    this.filename2 = filename2 ?? null;
    if (new.target === OSError && code !== null) {
      const sub = subclassFor(code);
      if (sub !== undefined) {
        const err = new sub(code, text ?? undefined, filename, filename2);
        if (options?.cause !== undefined) err.cause = options.cause;
        return err;
      }
    }
  }
}

/**
 * Python's `FileNotFoundError` (errno `ENOENT`).
 *
 * @example
 * ```ts
 * import { FileNotFoundError, OSError } from "@pyconc/std";
 * import assert from "node:assert/strict";
 *
 * assert.ok(new FileNotFoundError(2, undefined, "nope") instanceof OSError);
 * ```
 */
export class FileNotFoundError extends OSError {
  static {
    named(this, "FileNotFoundError");
  }
}

/**
 * Python's `FileExistsError` (errno `EEXIST`).
 *
 * @example
 * ```ts
 * import { FileExistsError } from "@pyconc/std";
 * import assert from "node:assert/strict";
 *
 * assert.equal(new FileExistsError(17).errno, 17);
 * ```
 */
export class FileExistsError extends OSError {
  static {
    named(this, "FileExistsError");
  }
}

/**
 * Python's `PermissionError` (errno `EACCES` or `EPERM`).
 *
 * @example
 * ```ts
 * import { PermissionError } from "@pyconc/std";
 * import assert from "node:assert/strict";
 *
 * assert.equal(new PermissionError(13).name, "PermissionError");
 * ```
 */
export class PermissionError extends OSError {
  static {
    named(this, "PermissionError");
  }
}

/**
 * Python's `ProcessLookupError` (errno `ESRCH`).
 *
 * @example
 * ```ts
 * import { ProcessLookupError } from "@pyconc/std";
 * import assert from "node:assert/strict";
 *
 * assert.equal(new ProcessLookupError(3).errno, 3);
 * ```
 */
export class ProcessLookupError extends OSError {
  static {
    named(this, "ProcessLookupError");
  }
}

/**
 * Python's `ChildProcessError` (errno `ECHILD`).
 *
 * @example
 * ```ts
 * import { ChildProcessError } from "@pyconc/std";
 * import assert from "node:assert/strict";
 *
 * assert.equal(new ChildProcessError(10).errno, 10);
 * ```
 */
export class ChildProcessError extends OSError {
  static {
    named(this, "ChildProcessError");
  }
}

/**
 * Python's `IsADirectoryError` (errno `EISDIR`).
 *
 * @example
 * ```ts
 * import { IsADirectoryError } from "@pyconc/std";
 * import assert from "node:assert/strict";
 *
 * assert.equal(new IsADirectoryError(21).errno, 21);
 * ```
 */
export class IsADirectoryError extends OSError {
  static {
    named(this, "IsADirectoryError");
  }
}

/**
 * Python's `NotADirectoryError` (errno `ENOTDIR`).
 *
 * @example
 * ```ts
 * import { NotADirectoryError } from "@pyconc/std";
 * import assert from "node:assert/strict";
 *
 * assert.equal(new NotADirectoryError(20).errno, 20);
 * ```
 */
export class NotADirectoryError extends OSError {
  static {
    named(this, "NotADirectoryError");
  }
}

/**
 * Python's `InterruptedError` (errno `EINTR`).
 *
 * @example
 * ```ts
 * import { InterruptedError } from "@pyconc/std";
 * import assert from "node:assert/strict";
 *
 * assert.equal(new InterruptedError(4).errno, 4);
 * ```
 */
export class InterruptedError extends OSError {
  static {
    named(this, "InterruptedError");
  }
}

/**
 * Python's `BlockingIOError` (errno `EAGAIN`, `EALREADY`, `EINPROGRESS`).
 *
 * @example
 * ```ts
 * import { BlockingIOError } from "@pyconc/std";
 * import assert from "node:assert/strict";
 *
 * assert.equal(new BlockingIOError(11).errno, 11);
 * ```
 */
export class BlockingIOError extends OSError {
  static {
    named(this, "BlockingIOError");
  }
}

/**
 * Python's `ConnectionError`, base of the connection errors.
 *
 * @example
 * ```ts
 * import { ConnectionError, OSError } from "@pyconc/std";
 * import assert from "node:assert/strict";
 *
 * assert.ok(new ConnectionError("lost") instanceof OSError);
 * ```
 */
export class ConnectionError extends OSError {
  static {
    named(this, "ConnectionError");
  }
}

/**
 * Python's `BrokenPipeError` (errno `EPIPE`, `ESHUTDOWN`).
 *
 * @example
 * ```ts
 * import { BrokenPipeError, ConnectionError } from "@pyconc/std";
 * import assert from "node:assert/strict";
 *
 * assert.ok(new BrokenPipeError(32) instanceof ConnectionError);
 * ```
 */
export class BrokenPipeError extends ConnectionError {
  static {
    named(this, "BrokenPipeError");
  }
}

/**
 * Python's `ConnectionResetError` (errno `ECONNRESET`).
 *
 * @example
 * ```ts
 * import { ConnectionResetError } from "@pyconc/std";
 * import assert from "node:assert/strict";
 *
 * assert.equal(new ConnectionResetError(104).errno, 104);
 * ```
 */
export class ConnectionResetError extends ConnectionError {
  static {
    named(this, "ConnectionResetError");
  }
}

/**
 * Python's `ConnectionRefusedError` (errno `ECONNREFUSED`).
 *
 * @example
 * ```ts
 * import { ConnectionRefusedError } from "@pyconc/std";
 * import assert from "node:assert/strict";
 *
 * assert.equal(new ConnectionRefusedError(111).errno, 111);
 * ```
 */
export class ConnectionRefusedError extends ConnectionError {
  static {
    named(this, "ConnectionRefusedError");
  }
}

/**
 * Python's `ConnectionAbortedError` (errno `ECONNABORTED`).
 *
 * @example
 * ```ts
 * import { ConnectionAbortedError } from "@pyconc/std";
 * import assert from "node:assert/strict";
 *
 * assert.equal(new ConnectionAbortedError(103).errno, 103);
 * ```
 */
export class ConnectionAbortedError extends ConnectionError {
  static {
    named(this, "ConnectionAbortedError");
  }
}

/**
 * Python's built-in `TimeoutError` (an `OSError`, errno `ETIMEDOUT`), which
 * `concurrent.futures.TimeoutError` is an alias of since Python 3.11.
 *
 * @example
 * ```ts
 * import { OSError, TimeoutError } from "@pyconc/std";
 * import assert from "node:assert/strict";
 *
 * assert.ok(new TimeoutError() instanceof OSError);
 * ```
 */
export class TimeoutError extends OSError {
  static {
    named(this, "TimeoutError");
  }
}

function subclassFor(code: number): typeof OSError | undefined {
  switch (code) {
    case errno.ENOENT:
      return FileNotFoundError;
    case errno.EEXIST:
      return FileExistsError;
    case errno.EACCES:
    case errno.EPERM:
      return PermissionError;
    case errno.ESRCH:
      return ProcessLookupError;
    case errno.ECHILD:
      return ChildProcessError;
    case errno.EISDIR:
      return IsADirectoryError;
    case errno.ENOTDIR:
      return NotADirectoryError;
    case errno.EINTR:
      return InterruptedError;
    case errno.EAGAIN:
    case errno.EALREADY:
    case errno.EINPROGRESS:
      return BlockingIOError;
    case errno.EPIPE:
    case errno.ESHUTDOWN:
      return BrokenPipeError;
    case errno.ECONNRESET:
      return ConnectionResetError;
    case errno.ECONNREFUSED:
      return ConnectionRefusedError;
    case errno.ECONNABORTED:
      return ConnectionAbortedError;
    case errno.ETIMEDOUT:
      return TimeoutError;
  }
  return undefined;
}
