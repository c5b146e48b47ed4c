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
import {
  type Address,
  setTransportLoader,
  type Transport,
  type WireConn,
  type WireListener,
} from "./_transport.ts";

class SocketListener implements WireListener {
  readonly #l: Listener;
  constructor(address: Address | null, backlog: number) {
    this.#l = new Listener(
      address === null ? { backlog } : { address, backlog },
    );
  }
  get address(): Address {
    return this.#l.address;
  }
  accept(): Promise<WireConn> {
    // No authkey here: the server runs the challenge itself, as CPython's
    // Server._handle_request does, so a failed client never fails accept.
    return this.#l.accept();
  }
  close(): void {
    this.#l.close();
  }
}

/** The socket transport. */
export const socketTransport: Transport = {
  listen: (address, backlog) => new SocketListener(address, backlog),
  dial: (address, authkey) => Client(address, { authkey }),
  dialSync: (address, authkey) => ClientSync(address, { authkey }),
  async serverAuth(conn, authkey) {
    // CPython's Server._handle_request: deliver, then answer.
    await deliverChallenge(conn as SocketConnection, authkey);
    await answerChallenge(conn as SocketConnection, authkey);
  },
};

setTransportLoader(() => socketTransport);
