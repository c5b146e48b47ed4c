import { ValueError } from "../_internal/errors.ts";
import { encode } from "../_internal/codec/encode.ts";
import { toMs } from "../_internal/sync/timeout.ts";
import type { Future } from "../concurrent_futures/future.ts";
import { Link } from "./_link.ts";
import type { QueueConfig } from "./_bridge.ts";

/** Options of a distributed {@linkcode Queue}. */
export interface QueueOptions {
  /** The Redis server. @default "redis://127.0.0.1:6379" */
  url?: string;
  /**
   * Python's `maxsize`: `put` blocks while the queue holds this many items
   * (0: no limit). Checked by each opener with its own value: open a name
   * with the same `maxsize` everywhere. @default 0
   */
  maxsize?: number;
}

let counter = 0;

/**
 * Python's `queue.Queue` on Redis: one FIFO queue shared by every process,
 * on any machine, that opens the same `name` on the same server (the
 * remote-queue pattern of Python's `multiprocessing.managers` docs).
 *
 * Items are the library's structured data, copied. `put`/`get` with
 * `block` and `timeout` (seconds) behave as Python's, throwing `Full` and
 * `Empty`; `taskDone` and `join` count across every opener (`join`
 * resolves once every item put so far was marked done). `qsize`, `empty`
 * and `full` are informational, as in Python. Each blocking call has a
 * `Sync` form that blocks the calling thread, also the main thread: the
 * Redis I/O runs on the queue's own thread.
 *
 * Order is FIFO; blocked getters are served in the order Redis serves
 * BLPOP (first come, first served). An item is taken exactly once; one in
 * transit when a connection drops may be lost (Redis lists have no
 * acknowledgement). If the server is unreachable, calls fail with
 * `ConnectionError` rather than wait.
 *
 * `close()` ends the queue's thread (blocked calls fail); the items stay in
 * Redis for the other openers.
 *
 * @typeParam T The items' type.
 *
 * @example Producer and consumer
 * ```ts ignore
 * import { Queue } from "@pyconc/std/distributed";
 * import assert from "node:assert/strict";
 *
 * await using q = new Queue<string>("jobs", { url: "redis://127.0.0.1:6379" });
 * await q.put("hello");
 * assert.equal(q.getSync(), "hello");
 * q.taskDone();
 * await q.join();
 * ```
 *
 * @example Redis unreachable: calls fail clearly, nothing hangs
 * ```ts
 * import { ConnectionError, Queue } from "@pyconc/std/distributed";
 * import assert from "node:assert/strict";
 *
 * await using q = new Queue<number>("jobs", { url: "redis://127.0.0.1:1" });
 * assert.throws(() => q.getSync(), ConnectionError);
 * ```
 */
export class Queue<T = unknown> {
  readonly #link: Link;
  readonly #name: string;
  readonly #maxsize: number;
  #closed = false;

  /**
   * Opens the queue `name` (from its own thread); never throws for an
   * unreachable server: calls fail with `ConnectionError` then.
   *
   * @param name The queue's name (shared by every opener).
   * @param options The server and `maxsize`.
   * @throws {TypeError} If `name` is not a non-empty string.
   * @throws {ValueError} If `maxsize` is not an integer.
   */
  constructor(name: string, options: QueueOptions = {}) {
    if (typeof name !== "string" || name === "") {
      throw new TypeError("name must be a non-empty string");
    }
    const { url = "redis://127.0.0.1:6379", maxsize = 0 } = options;
    if (!Number.isInteger(maxsize)) {
      throw new ValueError("maxsize must be an integer");
    }
    this.#name = name;
    this.#maxsize = Math.max(0, maxsize);
    const config: QueueConfig = { url, name, maxsize: this.#maxsize };
    this.#link = new Link("queue", { ...config }, `Queue-${counter++}`);
  }

  /** The queue's name. */
  get name(): string {
    return this.#name;
  }

  /** Python's `maxsize` (this opener's). */
  get maxsize(): number {
    return this.#maxsize;
  }

  #call<R>(envelope: unknown[]): Future<R> {
    if (this.#closed) throw new ValueError(`Queue ${this.#name} is closed`);
    return this.#link.request<R>(envelope).f;
  }

  #putArgs(item: T, block: boolean, timeout: number | null): unknown[] {
    if (block && timeout !== null) {
      if (toMs(timeout) < 0 || timeout < 0) {
        throw new ValueError("'timeout' must be a non-negative number");
      }
    }
    const bytes = encode(item, "process").bytes.slice();
    return ["put", bytes, Boolean(block), block ? timeout : null];
  }

