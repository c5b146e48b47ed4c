/**
 * The real transport of managers: `multiprocessing.connection` sockets
 * (CPython's frames and pickle), CPython's HMAC challenge on every
 * connection.
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
import { dumps, loads } from "../../pickle/mod.ts";
import {
  type Address,
  setTransportLoader,
  type Transport,
  type WireConn,
  type WireListener,
} from "./_transport.ts";

/**
 * A socket connection carrying pickles: `pickle.dumps(obj)` (protocol 4,
 * as CPython's `ForkingPickler`) in one frame, any protocol on receipt.
 */
class PickleConn implements WireConn {
  readonly #c: SocketConnection;
  constructor(c: SocketConnection) {
    this.#c = c;
  }
  get socket(): SocketConnection {
    return this.#c;
  }
  get closed(): boolean {
    return this.#c.closed;
  }
  send(obj: unknown): Promise<void> {
    // Pickled before anything is written: a value that cannot be pickled
    // throws here and the connection stays usable.
    return this.#c.sendBytes(dumps(obj));
  }
  sendSync(obj: unknown): void {
    this.#c.sendBytesSync(dumps(obj));
  }
  async recv(): Promise<unknown> {
    return loads(await this.#c.recvBytes());
  }
  recvSync(): unknown {
    return loads(this.#c.recvBytesSync());
  }
  close(): void {
    this.#c.close();
  }
}

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
  async accept(): Promise<WireConn> {
    return new PickleConn(await this.#l.accept());
  }
  close(): void {
    this.#l.close();
  }
}

/** The socket transport. */
export const socketTransport: Transport = {
  listen: (address, backlog) => new SocketListener(address, backlog),
  dial: async (address, authkey) =>
    new PickleConn(await Client(address, { authkey })),
  dialSync: (address, authkey) =>
    new PickleConn(ClientSync(address, { authkey })),
  async serverAuth(conn, authkey) {
    // CPython's Server._handle_request: deliver, then answer.
    const sock = (conn as PickleConn).socket;
    await deliverChallenge(sock, authkey);
    await answerChallenge(sock, authkey);
  },
};

setTransportLoader(() => socketTransport);
