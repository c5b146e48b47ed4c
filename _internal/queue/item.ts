/**
 * Queue items in shared memory: encoded once at `put`, decoded once at
 * `get`.
 *
 * An item occupies one 32-byte slot of the queue's storage: its encoded
 * length, where its encoding starts (after a priority queue's sort key),
 * flags, and either the bytes themselves (key then encoding, when they fit
 * in 20 bytes: small numbers, short strings, small pairs) or a pointer to a
 * heap block holding them. Inline items cost no allocation and no heap lock:
 * with them a put+get pair of small ints takes ≈ 0.23 µs on one thread
 * instead of ≈ 0.7 µs, and a producer and a consumer thread move ≈ 2× as
 * many items per second (measured while building bench/queue.ts).
 *
 * Small typed arrays are costly to allocate in V8 (≈ 0.2–0.8 µs): no hot
 * path allocates one per item.
 *
 * @module
 */

import type { Heap } from "../sync/heap.ts";
import { encode } from "../codec/encode.ts";
import { decode } from "../codec/decode.ts";
import { T, TYPED_ARRAYS, typedArrayKind } from "../codec/tags.ts";
import { SHARE } from "../codec/shareable.ts";
import { type HeldKey, holdKey, releaseKey } from "./sort_key.ts";

/** Words per slot. */
export const SLOT_WORDS = 8;
/**
 * Slot words: encoded length; where the encoding starts (after the sort
 * key, and in a block after padding that aligns bulk data: V8 copies
 * to and from shared memory several times faster at 8-byte-aligned
 * addresses); flags; then the block pointer or the inline bytes.
 */
export const S_LEN = 0;
export const S_SKIP = 1;
export const S_FLAGS = 2;
export const S_PTR = 3;
/** Inline bytes start at this byte of the slot and hold at most INLINE_BYTES. */
export const INLINE_AT = 12;
export const INLINE_BYTES = 20;

/** The bytes are in the slot, not in a heap block. */
export const F_INLINE = 1;
/** The item may hold references to shareable objects (released on discard). */
export const F_REFS = 2;

/** Top-level binary data from this size on is copied straight into the heap. */
const DIRECT_BYTES = 4096;

const scratch = new Int32Array(INLINE_BYTES / 4);
const scratchU8 = new Uint8Array(scratch.buffer);
const f64 = new Float64Array(1);
const f64bytes = new Uint8Array(f64.buffer);

/** An item ready to be stored: the image of its slot, built before the lock. */
export class Item {
  /** Encoded length in bytes. */
  len = 0;
  /** Bytes before the encoding: the sort key, and padding in a block. */
  skip = 0;
  /** F_INLINE, F_REFS. */
  flags = 0;
  /**
   * The five words after the flags: a block pointer, or the inline bytes.
   * A priority queue's sort key starts the bytes, in the block or inline.
   */
  w0 = 0;
  w1 = 0;
  w2 = 0;
  w3 = 0;
  w4 = 0;
}

/** Writes the codec's encoding of a small scalar at `at`; returns its length, or -1. */
function scalarInto(v: unknown, buf: Uint8Array, at: number): number {
  const room = INLINE_BYTES - at;
  switch (typeof v) {
    case "number":
      // As the codec: integers in two or five bytes, others as float64.
      if ((v | 0) === v && (v !== 0 || 1 / v > 0)) {
        if (v >= 0 && v < 256) {
          if (room < 2) return -1;
          buf[at] = T.UINT8;
          buf[at + 1] = v;
          return 2;
        }
        if (room < 5) return -1;
        buf[at] = T.INT32;
        buf[at + 1] = v & 0xff;
        buf[at + 2] = (v >> 8) & 0xff;
        buf[at + 3] = (v >> 16) & 0xff;
        buf[at + 4] = (v >>> 24) & 0xff;
        return 5;
      }
      if (room < 9) return -1;
      buf[at] = T.FLOAT64;
      f64[0] = v;
      buf.set(f64bytes, at + 1);
      return 9;
    case "boolean":
      if (room < 1) return -1;
      buf[at] = v ? T.TRUE : T.FALSE;
      return 1;
    case "undefined":
      if (room < 1) return -1;
      buf[at] = T.UNDEFINED;
      return 1;
    case "string": {
      const n = v.length;
      if (n + 2 > room) return -1;
      buf[at] = T.STRING;
      buf[at + 1] = n;
      for (let i = 0; i < n; i++) {
        const c = v.charCodeAt(i);
        if (c >= 0x80) return -1;
        buf[at + 2 + i] = c;
      }
      return n + 2;
    }
    case "object":
      if (v !== null || room < 1) return -1;
      buf[at] = T.NULL;
      return 1;
    default:
      return -1;
  }
}

