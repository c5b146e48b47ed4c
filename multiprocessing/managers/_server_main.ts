/**
 * The entry of a manager's server process (`BaseManager.start()`), as
 * CPython's `BaseManager._run_server`: runs the initializer, builds the
 * registry, binds, reports the address it bound (on a pipe of the
 * parent's, as CPython's), serves until shut down.
 *
 * It binds and reports before it loads what serving needs (the wire,
 * pickle, the object table: `_server_run.ts`, half of the server's
 * modules): the parent's `start()` returns that much sooner, and a client
 * that connects meanwhile waits in the socket's backlog, as one that
 * connects to a busy server.
 *
 * @module
 */

import type { Connection } from "../connection.ts";
import { bindListening, closeBound } from "../connection/_bind.ts";
import {
  loadTarget,
  type TargetSpec,
} from "../../_internal/threads/targets.ts";
import { serverRegistryOf, type TypeSpec } from "./_registry_spec.ts";
import { loadServerTypes } from "./_registry.ts";
import type { Address } from "./_transport.ts";
import { allowDaemonChildren } from "../../_internal/process/current.ts";

// Not a literal: Deno reads and analyses the graph of a literal dynamic
// import as it loads this module, which is what is put off here.
const SERVER_RUN = new URL("./_server_run.ts", import.meta.url).href;
type ServerRun = typeof import("./_server_run.ts");
/** Pending connections (as `_server.ts`'s BACKLOG, not loaded yet). */
const BACKLOG = 16;

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
    const bound = bindListening(address ?? undefined, undefined, BACKLOG);
    let run: ServerRun;
    try {
      report.sendSync(bound.address);
      report.close();
      // What serving needs loads now, while the parent goes on (a create
      // awaits the referent classes).
      loadServerTypes().catch(() => {/* each create reports it */});
      run = await import(SERVER_RUN) as ServerRun;
    } catch (e) {
      closeBound(bound);
      throw e;
    }
    await run.serveBound(registry, bound, authkey);
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
  const run = await import(SERVER_RUN) as ServerRun;
  run.warmUpServer(registry);
}
