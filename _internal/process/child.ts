/**
 * The child's side of a `Process`: decodes the assignment the parent left
 * in the program's heap, takes on the identity it names, and runs the
 * target, as Python's `Process._bootstrap` does.
 *
 * A target function (or module reference) runs here directly; only a
 * `Process` subclass needs the `Process` class (its overridden `run()`),
 * which is loaded then. A child whose target never touches the `Process`
 * class so loads neither it nor what starting processes takes.
 *
 * @module
 */

import { decode } from "../codec/decode.ts";
import { loadTarget, preloaded } from "../threads/targets.ts";
import { loadShareablesFor } from "../shareable_modules.ts";
import { heap, Root } from "../sync/heap.ts";
import {
  type Assignment,
  identity,
  setAssignment,
  setIdentity,
} from "./current.ts";

/**
 * The Process class's module (a subclass's assignment needs it). Not a
 * literal: Deno reads and analyses the graph of a literal dynamic import
 * as it loads this module, which is what is put off here.
 */
const PROCESS_MODULE = new URL(
  "../../multiprocessing/process.ts",
  import.meta.url,
).href;
type ProcessModule = typeof import("../../multiprocessing/process.ts");
/**
 * Modules a child needs only now and then, not literals either: the
 * registry of lazy parts (when the parent used some) and the thread
 * registry (when this process started threads).
 */
const LAZY_MODULE = new URL("../lazy.ts", import.meta.url).href;
type LazyModule = typeof import("../lazy.ts");
const REGISTRY_MODULE = new URL("../threads/registry.ts", import.meta.url)
  .href;
type RegistryModule = typeof import("../threads/registry.ts");

/** Prints an uncaught error of a child's target, as Python's `_bootstrap`. */
export function reportChildError(e: unknown): void {
  let name: string;
  try {
    name = identity().name;
  } catch {
    name = "Process";
  }
  const text = e instanceof Error
    ? (e.stack ?? `${e.name}: ${e.message}`)
    : `Uncaught ${String(e)}`;
  console.error(`Process ${name}:\n${text}`);
}

/**
 * Runs a child's assignment (called by the process bootstrap).
 * @param bytes The encoded assignment.
 * @param parentFd A pidfd of the parent (-1 if none).
 * @returns the exit code.
 */
export async function runChild(
  bytes: Uint8Array,
  parentFd: number,
): Promise<number> {
  let a: Assignment;
  try {
    // A child loads shareable classes as it meets them: those of its
    // assignment now (see shareable_modules.ts).
    await loadShareablesFor(bytes);
    a = decode(bytes) as Assignment;
  } catch (e) {
    reportChildError(e);
    return 1;
  }
  setIdentity({
    name: a.name,
    authkey: a.authkey,
    identity: a.identity,
    daemon: a.daemon,
    parentPid: a.parentPid,
    parentName: a.parentName,
  });
  setAssignment(a, parentFd);
  try {
    // Sync calls in the target find loaded what the parent had loaded (the
    // registry of lazy parts loads only then: a module that registers one
    // loads it too).
    if (a.lazy !== undefined && a.lazy.length > 0) {
      (await import(LAZY_MODULE) as LazyModule).preloadLazyModules(a.lazy);
    }
    await preloaded();
    if (a.cls !== undefined) {
      // Its run() (a Process method) runs, as the parent's object would.
      const { runAssignedObject } = await import(
        PROCESS_MODULE
      ) as ProcessModule;
      await runAssignedObject(a);
    } else if (a.target !== undefined) {
      // What Process.run() does for a target.
      const fn = await loadTarget(a.target);
      await (a.kwargs !== undefined ? fn(...a.args, a.kwargs) : fn(...a.args));
    }
    return 0;
  } catch (e) {
    reportChildError(e);
    return 1;
  }
}

/**
 * Waits (without blocking the event loop) until this process's non-daemon
 * threads have ended, as Python's `threading._shutdown()` before a child
 * exits.
 */
export async function joinNonDaemonThreads(): Promise<void> {
  // No registry: this process never started a thread.
  if (heap().root(Root.REGISTRY) === 0) return;
  const { Registry } = await import(REGISTRY_MODULE) as RegistryModule;
  const words = Registry.get().words;
  for (;;) {
    const n = words.load(Registry.NON_DAEMON);
    if (n === 0) return;
    await words.waitAsync(Registry.NON_DAEMON, n, Infinity);
  }
}
