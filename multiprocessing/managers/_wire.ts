/**
 * The real transport of managers: `multiprocessing.connection` sockets
 * (CPython's frames, pickle protocol 4 out and any protocol in), CPython's
 * HMAC challenge on every connection.
 *
 * @module
 */

import {
  answerChallenge,
  Client,
  ClientSync,
  deliverChallenge,
  Listener,
  type SocketConnection,
} from "../connection/mod.ts";
import { adoptListener } from "../connection/listener.ts";
import type { Bound } from "../connection/_bind.ts";
import {
  type Address,
  setTransportLoader,
  type Transport,
  type WireConn,
  type WireListener,
} from "./_transport.ts";

/**
 * How long (µs) a server connection's wait for the next request may sleep
 * on the server's thread before it goes to Deno's blocking-task thread
 * (≈ 37 µs a hop; see `_internal/net/poller.ts`). One sleep watches every
 * connection of the server at once, so it delays no other client; a
 * client's next request usually comes within this while it is busy, so a
 * busy server answers without a hop; an idle one pays it once and then
 * skips the sleep (the poller's back-off), and the sleep never holds the
 * server's event loop for more than this. Measured on the shared (loaded)
 * 2-core box, best of 30 batches of `d[k] = v`, before → after the poller:
 * async client 7.5–13k → 14.4k ops/s, 16 calls in flight 15.2k →
 * 18.7–19.3k, Sync client 16.6–22.9k → 22.3–23.2k.
 */
const SERVER_BUDGET_US = 500;

class SocketListener implements WireListener {
  readonly #l: Listener;
  constructor(l: Listener) {
    this.#l = l;
  }
  get address(): Address {
    return this.#l.address;
  }
  async accept(): Promise<WireConn> {
    // No authkey here: the server runs the challenge itself, as CPython's
    // Server._handle_request does, so a failed client never fails accept.
    const c = await this.#l.accept();
    c.waitBudgetUs = SERVER_BUDGET_US;
    return c;
  }
  close(): void {
    this.#l.close();
  }
}

/** The socket transport. */
export const socketTransport: Transport = {
  listen: (address, backlog) =>
    new SocketListener(
      new Listener(address === null ? { backlog } : { address, backlog }),
    ),
  dial: (address, authkey) => Client(address, { authkey }),
  dialSync: (address, authkey) => ClientSync(address, { authkey }),
  async serverAuth(conn, authkey) {
    // CPython's Server._handle_request: deliver, then answer.
    await deliverChallenge(conn as SocketConnection, authkey);
    await answerChallenge(conn as SocketConnection, authkey);
  },
};

setTransportLoader(() => socketTransport);

/** A server's listener over a socket it bound before it loaded the wire. */
export function adoptedListener(bound: Bound): WireListener {
  return new SocketListener(adoptListener(bound));
}
