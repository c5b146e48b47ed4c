/**
 * A manager's server: CPython's `multiprocessing.managers.Server` on one
 * event loop. Objects live in a table keyed by id with reference counts;
 * each connection is authenticated, then either makes one request to the
 * server itself (`create`, `incref`, `decref`, `shutdown`, …) or, after
 * `accept_connection`, a series of method calls on objects, served in
 * order. Requests and replies are CPython's tuples:
 * `(id, methodname, args, kwds)` → `('#RETURN', value)`,
 * `('#ERROR', exception)`, `('#TRACEBACK', text)`,
 * `('#PROXY', (exposed, token))`, `('#UNSERIALIZABLE', text)`.
 *
 * @module
 */

import {
  type Address,
  addressKey,
  transport,
  type WireConn,
  type WireListener,
} from "./_transport.ts";
import type { ServerRegistry, ServerTypeEntry } from "./_registry.ts";
import {
  AttributeErrorLike,
  type BuiltinReferent,
  type CallContext,
  callUser,
  isBuiltin,
  userPublicMethods,
} from "./_referent.ts";
import { proxyFromPy, tokenFromPy, tokenToPy, tuple } from "./_token.ts";
import { mapValue } from "./_values.ts";
import { pyRepr } from "./_py.ts";
import { toPyError } from "./_py_errors.ts";
import { localHeapName, noteLocalServer } from "./_shm_client.ts";
import { ShmHub } from "./_shm_hub.ts";
import { SHM_UPGRADE } from "./_shm_layout.ts";
import { isThenable } from "../../_internal/sync/words.ts";

/** One object of the table. */
interface Entry {
  readonly obj: unknown;
  readonly exposed: ReadonlySet<string>;
  readonly exposedList: readonly string[];
  readonly methodToTypeid: Readonly<Record<string, string>> | null;
}

const PUBLIC = new Set([
  "shutdown",
  "create",
  "accept_connection",
  "get_methods",
  "debug_info",
  "number_of_objects",
  "dummy",
  "incref",
  "decref",
]);

/** Python's `format_exc()` text for an error, as `#TRACEBACK` carries. */
export function tracebackText(e: unknown): string {
  if (e instanceof Error) {
    const stack = e.stack ?? `${e.name}: ${e.message}`;
    return `Traceback (most recent call last):\n${stack}\n`;
  }
  return `Traceback (most recent call last):\n${String(e)}\n`;
}

function kwdsOf(v: unknown): Record<string, unknown> {
  if (v === null || v === undefined) return {};
  if (v instanceof Map) return Object.fromEntries(v);
  if (typeof v === "object" && !Array.isArray(v)) {
    return v as Record<string, unknown>;
  }
  throw new TypeError("kwds must be a dict");
}

function argsOf(v: unknown): readonly unknown[] {
  if (v === null || v === undefined) return [];
  if (Array.isArray(v)) return v;
  throw new TypeError("args must be a tuple");
}

/** Pending connections a server's socket queues (CPython's: 16). */
export const BACKLOG = 16;

/** The server: object table, dispatch and the accept loop. */
export class ServerCore {
  readonly registry: ServerRegistry;
  readonly authkey: Uint8Array;
  readonly #listener: WireListener;
  readonly #objs = new Map<string, Entry>();
  readonly #refs = new Map<string, number>();
  readonly #local = new Map<string, Entry>();
  readonly #idOf = new WeakMap<object, string>();
  #nextId = 1;
  #nextConn = 1;
  readonly #conns = new Set<WireConn>();
  #stopping = false;
  /** The same-host channels' doorbell (made at the first upgrade). */
  #hub: ShmHub | null = null;
  #serving: Promise<void> | null = null;
  #stop!: () => void;
  readonly #stopped = new Promise<void>((r) => this.#stop = r);

  /**
   * @param listener A listener made already (a server process binds before
   *   it loads the wire); else the transport listens on `address`.
   */
  constructor(
    registry: ServerRegistry,
    address: Address | null,
    authkey: Uint8Array,
    listener?: WireListener,
  ) {
    if (!(authkey instanceof Uint8Array)) {
      throw new TypeError("authkey must be a Uint8Array");
    }
    this.registry = registry;
    this.authkey = authkey.slice();
    this.#listener = listener ?? transport().listen(address, BACKLOG);
    noteLocalServer(1);
  }

  /** The address as bound. */
  get address(): Address {
    return this.#listener.address;
  }

  /** Whether shutdown began. */
  get stopping(): boolean {
    return this.#stopping;
  }

  /** Accepts and serves connections until shut down. */
  serveForever(): Promise<void> {
    this.#serving ??= this.#acceptLoop();
    return this.#serving;
  }

