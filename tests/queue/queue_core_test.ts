// Internals of the queue core: the inline encodings, the sort keys, and
// what a queue owns (blocks, references) when items leave it otherwise
// than by `get`.
import assert from "node:assert/strict";
import { isDeepStrictEqual } from "node:util";
import { Full, Queue } from "../../queue/mod.ts";
import { Lock } from "../../threading/mod.ts";
import { heap } from "../../_internal/sync/heap.ts";
import { QueueLayout, Tag } from "../../_internal/sync/layout.ts";
import { Order, QueueCore } from "../../_internal/queue/queue_core.ts";
import {
  discard,
  F_INLINE,
  type Item,
  prepare,
} from "../../_internal/queue/item.ts";
import { keyLess, sortKey } from "../../_internal/queue/sort_key.ts";
import { encode } from "../../_internal/codec/encode.ts";
import { decode } from "../../_internal/codec/decode.ts";
import { SHARE } from "../../_internal/codec/shareable.ts";
import { rng } from "./_random.ts";

function inlineBytes(item: Item): Uint8Array {
  const words = Int32Array.of(item.w0, item.w1, item.w2, item.w3, item.w4);
  return new Uint8Array(words.buffer).slice(item.skip, item.skip + item.len);
}

Deno.test("queue items: the inline fast paths write exactly the codec's bytes", () => {
  const h = heap();
  const values = [
    0,
    -0,
    1,
    255,
    256,
    -1,
    2 ** 31 - 1,
    -(2 ** 31),
    2 ** 31,
    1.5,
    NaN,
    -Infinity,
    true,
    false,
    null,
    undefined,
    "",
    "abc",
    "x".repeat(18),
    "é",
    [1, 2],
    { a: 1 },
  ];
  for (const v of values) {
    const item = prepare(h, v, false);
    assert.ok(item.flags & F_INLINE, `${String(v)} is inline`);
    assert.deepEqual(inlineBytes(item), encode(v).bytes.slice(), String(v));
  }
  for (const v of ["x".repeat(19), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]]) {
    const item = prepare(h, v, false);
    assert.equal(item.flags & F_INLINE, 0, "too long to be inline");
    discard(h, item);
  }
});

Deno.test("queue items: binary data copied directly is the codec's encoding", () => {
  const h = heap();
  for (
    const v of [
      new Uint8Array(5000).map((_, i) => i),
      new Float32Array(3000).fill(1.25),
      new BigInt64Array(1000).fill(-5n),
      new Int16Array(new ArrayBuffer(20_000), 2, 4000).fill(-7),
      new ArrayBuffer(300_000),
      new Uint8Array(new SharedArrayBuffer(8192)).fill(3),
    ]
  ) {
    const item = prepare(h, v, false);
    const at = item.w0 * 16 + item.skip;
    assert.equal(item.flags & F_INLINE, 0);
    assert.deepEqual(
      h.u8.slice(at, at + item.len),
      encode(v).bytes.slice(),
      v.constructor.name,
    );
    discard(h, item);
  }
});

Deno.test("queue items: binary data copied directly comes back as the codec decodes it, in a buffer of its own", () => {
  const q = new Queue<ArrayBufferView | ArrayBuffer>();
  const values = [
    new Uint8Array(5000).map((_, i) => i),
    new Float32Array(3000).fill(1.25),
    new BigInt64Array(1000).fill(-5n),
    new Int16Array(new ArrayBuffer(20_000), 2, 4000).fill(-7),
    new ArrayBuffer(300_000),
    new Uint8Array(1 << 20).fill(7),
  ];
  for (const v of values) q.putSync(v);
  const got = values.map(() => q.getSync());
  for (const [i, v] of values.entries()) {
    const g = got[i]!;
    const name = v.constructor.name;
    assert.deepEqual(g, decode(encode(v).bytes), name);
    const buffer = g instanceof ArrayBuffer ? g : g.buffer;
    assert.ok(!(buffer instanceof SharedArrayBuffer), `${name}: not shared`);
    assert.equal(buffer.byteLength, v.byteLength, `${name}: exactly its bytes`);
    assert.ok(got.every((o, j) => j === i || o !== g), `${name}: its own`);
  }
  // Each array is the receiver's alone: writing it changes nothing queued.
  const first = got[0] as Uint8Array;
  q.putSync(values[0]!);
  first[1] = 99;
  assert.equal((q.getSync() as Uint8Array)[1], 1);
});

