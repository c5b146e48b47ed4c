/**
 * What managers need from the wire: connections that send and receive
 * pickled values (`multiprocessing.connection` frames), a listener, a
 * client that dials and authenticates, and the server side of CPython's
 * HMAC challenge. The real implementation is `_wire.ts`; tests of the
 * server and proxies may install an in-memory one.
 *
 * @module
 */

/** A manager address: `[host, port]` (TCP) or a Unix socket path. */
export type Address = string | readonly [string, number];

/** One connection carrying pickled values. */
export interface WireConn {
  send(obj: unknown): Promise<void>;
  sendSync(obj: unknown): void;
  recv(): Promise<unknown>;
  recvSync(): unknown;
  close(): void;
  readonly closed: boolean;
}

/** A listening socket. */
export interface WireListener {
  /** The address as bound (the real port for port 0). */
  readonly address: Address;
  accept(): Promise<WireConn>;
  close(): void;
}

/** The transport managers run on. */
export interface Transport {
  /** Listens on `address` (null: a fresh Unix socket path), no auth. */
  listen(address: Address | null, backlog: number): WireListener;
  /** Connects and runs the client side of the challenge. */
  dial(address: Address, authkey: Uint8Array): Promise<WireConn>;
  /** Blocking {@linkcode dial}. */
  dialSync(address: Address, authkey: Uint8Array): WireConn;
  /** Runs the server side of the challenge (deliver, then answer). */
  serverAuth(conn: WireConn, authkey: Uint8Array): Promise<void>;
}

let current: Transport | null = null;
let loader: (() => Transport) | null = null;

/** Installs the transport (the wire module does; tests may). */
export function setTransport(t: Transport | null): void {
  current = t;
}

/** Registers how to load the default transport on first use. */
export function setTransportLoader(load: () => Transport): void {
  loader = load;
}

/** The transport in force. */
export function transport(): Transport {
  if (current === null && loader !== null) current = loader();
  if (current === null) {
    throw new Error(
      "No transport for managers: multiprocessing.connection is not loaded",
    );
  }
  return current;
}

/** A stable string for an address (map keys). */
export function addressKey(address: Address): string {
  return typeof address === "string" ? address : `${address[0]}:${address[1]}`;
}

/** Whether a received value is an address. */
export function asAddress(v: unknown): Address {
  if (typeof v === "string") return v;
  if (
    Array.isArray(v) && v.length === 2 && typeof v[0] === "string" &&
    typeof v[1] === "number"
  ) {
    return Object.freeze([v[0], v[1]]) as readonly [string, number];
  }
  throw new TypeError(`Not a manager address: ${String(v)}`);
}
