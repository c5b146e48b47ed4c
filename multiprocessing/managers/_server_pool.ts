/**
 * A `multiprocessing.Pool` as a manager's server holds it (the SyncManager's
 * `Pool` typeid), with what its methods return: an `AsyncResult` (served
 * through the `AsyncResult` typeid) and an `IMapIterator` (through the
 * `Iterator` typeid), as CPython's `PoolProxy._method_to_typeid_`.
 *
 * The pool's workers are processes of the server; the client's functions
 * arrive as targets (`_pool_target.ts`). Callbacks cannot cross to the
 * server (they would run there): CPython's proxies cannot send them either.
 *
 * @module
 */

import type { AsyncResult } from "../async_result.ts";
import type { IMapIterator } from "../imap_iterator.ts";
import { Pool } from "../pool.ts";
import { StopIteration } from "./_errors.ts";
import { targetFromWire } from "./_pool_target.ts";
import {
  type BuiltinReferent,
  type CallContext,
  callTable,
  type MethodTable,
} from "./_referent.ts";

function noCallbacks(callback: unknown, errorCallback: unknown): void {
  if (callback != null || errorCallback != null) {
    throw new TypeError(
      "A manager's Pool cannot run callbacks (they would run in the server): wait for the AsyncResult instead",
    );
  }
}

// deno-lint-ignore no-explicit-any
type Items = Iterable<any>;
const toArgs = (a: unknown) => a as readonly unknown[] | null;
const toKwds = (k: unknown) => k as Record<string, unknown> | null;
const toSize = (c: unknown) => c as number | null;

/** The server's Pool. */
export class ServerPool implements BuiltinReferent {
  readonly #pool: Pool;

