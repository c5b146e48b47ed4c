import assert from "node:assert/strict";
import { Heap, SabBacking } from "../../_internal/sync/heap.ts";

Deno.test("heap: blocks are aligned, zeroed, distinct and reused after free", () => {
  const h = new Heap(SabBacking.create());
  const sizes = [1, 16, 17, 100, 2048, 2049, 5000, 1 << 20];
  const ptrs = sizes.map((n) => h.alloc(n));
  for (const [i, p] of ptrs.entries()) {
    assert.ok(h.sizeOf(p) >= sizes[i]!);
    assert.ok(h.bytes(p, sizes[i]!).every((b) => b === 0));
    h.bytes(p, sizes[i]!).fill(i + 1);
  }
  for (const [i, p] of ptrs.entries()) {
    assert.ok(
      h.bytes(p, sizes[i]!).every((b) => b === i + 1),
      "no block overlaps another",
    );
  }
  for (const p of ptrs) h.free(p);
  const again = sizes.map((n) => h.alloc(n));
  assert.deepEqual(new Set(again).size, again.length);
  assert.throws(() => {
    h.free(again[0]!);
    h.free(again[0]!);
  }, /double free/);
});

Deno.test("heap: large blocks coalesce, so freed space serves a bigger block", () => {
  const h = new Heap(SabBacking.create());
  const a = h.alloc(64 << 10), b = h.alloc(64 << 10), c = h.alloc(64 << 10);
  const guard = h.alloc(16); // keeps the three away from the top
  h.free(a);
  h.free(c);
  h.free(b); // merges with both neighbours
  const big = h.alloc(190 << 10);
  assert.equal(big, a, "the merged block is reused");
  h.free(big);
  h.free(guard);
});

Deno.test("heap: grows in place past its first megabyte", () => {
  const h = new Heap(SabBacking.create());
  const before = h.sab.byteLength;
  const p = h.alloc(8 << 20);
  h.bytes(p, 8 << 20).fill(7);
  assert.ok(h.sab.byteLength > before);
  assert.equal(h.bytes(p, 8 << 20)[(8 << 20) - 1], 7);
});

Deno.test("heap: refcounted objects are freed by the last release", () => {
  const h = new Heap(SabBacking.create());
  const p = h.allocObject(0x1234, 4);
  h.checkTag(p, 0x1234, "thing");
  assert.throws(() => h.checkTag(p, 0x9999, "thing"), /holds another object/);
  h.retain(p);
  h.release(p);
  h.checkTag(p, 0x1234, "thing");
  h.release(p);
  assert.throws(() => h.checkTag(p, 0x1234, "thing"));
});
