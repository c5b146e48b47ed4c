/**
 * The part of a manager's server process that serves: the wire (pickle,
 * connections, the challenge), the object table, the client. A server
 * process loads it after it reported the address it bound (see
 * `_server_main.ts`): the parent's `start()` returns while it loads, and a
 * client that connects meanwhile waits in the socket's backlog.
 *
 * @module
 */

import type { Bound } from "../connection/_bind.ts";
import type { ServerRegistry } from "./_registry.ts";
import { ServerCore } from "./_server.ts";
import { adoptedListener } from "./_wire.ts";
// The client too: a served object may hold proxies of other servers, and a
// child told to preload it (its parent used proxies) finds it loaded.
import "./_proxy_impl.ts";

/** Serves on a socket bound already, until the server is shut down. */
export async function serveBound(
  registry: ServerRegistry,
  bound: Bound,
  authkey: Uint8Array,
): Promise<void> {
  const server = new ServerCore(
    registry,
    null,
    authkey,
    adoptedListener(bound),
  );
  await server.serveForever();
}

/**
 * Runs a server's start-up paths once (see `warmUp` in _server_main.ts):
 * binds a Linux abstract socket (no file) and closes it at once.
 */
export function warmUpServer(registry: ServerRegistry): void {
  const name = `\0pyconc-warm-${Deno.pid}-${crypto.randomUUID()}`;
  new ServerCore(registry, name, new Uint8Array(0)).shutdown();
}
