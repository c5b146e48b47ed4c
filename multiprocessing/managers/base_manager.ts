/**
 * `BaseManager`: a server of shared objects (in a process it starts, in
 * this process, or one running elsewhere — CPython's included) and the
 * client that creates objects there and returns proxies.
 *
 * @module
 */

import { ProcessError } from "../errors.ts";
import { EOFError, ValueError } from "../../_internal/errors.ts";
import { currentProcess, Process } from "../process.ts";
import { type Connection, Pipe } from "../connection.ts";
import {
  describeTarget,
  type Target,
} from "../../_internal/threads/targets.ts";
import { dropLinks, linkTo } from "./_client.ts";
import { AutoProxy, type BaseProxy } from "./proxies.ts";
import type { ProxyClass, ProxyTypes } from "./_proxy.ts";
import { toWire } from "./_proxy_impl.ts";
import {
  type ClientTypeEntry,
  localServerRegistry,
  specsOf,
} from "./_registry_spec.ts";
import { ServerCore } from "./_server.ts";
import { type Address, asAddress } from "./_transport.ts";
import "./_wire.ts";

export type { Address };

/** Options of {@linkcode BaseManager} (Python's keyword arguments). */
export interface BaseManagerOptions {
  /**
   * Where the server listens (`start`, `getServer`) or is (`connect`):
   * `["host", port]` (TCP; port 0 picks a free one) or a Unix socket path.
   * @default a fresh Unix socket path
   */
  address?: Address | null;
  /**
   * The key every connection proves it holds (CPython's HMAC challenge).
   * @default the current process's `authkey`
   */
  authkey?: Uint8Array | null;
  /**
   * Only `"pickle"` (CPython's default; `xmlrpclib` is not supported).
   * @default "pickle"
   */
  serializer?: "pickle";
  /**
   * Seconds `shutdown()` waits for the server process before terminating it.
   * @default 1
   */
  shutdownTimeout?: number;
}

/** A class whose instances a manager's server holds (constructed with `new`). */
// deno-lint-ignore no-explicit-any
export type ReferentClass = new (...args: any[]) => unknown;

/** Options of {@linkcode BaseManager.register} (Python's keywords). */
export interface RegisterOptions {
  /**
   * The proxy class for this typeid.
   * @default AutoProxy (methods from the server's exposed list)
   */
  proxytype?: ProxyClass;
  /**
   * The method names proxies may call.
   * @default the proxytype's, else the object's public methods
   */
  exposed?: readonly string[] | null;
  /**
   * Methods whose result comes back as a proxy of the given typeid.
   * @default null
   */
  methodToTypeid?: Readonly<Record<string, string>> | null;
  /**
   * Whether to add a method named `typeid` to the class (Python's
   * `create_method`).
   * @default true
   */
  create?: boolean;
}

const enum State {
  INITIAL,
  STARTED,
  SHUTDOWN,
}

const registries = new WeakMap<object, Map<string, ClientTypeEntry>>();
const defaultExposed = new WeakMap<object, readonly string[]>();

/** Declares the exposed list a proxy class sends by default. */
export function setDefaultExposed(
  cls: ProxyClass,
  exposed: readonly string[],
): void {
  defaultExposed.set(cls, exposed);
}

/** Registers one of the SyncManager's typeids (served by the library). */
export function registerBuiltin(
  cls: typeof BaseManager,
  typeid: string,
  proxytype: ProxyClass,
): void {
  registryOf(cls).set(typeid, {
    callable: { builtin: typeid },
    exposed: defaultExposed.get(proxytype) ?? null,
    methodToTypeid: null,
    proxytype,
  });
}

function registryOf(cls: object): Map<string, ClientTypeEntry> {
  let r = registries.get(cls);
  if (r === undefined) {
    const parent = Object.getPrototypeOf(cls);
    r = new Map(parent && registries.has(parent) ? registryOf(parent) : []);
    registries.set(cls, r);
  }
  return r;
}

function checkState(state: State): void {
  if (state === State.STARTED) throw new ProcessError("Already started server");
  if (state === State.SHUTDOWN) throw new ProcessError("Manager has shut down");
}

