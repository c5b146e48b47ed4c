/**
 * The client side of a manager's wire, per server address (and key): a
 * pool of `accept_connection`ed connections for method calls, and one-shot
 * connections for the server's own requests (`create`, `incref`,
 * `decref`, `shutdown`…), exactly as CPython's proxies make them.
 *
 * CPython gives each thread one connection per server, so a thread's calls
 * are served in order and a blocking call holds up only its thread. Here a
 * call takes an idle connection (the most recently used one, so a
 * sequence of calls reuses one connection) or opens another: calls in
 * flight at once never wait for each other.
 *
 * @module
 */

import { EOFError, RuntimeError } from "../../_internal/errors.ts";
import { currentProcess } from "../process.ts";
import { RemoteError } from "./_errors.ts";
import { tuple } from "./_token.ts";
import { fromPyError } from "./_py_errors.ts";
import { upgrade, upgradeSync } from "./_shm_client.ts";
import {
  type Address,
  addressKey,
  transport,
  type WireConn,
} from "./_transport.ts";

/** CPython's `convert_to_error(kind, result)`. */
export function convertToError(kind: unknown, result: unknown): Error {
  if (kind === "#ERROR") return fromPyError(result);
  if (kind === "#TRACEBACK" || kind === "#UNSERIALIZABLE") {
    if (typeof result !== "string") {
      return new TypeError(
        `Result ${
          String(result)
        } (kind '${kind}') type is ${typeof result}, not str`,
      );
    }
    return new RemoteError(
      kind === "#UNSERIALIZABLE"
        ? `Unserializable message: ${result}\n`
        : result,
    );
  }
  return new RangeError(`Unrecognized message type ${String(kind)}`);
}

function replyOf(reply: unknown): [unknown, unknown] {
  if (!Array.isArray(reply) || reply.length !== 2) {
    throw new RemoteError(`Malformed reply from the manager: ${String(reply)}`);
  }
  return [reply[0], reply[1]];
}

/** CPython's `dispatch(c, id, methodname, args, kwds)` on a connection. */
export async function dispatch(
  c: WireConn,
  id: string | null,
  methodname: string,
  args: readonly unknown[] = [],
  kwds: Record<string, unknown> = {},
): Promise<unknown> {
  await c.send(tuple(id, methodname, tuple(...args), kwds));
  const [kind, result] = replyOf(await c.recv());
  if (kind === "#RETURN") return result;
  throw convertToError(kind, result);
}

/** Blocking {@linkcode dispatch}. */
export function dispatchSync(
  c: WireConn,
  id: string | null,
  methodname: string,
  args: readonly unknown[] = [],
  kwds: Record<string, unknown> = {},
): unknown {
  c.sendSync(tuple(id, methodname, tuple(...args), kwds));
  const [kind, result] = replyOf(c.recvSync());
  if (kind === "#RETURN") return result;
  throw convertToError(kind, result);
}

function connectionName(): string {
  try {
    return currentProcess().name;
  } catch {
    return "MainProcess";
  }
}

/** A pooled connection's failure: the server went away mid-call. */
function lost(e: unknown): Error {
  if (e instanceof EOFError) {
    return new EOFError(
      `Lost the connection to the manager's server (${e.message})`,
    );
  }
  return e instanceof Error ? e : new Error(String(e));
}

/** The wire to one server, for one authkey, in this thread. */
export class Link {
  readonly address: Address;
  readonly authkey: Uint8Array;
  readonly #idle: WireConn[] = [];
  readonly #busy = new Set<WireConn>();
  #decrefs: string[] = [];
  /** The connections of proxies that have their own. */
  readonly pinned: Set<{ close(): void }> = new Set();

  constructor(address: Address, authkey: Uint8Array) {
    this.address = address;
    this.authkey = authkey.slice();
  }

  /** Opens a connection for method calls (`accept_connection`). */
  async open(): Promise<WireConn> {
    const c = await transport().dial(this.address, this.authkey);
    try {
      // Our server answers with its heap's name: the same as ours, the
      // connection moves to shared memory (_shm_client.ts).
      const heap = await dispatch(c, null, "accept_connection", [
        connectionName(),
      ]);
      return await upgrade(c, heap);
    } catch (e) {
      c.close();
      throw e;
    }
  }

  /** Blocking {@linkcode open}. */
  openSync(): WireConn {
    const c = transport().dialSync(this.address, this.authkey);
    try {
      const heap = dispatchSync(c, null, "accept_connection", [
        connectionName(),
      ]);
      return upgradeSync(c, heap);
    } catch (e) {
      c.close();
      throw e;
    }
  }

