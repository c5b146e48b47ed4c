/**
 * Whether this code runs on the process's main thread, without loading
 * Node's compatibility layer (`node:worker_threads` costs ≈ 6 ms at start,
 * which a child process pays on its critical path). Every Worker's global
 * scope, Node-style or not, is a `DedicatedWorkerGlobalScope`.
 *
 * @module
 */

/** True on the process's main thread. */
export const isMainThread: boolean =
  typeof (globalThis as Record<string, unknown>).DedicatedWorkerGlobalScope ===
    "undefined";