/**
 * A server running in this process (`BaseManager.getServer()`):
 * `serveForever()` serves until a client sends `shutdown` (or
 * `shutdown()` is called here), as CPython's `Server.serve_forever`.
 *
 * @example Serving in this process
 * ```ts
 * import { BaseManager } from "@pyconc/std/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * class MathsManager extends BaseManager {}
 * MathsManager.register("Maths", class {
 *   add(a: number, b: number) {
 *     return a + b;
 *   }
 * });
 * const server = new MathsManager({ address: ["127.0.0.1", 0] }).getServer();
 * const serving = server.serveForever();
 * const client = new MathsManager({ address: server.address });
 * await client.connect();
 * const maths = await client.create("Maths");
 * assert.equal(await maths.callMethod("add", [2, 3]), 5);
 * await client.shutdown();
 * server.shutdown();
 * await serving;
 * ```
 */
export class Server {
  readonly #core: ServerCore;
  readonly #ready: Promise<unknown>;

  /** @internal */
  constructor(core: ServerCore, ready: Promise<unknown>) {
    this.#core = core;
    this.#ready = ready;
  }

  /** The address it listens on (the real port for port 0). */
  get address(): Address {
    return this.#core.address;
  }

  /** Serves until shut down (a client's `shutdown` request or `shutdown()`). */
  async serveForever(): Promise<void> {
    await this.#ready;
    await this.#core.serveForever();
  }

  /** Stops serving: closes the socket (and its file) and every connection. */
  shutdown(): void {
    this.#core.shutdown();
  }

  /** Python's `number_of_objects` (for tests and debugging). */
  numberOfObjects(): number {
    return this.#core.numberOfObjects();
  }
}

/**
 * Python's `multiprocessing.managers.BaseManager`.
 *
 * Subclass it, `register` typeids, then either `start()` a server process,
 * `connect()` to a running server (ours or CPython's), or serve from this
 * process with `getServer().serveForever()`. `create(typeid, ...args)` (or
 * the method named `typeid` that `register` adds) makes an object in the
 * server and returns its proxy.
 *
 * The wire is CPython's (pickle over `multiprocessing.connection`, the
 * HMAC challenge on every connection, the request and reply tuples of
 * `multiprocessing.managers`): a CPython client can use a server started
 * here and the other way round. Values that cross are the pickle subset
 * of API.md § pickle.
 *
 * @example A registered class served by a started server
 * ```ts
 * import { AutoProxy, BaseManager } from "@pyconc/std/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * class CounterManager extends BaseManager {}
 * // Sent by its source to the server process: self-contained.
 * CounterManager.register("Counter", class Counter {
 *   n = 0;
 *   incr(k = 1) {
 *     return this.n += k;
 *   }
 * });
 * await using m = new CounterManager({ address: ["127.0.0.1", 0] });
 * await m.start();
 * const c = await m.create<AutoProxy>("Counter");
 * assert.equal(await c.incr(), 1);
 * assert.equal(await c.incr(2), 3);
 * assert.equal(c.incrSync(), 4);
 * ```
 */
export class BaseManager {
  #address: Address | null;
  readonly #authkey: Uint8Array;
  #state: State = State.INITIAL;
  #process: Process | null = null;
  readonly #shutdownTimeout: number;

  /**
   * Creates a manager (not started nor connected).
   * @throws {TypeError} If `authkey` is not a Uint8Array.
   * @throws {ValueError} If `serializer` is not "pickle".
   */
  constructor(options: BaseManagerOptions = {}) {
    const { address = null, authkey = null, serializer = "pickle" } = options;
    if (serializer !== "pickle") {
      throw new ValueError(`serializer must be "pickle", not ${serializer}`);
    }
    if (authkey !== null && !(authkey instanceof Uint8Array)) {
      throw new TypeError("authkey must be a Uint8Array");
    }
    this.#address = address === null ? null : asAddress(address);
    this.#authkey = (authkey ?? currentProcess().authkey).slice();
    this.#shutdownTimeout = options.shutdownTimeout ?? 1;
  }

