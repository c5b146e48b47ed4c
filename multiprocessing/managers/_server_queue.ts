/**
 * `queue.Queue(maxsize=0)` as a manager's server holds it (CPython's
 * SyncManager registers `queue.Queue` for both `Queue` and
 * `JoinableQueue`): one FIFO, three waiter lists.
 *
 * @module
 */

import { ValueError } from "../../_internal/errors.ts";
import { Empty, Full } from "../../_internal/queue/errors.ts";
import {
  type BuiltinReferent,
  type CallContext,
  callTable,
  type MethodTable,
} from "./_referent.ts";
import {
  checkNonNegative,
  checkTimeout,
  deadlineOf,
  remaining,
  Waiters,
} from "./_waiters.ts";

/** The server's `queue.Queue`. */
export class ServerQueue implements BuiltinReferent {
  readonly maxsize: number;
  readonly items: unknown[] = [];
  #head = 0;
  #unfinished = 0;
  readonly #notEmpty = new Waiters();
  readonly #notFull = new Waiters();
  readonly #allDone = new Waiters();

  /** Fails the waiters (the server is going). */
  close(): void {
    this.#notEmpty.close();
    this.#notFull.close();
    this.#allDone.close();
  }

  constructor(maxsize: unknown = 0) {
    const m = typeof maxsize === "bigint" ? Number(maxsize) : maxsize ?? 0;
    if (typeof m !== "number" || !Number.isInteger(m)) {
      throw new TypeError("maxsize must be an integer");
    }
    this.maxsize = m;
  }

  qsize(): number {
    return this.items.length - this.#head;
  }

  full(): boolean {
    return this.maxsize > 0 && this.qsize() >= this.maxsize;
  }

  async put(item: unknown, block: unknown = true, timeout: unknown = null) {
    const b = block === undefined ? true : Boolean(block);
    const t = checkTimeout(timeout);
    if (b) checkNonNegative(t);
    const deadline = deadlineOf(t);
    while (this.full()) {
      if (!b) throw new Full();
      const left = remaining(deadline);
      if (left !== null && left <= 0) throw new Full();
      await this.#notFull.wait(left);
    }
    this.items.push(item);
    this.#unfinished++;
    this.#notEmpty.notify(1);
  }

  async get(block: unknown = true, timeout: unknown = null): Promise<unknown> {
    const b = block === undefined ? true : Boolean(block);
    const t = checkTimeout(timeout);
    if (b) checkNonNegative(t);
    const deadline = deadlineOf(t);
    while (this.qsize() === 0) {
      if (!b) throw new Empty();
      const left = remaining(deadline);
      if (left !== null && left <= 0) throw new Empty();
      await this.#notEmpty.wait(left);
    }
    const item = this.items[this.#head];
    this.items[this.#head++] = undefined;
    if (this.#head > 1024 && this.#head * 2 > this.items.length) {
      this.items.splice(0, this.#head);
      this.#head = 0;
    }
    this.#notFull.notify(1);
    return item;
  }

  taskDone(): void {
    if (this.#unfinished <= 0) {
      throw new ValueError("task_done() called too many times");
    }
    if (--this.#unfinished === 0) this.#allDone.notifyAll();
  }

  async join(): Promise<void> {
    while (this.#unfinished > 0) await this.#allDone.wait(null);
  }

  static readonly TABLE: MethodTable<ServerQueue> = {
    qsize: [[], (s) => s.qsize()],
    empty: [[], (s) => s.qsize() === 0],
    full: [[], (s) => s.full()],
    put: [["item", "block", "timeout"], (s, _c, i, b, t) => s.put(i, b, t)],
    put_nowait: [["item"], (s, _c, i) => s.put(i, false)],
    get: [["block", "timeout"], (s, _c, b, t) => s.get(b, t)],
    get_nowait: [[], (s) => s.get(false)],
    task_done: [[], (s) => s.taskDone()],
    join: [[], (s) => s.join()],
  };
  callMethod(
    name: string,
    args: readonly unknown[],
    kwds: Record<string, unknown>,
    ctx: CallContext,
  ): unknown {
    return callTable(this, ServerQueue.TABLE, name, args, kwds, ctx);
  }
  publicMethods(): string[] {
    return Object.keys(ServerQueue.TABLE);
  }
  getValue(): unknown {
    return this.items.slice(this.#head);
  }
  repr(): string {
    return `<queue.Queue object maxsize=${this.maxsize} qsize=${this.qsize()}>`;
  }
}
