/**
 * Manager classes of the managers suites, importable by the server
 * process and by child processes (CPython's `_TestMyManager` and
 * `_TestRemoteManager` fixtures).
 */
import { Queue } from "../../../queue/mod.ts";
import {
  type AutoProxy,
  BaseManager,
  IteratorProxy,
} from "../../../multiprocessing/mod.ts";
import { ValueError } from "../../../_internal/errors.ts";

/** CPython's FooBar. */
export class FooBar {
  f(): string {
    return "f()";
  }
  g(): never {
    throw new ValueError("g() failed");
  }
  _h(): string {
    return "_h()";
  }
}

/** An iterable referent: `__next__` as CPython's generator. */
export class Squares {
  #i = 0;
  __next__(): number {
    if (this.#i >= 10) {
      const e = new Error("");
      e.name = "StopIteration";
      throw e;
    }
    const i = this.#i++;
    return i * i;
  }
}

/** CPython's MyManager. */
export class MyManager extends BaseManager {}
// Module references: the server process imports this module (FooBar uses
// ValueError, imported here).
MyManager.register("Foo", new URL("#FooBar", import.meta.url));
MyManager.register("Bar", new URL("#FooBar", import.meta.url), {
  exposed: ["f", "_h"],
});
MyManager.register("baz", new URL("#Squares", import.meta.url), {
  proxytype: IteratorProxy,
});

const shared = new Queue<unknown>();

/** CPython's get_queue: the one queue of the server. */
export function getQueue(): Queue<unknown> {
  return shared;
}

/** CPython's QueueManager (server side). */
export class QueueManager extends BaseManager {}
// A module reference: the server process imports this module, so every
// client reaches the one queue of the server.
QueueManager.register("get_queue", new URL("#getQueue", import.meta.url));

/** CPython's QueueManager2 (client side: same interface, no callable). */
export class QueueManager2 extends BaseManager {}
QueueManager2.register("get_queue");

/** The values of _TestRemoteManager. */
export const VALUES: unknown[] = [
  "hello world",
  null,
  true,
  2.25,
  "hall\xe5 v\xe4rlden",
  "\u043f\u0440\u0438\u0432\u0456\u0442 \u0441\u0432\u0456\u0442",
  new TextEncoder().encode("hall\xe5 v\xe4rlden"),
];

/** _TestRemoteManager._putter, run in a child process. */
export async function putter(
  address: [string, number],
  authkey: Uint8Array,
  value: unknown,
): Promise<void> {
  const manager = new QueueManager2({ address, authkey });
  await manager.connect();
  const queue = await manager.create<AutoProxy>("get_queue");
  await queue.put(value);
  await manager.shutdown();
}

/** An initializer that marks the server process. */
export function markServer(tag: string): void {
  (globalThis as { serverTag?: string }).serverTag = tag;
}

/** A typeid whose object reports the initializer's mark. */
export class Tagged {
  tag(): string {
    return (globalThis as { serverTag?: string }).serverTag ?? "none";
  }
}
