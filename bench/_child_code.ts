/**
 * The code a child process loads before it runs its target, loaded and not
 * run: the modules the process bootstrap imports (statically and by
 * literal dynamic imports: `_internal/process/bootstrap.ts`), for the floor
 * row under a cold start (bench/multiprocessing.ts).
 *
 * @module
 */

import "../_internal/sync/shm_heap.ts";
import "../_internal/ffi/libc.ts";
import "../_internal/process/os.ts";
import "../_internal/process/record_layout.ts";
import "../_internal/process/table.ts";
import "../_internal/process/exit.ts";
import "../_internal/process/child.ts";
import "../_internal/shareable_modules.ts";