  /**
   * Python's `register(typeid, callable=None, proxytype=None, exposed=None,
   * method_to_typeid=None, create_method=True)`: adds `typeid` to this
   * class (and its subclasses), and a method named `typeid` that creates
   * the object and returns its proxy.
   *
   * @param typeid The name clients create objects by.
   * @param callable Makes the object in the server: a self-contained
   *   function or class (sent by source to a started server), or a module
   *   reference (`new URL("./x.ts#Counter", import.meta.url)`); a class is
   *   constructed with `new`. Omit it on the client side of a server that
   *   has it, as in Python.
   * @param options `proxytype`, `exposed`, `methodToTypeid`, `create`.
   */
  static register(
    typeid: string,
    callable: Target | ReferentClass | null = null,
    options: RegisterOptions = {},
  ): void {
    if (typeof typeid !== "string" || typeid === "") {
      throw new TypeError("typeid must be a non-empty string");
    }
    if (callable !== null && typeof callable !== "function") {
      describeTarget(callable, "callable"); // checks a module reference
    }
    const proxytype = options.proxytype ?? AutoProxy;
    const exposed = options.exposed ?? defaultExposed.get(proxytype) ?? null;
    const methodToTypeid = options.methodToTypeid ?? null;
    if (methodToTypeid) {
      for (const [k, v] of Object.entries(methodToTypeid)) {
        if (typeof k !== "string" || typeof v !== "string") {
          throw new TypeError(`${String(k)} is not a string`);
        }
      }
    }
    registryOf(this).set(typeid, {
      callable: callable as Target | null,
      exposed,
      methodToTypeid,
      proxytype,
    });
    if (options.create !== false) {
      Object.defineProperty(this.prototype, typeid, {
        value: function (this: BaseManager, ...args: unknown[]) {
          return this.create(typeid, ...args);
        },
        writable: true,
        configurable: true,
      });
      Object.defineProperty(this.prototype, typeid + "Sync", {
        value: function (this: BaseManager, ...args: unknown[]) {
          return this.createSync(typeid, ...args);
        },
        writable: true,
        configurable: true,
      });
    }
  }

  /** @internal This class's typeids. */
  static get registry(): ReadonlyMap<string, ClientTypeEntry> {
    return registryOf(this);
  }

