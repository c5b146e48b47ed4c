/**
 * The server's synchronisation referents: `threading`'s Lock, RLock,
 * Semaphore, BoundedSemaphore, Condition, Event and Barrier, with CPython's
 * method names, arguments and errors, owned by connections.
 *
 * @module
 */

import { RuntimeError, ValueError } from "../../_internal/errors.ts";
import { BrokenBarrierError } from "../../_internal/sync/barrier_core.ts";
import {
  type BuiltinReferent,
  type CallContext,
  callTable,
  type MethodTable,
} from "./_referent.ts";
import { checkTimeout, deadlineOf, remaining, Waiters } from "./_waiters.ts";
import { AttributeErrorOf } from "./_errors.ts";
import type { TargetFunction } from "../../_internal/threads/targets.ts";

/** `threading.Lock` (reentrant: `threading.RLock`) in the server. */
export class ServerLock implements BuiltinReferent {
  readonly reentrant: boolean;
  owner: number | null = null;
  count = 0;
  readonly #waiters = new Waiters();

  /** Fails the waiters (the server is going). */
  close(): void {
    this.#waiters.close();
  }

  constructor(reentrant: boolean) {
    this.reentrant = reentrant;
  }

  /** Python's `acquire(blocking=True, timeout=-1)`. */
  async acquire(
    ctx: CallContext,
    blocking: unknown = true,
    timeout: unknown = -1,
  ): Promise<boolean> {
    const block = blocking === undefined ? true : Boolean(blocking);
    let t = checkTimeout(timeout ?? -1);
    if (!block && t !== -1) {
      throw new ValueError("can't specify a timeout for a non-blocking call");
    }
    if (t !== null && t < 0 && t !== -1) {
      throw new ValueError("timeout value must be a non-negative number");
    }
    if (t === -1) t = null;
    if (this.reentrant && this.count > 0 && this.owner === ctx.conn) {
      this.count++;
      return true;
    }
    const deadline = deadlineOf(t);
    for (;;) {
      if (this.count === 0) {
        this.count = 1;
        this.owner = ctx.conn;
        return true;
      }
      if (!block) return false;
      const left = remaining(deadline);
      if (left !== null && left <= 0) return false;
      await this.#waiters.wait(left);
    }
  }

  /** Python's `release()`. */
  release(ctx: CallContext): void {
    if (this.reentrant) {
      if (this.count === 0 || this.owner !== ctx.conn) {
        throw new RuntimeError("cannot release un-acquired lock");
      }
      if (--this.count > 0) return;
    } else {
      if (this.count === 0) throw new RuntimeError("release unlocked lock");
      this.count = 0;
    }
    this.owner = null;
    this.#waiters.notify(1);
  }

  /** Whether `ctx` holds the lock (Python's `Condition._is_owned`). */
  isOwned(ctx: CallContext): boolean {
    return this.reentrant
      ? this.count > 0 && this.owner === ctx.conn
      : this.count > 0;
  }

  /** Releases fully and returns the depth (Python's `_release_save`). */
  releaseSave(): number {
    const saved = this.count;
    this.count = 0;
    this.owner = null;
    this.#waiters.notify(1);
    return saved;
  }

  /** Reacquires at a saved depth (Python's `_acquire_restore`). */
  async acquireRestore(ctx: CallContext, saved: number): Promise<void> {
    await this.acquire(ctx, true, -1);
    this.count = saved;
  }

  static readonly TABLE: MethodTable<ServerLock> = {
    acquire: [["blocking", "timeout"], (s, c, b, t) => s.acquire(c, b, t)],
    release: [[], (s, c) => s.release(c)],
    locked: [[], (s) => s.count > 0],
    __enter__: [[], (s, c) => s.acquire(c)],
    __exit__: [["t", "v", "tb"], (s, c) => s.release(c)],
  };

  callMethod(
    name: string,
    args: readonly unknown[],
    kwds: Record<string, unknown>,
    ctx: CallContext,
  ): unknown {
    return callTable(this, ServerLock.TABLE, name, args, kwds, ctx);
  }
  publicMethods(): string[] {
    return ["acquire", "release", "locked"];
  }
  getValue(): unknown {
    return this.count > 0;
  }
  repr(): string {
    const state = this.count > 0 ? "locked" : "unlocked";
    return this.reentrant
      ? `<${state} _thread.RLock object owner=${
        this.owner ?? 0
      } count=${this.count}>`
      : `<${state} _thread.lock object>`;
  }
}

/** `threading.Semaphore` (bounded: `BoundedSemaphore`) in the server. */
export class ServerSemaphore implements BuiltinReferent {
  value: number;
  readonly #initial: number;
  readonly #bounded: boolean;
  readonly #waiters = new Waiters();

  /** Fails the waiters (the server is going). */
  close(): void {
    this.#waiters.close();
  }

