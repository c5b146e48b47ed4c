import assert from "node:assert/strict";
import { getHeapStatistics } from "node:v8";
import {
  SHM_HEAP_BYTES,
  ShmBacking,
  ShmSegment,
} from "../../_internal/sync/shm.ts";
import { Heap } from "../../_internal/sync/heap.ts";

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

/**
 * Runs a script of this directory with V8's GC trace on; its output (the
 * trace's lines among the script's own). Fails the test if it failed.
 */
async function traceGc(script: string, ...args: string[]): Promise<string> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--quiet",
      "--v8-flags=--trace-gc",
      new URL(script, import.meta.url).pathname,
      ...args,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  return new TextDecoder().decode(out.stdout);
}

Deno.test("shm heap: allocating beside the attached heap does not run full GCs back to back", async () => {
  const text = await traceGc("./_shm_gc_child.ts");
  // 400 MB of short-lived buffers in a heap of a few MB: scavenges only,
  // or a full GC now and then; with a 64 GiB segment, 14–17 of them.
  const full = text.split("\n").filter((l) => l.includes("Mark-Compact"));
  assert.ok(full.length < 8, `${full.length} full GCs:\n${full.join("\n")}`);
});

/** A fresh heap segment, mapped twice (as two processes map it). */
function twoMappings(): {
  a: Heap;
  b: Heap;
  segments: ShmSegment[];
  [Symbol.dispose](): void;
} {
  const name = `/pyconc-test-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
  const first = ShmSegment.open(name, SHM_HEAP_BYTES, true, false);
  const segments = [first];
  try {
    const a = new Heap(new ShmBacking(first));
    const second = ShmSegment.open(name, 0, false, false);
    segments.push(second);
    const b = new Heap(new ShmBacking(second));
    return {
      a,
      b,
      segments,
      [Symbol.dispose]() {
        for (const s of segments) s.close();
        ShmSegment.unlink(name);
      },
    };
  } catch (e) {
    for (const s of segments) s.close();
    ShmSegment.unlink(name);
    throw e;
  }
}

Deno.test("shm heap: a mapping sees blocks another one allocated past its view", () => {
  using m = twoMappings();
  const { a, b } = m;
  const small = a.backing.buffer.byteLength;
  assert.ok(small < SHM_HEAP_BYTES, "the heap maps a view of the part in use");
  assert.equal(b.backing.buffer.byteLength, small);
  // Past both views: `a` grows its own, `b` learns of the block by pointer.
  const n = 3 * small;
  const ptr = a.alloc(n, false);
  assert.ok(a.backing.buffer.byteLength >= (ptr * 16 + n));
  a.bytes(ptr, n).fill(0x5a);
  a.int32(ptr, 1)[0] = 0x12345678;
  assert.equal(b.backing.buffer.byteLength, small, "b has not looked yet");
  assert.equal(b.int32(ptr, 1)[0], 0x12345678);
  assert.equal(b.bytes(ptr, n)[n - 1], 0x5a);
  assert.equal(b.u8[ptr * 16 + n - 1], 0x5a);
  assert.equal(b.float64(ptr, (n >> 2) - 2, 1).length, 1);
  const w = b.words(ptr, 2);
  w.store(1, 9);
  assert.equal(a.int32(ptr, 2)[1], 9);
  // The allocator of `b` walks blocks `a` made (it frees, coalesces, reuses).
  b.free(ptr);
  assert.equal(a.verify().blocks, b.verify().blocks);
  const again = b.alloc(n, false);
  assert.equal(again, ptr, "b reuses the freed block");
  assert.equal(a.bytes(again, n)[n - 1], 0x5a);
  a.free(again);
});

Deno.test("shm heap: a pointer past the heap's top is no object, and maps nothing", () => {
  using m = twoMappings();
  const { a, b } = m;
  const mapped = b.backing.buffer.byteLength;
  for (const ptr of [mapped / 16 + 1, SHM_HEAP_BYTES / 16 - 1, 2 ** 40]) {
    assert.throws(
      () => b.checkTag(ptr, 1, "a test object"),
      TypeError,
    );
  }
  assert.equal(b.backing.buffer.byteLength, mapped);
  const obj = a.allocObject(0x7e57, 2);
  b.checkTag(obj, 0x7e57, "a test object");
  a.release(obj);
});

Deno.test("shm heap: closing a segment detaches every view made over it", () => {
  const m = twoMappings();
  const { a } = m;
  const early = a.int32(a.alloc(16), 4);
  const ptr = a.alloc(4 * a.backing.buffer.byteLength, false); // grows the view
  const late = a.bytes(ptr, 16);
  const words = a.words(ptr, 4);
  m[Symbol.dispose]();
  assert.equal(early.length, 0);
  assert.equal(late.length, 0);
  assert.equal(words.i32.length, 0);
  assert.throws(() => m.segments[0]!.prefix(16), TypeError);
});

Deno.test("shm heap: attaching the program's heap starts no garbage collection", async () => {
  using m = twoMappings();
  m.a.alloc(1 << 20); // a heap in use
  const text = await traceGc("./_shm_attach_child.ts", m.segments[0]!.name);
  assert.match(text, /attached/);
  // With one 4 GiB ArrayBuffer over the segment, V8 counted it as external
  // memory and started marking at once (an incremental Mark-Compact).
  const gcs = text.split("\n").filter((l) => l.includes("Mark-Compact"));
  assert.deepEqual(gcs, []);
});
