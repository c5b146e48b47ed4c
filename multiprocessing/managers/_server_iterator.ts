/**
 * An iterator as a manager's server holds it (what `dict.__iter__` returns
 * through the `Iterator` typeid): CPython's generator methods over a
 * snapshot.
 *
 * @module
 */

import {
  type BuiltinReferent,
  type CallContext,
  callTable,
  type MethodTable,
} from "./_referent.ts";
import { StopIteration } from "./_errors.ts";

/** The server's iterator. */
export class ServerIterator implements BuiltinReferent {
  readonly #items: readonly unknown[];
  #next = 0;

  constructor(items: readonly unknown[]) {
    this.#items = items;
  }

  static readonly TABLE: MethodTable<ServerIterator> = {
    __next__: [[], (s) => {
      if (s.#next >= s.#items.length) throw new StopIteration();
      return s.#items[s.#next++];
    }],
    send: [["value"], (s) => ServerIterator.TABLE.__next__![1](s, { conn: 0 })],
    throw: [["typ", "val", "tb"], (s, _c, t) => {
      s.#next = s.#items.length;
      throw t instanceof Error
        ? t
        : new TypeError("throw() argument must be an exception");
    }],
    close: [[], (s) => {
      s.#next = s.#items.length;
    }],
  };
  callMethod(
    name: string,
    args: readonly unknown[],
    kwds: Record<string, unknown>,
    ctx: CallContext,
  ): unknown {
    return callTable(this, ServerIterator.TABLE, name, args, kwds, ctx);
  }
  publicMethods(): string[] {
    return ["send", "throw", "close"];
  }
  getValue(): unknown {
    return this.#items.slice(this.#next);
  }
  repr(): string {
    return "<iterator object>";
  }
}