  constructor(value: unknown = 1, bounded = false) {
    const v = typeof value === "bigint" ? Number(value) : value ?? 1;
    if (typeof v !== "number" || !Number.isInteger(v)) {
      throw new TypeError("semaphore initial value must be an integer");
    }
    if (v < 0) throw new ValueError("semaphore initial value must be >= 0");
    this.value = this.#initial = v;
    this.#bounded = bounded;
  }

  async acquire(blocking: unknown = true, timeout: unknown = null) {
    const block = blocking === undefined ? true : Boolean(blocking);
    const t = checkTimeout(timeout);
    if (!block && t !== null) {
      throw new ValueError("can't specify timeout for non-blocking acquire");
    }
    const deadline = deadlineOf(t);
    for (;;) {
      if (this.value > 0) {
        this.value--;
        return true;
      }
      if (!block) return false;
      const left = remaining(deadline);
      if (left !== null && left <= 0) return false;
      await this.#waiters.wait(left);
    }
  }

  release(n: unknown = 1): void {
    const k = typeof n === "bigint" ? Number(n) : n ?? 1;
    if (typeof k !== "number" || k < 1) {
      throw new ValueError("n must be one or more");
    }
    if (this.#bounded && this.value + k > this.#initial) {
      throw new ValueError("Semaphore released too many times");
    }
    this.value += k;
    this.#waiters.notify(k);
  }

  static readonly TABLE: MethodTable<ServerSemaphore> = {
    acquire: [["blocking", "timeout"], (s, _c, b, t) => s.acquire(b, t)],
    release: [["n"], (s, _c, n) => s.release(n)],
    __enter__: [[], (s) => s.acquire()],
    __exit__: [["t", "v", "tb"], (s) => s.release()],
  };
  callMethod(
    name: string,
    args: readonly unknown[],
    kwds: Record<string, unknown>,
    ctx: CallContext,
  ): unknown {
    return callTable(this, ServerSemaphore.TABLE, name, args, kwds, ctx);
  }
  publicMethods(): string[] {
    return ["acquire", "release"];
  }
  getValue(): unknown {
    return this.value;
  }
  repr(): string {
    return `<threading.${
      this.#bounded ? "BoundedSemaphore" : "Semaphore"
    } value=${this.value}>`;
  }
}

/** `threading.Condition(lock=None)` in the server. */
export class ServerCondition implements BuiltinReferent {
  readonly lock: ServerLock;
  readonly #waiters = new Waiters();

  /** Fails the waiters (the server is going). */
  close(): void {
    this.#waiters.close();
  }

  closeLock(): void {
    this.lock.close();
  }

  constructor(lock?: ServerLock | null) {
    this.lock = lock ?? new ServerLock(true);
  }

  #checkOwned(ctx: CallContext, what: string): void {
    if (!this.lock.isOwned(ctx)) {
      throw new RuntimeError(`cannot ${what} on un-acquired lock`);
    }
  }

  async wait(ctx: CallContext, timeout: unknown = null): Promise<boolean> {
    this.#checkOwned(ctx, "wait");
    const t = checkTimeout(timeout);
    const saved = this.lock.releaseSave();
    try {
      return await this.#waiters.wait(t === null ? null : Math.max(t, 0));
    } finally {
      await this.lock.acquireRestore(ctx, saved);
    }
  }

  notify(ctx: CallContext, n: unknown = 1): void {
    this.#checkOwned(ctx, "notify");
    this.#waiters.notify(typeof n === "bigint" ? Number(n) : Number(n ?? 1));
  }

  static readonly TABLE: MethodTable<ServerCondition> = {
    acquire: [
      ["blocking", "timeout"],
      (s, c, b, t) => s.lock.acquire(c, b, t ?? -1),
    ],
    release: [[], (s, c) => s.lock.release(c)],
    wait: [["timeout"], (s, c, t) => s.wait(c, t)],
    notify: [["n"], (s, c, n) => s.notify(c, n)],
    notify_all: [[], (s, c) => s.notify(c, Infinity)],
    notifyAll: [[], (s, c) => s.notify(c, Infinity)],
    __enter__: [[], (s, c) => s.lock.acquire(c)],
    __exit__: [["t", "v", "tb"], (s, c) => s.lock.release(c)],
  };
  callMethod(
    name: string,
    args: readonly unknown[],
    kwds: Record<string, unknown>,
    ctx: CallContext,
  ): unknown {
    return callTable(this, ServerCondition.TABLE, name, args, kwds, ctx);
  }
  publicMethods(): string[] {
    return ["acquire", "release", "wait", "notify", "notify_all"];
  }
  getValue(): unknown {
    return null;
  }
  repr(): string {
    return `<Condition(${this.lock.repr()}, ${this.#waiters.size})>`;
  }
}

/** `threading.Event` in the server. */
export class ServerEvent implements BuiltinReferent {
  flag = false;
  readonly #waiters = new Waiters();

  /** Fails the waiters (the server is going). */
  close(): void {
    this.#waiters.close();
  }

  async wait(timeout: unknown = null): Promise<boolean> {
    if (this.flag) return true;
    const t = checkTimeout(timeout);
    await this.#waiters.wait(t === null ? null : Math.max(t, 0));
    return this.flag;
  }