// ---------------------------------------------------------------------------
// Sort keys against a direct implementation of Python's comparisons.

function isNumeric(v: unknown): v is number | bigint | boolean {
  return typeof v === "number" || typeof v === "bigint" ||
    typeof v === "boolean";
}

function num(v: number | bigint | boolean): number | bigint {
  return typeof v === "boolean" ? Number(v) : v;
}

/** Python's `==` for these values. */
function pyEq(a: unknown, b: unknown): boolean {
  if (isNumeric(a) && isNumeric(b)) return num(a) == num(b); // exact across number/bigint
  if (typeof a === "string" || typeof b === "string") return a === b;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => pyEq(x, b[i]));
  }
  if (a instanceof Date && b instanceof Date) {
    return a.getTime() === b.getTime();
  }
  if (Array.isArray(a) || Array.isArray(b) || isNumeric(a) || isNumeric(b)) {
    return false;
  }
  return isDeepStrictEqual(a, b);
}

function codePoints(s: string): number[] {
  return [...s].map((c) => c.codePointAt(0)!);
}

/** Python's `<` for these values. */
function pyLess(a: unknown, b: unknown): boolean {
  if (isNumeric(a) && isNumeric(b)) return num(a) < num(b);
  if (typeof a === "string" && typeof b === "string") {
    const x = codePoints(a), y = codePoints(b);
    for (let i = 0; i < Math.min(x.length, y.length); i++) {
      if (x[i] !== y[i]) return x[i]! < y[i]!;
    }
    return x.length < y.length;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      if (!pyEq(a[i], b[i])) return pyLess(a[i], b[i]);
    }
    return a.length < b.length;
  }
  if (a instanceof Date && b instanceof Date) return a.getTime() < b.getTime();
  throw new TypeError("'<' not supported");
}

function randomValue(r: () => number, depth: number): unknown {
  const k = Math.floor(r() * 14);
  switch (k) {
    case 0:
      return Math.floor(r() * 3);
    case 1:
      return [
        0.5,
        -1.5,
        NaN,
        Infinity,
        -0,
        2 ** 53,
        2 ** 60,
      ][Math.floor(r() * 7)];
    case 2:
      return [
        0n,
        1n,
        2n ** 53n + 1n,
        2n ** 60n,
        2n ** 60n + 1n,
        -(2n ** 64n),
        10n ** 400n,
      ][Math.floor(r() * 7)];
    case 3:
      return r() < 0.5;
    case 4:
    case 5:
      return [
        "",
        "a",
        "ab",
        "b",
        "é",
        "\uffff",
        "\u{10000}",
        "a\u{1F600}",
      ][Math.floor(r() * 8)];
    case 6:
      return null;
    case 7:
      return [{}, { a: 1 }, { a: 2 }, { b: 1, a: 1 }][Math.floor(r() * 4)];
    case 8:
      return new Date(Math.floor(r() * 3));
    case 9:
      return new Map([[1, Math.floor(r() * 2)]]);
    default: {
      if (depth === 0) return Math.floor(r() * 3);
      const n = Math.floor(r() * 4);
      const a: unknown[] = [];
      for (let i = 0; i < n; i++) a.push(randomValue(r, depth - 1));
      return a;
    }
  }
}

