/**
 * The one module of the library that imports the Redis client (`npm:redis`,
 * the official one). Everything else in `distributed/` talks to Redis
 * through {@linkcode Conn}, so that the rest of the library keeps zero
 * dependencies and the client's quirks are handled once:
 *
 * - values are binary (`Uint8Array`s from the library's codec), so replies
 *   map blob strings to Buffers;
 * - a command sent while the server is away must fail at once with a clear
 *   error, never wait in an offline queue: `disableOfflineQueue`, and until
 *   the first connection attempt has an outcome, commands wait for it;
 * - the client keeps a command that was in flight when the socket closed
 *   (measured with redis 5.12: a pending BLPOP never settles), so every
 *   command here races a "lost" signal, rejected when the connection drops;
 * - the client reconnects on its own (every ≤ 1 s), so a server that comes
 *   back is used again.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { createClient, RESP_TYPES } from "redis";
import { ConnectionError } from "../_internal/errors.ts";

// deno-lint-ignore no-explicit-any
type Client = any;

/** A Redis reply with blob strings as bytes. */
// deno-lint-ignore no-explicit-any
export type Reply = any;

/** Bytes to text. */
const text = new TextDecoder();

/** A reply's blob as text (Buffers and strings alike). */
export function str(v: unknown): string {
  if (v instanceof Uint8Array) return text.decode(v);
  return String(v);
}

/** A reply's blob as a plain Uint8Array (no copy). */
export function bytes(v: unknown): Uint8Array {
  if (v instanceof Uint8Array) {
    return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  }
  return new TextEncoder().encode(String(v));
}

/** A ConnectionError naming the server, with the client's error as cause. */
export function connectionError(url: string, cause?: unknown): Error {
  const why = cause instanceof Error ? cause.message : String(cause ?? "");
  return new ConnectionError(
    `Cannot reach Redis at ${redact(url)}${why ? `: ${why}` : ""}`,
    undefined,
    null,
    null,
    cause === undefined ? undefined : { cause },
  );
}

/** The URL without its password. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.href;
  } catch {
    return url;
  }
}

/** How long the first connection attempt may take (connect + handshake). */
const FIRST_OUTCOME_MS = 6000;

/** A lost-connection signal, renewed whenever the connection is ready. */
class Lost {
  promise!: Promise<never>;
  reject!: (e: Error) => void;
  constructor() {
    this.promise = new Promise<never>((_, reject) => {
      this.reject = reject;
    });
    this.promise.catch(() => {});
  }
}

/**
 * One connection to Redis (plus dedicated connections for blocking
 * commands), whose commands fail fast and clearly while the server is away.
 */
export class Conn {
  readonly url: string;
  readonly #client: Client;
  #lost = new Lost();
  #firstOutcome: Promise<void>;
  #settleFirst!: () => void;
  #parent: Conn | undefined;
  #closed = false;
  #blocking = new Set<Conn>();
  #onLost: ((e: Error) => void)[] = [];
  #wasReady = false;

