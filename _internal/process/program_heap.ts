/**
 * The program's cross-process heap as multiprocessing uses it: the heap
 * segment is registered with the resource tracker when this process creates
 * it, so it is unlinked once every process of the program is gone.
 *
 * @module
 */

import type { Heap } from "../sync/heap.ts";
import { setOnShmHeapCreated, shmHeap } from "../sync/shm_heap.ts";
import { register } from "./tracker.ts";

setOnShmHeapCreated((name) => register("heap", name));

/**
 * The heap every multiprocessing object lives in.
 * @throws {PermissionError} Without `--allow-ffi`.
 */
export function programHeap(): Heap {
  return shmHeap();
}
