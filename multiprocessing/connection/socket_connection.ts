import { EOFError, errno as E, OSError } from "../../_internal/errors.ts";
import { errno, libc } from "../../_internal/ffi/libc.ts";
import {
  ASYNC_BUDGET_US,
  deadline as deadlineOf,
  type IO,
  ioAsync,
  ioSync,
  left,
  POLLIN,
  POLLOUT,
  type PollWait,
} from "../../_internal/net/io.ts";
import {
  MSG_DONTWAIT,
  MSG_NOSIGNAL,
  type Sock,
} from "../../_internal/net/socket.ts";
import { toMs } from "../../_internal/sync/timeout.ts";
import { INSPECT } from "../../_internal/sync/hold.ts";
import { BufferTooShort } from "../errors.ts";
import {
  checkMaxlength,
  type Connection,
  intoTarget,
  sendSlice,
} from "../_connection_common.ts";
import { dumps, loads } from "./_pickle.ts";

/** The read buffer: small messages arrive several per `recv`. */
const RBUF = 64 * 1024;
/**
 * The first allocation for a message larger than the read buffer: the
 * length prefix is only a claim, so memory grows (doubling) as bytes
 * arrive, never to the claimed size at once.
 */
const FIRST_CHUNK = 1024 * 1024;
/** CPython joins the header and the message up to this size (Nagle). */
const JOIN_LIMIT = 16384;
const I32_MAX = 0x7fffffff;

const CREATE: unique symbol = Symbol("create");

/** Python's error for a message longer than allowed or a bad prefix. */
function badLength(): OSError {
  return new OSError("bad message length");
}

/**
 * A socket connection of `multiprocessing.connection` (Python's
 * `Connection` over a socket descriptor), made by {@linkcode Listener}'s
 * `accept` and by {@linkcode Client}. It has the whole interface of
 * `Pipe`'s connections ({@linkcode Connection}), speaking CPython's wire:
 * each message is a 4-byte big-endian signed length (or -1 and an 8-byte
 * length past 2 GiB - 1) and its bytes; `send(obj)` writes
 * `pickle.dumps(obj)` (protocol 4), `recv()` reads any pickle protocol, so
 * the peer may be a CPython program.
 *
 * Messages keep their order and boundaries. One async send and one async
 * receive run at a time (later calls queue behind them); a `Sync` call made
 * while an async call of the same direction is pending throws `OSError`
 * instead of mixing messages. A socket connection belongs to the thread
 * that made it (it does not travel to other threads or processes).
 *
 * Hostile peers: a length prefix above `maxlength` throws
 * `OSError("bad message length")` and leaves the connection unreadable (as
 * Python); a claimed length costs memory only as its bytes arrive; a peer
 * that closes mid-message gives `OSError("got end of file during
 * message")`, one that closes between messages `EOFError`.
 *
 * @example A connection from a listener
 * ```ts
 * import { Client, Listener } from "@pyconc/std/multiprocessing/connection";
 * import assert from "node:assert/strict";
 *
 * using listener = new Listener();
 * const client = Client(listener.address);
 * using server = await listener.accept();
 * using conn = await client;
 * await conn.sendBytes(new TextEncoder().encode("hello"));
 * assert.equal(new TextDecoder().decode(await server.recvBytes()), "hello");
 * await server.send([1, "x", null]);
 * assert.deepEqual(await conn.recv(), [1, "x", null]);
 * ```
 */
export class SocketConnection implements Connection {
  readonly #sock: Sock;
  #readable: boolean;
  readonly #writable: boolean;
  #rbuf = new Uint8Array(RBUF);
  #rview = new DataView(this.#rbuf.buffer);
  #r0 = 0;
  #r1 = 0;
  /** Async calls in flight per direction, and the last one (to queue behind). */
  #sending = 0;
  #receiving = 0;
  #sendTail: Promise<void> = Promise.resolve();
  #recvTail: Promise<void> = Promise.resolve();
  /** How long an async wait may sleep before its blocking-task poll (net/poller.ts). */
  #budgetUs = ASYNC_BUDGET_US;