/** Whether an item may contain shareable objects (which hold references). */
function mayHoldRefs(v: unknown): boolean {
  return typeof v === "object" && v !== null && !ArrayBuffer.isView(v) &&
    !(v instanceof ArrayBuffer);
}

/** The codec's header for top-level binary data copied directly, or undefined. */
function directHeader(v: unknown): number[] | undefined {
  let header: number[];
  let length: number;
  if (ArrayBuffer.isView(v)) {
    if (v instanceof DataView || v.byteLength < DIRECT_BYTES) return undefined;
    if (
      typeof (v as unknown as Record<symbol, unknown>)[SHARE] === "function"
    ) {
      return undefined;
    }
    const kind = typedArrayKind(v);
    if (kind < 0) return undefined;
    const shared = v.buffer instanceof SharedArrayBuffer;
    header = [T.TYPED_ARRAY, kind | (shared ? 0x80 : 0)];
    length = v.byteLength;
  } else if (v instanceof ArrayBuffer && v.byteLength >= DIRECT_BYTES) {
    header = [T.ARRAY_BUFFER];
    length = v.byteLength;
  } else {
    return undefined;
  }
  while (length >= 0x80) {
    header.push((length % 0x80) | 0x80);
    length = Math.floor(length / 0x80);
  }
  header.push(length);
  return header;
}

/** `n` rounded up to a multiple of 16. */
function align(n: number): number {
  return (n + 15) & ~15;
}

function packInline(item: Item): void {
  item.flags |= F_INLINE;
  item.w0 = scratch[0]!;
  item.w1 = scratch[1]!;
  item.w2 = scratch[2]!;
  item.w3 = scratch[3]!;
  item.w4 = scratch[4]!;
}

/**
 * Encodes a value for a queue (before the queue's lock is taken).
 * SharedArrayBuffers are copied; shareable objects travel by reference.
 *
 * @param heap Where large items go.
 * @param value The item.
 * @param ordered Whether to compute a sort key (priority queues).
 * @throws {TypeError} If the value cannot cross a thread boundary.
 * @throws {RangeError} (MemoryError) If the heap cannot hold it.
 */
export function prepare(heap: Heap, value: unknown, ordered: boolean): Item {
  if (!ordered) return store(heap, value, undefined);
  // The key first, held until the item is stored: its walk and the
  // encoding may run getters, which may put into another priority queue.
  const key = holdKey(value);
  try {
    return store(heap, value, key);
  } finally {
    releaseKey(key);
  }
}

/** The largest encoding an item may have (its length is a 32-bit word). */
const MAX_ITEM_BYTES = 2 ** 32 - 1;

function tooLarge(bytes: number): RangeError {
  return new RangeError(
    `Cannot put an item of ${bytes} bytes: a queue item is limited to 4 GiB`,
  );
}

