/**
 * The parent's ends of a child's pipes: the state and algorithms behind
 * `PipeReader`, `PipeWriter` and `Popen.communicate`.
 *
 * @module
 */

import { BrokenPipeError, ValueError } from "../_internal/errors.ts";
import { libc } from "../_internal/ffi/libc.ts";
import {
  Accumulator,
  EAGAIN,
  EPIPE,
  type Io,
  ioError,
  readNow,
  writeNow,
} from "./_io.ts";
import { closeFd, POLLIN, POLLOUT } from "./_reactor.ts";
import { Decoding, type TextMode } from "./_text.ts";

/** How much a stream read asks for at once. */
const CHUNK = 64 * 1024;
const F_SETPIPE_SZ = 1031;
/** The pipe size used for large transfers (Linux's default limit for users). */
const BIG_PIPE = 1 << 20;

/**
 * Grows a pipe that carries a lot of data from 64 KiB to 1 MiB, so that each
 * wait moves 16 times as much. Done only for large transfers: a user's pipe
 * capacity counts against `pipe-user-pages-soft`. Failure is harmless.
 */
export function growPipe(fd: number): void {
  libc().fcntl(fd, F_SETPIPE_SZ, BigInt(BIG_PIPE));
}

function closedError(): ValueError {
  return new ValueError("I/O operation on closed file");
}

/** The read end of a pipe from a child (its stdout or stderr). */
export class ReaderCore {
  fd: number;
  closed = false;
  eof = false;
  readonly mode: TextMode | null;
  readonly decoding: Decoding | null;
  /** Bytes read but not yet returned (bytes mode). */
  bytes: Uint8Array = new Uint8Array(0);
  /** Text decoded but not yet returned (text mode). */
  text = "";
  #grown = false;

  constructor(fd: number, mode: TextMode | null) {
    this.fd = fd;
    this.mode = mode;
    this.decoding = mode === null ? null : new Decoding(mode);
  }

  /** Buffered length in the unit of the mode (bytes or UTF-16 units). */
  get buffered(): number {
    return this.mode === null ? this.bytes.length : this.text.length;
  }

  /**
   * Reads what the pipe holds now into `acc`, up to end of file.
   * @returns "eof" when the writers are gone, "again" when the pipe is empty.
   */
  readAvailable(acc: Accumulator): "eof" | "again" {
    if (this.closed) throw closedError();
    for (;;) {
      const n = readNow(this.fd, acc.space(CHUNK));
      if (n > 0) {
        acc.commit(n);
        if (!this.#grown && acc.length >= BIG_PIPE) {
          this.#grown = true;
          growPipe(this.fd);
        }
      } else if (n === 0) {
        this.eof = true;
        return "eof";
      } else if (n === -EAGAIN) return "again";
      else ioError(n);
    }
  }

  /** Reads one chunk into the buffer (waiting for it); false at end of file. */
  *fill(): Io<boolean> {
    for (;;) {
      if (this.closed) throw closedError();
      if (this.eof) return false;
      const buf = new Uint8Array(CHUNK);
      const n = readNow(this.fd, buf);
      if (n > 0) {
        // Copy a small read out rather than keep 64 KiB alive for it.
        this.#append(
          n * 2 < CHUNK ? buf.slice(0, n) : buf.subarray(0, n),
          false,
        );
        return true;
      }
      if (n === 0) {
        this.eof = true;
        this.#append(buf.subarray(0, 0), true);
        return false;
      }
      if (n !== -EAGAIN) ioError(n);
      yield { fds: [{ fd: this.fd, events: POLLIN }], deadline: Infinity };
    }
  }

  #append(chunk: Uint8Array, final: boolean): void {
    if (this.decoding !== null) {
      this.text += this.decoding.decode(chunk, final);
    } else if (this.bytes.length === 0) {
      this.bytes = chunk;
    } else {
      const joined = new Uint8Array(this.bytes.length + chunk.length);
      joined.set(this.bytes);
      joined.set(chunk, this.bytes.length);
      this.bytes = joined;
    }
  }

  /** Takes up to `n` units from the buffer. */
  take(n: number): Uint8Array | string {
    if (this.mode !== null) {
      const out = this.text.slice(0, n);
      this.text = this.text.slice(out.length);
      return out;
    }
    const out = this.bytes.subarray(0, n);
    this.bytes = this.bytes.subarray(out.length);
    return out;
  }

  /** Python's `read(size)`: `size` units, fewer only at end of file; all when negative. */
  *read(size: number): Io<Uint8Array | string> {
    if (this.mode !== null) {
      // Text: decoded chunk by chunk (string concatenation is cheap).
      while (size < 0 || this.buffered < size) {
        const before = this.buffered;
        if (!(yield* this.fill()) && this.buffered === before) break;
      }
      return this.take(size < 0 ? this.buffered : size);
    }
    if (size >= 0 && this.bytes.length >= size) return this.take(size);
    // Bytes: read straight into one growing buffer (no copy per chunk).
    const acc = new Accumulator();
    acc.push(this.take(this.bytes.length) as Uint8Array);
    while (!this.eof && (size < 0 || acc.length < size)) {
      if (this.readAvailable(acc) === "eof") break;
      if (size >= 0 && acc.length >= size) break;
      yield { fds: [{ fd: this.fd, events: POLLIN }], deadline: Infinity };
      if (this.closed) throw closedError();
    }
    const all = acc.take();
    if (size < 0 || all.length <= size) return all;
    this.bytes = all.subarray(size);
    return all.subarray(0, size);
  }

  /** Python's `readline(size)`: up to and including a newline. */
  *readline(size: number): Io<Uint8Array | string> {
    let scanned = 0;
    for (;;) {
      const at = this.mode === null
        ? this.bytes.indexOf(0x0a, scanned)
        : this.text.indexOf("\n", scanned);
      if (at >= 0 && (size < 0 || at < size)) return this.take(at + 1);
      if (size >= 0 && this.buffered >= size) return this.take(size);
      scanned = this.buffered;
      const before = this.buffered;
      if (!(yield* this.fill()) && this.buffered === before) {
        return this.take(this.buffered);
      }
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeFd(this.fd);
    this.fd = -1;
  }
}

/** The write end of a pipe to a child (its stdin). */
export class WriterCore {
  fd: number;
  closed = false;
  readonly mode: TextMode | null;

  constructor(fd: number, mode: TextMode | null) {
    this.fd = fd;
    this.mode = mode;
  }

  /**
   * Writes what the pipe accepts now from `data`.
   * @returns the byte count written, or "epipe" when the child's end is closed.
   */
  writeAvailable(data: Uint8Array<ArrayBuffer>): number | "epipe" {
    if (this.closed) throw closedError();
    let done = 0;
    while (done < data.length) {
      const n = writeNow(this.fd, done === 0 ? data : data.subarray(done));
      if (n >= 0) done += n;
      else if (n === -EAGAIN) break;
      else if (n === -EPIPE) return "epipe";
      else ioError(n);
    }
    return done;
  }

  /** Writes all of `data`, waiting while the pipe is full. */
  *write(data: Uint8Array<ArrayBuffer>): Io<void> {
    let done = 0;
    while (done < data.length) {
      const n = this.writeAvailable(data.subarray(done));
      if (n === "epipe") throw new BrokenPipeError(EPIPE);
      done += n;
      if (done < data.length) {
        yield { fds: [{ fd: this.fd, events: POLLOUT }], deadline: Infinity };
      }
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeFd(this.fd);
    this.fd = -1;
  }
}
