/**
 * Helpers of the multiprocessing.connection suites: connected pairs and
 * leak checks (descriptors and socket files, which Deno's sanitizers do
 * not see: they are libc's).
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  Client,
  type Family,
  Listener,
  type SocketConnection,
} from "../../../multiprocessing/connection/mod.ts";
import { openFds } from "../../_resources.ts";

/** Socket files our listeners made (fresh paths) that still exist. */
export function socketFiles(): string[] {
  const tmp = Deno.env.get("TMPDIR") || "/tmp";
  const out: string[] = [];
  for (const e of Deno.readDirSync(tmp)) {
    if (e.name.startsWith(`pyconc-listener-${Deno.pid}-`)) out.push(e.name);
  }
  return out;
}

/**
 * A Deno.test that fails if it leaves a socket descriptor or a socket file
 * behind.
 */
export function leakTest(
  name: string,
  fn: () => void | Promise<void>,
): void {
  Deno.test(name, async () => {
    const before = openFds();
    const files = socketFiles();
    await fn();
    const after = openFds();
    // Sockets only: the process machinery keeps its own pipes and pidfds
    // for a moment after join().
    const leaked = [...after].filter(([fd, target]) =>
      target.startsWith("socket:") && before.get(fd) !== target
    );
    assert.deepEqual(leaked, [], "sockets left open");
    assert.deepEqual(socketFiles(), files, "socket files left behind");
  });
}

/** A connected pair: [the accepted end, the client end]. */
export async function pair(
  family: Family = "AF_UNIX",
): Promise<[SocketConnection, SocketConnection]> {
  using listener = new Listener(
    family === "AF_INET" ? { address: ["127.0.0.1", 0] } : {},
  );
  const [a, b] = await Promise.all([
    listener.accept(),
    Client(listener.address),
  ]);
  return [a, b];
}

export const encoder: TextEncoder = new TextEncoder();
export const decoder: TextDecoder = new TextDecoder();

/** The bytes of an ASCII/UTF-8 string. */
export function b(s: string): Uint8Array {
  return encoder.encode(s);
}
