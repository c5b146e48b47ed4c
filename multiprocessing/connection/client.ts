import {
  type Address,
  checkFamily,
  connectAsync,
  connectSync,
  type Family,
  familyOf,
} from "../../_internal/net/socket.ts";
import {
  answerChallenge,
  answerChallengeSync,
  deliverChallenge,
  deliverChallengeSync,
} from "./challenge.ts";
import { connectionOf, type SocketConnection } from "./socket_connection.ts";

/** Options of {@linkcode Client} (Python's keyword arguments). */
export interface ClientOptions {
  /**
   * `"AF_INET"` or `"AF_UNIX"`.
   * @default the family the address implies
   */
  family?: Family;
  /**
   * The listener's key: the client answers its challenge, then challenges
   * it back.
   * @default no challenge
   */
  authkey?: Uint8Array;
}

function options(address: Address, opts: ClientOptions) {
  const family = checkFamily(opts.family ?? familyOf(address));
  const { authkey } = opts;
  if (authkey !== undefined && authkey !== null) {
    if (!(authkey instanceof Uint8Array)) {
      throw new TypeError("authkey should be a byte string (a Uint8Array)");
    }
  }
  return { family, authkey: authkey ?? null };
}

/**
 * Python's `multiprocessing.connection.Client(address, family, authkey)`:
 * connects to a {@linkcode Listener} (ours or CPython's) without blocking
 * the event loop.
 *
 * @param address `["host", port]` or a Unix socket path / abstract name.
 * @param opts The family and authkey.
 * @returns the connection.
 * @throws {FileNotFoundError} If no socket is at the path.
 * @throws {ConnectionRefusedError} If nothing listens there.
 * @throws {AuthenticationError} If the keys differ.
 *
 * @example Talking to a listener
 * ```ts
 * import { Client, Listener } from "@pyconc/std/multiprocessing/connection";
 * import assert from "node:assert/strict";
 *
 * using listener = new Listener({ address: ["127.0.0.1", 0] });
 * const pending = listener.accept();
 * using conn = await Client(listener.address);
 * using server = await pending;
 * await conn.send({ hello: "world" });
 * assert.deepEqual(await server.recv(), { hello: "world" });
 * ```
 */
export async function Client(
  address: Address,
  opts: ClientOptions = {},
): Promise<SocketConnection> {
  const { family, authkey } = options(address, opts);
  const conn = connectionOf(await connectAsync(family, address));
  if (authkey !== null) {
    try {
      await answerChallenge(conn, authkey);
      await deliverChallenge(conn, authkey);
    } catch (e) {
      conn.close();
      throw e;
    }
  }
  return conn;
}

/**
 * Like {@linkcode Client}, blocking the calling thread.
 *
 * @example From a listener's thread of view
 * ```ts
 * import { ClientSync, Listener } from "@pyconc/std/multiprocessing/connection";
 * import assert from "node:assert/strict";
 *
 * using listener = new Listener({ backlog: 4 });
 * using conn = ClientSync(listener.address); // queued by the kernel
 * using server = listener.acceptSync();
 * conn.sendBytesSync(new Uint8Array([42]));
 * assert.deepEqual(server.recvBytesSync(), new Uint8Array([42]));
 * ```
 */
export function ClientSync(
  address: Address,
  opts: ClientOptions = {},
): SocketConnection {
  const { family, authkey } = options(address, opts);
  const conn = connectionOf(connectSync(family, address));
  if (authkey !== null) {
    try {
      answerChallengeSync(conn, authkey);
      deliverChallengeSync(conn, authkey);
    } catch (e) {
      conn.close();
      throw e;
    }
  }
  return conn;
}