  async #acceptLoop(): Promise<void> {
    while (!this.#stopping) {
      let c: WireConn;
      try {
        c = await this.#listener.accept();
      } catch {
        if (this.#stopping) break;
        continue;
      }
      if (this.#stopping) {
        c.close();
        break;
      }
      this.#conns.add(c);
      this.#handleRequest(c).finally(() => {
        this.#conns.delete(c);
        c.close();
      });
    }
    await this.#stopped;
  }

  /** Stops serving: closes the listener, every connection, every waiter. */
  shutdown(): void {
    if (this.#stopping) return;
    this.#stopping = true;
    noteLocalServer(-1);
    // Before the sockets close: a client that sees end-of-file may free
    // its channel (_shm_layout.ts). The hub's doorbell goes back to the heap
    // once its loop has left: serving ends after that, since a server
    // process exits as soon as it does (else the block leaks).
    const hubStopped = this.#hub?.stop();
    try {
      this.#listener.close();
    } catch { /* already closed */ }
    for (const c of this.#conns) c.close();
    this.#conns.clear();
    for (const e of [...this.#objs.values(), ...this.#local.values()]) {
      closeReferent(e.obj);
    }
    this.#objs.clear();
    this.#refs.clear();
    this.#local.clear();
    if (hubStopped === undefined) this.#stop();
    else void hubStopped.finally(this.#stop);
  }

  async #handleRequest(c: WireConn): Promise<void> {
    let msg: unknown;
    let funcname: unknown = null;
    try {
      await transport().serverAuth(c, this.authkey);
      const request = await c.recv();
      if (!Array.isArray(request) || request.length !== 4) {
        throw new TypeError("request must be (id, methodname, args, kwds)");
      }
      funcname = request[1];
      if (typeof funcname !== "string" || !PUBLIC.has(funcname)) {
        throw new Error(`AssertionError: ${pyRepr(funcname)} unrecognized`);
      }
      const ctx: CallContext = { conn: this.#nextConn++ };
      const args = argsOf(request[2]);
      const kwds = kwdsOf(request[3]);
      if (funcname === "accept_connection") {
        // CPython's clients discard this value; ours compare it with their
        // heap's name to upgrade (_shm_client.ts).
        await c.send(tuple("#RETURN", localHeapName()));
        await this.#serveClient(c, ctx);
        return;
      }
      if (funcname === "shutdown") {
        try {
          await c.send(tuple("#RETURN", null));
        } finally {
          this.shutdown();
        }
        return;
      }
      if (funcname === "create") {
        await this.registry.get(`${args[0]}`)?.prepare?.(args.slice(1), kwds);
      }
      msg = tuple("#RETURN", this.#public(funcname, args, kwds));
    } catch (e) {
      if (c.closed || this.#stopping) return;
      msg = tuple("#TRACEBACK", tracebackText(e));
    }
    try {
      await c.send(msg);
    } catch (e) {
      try {
        await c.send(tuple("#TRACEBACK", tracebackText(e)));
      } catch { /* the client went away */ }
    }
  }

  #public(
    funcname: string,
    args: readonly unknown[],
    kwds: Record<string, unknown>,
  ): unknown {
    switch (funcname) {
      case "create": {
        const [typeid, ...rest] = args;
        if (typeof typeid !== "string") {
          throw new TypeError("typeid must be a str");
        }
        const [id, exposed] = this.create(typeid, rest, kwds);
        return tuple(id, tuple(...exposed));
      }
      case "incref":
        this.incref(String(args[0]));
        return null;
      case "decref":
        this.decref(String(args[0]));
        return null;
      case "get_methods":
        return tuple(...this.#entry(tokenFromPy(args[0]).id).exposedList);
      case "debug_info":
        return this.debugInfo();
      case "number_of_objects":
        return this.numberOfObjects();
      case "dummy":
        return null;
    }
    throw new Error(`${funcname} unrecognized`);
  }

  #entry(id: string): Entry {
    const e = this.#objs.get(id) ?? this.#local.get(id);
    if (e === undefined) throw new Error(`KeyError: ${pyRepr(id)}`);
    return e;
  }

  /**
   * Resolves a proxy received from a client: one of this server's objects
   * becomes that object (as CPython's server rebuilds a manager-owned
   * proxy), and is kept alive while something stores it.
   */
  #resolve = (v: unknown): unknown => {
    const rec = proxyFromPy(v);
    if (rec === null) return v;
    if (addressKey(rec.token.address) !== addressKey(this.address)) return v;
    const e = this.#objs.get(rec.token.id) ?? this.#local.get(rec.token.id);
    if (e === undefined) return v;
    return e.obj;
  };

  /** Notes the proxies to this server's objects inside a stored value. */
  #noteLocalProxies(v: unknown): void {
    mapValue(v, (node) => {
      const rec = proxyFromPy(node);
      if (rec === null) return undefined;
      if (addressKey(rec.token.address) === addressKey(this.address)) {
        const e = this.#objs.get(rec.token.id);
        if (e && !this.#local.has(rec.token.id)) {
          this.#local.set(rec.token.id, e);
        }
      }
      return node;
    });
  }

  /** CPython's `Server.create`: makes the object, refcount 1. */
  create(
    typeid: string,
    args: readonly unknown[],
    kwds: Record<string, unknown>,
  ): [string, readonly string[]] {
    const t: ServerTypeEntry | undefined = this.registry.get(typeid);
    if (t === undefined) throw new Error(`KeyError: ${pyRepr(typeid)}`);
    this.#noteLocalProxies(args);
    this.#noteLocalProxies(kwds);
    let obj: unknown;
    if (t.create === null) {
      if (Object.keys(kwds).length || args.length !== 1) {
        throw new RangeError(
          "ValueError: Without callable, must have one non-keyword argument",
        );
      }
      obj = args[0];
    } else {
      obj = t.create(args, kwds, this.#resolve);
    }
    return this.#adopt(obj, t);
  }

  #adopt(obj: unknown, t: ServerTypeEntry): [string, readonly string[]] {
    let exposed = t.exposed ??
      (isBuiltin(obj) ? obj.publicMethods() : userPublicMethods(obj));
    if (t.methodToTypeid) {
      exposed = [...exposed, ...Object.keys(t.methodToTypeid)];
    }
    let id =
      typeof obj === "object" && obj !== null || typeof obj === "function"
        ? this.#idOf.get(obj as object)
        : undefined;
    if (id === undefined) {
      id = (this.#nextId++).toString(16);
      if (
        typeof obj === "object" && obj !== null || typeof obj === "function"
      ) {
        this.#idOf.set(obj as object, id);
      }
    }
    this.#objs.set(id, {
      obj,
      exposed: new Set(exposed),
      exposedList: exposed,
      methodToTypeid: t.methodToTypeid,
    });
    if (!this.#refs.has(id)) this.#refs.set(id, 0);
    this.incref(id);
    return [id, exposed];
  }

  /** CPython's `Server.incref`. */
  incref(id: string): void {
    const n = this.#refs.get(id);
    if (n !== undefined) {
      this.#refs.set(id, n + 1);
      return;
    }
    const local = this.#local.get(id);
    if (local === undefined) throw new Error(`KeyError: ${pyRepr(id)}`);
    // No external reference left but the server still stores a proxy to
    // it: tracking resumes from that stored reference (CPython bpo-?).
    this.#refs.set(id, 1);
    this.#objs.set(id, local);
  }

  /** CPython's `Server.decref`: the object goes when its count reaches 0. */
  decref(id: string): void {
    if (!this.#refs.has(id) && this.#local.has(id)) return;
    const n = this.#refs.get(id);
    if (n === undefined || n <= 0) {
      throw new Error(
        `AssertionError: Id ${id} has refcount ${n ?? 0}, not 1+`,
      );
    }
    if (n > 1) {
      this.#refs.set(id, n - 1);
      return;
    }
    this.#refs.delete(id);
    const e = this.#objs.get(id);
    this.#objs.delete(id);
    if (e && !this.#local.has(id)) closeReferent(e.obj);
  }

  /** CPython's `number_of_objects`. */
  numberOfObjects(): number {
    return this.#refs.size;
  }

  /** CPython's `debug_info`. */
  debugInfo(): string {
    return [...this.#refs.keys()].sort().map((id) =>
      `  ${id}:       refcount=${this.#refs.get(id)}\n    ${
        reprOf(this.#objs.get(id)?.obj).slice(0, 75)
      }`
    ).join("\n");
  }

  async #serveClient(c: WireConn, ctx: CallContext): Promise<void> {
    while (!this.#stopping) {
      let request: unknown;
      try {
        request = await c.recv();
      } catch {
        return; // EOF or a broken connection ends this client only
      }
      if (Array.isArray(request) && request[1] === SHM_UPGRADE) {
        const name = localHeapName();
        if (name !== null && !this.#stopping) {
          this.#hub ??= new ShmHub(name);
          try {
            const hub = this.#hub;
            if (await hub.serve(c, request[2], (r) => this.#call(r, ctx))) {
              return;
            }
          } catch {
            return; // the client went away
          }
        } else {
          try {
            await c.send(tuple("#RETURN", null));
          } catch {
            return;
          }
        }
        continue;
      }
      const msg = await this.#call(request, ctx);
      try {
        await c.send(msg);
      } catch (e) {
        if (c.closed) return;
        try {
          await c.send(tuple("#UNSERIALIZABLE", tracebackText(e)));
        } catch {
          return;
        }
      }
    }
  }

  /**
   * Serves one method call: the reply, or a promise of it when the method
   * is asynchronous (a queue's `get`) or its result becomes a proxy. A
   * method that returns at once is answered in the same turn: the
   * shared-memory hub then writes the reply at once, where each await on
   * the way cost the round trip a turn of its loop (`_shm_hub.ts`).
   */
  #call(request: unknown, ctx: CallContext): unknown {
    let entry: Entry;
    let methodname: string;
    let args: readonly unknown[];
    let kwds: Record<string, unknown>;
    try {
      if (!Array.isArray(request) || request.length !== 4) {
        throw new TypeError("request must be (id, methodname, args, kwds)");
      }
      entry = this.#entry(String(request[0]));
      if (typeof request[1] !== "string") {
        throw new TypeError("methodname must be a str");
      }
      methodname = request[1];
      args = argsOf(request[2]);
      kwds = kwdsOf(request[3]);
    } catch (e) {
      return tuple("#TRACEBACK", tracebackText(e));
    }
    if (!entry.exposed.has(methodname)) {
      return this.#fallback(entry, methodname);
    }
    let res: unknown;
    try {
      this.#noteLocalProxies(args);
      res = invoke(entry.obj, methodname, args, kwds, ctx);
    } catch (e) {
      return this.#failed(entry, methodname, e);
    }
    if (isThenable(res)) return this.#settle(entry, methodname, res);
    return this.#result(entry, methodname, res);
  }

  async #settle(
    entry: Entry,
    methodname: string,
    pending: PromiseLike<unknown>,
  ): Promise<unknown> {
    let res: unknown;
    try {
      res = await pending;
    } catch (e) {
      return this.#failed(entry, methodname, e);
    }
    return await this.#result(entry, methodname, res);
  }

  /** The reply of a method that raised. */
  #failed(entry: Entry, methodname: string, e: unknown): unknown {
    if (e instanceof AttributeErrorLike && e.attr === methodname) {
      return this.#fallback(entry, methodname);
    }
    return tuple("#ERROR", toPyError(e));
  }

  /** The reply of a method that returned `res` (a promise for a proxy). */
  #result(entry: Entry, methodname: string, res: unknown): unknown {
    const typeid = entry.methodToTypeid?.[methodname];
    if (typeid === undefined) return tuple("#RETURN", res);
    return this.#proxyResult(typeid, res);
  }

  async #proxyResult(typeid: string, res: unknown): Promise<unknown> {
    try {
      await this.registry.get(typeid)?.prepare?.([res], {});
      const [rid, rexposed] = this.create(typeid, [res], {});
      return tuple(
        "#PROXY",
        tuple(
          tuple(...rexposed),
          tokenToPy({ typeid, address: this.address, id: rid }),
        ),
      );
    } catch (e) {
      return tuple("#TRACEBACK", tracebackText(e));
    }
  }

  #fallback(entry: Entry, methodname: string): unknown {
    switch (methodname) {
      case "__str__":
      case "__repr__":
        return tuple("#RETURN", reprOf(entry.obj));
      case "#GETVALUE":
        return tuple(
          "#RETURN",
          isBuiltin(entry.obj) ? entry.obj.getValue() : entry.obj,
        );
    }
    return tuple(
      "#TRACEBACK",
      tracebackText(
        new Error(
          `AttributeError: method ${pyRepr(methodname)} of ${
            typeName(entry.obj)
          } object is not in exposed=${pyRepr(tuple(...entry.exposedList))}`,
        ),
      ),
    );
  }
}

function typeName(obj: unknown): string {
  if (obj === null || obj === undefined) return "NoneType";
  const c = (obj as { constructor?: { name?: string } }).constructor;
  return `<class '${c?.name ?? typeof obj}'>`;
}

function reprOf(obj: unknown): string {
  if (isBuiltin(obj)) return obj.repr();
  try {
    return pyRepr(obj);
  } catch {
    return String(obj);
  }
}

function closeReferent(obj: unknown): void {
  const c = (obj as { close?: unknown } | null)?.close;
  if (isBuiltin(obj) && typeof c === "function") {
    try {
      (c as () => void).call(obj);
    } catch { /* closing is best effort */ }
  }
}

/** Calls a referent's method: its result, or a promise of it. */
function invoke(
  obj: unknown,
  name: string,
  args: readonly unknown[],
  kwds: Record<string, unknown>,
  ctx: CallContext,
): unknown {
  if (isBuiltin(obj)) {
    return (obj as BuiltinReferent).callMethod(name, args, kwds, ctx);
  }
  return callUser(obj, name, args, kwds);
}
