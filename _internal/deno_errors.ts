/**
 * Turning the errors of Deno's own APIs into Python's OSError classes.
 *
 * @module
 */

import { errno, OSError } from "./errors.ts";

const DENO_ERRNO: Record<string, number> = {
  NotFound: errno.ENOENT,
  PermissionDenied: errno.EACCES,
  AlreadyExists: errno.EEXIST,
  BrokenPipe: errno.EPIPE,
  ConnectionRefused: errno.ECONNREFUSED,
  ConnectionReset: errno.ECONNRESET,
  ConnectionAborted: errno.ECONNABORTED,
  TimedOut: errno.ETIMEDOUT,
  Interrupted: errno.EINTR,
  WouldBlock: errno.EAGAIN,
  IsADirectory: errno.EISDIR,
  NotADirectory: errno.ENOTDIR,
  InvalidData: errno.EINVAL,
};

/**
 * Turns an error thrown by a `Deno` API into Python's `OSError` subclass,
 * keeping the original as `cause`. Other values are returned unchanged.
 *
 * @param err The caught value.
 * @param filename The file name to report, if any.
 */
export function fromDenoError(err: unknown, filename?: string): unknown {
  if (!(err instanceof Error) || err instanceof OSError) return err;
  const name = err.name === "NotCapable" ? "PermissionDenied" : err.name;
  const code = (err as { code?: string }).code;
  let num = DENO_ERRNO[name];
  if (num === undefined && typeof code === "string" && code in errno) {
    num = errno[code as keyof typeof errno];
  }
  if (num === undefined) return err;
  return new OSError(num, undefined, filename ?? null, null, { cause: err });
}
