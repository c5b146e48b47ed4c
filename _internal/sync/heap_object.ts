/**
 * The plumbing every heap-backed shareable class shares: allocate or attach
 * its region, tie the region's reference to the JavaScript object's life,
 * describe it for the codec, and rebuild it on the other side with object
 * identity kept within a thread (a lock sent to a thread and back is the
 * same object again).
 *
 * @module
 */

import { heap } from "./heap.ts";
import { registerShareable, type ShareRecord } from "../codec/shareable.ts";

/** Set while a class constructor runs to attach an existing region. */
let attachPtr = 0;

/** Live wrappers of this thread, by region pointer. */
const live = new Map<number, WeakRef<object>>();
const forget = new FinalizationRegistry<number>((ptr) => {
  if (live.get(ptr)?.deref() === undefined) live.delete(ptr);
});

/**
 * Called first in a heap-backed class's constructor: the region to use.
 * Either the one being attached (its tag checked), or a fresh object.
 *
 * @param holder The new JavaScript object (its life holds one reference).
 * @param tag The type tag.
 * @param words The object's size in words.
 * @param what The class name, for errors.
 */
export function claimRegion(
  holder: object,
  tag: number,
  words: number,
  what: string,
): number {
  const h = heap();
  let ptr = attachPtr;
  if (ptr !== 0) {
    attachPtr = 0;
    h.checkTag(ptr, tag, what);
  } else {
    ptr = h.allocObject(tag, words);
  }
  h.hold(holder, ptr);
  live.set(ptr, new WeakRef(holder));
  forget.register(holder, ptr);
  return ptr;
}

/** Whether the constructor running now attaches an existing region. */
export function isAttaching(): boolean {
  return attachPtr !== 0;
}

/** The codec record of a heap object: its pointer, retained on commit. */
export function heapRecord(tag: string, ptr: number): ShareRecord {
  return { tag, data: ptr, retain: () => heap().retain(ptr) };
}

/**
 * Registers a heap-backed class with the codec.
 *
 * @param tag The record tag, e.g. `"threading.Lock"`.
 * @param make Constructs the class (its constructor calls claimRegion).
 */
export function registerHeapClass(tag: string, make: () => object): void {
  registerShareable(tag, (data) => attach(data as number, make));
}

/**
 * The thread's wrapper for region `ptr`, made with `make` if none is live.
 * Adopts one reference held by the caller (an encoded record's).
 */
export function attach<T extends object>(ptr: number, make: () => T): T {
  const existing = live.get(ptr)?.deref();
  if (existing !== undefined) {
    heap().release(ptr); // the wrapper holds its own reference
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
export function attachShared<T extends object>(ptr: number, make: () => T): T {
  heap().retain(ptr);
  return attach(ptr, make);
}

/** The thread's live wrapper for `ptr`, if any. */
export function liveWrapper(ptr: number): object | undefined {
  return live.get(ptr)?.deref();
}
