import { OSError } from "../../_internal/errors.ts";
import { ioAsync, ioSync } from "../../_internal/net/io.ts";
import {
  accepting,
  type Address,
  checkFamily,
  type Family,
  familyOf,
  type Sock,
  unlinkPath,
} from "../../_internal/net/socket.ts";
import { INSPECT } from "../../_internal/sync/hold.ts";
import { bindListening, type Bound, openPaths } from "./_bind.ts";
import {
  answerChallenge,
  answerChallengeSync,
  deliverChallenge,
  deliverChallengeSync,
} from "./challenge.ts";
import { connectionOf, type SocketConnection } from "./socket_connection.ts";

/** Options of {@linkcode Listener} (Python's keyword arguments). */
export interface ListenerOptions {
  /**
   * Where to listen: `["host", port]` (AF_INET; port 0 picks a free one), a
   * Unix socket path, or a Linux abstract name starting with `"\0"`.
   * @default a fresh Unix socket path in the temporary directory
   */
  address?: Address;
  /**
   * `"AF_INET"` or `"AF_UNIX"`.
   * @default the family the address implies (`"AF_UNIX"` without one)
   */
  family?: Family;
  /**
   * Pending connections the kernel queues before `accept`.
   * @default 1
   */
  backlog?: number;
  /**
   * A key each client must prove it holds (CPython's HMAC challenge runs
   * in `accept`).
   * @default no challenge
   */
  authkey?: Uint8Array;
}

/** Set while `adoptListener` constructs a Listener over a bound socket. */
let adopting: Bound | null = null;

/**
 * Python's `multiprocessing.connection.Listener`: a bound, listening
 * socket that accepts {@linkcode SocketConnection}s, wire-compatible with
 * CPython's `Client`.
 *
 * With an `authkey`, `accept()` runs CPython's challenge both ways (this
 * side delivers, then answers) before returning; a client that fails it
 * (wrong key, garbage, an oversized message) makes that `accept()` throw
 * (`AuthenticationError`, `OSError`, `EOFError`) after closing that
 * connection, and the listener stays usable: call `accept()` again. A
 * client that stays silent holds up the `accept()` call serving it (as in
 * Python); other async `accept()` calls proceed meanwhile.
 *
 * `close()` unlinks the socket file of a path it bound (not an abstract
 * name) and makes pending `accept()` calls throw `OSError`.
 *
 * @example Serving a client
 * ```ts
 * import { Client, Listener } from "@pyconc/std/multiprocessing/connection";
 * import assert from "node:assert/strict";
 *
 * const authkey = new TextEncoder().encode("secret password");
 * using listener = new Listener({ address: ["127.0.0.1", 0], authkey });
 * const [host, port] = listener.address as [string, number];
 * assert.equal(host, "127.0.0.1");
 * assert.ok(port > 0);
 * const [conn, client] = await Promise.all([
 *   listener.accept(),
 *   Client(listener.address, { authkey }),
 * ]);
 * await client.sendBytes(new Uint8Array([1, 2, 3]));
 * assert.deepEqual(await conn.recvBytes(), new Uint8Array([1, 2, 3]));
 * conn.close();
 * client.close();
 * ```
 */
export class Listener implements Disposable {
  #sock: Sock | null;
  readonly #address: Address;
  readonly #family: Family;
  readonly #authkey: Uint8Array | null;
  #unlink: string | null;
  #lastAccepted: Address | null = null;

  /**
   * Binds and listens.
   * @throws {OSError} If the address cannot be bound (e.g.
   *   `[Errno 98] Address already in use`).
   * @throws {TypeError} If `authkey` is not a Uint8Array.
   * @throws {ValueError} If `family` is unknown.
   */
  constructor(options: ListenerOptions = {}) {
    const { address, backlog = 1, authkey } = options;
    const family = checkFamily(
      options.family ?? (address !== undefined ? familyOf(address) : "AF_UNIX"),
    );
    if (authkey !== undefined && authkey !== null) {
      if (!(authkey instanceof Uint8Array)) {
        throw new TypeError("authkey should be a byte string (a Uint8Array)");
      }
    }
    const bound = adopting ?? bindListening(address, family, backlog);
    this.#sock = bound.sock;
    this.#family = bound.family;
    this.#address = bound.address;
    this.#authkey = authkey ?? null;
    this.#unlink = bound.unlink;
    this.#sock.own(this, this.#unlink ?? undefined);
  }

  /** The address as bound (for AF_INET, the real port). */
  get address(): Address {
    return this.#address;
  }

  /** The family, `"AF_INET"` or `"AF_UNIX"`. */
  get family(): Family {
    return this.#family;
  }

  /** The peer address of the last accepted connection (`null` before one). */
  get lastAccepted(): Address | null {
    return this.#lastAccepted;
  }

  /** Whether `close()` was called. */
  get closed(): boolean {
    return this.#sock === null;
  }

  #open(): Sock {
    if (this.#sock === null) throw new OSError("listener is closed");
    return this.#sock;
  }

  /**
   * Accepts a connection (and runs the challenge when there is an
   * authkey), without blocking the event loop.
   * @throws {OSError} If the listener is closed (also while waiting).
   * @throws {AuthenticationError} If the client fails the challenge.
   */
  async accept(): Promise<SocketConnection> {
    const got = await ioAsync(accepting(this.#open()));
    const [sock, peer] = got!;
    this.#lastAccepted = peer;
    const conn = connectionOf(sock);
    if (this.#authkey !== null) {
      try {
        await deliverChallenge(conn, this.#authkey);
        await answerChallenge(conn, this.#authkey);
      } catch (e) {
        conn.close();
        throw e;
      }
    }
    return conn;
  }

  /** Like {@linkcode Listener.accept}, blocking the calling thread. */
  acceptSync(): SocketConnection {
    const [sock, peer] = ioSync(accepting(this.#open()))!;
    this.#lastAccepted = peer;
    const conn = connectionOf(sock);
    if (this.#authkey !== null) {
      try {
        deliverChallengeSync(conn, this.#authkey);
        answerChallengeSync(conn, this.#authkey);
      } catch (e) {
        conn.close();
        throw e;
      }
    }
    return conn;
  }

  /** @internal The socket (for `wait`). */
  get sock(): Sock {
    return this.#open();
  }

  /**
   * Closes the socket and unlinks its file. Closing twice is harmless.
   */
  close(): void {
    const sock = this.#sock;
    if (sock === null) return;
    this.#sock = null;
    try {
      sock.close();
    } finally {
      if (this.#unlink !== null) {
        openPaths.delete(this.#unlink);
        unlinkPath(this.#unlink);
        this.#unlink = null;
      }
    }
  }

  /** Closes the listener (`using listener = …`). */
  [Symbol.dispose](): void {
    this.close();
  }

  /** Python's repr. */
  toString(): string {
    return `<Listener ${this.#family} ${JSON.stringify(this.#address)}${
      this.closed ? " closed" : ""
    }>`;
  }

  /** @internal */
  [INSPECT](): string {
    return this.toString();
  }
}

/**
 * @internal A Listener over a socket `bindListening` bound (a manager's
 * server binds and reports its address before it loads this module); it
 * takes the socket and its file over.
 */
export function adoptListener(bound: Bound): Listener {
  adopting = bound;
  try {
    return new Listener({ address: bound.address, family: bound.family });
  } finally {
    adopting = null;
  }
}
