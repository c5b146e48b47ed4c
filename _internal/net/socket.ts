/**
 * libc sockets for `multiprocessing.connection`: descriptors, addresses,
 * and the system calls, with Python's errors. Every descriptor is made
 * `SOCK_CLOEXEC` (a spawned child never inherits it) and `SOCK_NONBLOCK`
 * (see `io.ts` for why).
 *
 * @module
 */

import { cstr, errno, libc } from "../ffi/libc.ts";
import { errno as E, OSError, OverflowError, ValueError } from "../errors.ts";
import { type Holder, type IO, POLLIN, pollOne, POLLOUT } from "./io.ts";

export const AF_UNIX = 1;
export const AF_INET = 2;
const SOCK_STREAM = 1;
const SOCK_NONBLOCK = 0o4000;
const SOCK_CLOEXEC = 0o2000000;
const SOL_SOCKET = 1;
const SO_REUSEADDR = 2;
const SO_ERROR = 4;
const SHUT_RDWR = 2;
const F_GETFL = 3;
const F_SETFL = 4;
const O_NONBLOCK = 0o4000;
const EISCONN = 106;
/** `send` flag: a closed peer gives EPIPE, never SIGPIPE. */
export const MSG_NOSIGNAL = 0x4000;

/** Python's family names. */
export type Family = "AF_INET" | "AF_UNIX";

/** A socket address: `[host, port]` (AF_INET) or a path / "\0name" (AF_UNIX). */
export type Address = string | readonly [string, number];

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Python's `address_type`: the family an address implies. */
export function familyOf(address: unknown): Family {
  if (Array.isArray(address)) return "AF_INET";
  if (typeof address === "string") return "AF_UNIX";
  throw new TypeError(
    `address type of ${JSON.stringify(address)} unrecognized`,
  );
}

/** Checks a family name as Python's `_validate_family`. */
export function checkFamily(family: unknown): Family {
  if (family === "AF_INET" || family === "AF_UNIX") return family;
  throw new ValueError(`Family ${String(family)} is not recognized.`);
}

function inetHost(host: string): Uint8Array {
  if (host === "") return new Uint8Array(4); // INADDR_ANY, as Python's ''
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (m !== null && m.slice(1).every((p) => Number(p) < 256)) {
    return new Uint8Array(m.slice(1).map(Number));
  }
  return resolve(host);
}

/** getaddrinfo(host, AF_INET, SOCK_STREAM): the first IPv4 address. */
function resolve(host: string): Uint8Array {
  const hints = new Uint8Array(48);
  const hv = new DataView(hints.buffer);
  hv.setInt32(4, AF_INET, true);
  hv.setInt32(8, SOCK_STREAM, true);
  const out = new BigUint64Array(1);
  const rc = libc().getaddrinfo(cstr(host), null, hints, out);
  if (rc !== 0 || out[0] === 0n) {
    throw new OSError(
      `Cannot resolve host ${JSON.stringify(host)} (getaddrinfo error ${rc})`,
    );
  }
  const info = Deno.UnsafePointer.create(out[0]!)!;
  try {
    const view = new Deno.UnsafePointerView(info);
    const sa = view.getPointer(24)!;
    return new Uint8Array(
      Deno.UnsafePointerView.getArrayBuffer(sa, 4, 4).slice(0),
    );
  } finally {
    libc().freeaddrinfo(info);
  }
}

/** The `sockaddr` bytes of an address. */
export function sockaddr(
  family: Family,
  address: Address,
): Uint8Array<ArrayBuffer> {
  if (family === "AF_INET") {
    if (
      !Array.isArray(address) || address.length !== 2 ||
      typeof address[0] !== "string" || typeof address[1] !== "number"
    ) {
      throw new TypeError(
        'AF_INET address must be a tuple ["host", port]',
      );
    }
    const [host, port] = address as readonly [string, number];
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new OverflowError("getsockaddrarg: port must be 0-65535.");
    }
    const sa = new Uint8Array(16);
    const v = new DataView(sa.buffer);
    v.setUint16(0, AF_INET, true);
    v.setUint16(2, port, false);
    sa.set(inetHost(host), 4);
    return sa;
  }
  if (typeof address !== "string") {
    throw new TypeError("AF_UNIX address must be a string path");
  }
  const path = encoder.encode(address);
  const abstract = path[0] === 0;
  if (path.length + (abstract ? 0 : 1) > 108) {
    throw new OSError("AF_UNIX path too long");
  }
  const sa = new Uint8Array(2 + path.length + (abstract ? 0 : 1));
  new DataView(sa.buffer).setUint16(0, AF_UNIX, true);
  sa.set(path, 2);
  return sa;
}

