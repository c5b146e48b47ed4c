/**
 * The Redis connection layer (`distributed/_redis.ts`) against a fake
 * server, for the cases a real one cannot be made to show on demand: a
 * connection whose handshake never completes.
 *
 * @module
 */

import assert from "node:assert/strict";
import { Conn } from "../../distributed/_redis.ts";
import { ConnectionError } from "../../_internal/errors.ts";

/**
 * A server whose first connection answers `+OK` to every command (the
 * client's handshake, then anything), and whose later connections are
 * accepted and never answered: the state of a server that went away while
 * a connection to it was being made.
 */
function fakeServer(): {
  url: string;
  /** Settles when the second (silent) connection is accepted. */
  second: Promise<void>;
  close: () => Promise<void>;
} {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns: Deno.Conn[] = [];
  let second!: () => void;
  const secondP = new Promise<void>((r) => second = r);
  const served: Promise<void>[] = [];
  const accepting = (async () => {
    for await (const c of listener) {
      conns.push(c);
      if (conns.length > 1) {
        second();
        continue; // silent
      }
      served.push((async () => {
        const buf = new Uint8Array(65536);
        const text = new TextDecoder();
        try {
          for (;;) {
            const n = await c.read(buf);
            if (n === null) return;
            // One reply per command (each starts a line with '*').
            const commands = text.decode(buf.subarray(0, n)).split("\r\n")
              .filter((l) => l.startsWith("*")).length;
            await c.write(new TextEncoder().encode("+OK\r\n".repeat(commands)));
          }
        } catch { /* closed */ }
      })());
    }
  })();
  const port = (listener.addr as Deno.NetAddr).port;
  return {
    url: `redis://127.0.0.1:${port}`,
    second: secondP,
    close: async () => {
      listener.close();
      await accepting.catch(() => {});
      for (const c of conns) {
        try {
          c.close();
        } catch { /* closed */ }
      }
      await Promise.all(served);
    },
  };
}

/** Waits until the connection is up (the fake server answered). */
async function ready(c: Conn): Promise<void> {
  await c.run((cl) => cl.ping());
}

Deno.test("distributed Conn: a blocking connection whose handshake never completes fails with ConnectionError (no hang)", async () => {
  const srv = fakeServer();
  const conn = Conn.open(srv.url);
  try {
    await ready(conn);
    // The second connection is accepted and never answered.
    await assert.rejects(conn.blocking(), ConnectionError);
  } finally {
    conn.close();
    await srv.close();
  }
});

Deno.test("distributed Conn: closing the connection while a blocking one is being made ends the wait at once", async () => {
  const srv = fakeServer();
  const conn = Conn.open(srv.url);
  try {
    await ready(conn);
    const b = conn.blocking();
    // Mid-handshake, as when the connection is lost: its blocking
    // connections are closed, and whoever waits for one goes on.
    await srv.second;
    conn.close();
    await assert.rejects(b, ConnectionError);
  } finally {
    conn.close();
    await srv.close();
  }
});
