/**
 * A queue's storage: a growable array of item slots in the heap, and the
 * three ordering policies over it (CPython's `_put`/`_get` hooks as
 * strategy objects): a FIFO ring, a LIFO stack and a binary heap.
 *
 * The array is one heap block, reallocated (and copied) when it fills up
 * or falls to a quarter of its capacity. Its pointer, capacity, count and
 * ring head live in the queue's words, and every access happens under the
 * queue's lock and reads them afresh, so every thread holding the queue
 * keeps working while it moves.
 *
 * Every write of those fields is noted in the queue's undo journal first
 * (see queue_core.ts), and a replaced array is freed only after the
 * update commits: a process killed part way leaves an update the next
 * holder of the lock rolls back. Slots are written outside the counted
 * range before the count moves, so a slot write needs no journal (except
 * for the priority policy's moves: in-process only).
 *
 * @module
 */

import type { Heap } from "../sync/heap.ts";
import type { Journal } from "../sync/journal.ts";
import {
  F_INLINE,
  type Item,
  keyOffset,
  SLOT_WORDS,
  takeSlot,
  writeSlot,
} from "./item.ts";
import { keyLess } from "./sort_key.ts";

/** Storage words, relative to the storage's base in the queue's words. */
const COUNT = 0;
const HEAD = 1;
const CAP = 2;
const SLOTS = 3;
/** Words the storage fields take. */
export const STORAGE_WORDS = 4;

/** The inline words of a new item, as bytes (its sort key starts them). */
const newKey = new Int32Array(5);
const newKeyU8 = new Uint8Array(newKey.buffer);

/** The smallest capacity (slots) once allocated. */
const MIN_CAPACITY = 16;
const SLOT_BYTES = SLOT_WORDS * 4;

/** Ordering policies (stored in the queue, so every holder uses the same). */
export const Order = { FIFO: 1, LIFO: 2, PRIORITY: 3 } as const;

/**
 * Views over the whole heap as it is now. They are fixed-length on purpose:
 * V8 reads and writes elements of a length-tracking view over a growable
 * SharedArrayBuffer ten times slower than those of a fixed-length one, so
 * the views are remade when the heap has grown (checked once per operation
 * and after every allocation).
 */
class HeapViews {
  readonly #heap: Heap;
  #buffer: ArrayBufferLike | undefined;
  #length = -1;
  i32: Int32Array = new Int32Array(0);
  u8: Uint8Array = new Uint8Array(0);

  constructor(heap: Heap) {
    this.#heap = heap;
  }

  /**
   * Makes the views cover the heap's current extent (a cross-process
   * heap's memory is a new buffer once it grew past this process's view).
   */
  refresh(): void {
    const buffer = this.#heap.buffer;
    const length = buffer.byteLength;
    if (length === this.#length && buffer === this.#buffer) return;
    this.#buffer = buffer;
    this.#length = length;
    this.i32 = new Int32Array(buffer, 0, length / 4);
    this.u8 = new Uint8Array(buffer, 0, length);
  }
}

const viewsByHeap = new WeakMap<Heap, HeapViews>();

function viewsOf(heap: Heap): HeapViews {
  let v = viewsByHeap.get(heap);
  if (v === undefined) {
    v = new HeapViews(heap);
    viewsByHeap.set(heap, v);
  }
  v.refresh();
  return v;
}

/**
 * The slot array of one queue. Every method but `count` must be called with
 * the queue's lock held.
 */
export class Storage {
  readonly #heap: Heap;
  /** The queue's words. */
  readonly #q: Int32Array;
  readonly #b: number;
  /** The whole heap, as words and as bytes. */
  readonly #views: HeapViews;
  /** A private copy of the last slot taken out. */
  readonly #taken = new Int32Array(SLOT_WORDS);
  readonly #takenU8 = new Uint8Array(this.#taken.buffer);
  readonly #policy: Policy;
  readonly #journal: Journal;
  /** An array replaced by the update under way (freed once it commits). */
  #retired = 0;

  /**
   * @param heap The heap holding the queue.
   * @param q The queue's words.
   * @param base Index of the storage's first word in `q`.
   * @param order An {@linkcode Order}.
   * @param journal The queue's undo journal.
   */
  constructor(
    heap: Heap,
    q: Int32Array,
    base: number,
    order: number,
    journal: Journal,
  ) {
    this.#heap = heap;
    this.#q = q;
    this.#b = base;
    this.#journal = journal;
    this.#views = viewsOf(heap);
    const policy = POLICIES[order];
    if (policy === undefined) {
      throw new TypeError("Cannot attach queue: unknown ordering policy");
    }
    this.#policy = policy;
  }

