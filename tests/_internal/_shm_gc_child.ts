// Attaches the program's cross-process heap, then allocates ArrayBuffers as
// a busy event loop does (sockets, codecs); run with --trace-gc, its output
// shows how many full GCs that took.
import { programHeap } from "../../_internal/process/program_heap.ts";

programHeap();
let keep: Uint8Array[] = [];
for (let i = 0; i < 20_000; i++) {
  keep.push(new Uint8Array(20_000));
  if (keep.length > 10) keep = [];
  await null;
}
