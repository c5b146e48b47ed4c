import assert from "node:assert/strict";
import { getHeapStatistics } from "node:v8";
import { SHM_HEAP_BYTES } from "../../_internal/sync/shm.ts";

// V8 counts the heap segment's ArrayBuffer as external memory: a segment
// beyond the JavaScript heap's limit keeps the isolate over its global
// memory limit for good, and it runs a full GC on every allocation check.
Deno.test("shm heap: the segment stays within V8's heap limit", () => {
  assert.ok(SHM_HEAP_BYTES >= 2 ** 30);
  assert.ok(
    SHM_HEAP_BYTES <= getHeapStatistics().heap_size_limit,
    `${SHM_HEAP_BYTES} > ${getHeapStatistics().heap_size_limit}`,
  );
});

Deno.test("shm heap: allocating beside the attached heap does not run full GCs back to back", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--quiet",
      "--v8-flags=--trace-gc",
      new URL("./_shm_gc_child.ts", import.meta.url).pathname,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  // 400 MB of short-lived buffers in a heap of a few MB: scavenges only,
  // or a full GC now and then; with a 64 GiB segment, 14–17 of them.
  const full = text.split("\n").filter((l) => l.includes("Mark-Compact"));
  assert.ok(full.length < 8, `${full.length} full GCs:\n${full.join("\n")}`);
});