/** Reads a `sockaddr` back into an address (as Python's getsockname). */
export function parseSockaddr(sa: Uint8Array, len: number): Address {
  const v = new DataView(sa.buffer, sa.byteOffset, sa.byteLength);
  const fam = v.getUint16(0, true);
  if (fam === AF_INET) {
    return [`${sa[4]}.${sa[5]}.${sa[6]}.${sa[7]}`, v.getUint16(2, false)];
  }
  if (len <= 2) return ""; // an unnamed Unix socket, as Python's ''
  let path = sa.subarray(2, len);
  if (path[0] !== 0) {
    const nul = path.indexOf(0);
    if (nul >= 0) path = path.subarray(0, nul);
  }
  return decoder.decode(path);
}

/** The Python-style OSError for the current errno. */
function fail(filename?: string): never {
  throw new OSError(errno(), undefined, filename ?? null);
}

/**
 * A socket descriptor owned by one object. `close()` while an async poll
 * waits on it shuts the socket down (waking the poll) and closes the
 * descriptor when the last waiter leaves.
 */
export class Sock implements Holder {
  #fd: number;
  #holds = 0;
  #closing = false;

  constructor(fd: number) {
    this.#fd = fd;
  }

  /** The descriptor (-1 once closed). */
  get fd(): number {
    return this.#closing ? -1 : this.#fd;
  }

  get closed(): boolean {
    return this.#closing;
  }

  hold(): void {
    this.#holds++;
  }