  static readonly TABLE: MethodTable<ServerEvent> = {
    is_set: [[], (s) => s.flag],
    isSet: [[], (s) => s.flag],
    set: [[], (s) => {
      s.flag = true;
      s.#waiters.notifyAll();
    }],
    clear: [[], (s) => {
      s.flag = false;
    }],
    wait: [["timeout"], (s, _c, t) => s.wait(t)],
  };
  callMethod(
    name: string,
    args: readonly unknown[],
    kwds: Record<string, unknown>,
    ctx: CallContext,
  ): unknown {
    return callTable(this, ServerEvent.TABLE, name, args, kwds, ctx);
  }
  publicMethods(): string[] {
    return ["is_set", "set", "clear", "wait"];
  }
  getValue(): unknown {
    return this.flag;
  }
  repr(): string {
    return `<threading.Event: ${this.flag ? "set" : "unset"}>`;
  }
}

/**
 * `threading.Barrier(parties, action=None, timeout=None)` in the server:
 * CPython's state machine reduced to one event loop (filling, then every
 * waiter released at once; broken after abort, timeout or reset).
 */
export class ServerBarrier implements BuiltinReferent {
  readonly parties: number;
  readonly timeout: number | null;
  readonly #action: TargetFunction | null;
  #count = 0;
  #generation = 0;
  #broken = false;
  /** Whether the action runs (Python holds the barrier's lock meanwhile). */
  #acting = false;
  readonly #waiters = new Waiters();

  /** Fails the waiters (the server is going). */
  close(): void {
    this.#waiters.close();
  }

  /**
   * @param action Run by the last party to arrive, before the others are
   *   released (a function loaded in the server: see `_registry.ts`).
   */
  constructor(
    parties: unknown,
    action: TargetFunction | null = null,
    timeout?: unknown,
  ) {
    const p = typeof parties === "bigint" ? Number(parties) : parties;
    if (typeof p !== "number" || !Number.isInteger(p) || p < 1) {
      throw new ValueError("parties must be >= 1");
    }
    this.parties = p;
    this.#action = action;
    this.timeout = checkTimeout(timeout);
  }

  /** Python's `_enter`: a party (or abort, reset) waits while the action runs. */
  async #idle(): Promise<void> {
    while (this.#acting) await this.#waiters.wait(null);
  }

  async wait(timeout: unknown = null): Promise<number> {
    const t = checkTimeout(timeout) ?? this.timeout;
    await this.#idle();
    if (this.#broken) throw new BrokenBarrierError();
    const index = this.#count++;
    const gen = this.#generation;
    if (this.#count === this.parties) {
      await this.#release();
      return index;
    }
    const deadline = deadlineOf(t);
    while (gen === this.#generation && !this.#broken) {
      const left = remaining(deadline);
      if (left !== null && left <= 0 && !this.#acting) {
        this.#break();
        break;
      }
      // While the action runs, the waiters cannot time out (in Python they
      // wait for the lock the action holds, then find the barrier released).
      await this.#waiters.wait(this.#acting ? null : left);
    }
    if (gen === this.#generation) throw new BrokenBarrierError();
    return index;
  }

  /**
   * Python's `_release`: runs the action (once per generation, in the last
   * party's call); an action that throws breaks the barrier (the others
   * get BrokenBarrierError) and its error reaches this party.
   */
  async #release(): Promise<void> {
    if (this.#action !== null) {
      this.#acting = true;
      try {
        await this.#action();
      } catch (e) {
        this.#break();
        throw e;
      } finally {
        this.#acting = false;
      }
    }
    this.#count = 0;
    this.#generation++;
    this.#waiters.notifyAll();
  }

  #break(): void {
    this.#broken = true;
    this.#count = 0;
    this.#waiters.notifyAll();
  }

  static readonly TABLE: MethodTable<ServerBarrier> = {
    wait: [["timeout"], (s, _c, t) => s.wait(t)],
    abort: [[], async (s) => {
      await s.#idle();
      s.#break();
    }],
    reset: [[], async (s) => {
      await s.#idle();
      if (s.#count > 0) s.#break();
      s.#generation++;
      s.#broken = false;
      s.#count = 0;
    }],
    __getattribute__: [["name"], (s, _c, n) => {
      switch (n) {
        case "parties":
          return s.parties;
        case "n_waiting":
          return s.#count;
        case "broken":
          return s.#broken;
      }
      throw new AttributeErrorOf("Barrier", String(n));
    }],
  };
  callMethod(
    name: string,
    args: readonly unknown[],
    kwds: Record<string, unknown>,
    ctx: CallContext,
  ): unknown {
    return callTable(this, ServerBarrier.TABLE, name, args, kwds, ctx);
  }
  publicMethods(): string[] {
    return ["wait", "abort", "reset"];
  }
  getValue(): unknown {
    return null;
  }
  repr(): string {
    return `<threading.Barrier parties=${this.parties} waiting=${this.#count}>`;
  }
}