  #getArgs(block: boolean, timeout: number | null): unknown[] {
    if (block && timeout !== null && (toMs(timeout) < 0 || timeout < 0)) {
      throw new ValueError("'timeout' must be a non-negative number");
    }
    return ["get", Boolean(block), block ? timeout : null];
  }

  /**
   * Python's `put`: appends `item`; while the queue is full, waits (with
   * `block`) up to `timeout` seconds.
   *
   * @param item The item (structured data).
   * @param block Wait for room. @default true
   * @param timeout Seconds to wait at most; null for no limit.
   * @throws {Full} If there is no room (at once without `block`).
   * @throws {ValueError} If `timeout` is negative, or the queue is closed.
   * @throws {ConnectionError} If Redis is unreachable.
   */
  async put(
    item: T,
    block = true,
    timeout: number | null = null,
  ): Promise<void> {
    await this.#call(this.#putArgs(item, block, timeout));
  }

  /**
   * Like {@linkcode Queue.put}, blocking the calling thread.
   *
   * @param item The item.
   * @param block Wait for room. @default true
   * @param timeout Seconds to wait at most; null for no limit.
   */
  putSync(item: T, block = true, timeout: number | null = null): void {
    this.#call(this.#putArgs(item, block, timeout)).resultSync();
  }

  /**
   * Python's `put_nowait`: `putSync(item, false)`.
   * @param item The item.
   * @throws {Full} If the queue is full.
   */
  putNowait(item: T): void {
    this.putSync(item, false);
  }

  /**
   * Python's `get`: removes and returns the first item; while the queue is
   * empty, waits (with `block`) up to `timeout` seconds.
   *
   * @param block Wait for an item. @default true
   * @param timeout Seconds to wait at most; null for no limit.
   * @returns the item.
   * @throws {Empty} If no item came (at once without `block`).
   * @throws {ConnectionError} If Redis is unreachable.
   */
  get(block = true, timeout: number | null = null): Promise<T> {
    try {
      return this.#call<T>(this.#getArgs(block, timeout)).result();
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * Like {@linkcode Queue.get}, blocking the calling thread.
   *
   * @param block Wait for an item. @default true
   * @param timeout Seconds to wait at most; null for no limit.
   * @returns the item.
   */
  getSync(block = true, timeout: number | null = null): T {
    return this.#call<T>(this.#getArgs(block, timeout)).resultSync();
  }

  /**
   * Python's `get_nowait`: `getSync(false)`.
   * @returns the item.
   * @throws {Empty} If the queue is empty.
   */
  getNowait(): T {
    return this.getSync(false);
  }

  /**
   * Python's `qsize`: the number of items (informational: it may change at
   * once). Asks the server, blocking the calling thread briefly.
   * @returns the count.
   */
  qsize(): number {
    return this.#call<number>(["qsize"]).resultSync();
  }

  /** Python's `empty` (informational). @returns whether it holds no item. */
  empty(): boolean {
    return this.qsize() === 0;
  }

  /** Python's `full` (informational). @returns whether it is at `maxsize`. */
  full(): boolean {
    return this.#maxsize > 0 && this.qsize() >= this.#maxsize;
  }

  /**
   * Python's `task_done`: one item taken by a consumer is processed.
   * Blocks the calling thread briefly (one round trip).
   * @throws {ValueError} If called more times than items were put.
   */
  taskDone(): void {
    this.#call(["taskDone"]).resultSync();
  }

  /**
   * Python's `join`: resolves once every item put (by any opener) was
   * marked done with `taskDone`.
   */
  async join(): Promise<void> {
    await this.#call(["join"]);
  }

  /** Like {@linkcode Queue.join}, blocking the calling thread. */
  joinSync(): void {
    this.#call(["join"]).resultSync();
  }

  /**
   * Ends this opener's connection and thread; blocked calls fail. The
   * items stay in Redis. Safe to call more than once.
   */
  async close(): Promise<void> {
    this.#closed = true;
    this.#link.stop();
    await this.#link.join();
  }

  /** `await using`: {@linkcode Queue.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
