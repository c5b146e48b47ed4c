import { Registry } from "../_internal/threads/registry.ts";
import { currentIdent } from "../_internal/sync/identity.ts";
import { currentNativeId, liveThreads, type Thread } from "./thread.ts";

/**
 * Python's `threading.active_count()`: the number of live threads of the
 * process (the main thread included), from any thread.
 *
 * @example
 * ```ts
 * import { activeCount } from "@pyconc/std/threading";
 * import assert from "node:assert/strict";
 *
 * assert.equal(activeCount(), 1);
 * ```
 */
export function activeCount(): number {
  return Registry.get().liveCount();
}

/**
 * Python's `threading.enumerate()`: every live thread of the process.
 *
 * Threads started by the calling thread are returned as the objects it
 * created; threads started elsewhere as `Thread` proxies (name, ident,
 * daemon, `join`, `isAlive`).
 *
 * @example
 * ```ts
 * import { enumerate, mainThread } from "@pyconc/std/threading";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(enumerate(), [mainThread()]);
 * ```
 */
export function enumerate(): Thread[] {
  return liveThreads();
}

/**
 * Python's `threading.get_ident()`: the calling thread's ident.
 *
 * @example
 * ```ts
 * import { currentThread, getIdent } from "@pyconc/std/threading";
 * import assert from "node:assert/strict";
 *
 * assert.equal(getIdent(), currentThread().ident);
 * ```
 */
export function getIdent(): number {
  return currentIdent();
}

/**
 * Python's `threading.get_native_id()`: the operating system's id of the
 * calling thread (the process id on the main thread). In a Worker it needs
 * read permission for `/proc/thread-self`; without it, null.
 *
 * @example
 * ```ts
 * import { getNativeId } from "@pyconc/std/threading";
 * import assert from "node:assert/strict";
 *
 * assert.equal(getNativeId(), Deno.pid);
 * ```
 */
export function getNativeId(): number | null {
  return currentNativeId();
}
