/**
 * What `Pipe`'s connections and socket connections share: the interface
 * (Python's `_ConnectionBase`) and its argument checks, written once.
 *
 * @module
 */

import { ValueError } from "../_internal/errors.ts";

/**
 * Python's `multiprocessing.connection.Connection` interface: what every
 * connection offers, whether it is one end of a `Pipe` (shared memory) or a
 * socket from `Listener`/`Client`. Each method that can block has an async
 * form and a `Sync` form.
 */
export interface Connection extends Disposable {
  /** Whether the connection is closed. */
  readonly closed: boolean;
  /** Whether it can receive. */
  readonly readable: boolean;
  /** Whether it can send. */
  readonly writable: boolean;
  /** Sends an object. */
  send(obj: unknown): Promise<void>;
  /** Sends an object, blocking the calling thread. */
  sendSync(obj: unknown): void;
  /** Receives an object. */
  recv(): Promise<unknown>;
  /** Receives an object, blocking the calling thread. */
  recvSync(): unknown;
  /** Sends bytes as one message. */
  sendBytes(
    buf: ArrayBufferView,
    offset?: number,
    size?: number,
  ): Promise<void>;
  /** Sends bytes as one message, blocking the calling thread. */
  sendBytesSync(buf: ArrayBufferView, offset?: number, size?: number): void;
  /** Receives one message as bytes. */
  recvBytes(maxlength?: number): Promise<Uint8Array>;
  /** Receives one message as bytes, blocking the calling thread. */
  recvBytesSync(maxlength?: number): Uint8Array;
  /** Receives one message into `buf` at byte `offset`; returns its length. */
  recvBytesInto(buf: ArrayBufferView, offset?: number): Promise<number>;
  /** Like `recvBytesInto`, blocking the calling thread. */
  recvBytesIntoSync(buf: ArrayBufferView, offset?: number): number;
  /** Whether a message (or end-of-file) is ready, waiting up to `timeout` s. */
  poll(timeout?: number | null): Promise<boolean>;
  /** Like `poll`, blocking the calling thread. */
  pollSync(timeout?: number | null): boolean;
  /** Closes the connection. */
  close(): void;
}

/** The bytes of a bytes-like argument (a view, never a copy). */
export function bytesOf(buf: unknown, what = "buf"): Uint8Array {
  if (buf instanceof Uint8Array) return buf;
  if (ArrayBuffer.isView(buf)) {
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  if (buf instanceof ArrayBuffer || buf instanceof SharedArrayBuffer) {
    return new Uint8Array(buf);
  }
  throw new TypeError(`${what} must be a bytes-like object (a typed array)`);
}

/** `send_bytes(buf, offset, size)`'s slice, with Python's checks. */
export function sendSlice(
  buf: unknown,
  offset: number,
  size?: number | null,
): Uint8Array {
  const bytes = bytesOf(buf);
  const n = bytes.length;
  if (offset < 0) throw new ValueError("offset is negative");
  if (n < offset) throw new ValueError("buffer length < offset");
  if (size === undefined || size === null) size = n - offset;
  else if (size < 0) throw new ValueError("size is negative");
  else if (offset + size > n) {
    throw new ValueError("buffer length < offset + size");
  }
  return bytes.subarray(offset, offset + size);
}

/** `recv_bytes(maxlength)`'s check: the limit, or Infinity. */
export function checkMaxlength(maxlength?: number | null): number {
  if (maxlength === undefined || maxlength === null) return Infinity;
  if (maxlength < 0) throw new ValueError("negative maxlength");
  return maxlength;
}

/** `recv_bytes_into(buf, offset)`'s checks: the free part of `buf`. */
export function intoTarget(buf: unknown, offset: number): Uint8Array {
  const bytes = bytesOf(buf);
  if (offset < 0) throw new ValueError("negative offset");
  if (offset > bytes.length) throw new ValueError("offset too large");
  return bytes.subarray(offset);
}
