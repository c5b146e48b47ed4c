// Attaches the heap segment named by its argument as a child process's
// bootstrap does, and allocates a little (run with --trace-gc: its output
// shows whether the attach made V8 collect garbage).
import { installShmHeap } from "../../_internal/sync/shm_heap.ts";

const h = installShmHeap(Deno.args[0]!);
const ptr = h.alloc(64);
h.bytes(ptr, 64).fill(7);
h.free(ptr);
console.log("attached");