  constructor(args: readonly unknown[], kwds: Record<string, unknown>) {
    const [processes, initializer, initargs, maxtasksperchild] = args;
    const init = initializer ?? kwds.initializer;
    this.#pool = new Pool({
      processes: (processes ?? kwds.processes ?? null) as number | null,
      initializer: init == null ? null : targetFromWire(init),
      initargs: (initargs ?? kwds.initargs ?? []) as unknown[],
      maxtasksperchild: (maxtasksperchild ?? kwds.maxtasksperchild ??
        null) as number | null,
    });
  }

  static readonly TABLE: MethodTable<ServerPool> = {
    apply: [
      ["func", "args", "kwds"],
      (s, _c, f, a, k) =>
        s.#pool.apply(targetFromWire(f), toArgs(a), toKwds(k)),
    ],
    apply_async: [
      ["func", "args", "kwds", "callback", "error_callback"],
      (s, _c, f, a, k, cb, ecb) => {
        noCallbacks(cb, ecb);
        return new ServerAsyncResult(
          s.#pool.applyAsync(targetFromWire(f), toArgs(a), toKwds(k)),
        );
      },
    ],
    map: [
      ["func", "iterable", "chunksize"],
      (s, _c, f, it, n) =>
        s.#pool.map(targetFromWire(f), it as Items, toSize(n)),
    ],
    map_async: [
      ["func", "iterable", "chunksize", "callback", "error_callback"],
      (s, _c, f, it, n, cb, ecb) => {
        noCallbacks(cb, ecb);
        return new ServerAsyncResult(
          s.#pool.mapAsync(targetFromWire(f), it as Items, toSize(n)),
        );
      },
    ],
    starmap: [
      ["func", "iterable", "chunksize"],
      (s, _c, f, it, n) =>
        s.#pool.starmap(targetFromWire(f), it as Items, toSize(n)),
    ],
    starmap_async: [
      ["func", "iterable", "chunksize", "callback", "error_callback"],
      (s, _c, f, it, n, cb, ecb) => {
        noCallbacks(cb, ecb);
        return new ServerAsyncResult(
          s.#pool.starmapAsync(targetFromWire(f), it as Items, toSize(n)),
        );
      },
    ],
    imap: [
      ["func", "iterable", "chunksize"],
      (s, _c, f, it, n) =>
        new ServerIMapIterator(
          s.#pool.imap(targetFromWire(f), it as Items, (n ?? 1) as number),
        ),
    ],
    imap_unordered: [
      ["func", "iterable", "chunksize"],
      (s, _c, f, it, n) =>
        new ServerIMapIterator(
          s.#pool.imapUnordered(
            targetFromWire(f),
            it as Items,
            (n ?? 1) as number,
          ),
        ),
    ],
    close: [[], (s) => s.#pool.close()],
    terminate: [[], (s) => s.#pool.terminate()],
    join: [[], (s) => s.#pool.join()],
  };
  callMethod(
    name: string,
    args: readonly unknown[],
    kwds: Record<string, unknown>,
    ctx: CallContext,
  ): unknown {
    return callTable(this, ServerPool.TABLE, name, args, kwds, ctx);
  }
  publicMethods(): string[] {
    return Object.keys(ServerPool.TABLE);
  }
  getValue(): unknown {
    throw new TypeError("A Pool cannot be copied out of its manager");
  }
  repr(): string {
    return String(this.#pool);
  }
  /** The last reference went (or the server stops): its workers end. */
  close(): void {
    this.#pool.terminate();
  }
}

/** An AsyncResult of the server's Pool (CPython's `ApplyResult`). */
export class ServerAsyncResult implements BuiltinReferent {
  readonly #r: AsyncResult<unknown>;

  constructor(r: AsyncResult<unknown>) {
    this.#r = r;
  }

  static readonly TABLE: MethodTable<ServerAsyncResult> = {
    get: [["timeout"], (s, _c, t) => s.#r.get((t ?? null) as number | null)],
    wait: [["timeout"], (s, _c, t) => s.#r.wait((t ?? null) as number | null)],
    ready: [[], (s) => s.#r.ready()],
    successful: [[], (s) => s.#r.successful()],
  };
  callMethod(
    name: string,
    args: readonly unknown[],
    kwds: Record<string, unknown>,
    ctx: CallContext,
  ): unknown {
    return callTable(this, ServerAsyncResult.TABLE, name, args, kwds, ctx);
  }
  publicMethods(): string[] {
    return Object.keys(ServerAsyncResult.TABLE);
  }
  getValue(): unknown {
    throw new TypeError("An AsyncResult cannot be copied out of its manager");
  }
  repr(): string {
    return String(this.#r);
  }
}

/** An IMapIterator of the server's Pool, as an `Iterator` referent. */
export class ServerIMapIterator implements BuiltinReferent {
  readonly #it: IMapIterator<unknown>;
  #closed = false;

  constructor(it: IMapIterator<unknown>) {
    this.#it = it;
  }

  static readonly TABLE: MethodTable<ServerIMapIterator> = {
    __next__: [[], async (s) => {
      if (s.#closed) throw new StopIteration();
      const r = await s.#it.next();
      if (r.done) throw new StopIteration();
      return r.value;
    }],
    send: [["value"], (s, c) => ServerIMapIterator.TABLE.__next__![1](s, c)],
    throw: [["typ", "val", "tb"], (s, _c, t) => {
      s.#closed = true;
      throw t instanceof Error
        ? t
        : new TypeError("throw() argument must be an exception");
    }],
    close: [[], (s) => {
      s.#closed = true;
    }],
  };
  callMethod(
    name: string,
    args: readonly unknown[],
    kwds: Record<string, unknown>,
    ctx: CallContext,
  ): unknown {
    return callTable(this, ServerIMapIterator.TABLE, name, args, kwds, ctx);
  }
  publicMethods(): string[] {
    return ["send", "throw", "close"];
  }
  getValue(): unknown {
    throw new TypeError("An iterator cannot be copied out of its manager");
  }
  repr(): string {
    return "<multiprocessing.pool.IMapIterator object>";
  }
}
