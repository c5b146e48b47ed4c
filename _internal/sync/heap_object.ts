/**
 * The plumbing every heap-backed shareable class shares: allocate or attach
 * its region, tie the region's reference to the JavaScript object's life,
 * describe it for the codec, and rebuild it on the other side with object
 * identity kept within a thread (a lock sent to a thread and back is the
 * same object again).
 *
 * Every function takes the heap the class lives in: the in-process heap
 * (threading, queue) by default, or a program's cross-process heap
 * (multiprocessing).
 *
 * @module
 */

import { type Heap, heap } from "./heap.ts";
import { registerShareable, type ShareRecord } from "../codec/shareable.ts";

/** Set while a class constructor runs to attach an existing region. */
let attachPtr = 0;

/** Live wrappers of this thread, per heap, by region pointer. */
const live = new WeakMap<Heap, Map<number, WeakRef<object>>>();
const forget = new FinalizationRegistry<
  { map: Map<number, WeakRef<object>>; ptr: number }
>(
  ({ map, ptr }) => {
    if (map.get(ptr)?.deref() === undefined) map.delete(ptr);
  },
);

function liveMap(h: Heap): Map<number, WeakRef<object>> {
  let map = live.get(h);
  if (map === undefined) {
    map = new Map();
    live.set(h, map);
  }
  return map;
}

/**
 * Called first in a heap-backed class's constructor: the region to use.
 * Either the one being attached (its tag checked), or a fresh object.
 *
 * @param holder The new JavaScript object (its life holds one reference).
 * @param tag The type tag.
 * @param words The object's size in words.
 * @param what The class name, for errors.
 * @param h The heap the class lives in.
 */
export function claimRegion(
  holder: object,
  tag: number,
  words: number,
  what: string,
  h: Heap = heap(),
): number {
  let ptr = attachPtr;
  if (ptr !== 0) {
    attachPtr = 0;
    h.checkTag(ptr, tag, what);
  } else {
    ptr = h.allocObject(tag, words);
  }
  h.hold(holder, ptr);
  const map = liveMap(h);
  map.set(ptr, new WeakRef(holder));
  forget.register(holder, { map, ptr });
  return ptr;
}

/** Whether the constructor running now attaches an existing region. */
export function isAttaching(): boolean {
  return attachPtr !== 0;
}

/**
 * The codec record of a heap object: its pointer, retained on commit. A
 * record in a cross-process heap (a mapped segment, not a
 * SharedArrayBuffer) may go to another process.
 */
export function heapRecord(
  tag: string,
  ptr: number,
  h: Heap = heap(),
): ShareRecord {
  return {
    tag,
    data: ptr,
    retain: () => h.retain(ptr),
    crossProcess: !(h.backing.buffer instanceof SharedArrayBuffer),
  };
}

/**
 * Registers a heap-backed class with the codec.
 *
 * @param tag The record tag, e.g. `"threading.Lock"`.
 * @param make Constructs the class (its constructor calls claimRegion).
 * @param getHeap The heap the class lives in (looked up when one arrives).
 */
export function registerHeapClass(
  tag: string,
  make: () => object,
  getHeap: () => Heap = heap,
): void {
  registerShareable(tag, (data) => attach(data as number, make, getHeap()));
}

/**
 * The thread's wrapper for region `ptr`, made with `make` if none is live.
 * Adopts one reference held by the caller (an encoded record's).
 */
export function attach<T extends object>(
  ptr: number,
  make: () => T,
  h: Heap = heap(),
): T {
  const existing = liveMap(h).get(ptr)?.deref();
  if (existing !== undefined) {
    h.release(ptr); // the wrapper holds its own reference
    return existing as T;
  }
  attachPtr = ptr; // claimRegion adopts the caller's reference
  try {
    return make();
  } finally {
    attachPtr = 0;
  }
}

/**
 * The thread's wrapper for region `ptr`, which the caller found in shared
 * memory (it holds no reference yet): takes one, then attaches.
 */
export function attachShared<T extends object>(
  ptr: number,
  make: () => T,
  h: Heap = heap(),
): T {
  h.retain(ptr);
  return attach(ptr, make, h);
}

/** The thread's live wrapper for `ptr`, if any. */
export function liveWrapper(ptr: number, h: Heap = heap()): object | undefined {
  return liveMap(h).get(ptr)?.deref();
}

/**
 * The static method of a heap-backed class that says which heap its
 * instances live in. `multiprocessing.Lock` extends `threading.Lock` and only
 * overrides it (CPython's `multiprocessing.Barrier` likewise subclasses
 * `threading.Barrier`): the primitive is written once, stored anywhere.
 */
export const HEAP: unique symbol = Symbol.for("pyconc.heap");

/** The static property of a heap-backed class naming its codec tag. */
export const TAG: unique symbol = Symbol.for("pyconc.tag");

/** A heap-backed class, as seen through its static hooks. */
export interface HeapClass {
  [HEAP](): Heap;
  readonly [TAG]: string;
}

/** The heap and codec tag of an instance's class. */
export function classOf(instance: object): HeapClass {
  return instance.constructor as unknown as HeapClass;
}

/** The static property of a Condition class naming its lock classes. */
export const LOCKS: unique symbol = Symbol.for("pyconc.locks");

/** The heap of the class being constructed (pass `new.target`). */
export function heapOfClass(newTarget: unknown): Heap {
  return (newTarget as HeapClass)[HEAP]();
}

/** The codec record of an instance of a heap-backed class. */
export function classRecord(instance: object, ptr: number): ShareRecord {
  const c = classOf(instance);
  return heapRecord(c[TAG], ptr, c[HEAP]());
}