function store(heap: Heap, value: unknown, key: HeldKey | undefined): Item {
  const item = new Item();
  const keyLen = key !== undefined ? key.length : 0;
  if (keyLen < INLINE_BYTES) {
    const n = scalarInto(value, scratchU8, keyLen);
    if (n >= 0) {
      if (key !== undefined) copyKey(key, scratchU8, 0);
      item.skip = keyLen;
      item.len = n;
      packInline(item);
      return item;
    }
  }
  const header = directHeader(value);
  if (header !== undefined) {
    const data = ArrayBuffer.isView(value)
      ? new Uint8Array(value.buffer, value.byteOffset, value.byteLength)
      : new Uint8Array(value as ArrayBuffer);
    item.len = header.length + data.length;
    if (item.len > MAX_ITEM_BYTES) throw tooLarge(item.len);
    item.skip = align(keyLen + header.length) - header.length;
    const ptr = heap.alloc(item.skip + item.len, false);
    const at = ptr * 16;
    const u8 = heap.u8; // after the allocation: it covers the block
    if (key !== undefined) copyKey(key, u8, at);
    u8.set(header, at + item.skip);
    u8.set(data, at + item.skip + header.length);
    item.w0 = ptr;
    return item;
  }
  // A queue in a cross-process heap (multiprocessing) refuses objects that
  // live in this process only, as anything sent to another process does.
  const bytes = encode(
    value,
    heap.backing.buffer instanceof SharedArrayBuffer ? "copy" : "process",
  ).bytes;
  if (mayHoldRefs(value)) item.flags |= F_REFS;
  item.len = bytes.length;
  if (item.len > MAX_ITEM_BYTES) {
    if (item.flags & F_REFS) dropRefs(bytes);
    throw tooLarge(item.len);
  }
  if (keyLen + bytes.length <= INLINE_BYTES) {
    if (key !== undefined) copyKey(key, scratchU8, 0);
    scratchU8.set(bytes, keyLen);
    item.skip = keyLen;
    packInline(item);
    return item;
  }
  item.skip = align(keyLen);
  let ptr: number;
  try {
    ptr = heap.alloc(item.skip + bytes.length, false);
  } catch (e) {
    if (item.flags & F_REFS) dropRefs(bytes);
    throw e;
  }
  const at = ptr * 16;
  const u8 = heap.u8; // after the allocation: it covers the block
  if (key !== undefined) copyKey(key, u8, at);
  u8.set(bytes, at + item.skip);
  item.w0 = ptr;
  return item;
}

function copyKey(key: HeldKey, dst: Uint8Array, at: number): void {
  dst.set(key.bytes.subarray(0, key.length), at);
}

/** Releases the references an encoded value holds, by decoding it and dropping the result. */
function dropRefs(bytes: Uint8Array): void {
  try {
    decode(bytes);
  } catch {
    // A class this thread cannot rebuild: its reference stays (a leak, not a crash).
  }
}

/** Undoes {@linkcode prepare} for an item that was not stored. */
export function discard(heap: Heap, item: Item): void {
  if (item.flags & F_INLINE) return; // inline bytes are too short to hold a shareable
  const ptr = item.w0;
  try {
    if (item.flags & F_REFS) {
      const at = ptr * 16 + item.skip;
      dropRefs(heap.u8.subarray(at, at + item.len));
    }
  } finally {
    heap.free(ptr);
  }
}

/** Writes an item's slot at word `w` of `i32`. */
export function writeSlot(i32: Int32Array, w: number, item: Item): void {
  const img = slotImage;
  img[S_LEN] = item.len;
  img[S_SKIP] = item.skip;
  img[S_FLAGS] = item.flags;
  img[3] = item.w0;
  img[4] = item.w1;
  img[5] = item.w2;
  img[6] = item.w3;
  img[7] = item.w4;
  i32.set(img, w);
}
const slotImage = new Int32Array(SLOT_WORDS);

/** Byte offset (in the heap) of the sort key of the slot at word `w`. */
export function keyOffset(i32: Int32Array, w: number): number {
  return i32[w + S_FLAGS]! & F_INLINE ? (w + 3) * 4 : i32[w + S_PTR]! * 16;
}

/** A block item taken out of the storage, to decode once the lock is released. */
export class Taken {
  /** The block. */
  readonly ptr: number;
  /** Byte offset of the encoding in the heap. */
  readonly at: number;
  /** Its length. */
  readonly len: number;
  constructor(ptr: number, at: number, len: number) {
    this.ptr = ptr;
    this.at = at;
    this.len = len;
  }
}

/**
 * Reads the item of a slot image copied out of the storage (under the
 * lock): an inline item is decoded at once (small scalars without
 * allocating; nothing inline can hold a shareable object, so decoding runs
 * no foreign code), a block item comes back as a {@linkcode Taken} for
 * {@linkcode finish}.
 *
 * @param slot The slot's words (a private copy).
 * @param slotU8 The same memory as bytes.
 */