/** A value close to `v` (so that comparisons often go deep). */
function mutate(r: () => number, v: unknown): unknown {
  if (Array.isArray(v) && v.length > 0 && r() < 0.7) {
    const copy = [...v];
    const i = Math.floor(r() * copy.length);
    copy[i] = r() < 0.5 ? mutate(r, copy[i]) : copy[i];
    if (r() < 0.2) copy.push(randomValue(r, 1));
    if (r() < 0.2) copy.pop();
    return copy;
  }
  return r() < 0.3 ? v : randomValue(r, 2);
}

Deno.test("sortKey/keyLess agree with Python's comparison rules on random values", () => {
  const r = rng(1);
  let less = 0, notLess = 0, errors = 0;
  for (let i = 0; i < 20_000; i++) {
    const a = randomValue(r, 3);
    const b = mutate(r, a);
    let want: string;
    try {
      want = String(pyLess(a, b));
    } catch {
      want = "TypeError";
    }
    let got: string;
    try {
      got = String(keyLess(sortKey(a), 0, sortKey(b), 0));
    } catch (e) {
      assert.ok(e instanceof TypeError);
      got = "TypeError";
    }
    assert.equal(got, want, `${Deno.inspect(a)} < ${Deno.inspect(b)}`);
    if (want === "true") less++;
    else if (want === "false") notLess++;
    else errors++;
  }
  assert.ok(
    less > 1000 && notLess > 1000 && errors > 1000,
    `${less} ${notLess} ${errors}`,
  );
});

// ---------------------------------------------------------------------------
// References held by items that never reach `get`.

function refcount(o: object): number {
  const ptr = (o as { [SHARE](): { data: unknown } })[SHARE]().data as number;
  return heap().int32(ptr, 2)[1]!;
}

Deno.test("a queue destroyed with items in it releases their references and blocks", () => {
  const h = heap();
  const lock = new Lock();
  const base = refcount(lock);
  const ptr = h.allocObject(Tag.QUEUE, QueueLayout.WORDS);
  QueueCore.init(h, ptr, QueueLayout.CORE, Order.FIFO, 0, true);
  const core = new QueueCore(h, ptr, QueueLayout.CORE);
  for (let i = 0; i < 3; i++) core.putSync({ lock, i }, true, null);
  for (let i = 0; i < 50; i++) core.putSync(new Uint8Array(10_000), true, null);
  assert.equal(refcount(lock), base + 3, "each queued item holds a reference");
  h.release(ptr); // the last reference: the destructor runs
  assert.equal(refcount(lock), base, "the items' references were released");
  // The blocks went back to the heap: the same sizes are found again.
  const again = Array.from({ length: 50 }, () => h.alloc(10_010, false));
  const top = h.alloc(10_010, false);
  for (const p of [...again, top]) h.free(p);
  assert.ok(again.every((p) => p < top));
});

Deno.test("a put that fails after encoding releases the item's references", async () => {
  const lock = new Lock();
  const base = refcount(lock);
  const q = new Queue<unknown>(1);
  q.putSync(0);
  assert.throws(() => q.putSync({ lock }, true, 0.01), Full);
  await assert.rejects(q.put({ lock }, true, 0.01), Full);
  assert.equal(refcount(lock), base);
  q.getSync();
  q.putSync({ lock });
  assert.equal(refcount(lock), base + 1);
  const { lock: same } = q.getSync() as { lock: Lock };
  assert.equal(same, lock);
  assert.equal(refcount(lock), base, "get hands the reference to the wrapper");
});

Deno.test("QueueCore storage shrinks back after a burst", () => {
  const q = new Queue<number>();
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < 100_000; i++) q.putSync(i);
    for (let i = 0; i < 100_000; i++) assert.equal(q.getSync(), i);
  }
  // A fresh burst reuses the freed storage: the heap does not keep growing.
  const h = heap();
  const before = h.backing.buffer.byteLength;
  for (let i = 0; i < 100_000; i++) q.putSync(i);
  for (let i = 0; i < 100_000; i++) q.getSync();
  assert.equal(h.backing.buffer.byteLength, before);
});