  /** @internal Made by `Listener.accept()` and `Client()`. */
  constructor(token: typeof CREATE, sock: Sock) {
    if (token !== CREATE) {
      throw new TypeError(
        "SocketConnection objects are made by Listener.accept() and Client()",
      );
    }
    this.#sock = sock;
    sock.own(this);
    this.#readable = true;
    this.#writable = true;
  }

  /** Whether the connection is closed. */
  get closed(): boolean {
    return this.#sock.closed;
  }

  /** Whether it can receive (false after a message longer than allowed). */
  get readable(): boolean {
    return this.#readable;
  }

  /** Whether it can send. */
  get writable(): boolean {
    return this.#writable;
  }

  /**
   * The socket's file descriptor (Python's `fileno()`).
   * @throws {OSError} If the connection is closed.
   */
  fileno(): number {
    return this.#sock.check();
  }

  #checkWritable(): void {
    this.#sock.check();
    if (!this.#writable) throw new OSError("connection is read-only");
  }

  #checkReadable(): void {
    this.#sock.check();
    if (!this.#readable) throw new OSError("connection is write-only");
  }

  // ---- sending ----

  /** CPython's frames for `bytes`: one buffer when small, else two. */
  #frames(bytes: Uint8Array): Uint8Array[] {
    const n = bytes.length;
    if (n > I32_MAX) {
      const header = new Uint8Array(12);
      const v = new DataView(header.buffer);
      v.setInt32(0, -1);
      v.setBigUint64(4, BigInt(n));
      return [header, bytes];
    }
    if (n > JOIN_LIMIT) {
      const header = new Uint8Array(4);
      new DataView(header.buffer).setInt32(0, n);
      return [header, bytes];
    }
    const frame = new Uint8Array(4 + n);
    new DataView(frame.buffer).setInt32(0, n);
    frame.set(bytes, 4);
    return [frame];
  }

  /** Writes every chunk; copies the rest before the first wait, so the caller may reuse its buffer once the call returns. */
  *#writing(
    chunks: Uint8Array[],
    copied: boolean,
    flags: number,
  ): IO<void> {
    const s = this.#sock;
    for (let i = 0; i < chunks.length; i++) {
      let chunk = chunks[i]!;
      let off = 0;
      while (off < chunk.length) {
        const n = Number(
          libc().send(
            s.check(),
            off === 0 ? chunk : chunk.subarray(off),
            BigInt(chunk.length - off),
            MSG_NOSIGNAL | flags,
          ),
        );
        if (n >= 0) {
          off += n;
          continue;
        }
        const code = errno();
        if (code === E.EINTR) continue;
        if (code !== E.EAGAIN) throw new OSError(code);
        if (!copied) {
          chunk = chunk.slice(off);
          off = 0;
          for (let j = i + 1; j < chunks.length; j++) {
            chunks[j] = chunks[j]!.slice();
          }
          copied = true;
        }
        yield s.wait(POLLOUT, Infinity);
      }
    }
  }

  #sendAsync(bytes: Uint8Array): Promise<void> {
    const chunks = this.#frames(bytes);
    let p: Promise<void>;
    if (this.#sending === 0) {
      // Nothing queued: the first write happens now, synchronously; when
      // it is all written (the common case) no async machinery runs.
      const g = this.#writing(chunks, !chunks.includes(bytes), MSG_DONTWAIT);
      let r: IteratorResult<PollWait, void>;
      try {
        r = g.next();
      } catch (e) {
        return Promise.reject(e);
      }
      if (r.done) return DONE;
      p = this.#counted("send", ioAsync(g, this.#budgetUs, r));
    } else {
      const copies = chunks.map((c) => c === bytes ? c.slice() : c);
      p = this.#counted(
        "send",
        this.#sendTail.then(() =>
          ioAsync(this.#writing(copies, true, MSG_DONTWAIT), this.#budgetUs)
        ),
      );
    }
    this.#sendTail = p.then(noop, noop);
    return p;
  }

  /** Counts an async call in until it settles (before its caller resumes). */
  async #counted<T>(side: "send" | "recv", p: Promise<T>): Promise<T> {
    if (side === "send") this.#sending++;
    else this.#receiving++;
    try {
      return await p;
    } finally {
      if (side === "send") this.#sending--;
      else this.#receiving--;
    }
  }

  #sendSync(bytes: Uint8Array): void {
    if (this.#sending > 0) {
      throw new OSError(
        "Cannot send: an async send on this connection is in progress",
      );
    }
    ioSync(this.#writing(this.#frames(bytes), true, 0));
  }

  /**
   * Sends `obj` pickled (protocol 4), as Python's `send`.
   * @throws {PicklingError} If `obj` is outside pickle's mapping (nothing is sent).
   * @throws {BrokenPipeError} If the peer has closed.
   * @throws {OSError} If the connection is closed.
   */
  send(obj: unknown): Promise<void> {
    this.#checkWritable();
    return this.#sendAsync(dumps(obj));
  }

  /** Like {@linkcode SocketConnection.send}, blocking the calling thread. */
  sendSync(obj: unknown): void {
    this.#checkWritable();
    this.#sendSync(dumps(obj));
  }

  /**
   * Sends bytes as one message (Python's `send_bytes`).
   * @param buf A typed array (its bytes are sent).
   * @param offset Where to start, in bytes.
   * @param size How many bytes (to the end by default).
   * @throws {ValueError} If offset or size fall outside `buf`.
   * @throws {BrokenPipeError} If the peer has closed.
   */
  sendBytes(buf: ArrayBufferView, offset = 0, size?: number): Promise<void> {
    this.#checkWritable();
    return this.#sendAsync(sendSlice(buf, offset, size));
  }

  /** Like {@linkcode SocketConnection.sendBytes}, blocking the calling thread. */
  sendBytesSync(buf: ArrayBufferView, offset = 0, size?: number): void {
    this.#checkWritable();
    this.#sendSync(sendSlice(buf, offset, size));
  }

  // ---- receiving ----

  /** One `recv` into `into`: bytes read (0 at end-of-file), or -1 to wait. */
  #recvSome(into: Uint8Array, flags: number): number {
    for (;;) {
      const n = Number(
        libc().recv(this.#sock.check(), into, BigInt(into.length), flags),
      );
      if (n >= 0) return n;
      const code = errno();
      if (code === E.EAGAIN) return -1;
      if (code !== E.EINTR) throw new OSError(code);
    }
  }

  /** Makes at least `n` bytes (≤ RBUF) buffered. */
  *#fill(n: number, atStart: boolean, flags: number): IO<void> {
    while (this.#r1 - this.#r0 < n) {
      if (this.#r0 > 0 && RBUF - this.#r0 < n) {
        this.#rbuf.copyWithin(0, this.#r0, this.#r1);
        this.#r1 -= this.#r0;
        this.#r0 = 0;
      }
      const got = this.#recvSome(this.#rbuf.subarray(this.#r1), flags);
      if (got > 0) {
        this.#r1 += got;
      } else if (got === 0) {
        if (atStart && this.#r1 === this.#r0) throw new EOFError();
        throw new OSError("got end of file during message");
      } else {
        yield this.#replyWait();
      }
    }
  }

  /** A wait for incoming bytes. */
  #replyWait(): PollWait {
    return this.#sock.wait(POLLIN, Infinity);
  }

  /**
   * Reads one message. With `target`, a message that fits is read into it
   * (its length returned); one that does not throws BufferTooShort with
   * the whole message.
   */
  *#reading(
    flags: number,
    limit: number,
    target?: Uint8Array,
  ): IO<Uint8Array | number> {
    yield* this.#fill(4, true, flags);
    let size: number = this.#rview.getInt32(this.#r0);
    this.#r0 += 4;
    if (size === -1) {
      yield* this.#fill(8, false, flags);
      const big = this.#rview.getBigUint64(this.#r0);
      this.#r0 += 8;
      size = big > BigInt(Number.MAX_SAFE_INTEGER) ? Infinity : Number(big);
    }
    if (size < 0 || size > limit || size === Infinity) {
      // Python: the rest of the stream cannot be trusted any more.
      if (this.#writable) this.#readable = false;
      else this.close();
      throw badLength();
    }
    const fits = target !== undefined && size <= target.length;
    const have = this.#r1 - this.#r0;
    if (size <= have || (size <= RBUF && !fits)) {
      if (size > have) yield* this.#fill(size, false, flags);
      const body = this.#rbuf.subarray(this.#r0, this.#r0 + size);
      this.#r0 += size;
      if (this.#r0 === this.#r1) this.#r0 = this.#r1 = 0;
      if (fits) {
        target.set(body);
        return size;
      }
      if (target !== undefined) throw new BufferTooShort(body.slice());
      return body.slice();
    }
    // Larger than what is buffered: straight into the message's memory.
    let out: Uint8Array = fits
      ? target.subarray(0, size)
      : allocate(Math.min(size, Math.max(FIRST_CHUNK, have)));
    out.set(this.#rbuf.subarray(this.#r0, this.#r1));
    let pos = have;
    this.#r0 = this.#r1 = 0;
    while (pos < size) {
      if (pos === out.length) {
        const bigger = allocate(Math.min(size, out.length * 2));
        bigger.set(out);
        out = bigger;
      }
      const got = this.#recvSome(out.subarray(pos), flags);
      if (got > 0) pos += got;
      else if (got === 0) throw new OSError("got end of file during message");
      else yield this.#replyWait();
    }
    if (fits) return size;
    if (target !== undefined) throw new BufferTooShort(out);
    return out;
  }

  #recvAsync<T>(make: () => IO<T>): Promise<T> {
    let p: Promise<T>;
    if (this.#receiving === 0) {
      // Nothing queued: read now; a message already there (or arriving
      // without a wait) needs no async machinery.
      const g = make();
      let r: IteratorResult<PollWait, T>;
      try {
        r = g.next();
      } catch (e) {
        return Promise.reject(e);
      }
      if (r.done) return Promise.resolve(r.value);
      p = this.#counted("recv", ioAsync(g, this.#budgetUs, r));
    } else {
      p = this.#counted(
        "recv",
        this.#recvTail.then(() => ioAsync(make(), this.#budgetUs)),
      );
    }
    this.#recvTail = p.then(noop, noop);
    return p;
  }

  #recvSync<T>(g: IO<T>): T {
    if (this.#receiving > 0) {
      throw new OSError(
        "Cannot receive: an async receive on this connection is in progress",
      );
    }
    return ioSync(g);
  }

  /**
   * Receives an object sent with `send` (a pickle of any protocol).
   * @throws {EOFError} If the peer has closed and nothing is left.
   * @throws {UnpicklingError} If the message is not a valid pickle.
   */
  recv(): Promise<unknown> {
    try {
      this.#checkReadable();
    } catch (e) {
      return Promise.reject(e);
    }
    return this.#recvAsync(() => this.#reading(MSG_DONTWAIT, Infinity)).then(
      loads as (b: unknown) => unknown,
    );
  }

  /** Like {@linkcode SocketConnection.recv}, blocking the calling thread. */
  recvSync(): unknown {
    this.#checkReadable();
    return loads(this.#recvSync(this.#reading(0, Infinity)) as Uint8Array);
  }

  /**
   * Receives one message as bytes (Python's `recv_bytes`).
   * @param maxlength The longest message accepted.
   * @throws {OSError} If the message is longer than `maxlength` (the
   *   connection is then no longer readable, as in Python).
   * @throws {EOFError} If the peer has closed and nothing is left.
   */
  recvBytes(maxlength?: number): Promise<Uint8Array> {
    this.#checkReadable();
    const limit = checkMaxlength(maxlength);
    return this.#recvAsync(() => this.#reading(MSG_DONTWAIT, limit)) as Promise<
      Uint8Array
    >;
  }

  /** Like {@linkcode SocketConnection.recvBytes}, blocking the calling thread. */
  recvBytesSync(maxlength?: number): Uint8Array {
    this.#checkReadable();
    const limit = checkMaxlength(maxlength);
    return this.#recvSync(this.#reading(0, limit)) as Uint8Array;
  }

  /**
   * Receives one message into `buf` at byte `offset` (Python's
   * `recv_bytes_into`).
   * @returns the message's length in bytes.
   * @throws {BufferTooShort} If it does not fit; the whole message is in
   *   the error's `args[0]`.
   * @throws {ValueError} If `offset` is negative or past the end.
   */
  recvBytesInto(buf: ArrayBufferView, offset = 0): Promise<number> {
    this.#checkReadable();
    const target = intoTarget(buf, offset);
    return this.#recvAsync(() =>
      this.#reading(MSG_DONTWAIT, Infinity, target)
    ) as Promise<
      number
    >;
  }

  /** Like {@linkcode SocketConnection.recvBytesInto}, blocking the calling thread. */
  recvBytesIntoSync(buf: ArrayBufferView, offset = 0): number {
    this.#checkReadable();
    const target = intoTarget(buf, offset);
    return this.#recvSync(this.#reading(0, Infinity, target)) as number;
  }

  /**
   * @internal How long (µs) an async wait of this connection may sleep on
   * the calling thread before it goes to Deno's blocking-task thread (see
   * `_internal/net/poller.ts`); a manager's server raises it.
   */
  set waitBudgetUs(us: number) {
    this.#budgetUs = us;
  }

  /** @internal Whether a message (or end-of-file) is buffered already. */
  get buffered(): boolean {
    return this.#r1 > this.#r0;
  }

  *#polling(ms: number): IO<boolean> {
    if (this.#r1 > this.#r0) return true;
    const end = deadlineOf(ms);
    for (;;) {
      const n = yield this.#sock.wait(POLLIN, left(end));
      this.#sock.check();
      if (n > 0) return true;
      if (n === 0) return false;
    }
  }

  /**
   * Whether a message can be received without waiting, waiting up to
   * `timeout` seconds (Python's `poll`; true at end-of-file too).
   * @param timeout Seconds; 0 (the default) does not wait, null waits forever.
   */
  poll(timeout: number | null = 0): Promise<boolean> {
    this.#checkReadable();
    return ioAsync(this.#polling(toMs(timeout)));
  }

  /** Like {@linkcode SocketConnection.poll}, blocking the calling thread. */
  pollSync(timeout: number | null = 0): boolean {
    this.#checkReadable();
    return ioSync(this.#polling(toMs(timeout)));
  }

  /** @internal The socket (for `wait`). */
  get sock(): Sock {
    return this.#sock;
  }

  /**
   * Closes the socket. A pending async call then fails with
   * `OSError("handle is closed")`. Closing twice is harmless.
   */
  close(): void {
    this.#sock.close();
  }

  /** Closes the connection (`using conn = …`). */
  [Symbol.dispose](): void {
    this.close();
  }

  /** Python's repr. */
  toString(): string {
    return this.closed
      ? "<SocketConnection closed>"
      : `<SocketConnection fd=${this.#sock.fd}>`;
  }

  /** @internal */
  [INSPECT](): string {
    return this.toString();
  }
}

function noop(): void {}

const DONE: Promise<void> = Promise.resolve();

function allocate(n: number): Uint8Array {
  try {
    return new Uint8Array(n);
  } catch (e) {
    throw new OSError(
      E.ENOMEM,
      `Cannot allocate ${n} bytes for a message`,
      null,
      null,
      { cause: e },
    );
  }
}

/**
 * @internal Wraps a connected socket. Its descriptor is put in blocking
 * mode: a `Sync` receive is then one blocking `recv` (as CPython's read),
 * not a `poll` and a `recv`; the async forms pass `MSG_DONTWAIT` instead.
 */
export function connectionOf(sock: Sock): SocketConnection {
  sock.setBlocking(true);
  return new SocketConnection(CREATE, sock);
}