  private constructor(url: string, reconnect: boolean) {
    this.url = url;
    let settle!: () => void;
    this.#firstOutcome = new Promise<void>((r) => settle = r);
    this.#settleFirst = settle;
    // The client's connectTimeout covers the TCP connect only, not the
    // handshake after it: a first attempt without an outcome by then counts
    // as failed (commands fail fast; the client keeps trying if it may).
    const guard = setTimeout(settle, FIRST_OUTCOME_MS);
    Deno.unrefTimer(guard);
    this.#firstOutcome.then(() => clearTimeout(guard));
    this.#client = createClient({
      url,
      disableOfflineQueue: true,
      socket: {
        connectTimeout: 5000,
        reconnectStrategy: reconnect
          ? (retries: number) => Math.min(50 * 2 ** Math.min(retries, 5), 1000)
          : false,
      },
    }).withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
    this.#client.on("ready", () => {
      this.#wasReady = true;
      settle();
    });
    this.#client.on("error", (e: Error) => {
      settle();
      this.#drop(e);
    });
    this.#client.on("end", () => this.#drop(new Error("connection closed")));
    this.#client.connect().catch((e: Error) => {
      settle();
      this.#drop(e);
    });
  }

  /**
   * Opens a connection; never throws: while the server is away, commands
   * fail with ConnectionError (and work again once it is back).
   */
  static open(url: string): Conn {
    return new Conn(url, true);
  }

  /** Whether the connection is up. */
  get ready(): boolean {
    return this.#client.isReady;
  }

  /** Calls `fn` whenever the connection is lost (not when closed). */
  onLost(fn: (e: Error) => void): void {
    this.#onLost.push(fn);
  }

  #drop(e: Error): void {
    const lost = this.#lost;
    this.#lost = new Lost();
    const err = this.#closed
      ? new ConnectionError("The Redis connection was closed")
      : connectionError(this.url, e);
    lost.reject(err);
    if (this.#closed || !this.#wasReady) return;
    this.#wasReady = false;
    for (const b of [...this.#blocking]) b.close();
    for (const fn of this.#onLost) {
      try {
        fn(err);
      } catch (x) {
        console.error(x);
      }
    }
  }

  /**
   * Runs `fn` with the client once the first connection attempt is over;
   * fails with ConnectionError while the server is away or if the
   * connection drops before the reply.
   */
  async run(fn: (c: Client) => Promise<Reply>): Promise<Reply> {
    await this.#firstOutcome;
    if (this.#closed) {
      throw new ConnectionError("The Redis connection was closed");
    }
    if (!this.#client.isReady) {
      throw connectionError(this.url, "the server is not available");
    }
    const lost = this.#lost.promise;
    try {
      return await Promise.race([fn(this.#client), lost]);
    } catch (e) {
      if (e instanceof ConnectionError) throw e;
      // The client's own connection errors become ConnectionError.
      const name = (e as Error)?.name ?? "";
      if (
        /Socket|Connection|Disconnect|ClientClosed|ClientOffline/.test(name) ||
        /closed|offline|ECONN/i.test((e as Error)?.message ?? "")
      ) {
        throw connectionError(this.url, e);
      }
      throw e;
    }
  }

  /**
   * A dedicated connection for one blocking command at a time (BLPOP,
   * XREADGROUP BLOCK); it does not reconnect, and is closed with this one
   * or when this one is lost.
   */
  async blocking(): Promise<Conn> {
    await this.#firstOutcome;
    if (this.#closed || !this.#client.isReady) {
      throw connectionError(this.url, "the server is not available");
    }
    const b = new Conn(this.url, false);
    b.#parent = this;
    this.#blocking.add(b);
    b.onLost(() => this.#blocking.delete(b));
    await b.#firstOutcome;
    if (!b.ready || b.#closed) {
      b.close();
      throw connectionError(this.url, "the server is not available");
    }
    return b;
  }

  /** Closes the connection (and its blocking ones) at once. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    // Whoever waits for the first attempt (blocking()) goes on, and fails.
    this.#settleFirst();
    if (this.#parent !== undefined) this.#parent.#blocking.delete(this);
    for (const b of [...this.#blocking]) b.close();
    this.#blocking.clear();
    this.#lost.reject(new ConnectionError("The Redis connection was closed"));
    try {
      this.#client.destroy();
    } catch {
      // already gone
    }
  }
}

/**
 * A Lua script sent by its SHA1 (EVALSHA): its text crosses only when the
 * server lacks it (first use, or a server restarted), instead of with
 * every call.
 */
export class Script {
  readonly lua: string;
  readonly sha: string;
  constructor(lua: string) {
    this.lua = lua;
    this.sha = createHash("sha1").update(lua).digest("hex");
  }

  /** Runs the script on `conn` (EVALSHA, else EVAL, which caches it). */
  async run(
    conn: Conn,
    keys: string[],
    args: (string | Uint8Array)[],
  ): Promise<Reply> {
    try {
      return await conn.run((c) =>
        c.evalSha(this.sha, { keys, arguments: args })
      );
    } catch (e) {
      // NOSCRIPT: the script did not run; EVAL runs it and caches it.
      if (!/NOSCRIPT/.test(String((e as Error)?.message ?? e))) throw e;
    }
    return await conn.run((c) => c.eval(this.lua, { keys, arguments: args }));
  }
}