  unhold(): void {
    if (--this.#holds === 0 && this.#closing && this.#fd >= 0) {
      libc().close(this.#fd);
      this.#fd = -1;
    }
  }

  /** Closes (now, or once the async waits on it have returned). */
  close(): void {
    if (this.#closing) return;
    this.#closing = true;
    if (this.#holds > 0) {
      libc().shutdown(this.#fd, SHUT_RDWR);
    } else {
      libc().close(this.#fd);
      this.#fd = -1;
    }
  }

  /** Throws OSError("handle is closed") once closed. */
  check(): number {
    if (this.#closing) throw new OSError("handle is closed");
    return this.#fd;
  }

  /** A wait for `events` on this socket. */
  wait(events: number, timeoutMs: number): ReturnType<typeof pollOne> {
    return pollOne(this.check(), events, timeoutMs, this);
  }

  /** The bound address. */
  localAddress(): Address {
    const sa = new Uint8Array(112);
    const len = new Uint32Array([112]);
    if (libc().getsockname(this.check(), sa, len) !== 0) fail();
    return parseSockaddr(sa, len[0]!);
  }
}

/** A new socket (close-on-exec, non-blocking). */
export function newSocket(family: Family): Sock {
  const fd = libc().socket(
    family === "AF_INET" ? AF_INET : AF_UNIX,
    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
    0,
  );
  if (fd < 0) fail();
  return new Sock(fd);
}

/** A connected pair of Unix sockets (for tests and in-process use). */
export function socketPair(): [Sock, Sock] {
  const sv = new Int32Array(2);
  if (
    libc().socketpair(
      AF_UNIX,
      SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
      0,
      new Uint8Array(sv.buffer),
    ) !== 0
  ) fail();
  return [new Sock(sv[0]!), new Sock(sv[1]!)];
}

/** socket + SO_REUSEADDR + bind + listen, as Python's SocketListener. */
export function listenOn(
  family: Family,
  address: Address,
  backlog: number,
): Sock {
  const sa = sockaddr(family, address);
  const s = newSocket(family);
  try {
    if (family === "AF_INET") {
      const one = new Int32Array([1]);
      libc().setsockopt(
        s.fd,
        SOL_SOCKET,
        SO_REUSEADDR,
        new Uint8Array(one.buffer),
        4,
      );
    }
    if (libc().bind(s.fd, sa, sa.length) !== 0) {
      fail(typeof address === "string" ? address : undefined);
    }
    if (libc().listen(s.fd, backlog) !== 0) fail();
  } catch (e) {
    s.close();
    throw e;
  }
  return s;
}

/** Accepts one connection: the new socket and the peer's address. */
export function* accepting(
  s: Sock,
  timeoutMs = Infinity,
): IO<[Sock, Address] | null> {
  const sa = new Uint8Array(112);
  const len = new Uint32Array(1);
  for (;;) {
    len[0] = 112;
    const fd = libc().accept4(
      s.check(),
      sa,
      new Uint8Array(len.buffer),
      SOCK_NONBLOCK | SOCK_CLOEXEC,
    );
    if (fd >= 0) return [new Sock(fd), parseSockaddr(sa, len[0]!)];
    const code = errno();
    if (code === E.EAGAIN) {
      const w = s.wait(POLLIN, timeoutMs);
      const n = yield w;
      if (s.closed) throw new OSError("listener is closed");
      if (n === 0) return null;
      continue;
    }
    // A connection the peer dropped before it was accepted: try the next.
    if (code === E.EINTR || code === E.ECONNABORTED) continue;
    throw new OSError(code);
  }
}

function setBlocking(fd: number, blocking: boolean): void {
  const flags = libc().fcntl(fd, F_GETFL, 0n);
  libc().fcntl(
    fd,
    F_SETFL,
    BigInt(blocking ? flags & ~O_NONBLOCK : flags | O_NONBLOCK),
  );
}

function connectError(s: Sock, address: Address, code: number): never {
  s.close();
  throw new OSError(
    code,
    undefined,
    typeof address === "string" ? address : null,
  );
}

/** Connects, blocking the calling thread (as Python's blocking connect). */
export function connectSync(family: Family, address: Address): Sock {
  const sa = sockaddr(family, address);
  const s = newSocket(family);
  setBlocking(s.fd, true);
  for (;;) {
    if (libc().connect(s.fd, sa, sa.length) === 0) break;
    const code = errno();
    if (code !== E.EINTR) connectError(s, address, code);
  }
  setBlocking(s.fd, false);
  return s;
}

/**
 * Connects without blocking the event loop. TCP: a non-blocking connect,
 * then a wait for writability and SO_ERROR. Unix sockets connect at once
 * unless the listener's backlog is full (EAGAIN): then a blocking connect
 * runs as a nonblocking FFI call, which waits as Python's client does.
 */
export async function connectAsync(
  family: Family,
  address: Address,
): Promise<Sock> {
  const sa = sockaddr(family, address);
  const s = newSocket(family);
  if (libc().connect(s.fd, sa, sa.length) === 0) return s;
  let code = errno();
  if (code === E.EINPROGRESS) {
    const w = s.wait(POLLOUT, Infinity);
    s.hold();
    try {
      await libc().poll_async(w.pollfds, 1n, -1);
    } finally {
      s.unhold();
    }
    const err = new Int32Array(1);
    const len = new Uint32Array([4]);
    libc().getsockopt(
      s.fd,
      SOL_SOCKET,
      SO_ERROR,
      new Uint8Array(err.buffer),
      new Uint8Array(len.buffer),
    );
    if (err[0] === 0) return s;
    connectError(s, address, err[0]!);
  }
  if (code === E.EAGAIN) {
    setBlocking(s.fd, true);
    s.hold();
    let rc: number;
    try {
      rc = await libc().connect_async(s.fd, sa, sa.length);
    } finally {
      s.unhold();
    }
    setBlocking(s.fd, false);
    if (rc === 0) return s;
    // errno is lost after a nonblocking call: ask again, without waiting.
    code = libc().connect(s.fd, sa, sa.length) === 0 ? 0 : errno();
    if (code === 0 || code === EISCONN) return s;
  }
  connectError(s, address, code);
}

/** Removes a socket file (ignoring one that is already gone). */
export function unlinkPath(path: string): void {
  libc().unlink(cstr(path));
}
