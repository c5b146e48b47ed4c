/**
 * Python's `multiprocessing.shared_memory` for Deno: named POSIX shared
 * memory segments, compatible with CPython's (same names, same
 * `ShareableList` layout), and a manager that unlinks what it made.
 *
 * Needs `--allow-ffi` (shm_open and mmap through libc). Segments a program
 * created and never unlinked are unlinked by the resource tracker once all
 * of its processes are gone.
 *
 * @example A segment shared with a child process
 * ```ts
 * import { SharedMemory } from "@pyconc/std/multiprocessing/shared_memory";
 * import { Process } from "@pyconc/std/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * using shm = new SharedMemory({ create: true, size: 4 });
 * const p = new Process({
 *   target: (shm: SharedMemory) => shm.buf.set([4, 3, 2, 1]),
 *   args: [shm],
 * });
 * p.start();
 * await p.join();
 * assert.deepEqual([...shm.buf], [4, 3, 2, 1]);
 * shm.unlink();
 * ```
 *
 * @module
 */

export { SharedMemory, type SharedMemoryOptions } from "./shared_memory.ts";
export { type ShareableItem, ShareableList } from "./shareable_list.ts";
export { SharedMemoryManager } from "./shared_memory_manager.ts";
export { ProcessError } from "../errors.ts";
export * from "../../_internal/errors.ts";
