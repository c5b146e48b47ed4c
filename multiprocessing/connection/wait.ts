import {
  deadline,
  type IO,
  ioAsync,
  ioSync,
  left,
  POLLIN,
  type PollWait,
  reventsOf,
} from "../../_internal/net/io.ts";
import { toMs } from "../../_internal/sync/timeout.ts";
import { Listener } from "./listener.ts";
import { SocketConnection } from "./socket_connection.ts";

/** What {@linkcode wait} accepts. */
export type Waitable = SocketConnection | Listener;

function check(objects: Iterable<Waitable>): Waitable[] {
  const list = [...objects];
  for (const o of list) {
    if (!(o instanceof SocketConnection) && !(o instanceof Listener)) {
      throw new TypeError(
        "wait() takes socket connections and listeners of multiprocessing.connection",
      );
    }
  }
  return list;
}

function* waiting<T extends Waitable>(list: T[], ms: number): IO<T[]> {
  // A message already read into a connection's buffer is ready now.
  const early = list.filter((o) =>
    o instanceof SocketConnection && !o.closed && o.buffered
  );
  const end = deadline(early.length > 0 ? 0 : ms);
  for (;;) {
    const socks = list.map((o) => o.sock);
    const pollfds = new Uint8Array(8 * list.length);
    const v = new DataView(pollfds.buffer);
    socks.forEach((s, i) => {
      v.setInt32(i * 8, s.check(), true);
      v.setInt16(i * 8 + 4, POLLIN, true);
    });
    const w: PollWait = {
      pollfds,
      count: list.length,
      timeoutMs: left(end),
      holders: socks,
    };
    const n = yield w;
    for (const s of socks) s.check();
    if (n < 0) continue; // interrupted: wait again for the rest of the time
    const ready = list.filter((o, i) =>
      early.includes(o) || reventsOf(w, i) !== 0
    );
    if (ready.length > 0 || left(end) <= 0) return ready;
  }
}

/**
 * Python's `multiprocessing.connection.wait(object_list, timeout=None)`:
 * waits until at least one of the connections has a message (or has
 * reached end-of-file) or one of the listeners has a client waiting, and
 * returns those that are ready, in the order given. Without blocking the
 * event loop.
 *
 * @param objects Socket connections and listeners.
 * @param timeout Seconds; null waits forever; on timeout the result is empty.
 * @throws {OSError} If one of them is closed (also while waiting).
 * @throws {TypeError} If given something else.
 *
 * @example The connections with something to read
 * ```ts
 * import { Client, Listener, wait } from "@pyconc/std/multiprocessing/connection";
 * import assert from "node:assert/strict";
 *
 * using listener = new Listener();
 * using a = await Client(listener.address);
 * using a2 = await listener.accept();
 * using b = await Client(listener.address);
 * using b2 = await listener.accept();
 * assert.deepEqual(await wait([a2, b2], 0), []);
 * await b.sendBytes(new Uint8Array([1]));
 * assert.deepEqual(await wait([a2, b2]), [b2]);
 * a.close(); // end-of-file is ready too
 * assert.deepEqual(await wait([a2, b2]), [a2, b2]);
 * ```
 */
export function wait<T extends Waitable>(
  objects: Iterable<T>,
  timeout: number | null = null,
): Promise<T[]> {
  const list = check(objects) as T[];
  return ioAsync(waiting(list, toMs(timeout)));
}

/** Like {@linkcode wait}, blocking the calling thread. */
export function waitSync<T extends Waitable>(
  objects: Iterable<T>,
  timeout: number | null = null,
): T[] {
  const list = check(objects) as T[];
  return ioSync(waiting(list, toMs(timeout)));
}