  /** Sends one method call and returns the raw `(kind, result)` reply. */
  async call(request: unknown): Promise<[unknown, unknown]> {
    if (this.#decrefs.length) await this.flushDecrefs();
    const c = this.#idle.pop() ?? await this.open();
    this.#busy.add(c);
    try {
      await c.send(request);
      const reply = replyOf(await c.recv());
      this.#busy.delete(c);
      this.#idle.push(c);
      return reply;
    } catch (e) {
      this.#busy.delete(c);
      c.close();
      throw lost(e);
    }
  }

  /** Blocking {@linkcode call}. */
  callSync(request: unknown): [unknown, unknown] {
    if (this.#decrefs.length) this.flushDecrefsSync();
    const c = this.#idle.pop() ?? this.openSync();
    this.#busy.add(c);
    try {
      c.sendSync(request);
      const reply = replyOf(c.recvSync());
      this.#busy.delete(c);
      this.#idle.push(c);
      return reply;
    } catch (e) {
      this.#busy.delete(c);
      c.close();
      throw lost(e);
    }
  }

  /** One request to the server itself, on a connection of its own. */
  async request(
    methodname: string,
    args: readonly unknown[] = [],
    kwds: Record<string, unknown> = {},
  ): Promise<unknown> {
    const c = await transport().dial(this.address, this.authkey);
    try {
      return await dispatch(c, null, methodname, args, kwds);
    } finally {
      c.close();
    }
  }

  /** Blocking {@linkcode request}. */
  requestSync(
    methodname: string,
    args: readonly unknown[] = [],
    kwds: Record<string, unknown> = {},
  ): unknown {
    const c = transport().dialSync(this.address, this.authkey);
    try {
      return dispatchSync(c, null, methodname, args, kwds);
    } finally {
      c.close();
    }
  }

  /** Queues a decref (from a finalizer, where no I/O may start). */
  queueDecref(id: string): void {
    this.#decrefs.push(id);
  }

  /** Sends the queued decrefs (failures ignored, as CPython's `_decref`). */
  async flushDecrefs(): Promise<void> {
    const ids = this.#decrefs;
    this.#decrefs = [];
    for (const id of ids) {
      try {
        await this.request("decref", [id]);
      } catch { /* the server may be gone */ }
    }
  }

  /** Blocking {@linkcode flushDecrefs}. */
  flushDecrefsSync(): void {
    const ids = this.#decrefs;
    this.#decrefs = [];
    for (const id of ids) {
      try {
        this.requestSync("decref", [id]);
      } catch { /* the server may be gone */ }
    }
  }

  /** Closes the idle connections (a busy one closes when its call ends). */
  close(): void {
    for (const c of this.#idle.splice(0)) c.close();
    for (const p of [...this.pinned]) p.close();
  }

  /** Closes every connection, failing the calls in flight. */
  abort(): void {
    this.close();
    for (const c of this.#busy) c.close();
    this.#busy.clear();
    this.#decrefs = [];
  }
}

/**
 * One connection of its own, for a proxy whose referent tracks owners (an
 * RLock, a Condition): as a CPython thread's calls go over that thread's
 * connection, this proxy's calls go over this one, one at a time, so the
 * server sees one owner. Calls made while one is in flight wait for it.
 */
export class Pinned {
  readonly #link: Link;
  #conn: WireConn | null = null;
  #tail: Promise<unknown> = Promise.resolve();
  #busy = false;

  constructor(link: Link) {
    this.#link = link;
    link.pinned.add(this);
  }

  /** Sends one method call on this proxy's connection. */
  call(request: unknown): Promise<[unknown, unknown]> {
    const run = async (): Promise<[unknown, unknown]> => {
      this.#busy = true;
      try {
        this.#conn ??= await this.#link.open();
        await this.#conn.send(request);
        return replyOf(await this.#conn.recv());
      } catch (e) {
        this.#drop();
        throw lost(e);
      } finally {
        this.#busy = false;
      }
    };
    const result = this.#tail.then(run, run);
    this.#tail = result.catch(() => {});
    return result;
  }

  /**
   * Blocking {@linkcode call}.
   * @throws {RuntimeError} If an async call of this proxy is in flight.
   */
  callSync(request: unknown): [unknown, unknown] {
    if (this.#busy) {
      throw new RuntimeError(
        "Cannot make a Sync call on this proxy while an async call of it is in flight (its calls share one connection, as a thread's)",
      );
    }
    try {
      this.#conn ??= this.#link.openSync();
      this.#conn.sendSync(request);
      return replyOf(this.#conn.recvSync());
    } catch (e) {
      this.#drop();
      throw lost(e);
    }
  }

  #drop(): void {
    this.#conn?.close();
    this.#conn = null;
  }

  /** Closes the connection. */
  close(): void {
    this.#drop();
    this.#link.pinned.delete(this);
  }
}

const links = new Map<string, Link>();

function keyOf(address: Address, authkey: Uint8Array): string {
  return addressKey(address) + "#" + Array.from(authkey).join(",");
}

/** The link to `address` with `authkey` in this thread. */
export function linkTo(address: Address, authkey: Uint8Array): Link {
  const k = keyOf(address, authkey);
  let l = links.get(k);
  if (l === undefined) {
    l = new Link(address, authkey);
    links.set(k, l);
  }
  return l;
}

/** Forgets and closes the links to `address` (its manager shut down). */
export function dropLinks(address: Address, abort = false): void {
  const prefix = addressKey(address) + "#";
  for (const [k, l] of links) {
    if (k.startsWith(prefix)) {
      if (abort) l.abort();
      else l.close();
      links.delete(k);
    }
  }
}