  /** Items stored (exact under the lock, informational without it). */
  count(): number {
    return Atomics.load(this.#q, this.#b + COUNT);
  }

  /**
   * Stores an item where the policy says.
   * @throws {TypeError} If a priority queue cannot order the item (nothing changes).
   * @throws {RangeError} (MemoryError) If the array cannot grow (nothing changes).
   */
  push(item: Item): void {
    this.#views.refresh();
    this.#policy.push(this, item);
  }

  /**
   * Takes the next item out (the queue must not be empty): an inline item
   * decoded at once, or a `Taken` to finish after the lock is released.
   * @throws {TypeError} If a priority queue cannot order its items (nothing changes).
   */
  pop(): unknown {
    this.#views.refresh();
    this.#policy.pop(this);
    return takeSlot(this.#taken, this.#takenU8);
  }

  /** Frees the array the committed update replaced. */
  freeRetired(): void {
    const old = this.#retired;
    if (old !== 0) {
      this.#retired = 0;
      this.#heap.free(old);
    }
  }

  /** Forgets the replaced array of an update that was rolled back. */
  dropRetired(): void {
    this.#retired = 0;
  }

  /** Writes field `i` (relative to the storage), noting the old value. */
  #set(i: number, value: number): void {
    const q = this.#q, at = this.#b + i;
    this.#journal.note(at, q[at]!);
    q[at] = value;
  }

  // Helpers for the policies.

  get n(): number {
    return this.#q[this.#b + COUNT]!;
  }

  set n(value: number) {
    const q = this.#q, at = this.#b + COUNT;
    this.#journal.note(at, q[at]!);
    Atomics.store(q, at, value); // read without the lock (qsize)
  }

  get head(): number {
    return this.#q[this.#b + HEAD]!;
  }

  set head(value: number) {
    this.#set(HEAD, value);
  }

  get capacity(): number {
    return this.#q[this.#b + CAP]!;
  }

  /** Heap word index of the slot at physical index `i`. */
  word(i: number): number {
    return this.#q[this.#b + SLOTS]! * 4 + i * SLOT_WORDS;
  }

  write(i: number, item: Item): void {
    writeSlot(this.#views.i32, this.word(i), item);
  }

  move(from: number, to: number): void {
    const src = this.word(from);
    this.#views.i32.copyWithin(this.word(to), src, src + SLOT_WORDS);
  }

  /** Copies the slot at physical index `i` into the private copy. */
  take(i: number): void {
    const w = this.word(i);
    this.#taken.set(this.#views.i32.subarray(w, w + SLOT_WORDS));
  }

  /** Python's `a < b` between the stored items at physical indices `i`, `j`. */
  less(i: number, j: number): boolean {
    const { i32: all, u8 } = this.#views;
    return keyLess(
      u8,
      keyOffset(all, this.word(i)),
      u8,
      keyOffset(all, this.word(j)),
    );
  }

  /**
   * Python's `item < stored` for a new item (not stored yet) and the stored
   * one at `i`. The new item's key is read where `prepare` put it: in its
   * block, or in its inline words.
   */
  lessThanStored(item: Item, i: number): boolean {
    const views = this.#views;
    let src = views.u8, at = item.w0 * 16;
    if (item.flags & F_INLINE) {
      const img = newKey;
      img[0] = item.w0;
      img[1] = item.w1;
      img[2] = item.w2;
      img[3] = item.w3;
      img[4] = item.w4;
      src = newKeyU8;
      at = 0;
    }
    return keyLess(src, at, views.u8, keyOffset(views.i32, this.word(i)));
  }

  /** Makes room for one more item. @throws {RangeError} If the heap is full. */
  reserve(): void {
    const cap = this.capacity;
    if (this.n < cap) return;
    this.#resize(cap === 0 ? MIN_CAPACITY : cap * 2);
  }

  /** Gives memory back once the array is mostly empty. */
  trim(): void {
    const cap = this.capacity;
    if (cap > MIN_CAPACITY && this.n < cap >> 2) {
      try {
        this.#resize(cap >> 1);
      } catch {
        // Keeping the larger array is fine.
      }
    }
  }

  /** Moves the items, in order, to a new array of `cap` slots. */
  #resize(cap: number): void {
    const q = this.#q, b = this.#b;
    const ptr = this.#heap.alloc(cap * SLOT_BYTES, false);
    this.#views.refresh(); // the allocation may have grown the heap
    const old = q[b + SLOTS]!;
    const oldCap = q[b + CAP]!;
    const n = q[b + COUNT]!;
    if (old !== 0) {
      const all = this.#views.i32;
      const head = q[b + HEAD]!;
      const first = Math.min(n, oldCap - head); // up to the ring's end
      const src = old * 4, dst = ptr * 4;
      all.copyWithin(
        dst,
        src + head * SLOT_WORDS,
        src + (head + first) * SLOT_WORDS,
      );
      all.copyWithin(
        dst + first * SLOT_WORDS,
        src,
        src + (n - first) * SLOT_WORDS,
      );
    }
    this.#set(SLOTS, ptr);
    this.#set(CAP, cap);
    this.#set(HEAD, 0);
    // Freed once the update commits (a rollback points back to it).
    if (old !== 0) this.#retired = old;
  }

  /**
   * Calls `fn` with the heap word of every stored slot, then frees the
   * array (for the queue's destructor).
   */
  static destroy(
    heap: Heap,
    q: Int32Array,
    base: number,
    fn: (all: Int32Array, word: number) => void,
  ): void {
    const ptr = q[base + SLOTS]!;
    if (ptr === 0) return;
    const all = viewsOf(heap).i32;
    const cap = q[base + CAP]!, head = q[base + HEAD]!, n = q[base + COUNT]!;
    try {
      for (let k = 0; k < n; k++) {
        fn(all, ptr * 4 + ((head + k) % cap) * SLOT_WORDS);
      }
    } finally {
      q[base + SLOTS] = 0;
      q[base + COUNT] = 0;
      heap.free(ptr);
    }
  }
}

/** Where items go and which comes out next. */
interface Policy {
  push(s: Storage, item: Item): void;
  /** Copies the next item's slot into the storage's private copy and removes it. */
  pop(s: Storage): void;
}

const fifo: Policy = {
  push(s, item) {
    s.reserve();
    const cap = s.capacity, n = s.n;
    let i = s.head + n;
    if (i >= cap) i -= cap;
    s.write(i, item);
    s.n = n + 1;
  },
  pop(s) {
    const head = s.head;
    s.take(head);
    s.head = head + 1 === s.capacity ? 0 : head + 1;
    s.n = s.n - 1;
    s.trim();
  },
};

const lifo: Policy = {
  push(s, item) {
    s.reserve();
    const n = s.n;
    s.write(n, item);
    s.n = n + 1;
  },
  pop(s) {
    const n = s.n - 1;
    s.take(n);
    s.n = n;
    s.trim();
  },
};

/**
 * CPython's `heapq.heappush`/`heappop`, step for step (so equal items come
 * out in the order CPython's would), with every comparison made before
 * anything moves: a comparison that throws leaves the heap as it was.
 */
const binaryHeap: Policy = {
  push(s, item) {
    // _siftdown from the new leaf: find where the item settles.
    let pos = s.n;
    while (pos > 0) {
      const parent = (pos - 1) >> 1;
      if (!s.lessThanStored(item, parent)) break;
      pos = parent;
    }
    s.reserve();
    for (let i = s.n; i > pos;) {
      const parent = (i - 1) >> 1;
      s.move(parent, i);
      i = parent;
    }
    s.write(pos, item);
    s.n = s.n + 1;
  },
  pop(s) {
    const last = s.n - 1;
    s.take(0);
    if (last > 0) {
      // _siftup: the smaller child moves up, down to a leaf …
      const path = [0];
      for (let pos = 0, child = 1; child < last; child = 2 * pos + 1) {
        const right = child + 1;
        if (right < last && !s.less(child, right)) child = right;
        path.push(child);
        pos = child;
      }
      // … then _siftdown of the last item from that leaf.
      let j = path.length - 1;
      while (j > 0 && s.less(last, path[j]!)) j--;
      for (let k = 0; k < j; k++) s.move(path[k + 1]!, path[k]!);
      s.move(last, path[j]!);
    }
    s.n = last;
    s.trim();
  },
};

const POLICIES: Record<number, Policy> = {
  [Order.FIFO]: fifo,
  [Order.LIFO]: lifo,
  [Order.PRIORITY]: binaryHeap,
};
