/**
 * The entry of a manager's server process (`BaseManager.start()`), as
 * CPython's `BaseManager._run_server`: runs the initializer, builds the
 * server, reports the address it bound (on a pipe of the parent's, as
 * CPython's), serves until shut down.
 *
 * @module
 */

import type { Connection } from "../connection.ts";
import {
  loadTarget,
  type TargetSpec,
} from "../../_internal/threads/targets.ts";
import { serverRegistryOf, type TypeSpec } from "./_registry_spec.ts";
import { loadServerTypes } from "./_registry.ts";
import { ServerCore } from "./_server.ts";
import type { Address } from "./_transport.ts";
import "./_wire.ts";
// The client too: a served object may hold proxies of other servers, and a
// child told to preload it (its parent used proxies) finds it loaded.
import "./_proxy_impl.ts";
import { allowDaemonChildren } from "../process.ts";

/** Runs a manager's server in this process until it is shut down. */
export async function runServer(
  specs: TypeSpec[],
  address: Address | null,
  authkey: Uint8Array,
  report: Connection,
  initializer: TargetSpec | null,
  initargs: unknown[],
): Promise<void> {
  // bpo-36368: the server ignores SIGINT (Ctrl-C in a terminal reaches the
  // whole process group); its parent shuts it down.
  try {
    Deno.addSignalListener("SIGINT", ignore);
  } catch { /* not permitted: keep the default */ }
  // The server is daemonic (it dies with its parent); a Pool it serves
  // starts worker processes, which die with it.
  allowDaemonChildren();
  try {
    if (initializer !== null) {
      await (await loadTarget(initializer))(...initargs);
    }
    const registry = await serverRegistryOf(specs);
    const server = new ServerCore(registry, address, authkey);
    report.sendSync(server.address);
    report.close();
    // The referent classes load now, while the parent goes on (a create
    // awaits them).
    loadServerTypes().catch(() => {/* each create reports it */});
    await server.serveForever();
  } finally {
    try {
      Deno.removeSignalListener("SIGINT", ignore);
    } catch { /* never added */ }
  }
}

function ignore(): void {}

/**
 * Runs the server's start-up paths once, in a spare child that loaded this
 * module ahead (`_internal/process/module_preload.ts`): V8 compiles a
 * function on its first call, so a server started on that spare answers
 * sooner. It binds a Linux abstract socket (no file) and closes it at once.
 */
export async function warmUp(): Promise<void> {
  await loadServerTypes();
  const registry = await serverRegistryOf([{
    typeid: "dict",
    builtin: "dict",
    target: null,
    exposed: null,
    methodToTypeid: null,
  }]);
  const name = `\0pyconc-warm-${Deno.pid}-${crypto.randomUUID()}`;
  new ServerCore(registry, name, new Uint8Array(0)).shutdown();
}