  #registry(): Map<string, ClientTypeEntry> {
    return registryOf(this.constructor);
  }

  #types(): ProxyTypes {
    return new Map(
      [...this.#registry()].map(([k, e]) => [k, e.proxytype]),
    );
  }

  /** The server's address (after `start()`, the one it bound). */
  get address(): Address | null {
    return this.#address;
  }

  /** The key connections authenticate with. */
  get authkey(): Uint8Array {
    return this.#authkey.slice();
  }

  /**
   * Python's `get_server()`: a {@linkcode Server} in this process, bound
   * now; call its `serveForever()`.
   * @throws {ProcessError} If this manager already started or shut down.
   */
  getServer(): Server {
    checkState(this.#state);
    const [registry, ready] = localServerRegistry(this.#registry());
    const core = new ServerCore(registry, this.#address, this.#authkey);
    return new Server(core, ready);
  }

  /**
   * Python's `connect()`: attaches to a running server (checks it with a
   * `dummy` request, which authenticates).
   * @throws {AuthenticationError} If the server's key differs.
   */
  async connect(): Promise<void> {
    const address = this.#needAddress();
    await linkTo(address, this.#authkey).request("dummy");
    this.#state = State.STARTED;
  }

  /** Blocking {@linkcode connect}. */
  connectSync(): void {
    const address = this.#needAddress();
    linkTo(address, this.#authkey).requestSync("dummy");
    this.#state = State.STARTED;
  }

  #needAddress(): Address {
    if (this.#address === null) {
      throw new TypeError("Cannot connect: the manager has no address");
    }
    return this.#address;
  }

  /**
   * Python's `start(initializer=None, initargs=())`: runs the server in a
   * new process (daemonic: it dies with this process) and waits until it
   * listens; `address` is then the address it bound.
   *
   * @param initializer A target run first in the server process.
   * @param initargs Its arguments.
   * @throws {ProcessError} If already started, shut down, or the server
   *   process ended before listening.
   */
  async start(
    initializer: Target | null = null,
    initargs: readonly unknown[] = [],
  ): Promise<void> {
    const [p, reader] = this.#launch(initializer, initargs);
    const receiving = reader.recv().catch((e) => {
      if (e instanceof EOFError) return ENDED;
      throw e;
    });
    let bound: unknown;
    try {
      bound = await Promise.race([receiving, p.sentinel.then(() => ENDED)]);
      // Settled once the child's end is closed (when it is reaped).
      if (bound === ENDED) await receiving.catch(() => {});
    } catch (e) {
      this.#abandon(p); // a report that cannot be read: no server then
      await p.join();
      throw e;
    } finally {
      reader.close();
    }
    if (bound === ENDED) await p.join();
    this.#listening(p, bound);
  }

  /**
   * Like {@linkcode start}, blocking the calling thread until the server
   * listens (or its process ends).
   * @throws {ProcessError} As `start()`.
   */
  startSync(
    initializer: Target | null = null,
    initargs: readonly unknown[] = [],
  ): void {
    const [p, reader] = this.#launch(initializer, initargs);
    let bound: unknown = ENDED;
    try {
      // A server that fails closes its end as it exits (end-of-file); one
      // killed by a signal, only once reaped: between waits for the
      // report, isAlive() reaps it.
      while (!reader.pollSync(REPORT_SLICE) && p.isAlive()) { /* wait */ }
      if (reader.pollSync(0)) {
        try {
          bound = reader.recvSync();
        } catch (e) {
          if (!(e instanceof EOFError)) {
            this.#abandon(p); // a report that cannot be read: no server then
            p.joinSync();
            throw e;
          }
        }
      }
    } finally {
      reader.close();
    }
    if (bound === ENDED) p.joinSync();
    this.#listening(p, bound);
  }

  /** Starts the server process; it reports the address it bound on `reader`. */
  #launch(
    initializer: Target | null,
    initargs: readonly unknown[],
  ): [Process, Connection] {
    checkState(this.#state);
    const init = initializer === null
      ? null
      : describeTarget(initializer, "initializer");
    const specs = specsOf(this.#registry());
    // The child reports the address it bound through a pipe in shared
    // memory (CPython's `start()` uses a pipe too): no socket, no
    // handshake. A child that dies first closes its end (at its exit, or
    // when it is reaped).
    const [reader, writer] = Pipe(false);
    try {
      const p = new Process({
        target: SERVER_MAIN,
        args: [specs, this.#address, this.#authkey, writer, init, [
          ...initargs,
        ]],
        daemon: true,
        name: `${this.constructor.name}-${++started}`,
      });
      p.start();
      this.#process = p;
      return [p, reader];
    } catch (e) {
      reader.close();
      throw e;
    } finally {
      writer.close();
    }
  }

  /** Kills a server process whose start failed. */
  #abandon(p: Process): void {
    this.#process = null;
    p.kill();
  }

  /** The end of a start: what the server reported (or ENDED). */
  #listening(p: Process, bound: unknown): void {
    if (bound === ENDED) {
      this.#process = null;
      throw new ProcessError(
        `The manager's server process ended (exit code ${p.exitcode}) before listening`,
      );
    }
    this.#address = asAddress(bound as Address);
    this.#state = State.STARTED;
  }

  /**
   * Python's `_create` and the typeid methods: creates a `typeid` object
   * in the server and returns its proxy.
   *
   * @throws {KeyError} (as RemoteError from the server) for an unknown typeid.
   */
  // deno-lint-ignore no-explicit-any
  async create<P extends BaseProxy = any>(
    typeid: string,
    ...args: unknown[]
  ): Promise<P> {
    return await this.createWith<P>(typeid, args, {});
  }

  /** Blocking {@linkcode create}. */
  // deno-lint-ignore no-explicit-any
  createSync<P extends BaseProxy = any>(typeid: string, ...args: unknown[]): P {
    return this.createWithSync<P>(typeid, args, {});
  }

  /** {@linkcode create} with keyword arguments (`Namespace(**kwds)`). */
  async createWith<P extends BaseProxy>(
    typeid: string,
    args: readonly unknown[],
    kwds: Record<string, unknown>,
  ): Promise<P> {
    const address = this.#started();
    const reply = await linkTo(address, this.#authkey).request(
      "create",
      [typeid, ...(toWire(args) as unknown[])],
      toWire(kwds) as Record<string, unknown>,
    );
    return this.#proxy(typeid, address, reply) as P;
  }

  /** Blocking {@linkcode createWith}. */
  createWithSync<P extends BaseProxy>(
    typeid: string,
    args: readonly unknown[],
    kwds: Record<string, unknown>,
  ): P {
    const address = this.#started();
    const reply = linkTo(address, this.#authkey).requestSync(
      "create",
      [typeid, ...(toWire(args) as unknown[])],
      toWire(kwds) as Record<string, unknown>,
    );
    return this.#proxy(typeid, address, reply) as P;
  }

  #started(): Address {
    if (this.#state !== State.STARTED || this.#address === null) {
      throw new ProcessError(
        this.#state === State.SHUTDOWN
          ? "Manager has shut down"
          : "server not yet started",
      );
    }
    return this.#address;
  }

  #proxy(typeid: string, address: Address, reply: unknown): BaseProxy {
    if (!Array.isArray(reply) || reply.length !== 2) {
      throw new ProcessError(`Malformed create reply: ${String(reply)}`);
    }
    const [id, exposed] = reply as [string, readonly string[]];
    const cls = this.#registry().get(typeid)?.proxytype ?? AutoProxy;
    return new cls({
      token: { typeid, address, id: String(id) },
      authkey: this.#authkey,
      exposed: Array.isArray(exposed) ? exposed : null,
      types: this.#types(),
    });
  }

  /** Python's `_number_of_objects()`: objects the server holds. */
  async numberOfObjects(): Promise<number> {
    return Number(
      await linkTo(this.#started(), this.#authkey).request("number_of_objects"),
    );
  }

  /** Python's `_debug_info()`. */
  async debugInfo(): Promise<string> {
    return String(
      await linkTo(this.#started(), this.#authkey).request("debug_info"),
    );
  }

  /**
   * Python's `shutdown()`: for a started manager, asks the server process
   * to stop, waits up to `shutdownTimeout` seconds, then terminates (and
   * kills) it; its socket file is removed. For a connected manager,
   * closes this process's connections to the server (the server runs on).
   * Pending proxy calls fail. Idempotent.
   */
  async shutdown(): Promise<void> {
    if (this.#state !== State.STARTED) {
      this.#state = State.SHUTDOWN;
      return;
    }
    this.#state = State.SHUTDOWN;
    const address = this.#address!;
    const p = this.#process;
    this.#process = null;
    if (p !== null) {
      if (p.isAlive()) {
        try {
          await linkTo(address, this.#authkey).request("shutdown");
        } catch { /* gone already */ }
        await p.join(this.#shutdownTimeout);
        if (p.isAlive()) {
          p.terminate();
          await p.join(this.#shutdownTimeout);
          if (p.isAlive()) {
            p.kill();
            await p.join();
          }
        }
      } else {
        await p.join();
      }
      removeSocketFile(address);
    }
    dropLinks(address, true);
  }

  /** Blocking {@linkcode shutdown}. */
  shutdownSync(): void {
    if (this.#state !== State.STARTED) {
      this.#state = State.SHUTDOWN;
      return;
    }
    this.#state = State.SHUTDOWN;
    const address = this.#address!;
    const p = this.#process;
    this.#process = null;
    if (p !== null) {
      if (p.isAlive()) {
        try {
          linkTo(address, this.#authkey).requestSync("shutdown");
        } catch { /* gone already */ }
        p.joinSync(this.#shutdownTimeout);
        if (p.isAlive()) {
          p.terminate();
          p.joinSync(this.#shutdownTimeout);
          if (p.isAlive()) {
            p.kill();
            p.joinSync();
          }
        }
      } else {
        p.joinSync();
      }
      removeSocketFile(address);
    }
    dropLinks(address, true);
  }

  /** Python's `join(timeout=None)`: waits for the server process. */
  async join(timeout: number | null = null): Promise<void> {
    await this.#process?.join(timeout);
  }

  /** Like {@linkcode join}, blocking the calling thread. */
  joinSync(timeout: number | null = null): void {
    this.#process?.joinSync(timeout);
  }

  /** The server process (after `start()`), else null. */
  get process(): Process | null {
    return this.#process;
  }

  /** Python's `__exit__`: `shutdown()`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.shutdown();
  }

  /** Python's `__exit__` for `using`: `shutdownSync()`. */
  [Symbol.dispose](): void {
    this.shutdownSync();
  }
}

let started = 0;
const ENDED = Symbol("ended");
/** Seconds `startSync()` waits for the report between liveness checks. */
const REPORT_SLICE = 0.1;
/** The server process's entry (a spare child loads it ahead, evaluated). */
const SERVER_MAIN = new URL("./_server_main.ts#runServer", import.meta.url);

function removeSocketFile(address: Address): void {
  if (typeof address !== "string" || address.startsWith("\0")) return;
  try {
    Deno.removeSync(address);
  } catch { /* the server removed it */ }
}