export function takeSlot(slot: Int32Array, slotU8: Uint8Array): unknown {
  const len = slot[S_LEN]! >>> 0; // up to 4 GiB
  const skip = slot[S_SKIP]!;
  if (!(slot[S_FLAGS]! & F_INLINE)) {
    return new Taken(slot[S_PTR]!, slot[S_PTR]! * 16 + skip, len);
  }
  const at = INLINE_AT + skip;
  switch (slotU8[at]) {
    case T.UINT8:
      return slotU8[at + 1];
    case T.INT32:
      return slotU8[at + 1]! | (slotU8[at + 2]! << 8) |
        (slotU8[at + 3]! << 16) | (slotU8[at + 4]! << 24);
    case T.FLOAT64:
      for (let k = 0; k < 8; k++) f64bytes[k] = slotU8[at + 1 + k]!;
      return f64[0];
    case T.TRUE:
      return true;
    case T.FALSE:
      return false;
    case T.NULL:
      return null;
    case T.UNDEFINED:
      return undefined;
    case T.STRING: {
      const n = slotU8[at + 1]!;
      let s = "";
      for (let i = 0; i < n; i++) {
        const c = slotU8[at + 2 + i]!;
        if (c >= 0x80) return decode(slotU8.subarray(at, at + len));
        s += String.fromCharCode(c);
      }
      return s;
    }
  }
  return decode(slotU8.subarray(at, at + len));
}

/**
 * Decodes a {@linkcode Taken} item (after the lock is released) and frees
 * its block.
 */
export function finish(heap: Heap, taken: Taken): unknown {
  try {
    const src = heap.u8.subarray(taken.at, taken.at + taken.len);
    return directValue(src) ?? decode(src);
  } finally {
    heap.free(taken.ptr);
  }
}

/**
 * Top-level binary data, decoded as the codec would, but copied by the
 * typed array constructor (`new Uint8Array(view)`), not by `slice` (the
 * codec's way, about half as fast out of shared memory) nor by
 * `new Uint8Array(n)` then `set`: the constructor takes its memory from
 * malloc uninitialised and writes each byte once, where `new Uint8Array(n)`
 * is calloc'ed and zeroed first (a second pass over cold memory: ≈ 25 %
 * of the consumer thread's CPU time in bench/queue.ts's 1 MiB row).
 */
function directValue(
  src: Uint8Array,
): ArrayBufferView | ArrayBuffer | undefined {
  const tag = src[0];
  if (src.length < DIRECT_BYTES) return undefined;
  let at: number;
  let kind = -1;
  if (tag === T.TYPED_ARRAY) {
    kind = src[1]!;
    if (kind & 0x80) return undefined; // over a SharedArrayBuffer: the codec's way
    at = 2;
  } else if (tag === T.ARRAY_BUFFER) {
    at = 1;
  } else {
    return undefined;
  }
  let n = 0, mul = 1, b: number;
  do {
    b = src[at++]!;
    n += (b & 0x7f) * mul;
    mul *= 0x80;
  } while (b & 0x80);
  if (at + n !== src.length) return undefined;
  const out = new Uint8Array(src.subarray(at));
  if (kind < 0) return out.buffer;
  const Ctor = TYPED_ARRAYS[kind];
  if (Ctor === undefined) return undefined;
  return new Ctor(out.buffer, 0, n / Ctor.BYTES_PER_ELEMENT);
}

/** Releases what a stored slot at word `w` owns (for a queue's destructor). */
export function destroySlot(heap: Heap, i32: Int32Array, w: number): void {
  const flags = i32[w + S_FLAGS]!;
  if (flags & F_INLINE) return;
  const ptr = i32[w + S_PTR]!;
  const at = ptr * 16 + i32[w + S_SKIP]!;
  try {
    if (flags & F_REFS) {
      dropRefs(heap.u8.subarray(at, at + (i32[w + S_LEN]! >>> 0)));
    }
  } finally {
    heap.free(ptr);
  }
}
