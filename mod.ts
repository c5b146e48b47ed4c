/**
 * pyconc: Python's concurrency modules for Deno, with Python's semantics.
 *
 * Each Python module is a namespace here (`threading.Lock` and, later,
 * `multiprocessing.Lock` do not collide), and each has its own entry point
 * (`@pyconc/std/threading`). Python's exception classes are exported at the
 * root.
 *
 * @example
 * ```ts
 * import { threading } from "@pyconc/std";
 * import assert from "node:assert/strict";
 *
 * const event = new threading.Event();
 * event.set();
 * assert.ok(await event.wait(0));
 * ```
 *
 * @module
 */

export * as threading from "./threading/mod.ts";
export * as mmap from "./mmap/mod.ts";
export * as os_process from "./os_process/mod.ts";
export * as queue from "./queue/mod.ts";
export * as subprocess from "./subprocess/mod.ts";
export * as multiprocessing from "./multiprocessing/mod.ts";
export * as shared_memory from "./multiprocessing/shared_memory/mod.ts";
export * as concurrent_futures from "./concurrent_futures/mod.ts";
export * as pickle from "./pickle/mod.ts";
export * from "./_internal/errors.ts";
