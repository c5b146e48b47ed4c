/**
 * The shared heap: one block of shared memory with an allocator in it, where
 * every shareable object of the library lives. Two backings:
 *
 * - in a process: one growable SharedArrayBuffer that every thread (Worker)
 *   maps ({@linkcode SabBacking});
 * - across processes: one large sparse shared-memory segment that every
 *   process of a program maps (multiprocessing), with futex waits.
 *
 * Why one heap: a SharedArrayBuffer reaches another Worker only through
 * `postMessage`, but shareable objects must also travel inside queue items
 * and task rings, which are bytes. With every region in one buffer that each
 * Worker (or process) maps once at start, a region is just a number (its
 * unit index), and anyone can rebuild any object from it. A growable
 * SharedArrayBuffer grows in place, and every Worker sees the new length; a
 * sparse segment costs memory only for the pages in use.
 *
 * Layout: 16-byte units. A block is a 16-byte header (size in units, flags,
 * two free-list links) followed by the payload; a pointer is the unit index
 * of the payload. Small blocks (≤ 2 KiB) come from per-size-class free
 * lists; large blocks are first-fit with boundary-tag coalescing. The heap
 * never shrinks (a growable SharedArrayBuffer cannot), but freed blocks are
 * reused.
 *
 * Refcounted objects start with `[tag, refcount]`: the tag makes a wrong
 * pointer fail loudly, the refcount lets every thread that holds the object
 * release it (through a FinalizationRegistry) and the last one free it.
 *
 * The allocator's lock is robust (robust_lock.ts) and every write it makes
 * to the block headers and lists is noted in an undo journal in the heap's
 * header (journal.ts): a process killed inside `alloc` or `free` leaves an
 * update that the next allocator rolls back, so the heap is never
 * corrupted; the block being allocated or freed is leaked at worst. The
 * references a killed process held are never released (a leak too).
 *
 * @module
 */

import { isMainThread } from "./main_thread.ts";
import { SabWords, type WaitWords } from "./words.ts";
import { RobustLock } from "./robust_lock.ts";
import { Journal, journalWords } from "./journal.ts";

/** The memory under a heap and how to wait on it. */
export interface Backing {
  /**
   * The memory as this thread sees it: a growable SharedArrayBuffer, or an
   * ArrayBuffer over the part of a mapped segment in use so far (see
   * {@linkcode cover}).
   */
  readonly buffer: ArrayBufferLike;
  /**
   * The memory, covering at least `bytes` bytes where it can (another
   * process may have allocated past what this one has mapped a view of).
   * Never grows the heap; never throws.
   */
  cover(bytes: number): ArrayBufferLike;
  /** Makes at least `bytes` bytes usable, or throws {@linkcode HeapExhausted}. */
  ensure(bytes: number): void;
  /** Wait/notify words over `nWords` words at `byteOffset`. */
  words(byteOffset: number, nWords: number): WaitWords;
}

/** The in-process backing: a growable SharedArrayBuffer. */
export class SabBacking implements Backing {
  /** The growable SharedArrayBuffer. */
  readonly buffer: SharedArrayBuffer;

  constructor(buffer: SharedArrayBuffer) {
    this.buffer = buffer;
  }

  /** A fresh backing, reserving as much address space as the system allows. */
  static create(): SabBacking {
    let lastError: unknown;
    for (const max of MAX_BYTES_CHOICES) {
      try {
        return new SabBacking(
          new SharedArrayBuffer(INITIAL_BYTES, { maxByteLength: max }),
        );
      } catch (e) {
        lastError = e; // the address space reservation failed: try smaller
      }
    }
    throw lastError;
  }

  cover(_bytes: number): SharedArrayBuffer {
    return this.buffer; // every thread sees the grown length
  }

  ensure(bytes: number): void {
    const sab = this.buffer;
    if (bytes <= sab.byteLength) return;
    if (bytes > sab.maxByteLength) {
      throw new HeapExhausted(
        `Cannot allocate ${bytes} bytes: the shared heap is full`,
      );
    }
    let size = sab.byteLength;
    while (size < bytes) size *= 2;
    try {
      sab.grow(Math.min(size, sab.maxByteLength));
    } catch (e) {
      throw new HeapExhausted(
        `Cannot grow the shared heap to ${bytes} bytes (${e})`,
      );
    }
  }

  words(byteOffset: number, nWords: number): SabWords {
    return new SabWords(new Int32Array(this.buffer, byteOffset, nWords));
  }
}

/** Bytes per allocation unit. */
export const UNIT = 16;
const WORDS_PER_UNIT = UNIT / 4;
const MAGIC = 0x70796863; // "pyhc"
const HEADER_UNITS = 256; // 4 KiB of heap header

// Heap header words.
const H_MAGIC = 0;
const H_LOCK = 1;
const H_TOP = 2;
const H_LARGE = 3;
const H_LOCK_STAMP = 4;
const H_SMALL = 8; // .. H_SMALL + SMALL_CLASSES.length
/** Well-known root slots (see {@linkcode Heap.root}). */
const H_ROOTS = 64;
const N_ROOTS = 64;
/** The undo journal of the allocator's updates (see journal.ts). */
const H_JOURNAL = H_ROOTS + N_ROOTS;
const JOURNAL_ENTRIES = 64;
if (H_JOURNAL + journalWords(JOURNAL_ENTRIES) > HEADER_UNITS * 4) {
  throw new Error("heap: header too small");
}

// Block header words (relative to the block's first word).
const B_SIZE = 0; // units, header included
const B_FLAGS = 1;
const B_NEXT = 2;
const B_PREV = 3;

const F_USED = 1;
const F_LARGE = 2;
const F_PREV_FREE = 4; // the block before this one is a free large block
const F_SMALL_FREE = 8; // a small block on its class's free list

/** Block sizes in units (header included) of the small size classes. */
const SMALL_CLASSES = [
  2,
  3,
  4,
  5,
  6,
  8,
  10,
  12,
  16,
  20,
  24,
  32,
  40,
  48,
  64,
  80,
  96,
  128,
];
const SMALL_MAX = SMALL_CLASSES[SMALL_CLASSES.length - 1]!;
/** Class index for each block size in units up to SMALL_MAX. */
const CLASS_OF = new Uint8Array(SMALL_MAX + 1);
for (let u = 0, c = 0; u <= SMALL_MAX; u++) {
  while (SMALL_CLASSES[c]! < u) c++;
  CLASS_OF[u] = c;
}

const INITIAL_BYTES = 1 << 20;
const MAX_BYTES_CHOICES = [2 ** 36, 2 ** 34, 2 ** 32, 2 ** 30];

/** Well-known root slots of the heap (objects every thread must find). */
export const Root = {
  /** The thread registry. */
  REGISTRY: 0,
  /** The pool of thread Workers. */
  POOL: 1,
  /** The name of this program's cross-process heap (a byte block), once made. */
  SHM_HEAP_NAME: 2,
  /** This process's multiprocessing state: its children, its identity. */
  PROCESS: 3,
} as const;

/** Frees what an object owns before its block is freed. */
export type Destructor = (heap: Heap, ptr: number) => void;
const destructors = new Map<number, Destructor>();

/**
 * Registers the destructor for objects with `tag`.
 * @param tag The object type tag (see layout.ts).
 * @param fn Called once when the last reference is released.
 */
export function registerDestructor(tag: number, fn: Destructor): void {
  destructors.set(tag, fn);
}

/** Thrown when the heap cannot grow. */
export class HeapExhausted extends RangeError {
  override name = "MemoryError";
}

/** A shared heap (one per process, or one per program across processes). */
export class Heap {
  /** The memory and waits behind the heap. */
  readonly backing: Backing;
  /**
   * A fixed-length view over the heap as far as this thread has seen it
   * (element access on a length-tracking view over a growable buffer costs
   * ≈ 10× more); remade when the heap has grown (see {@linkcode #words}).
   */
  #view: Int32Array;
  /** A byte view over the heap (see {@linkcode u8}). */
  #u8: Uint8Array;
  readonly #header: WaitWords;
  readonly #lock: RobustLock;
  readonly #journal: Journal;
  readonly #finalizer: FinalizationRegistry<number>;

  constructor(backing: Backing) {
    this.backing = backing;
    const buffer = backing.buffer;
    this.#view = new Int32Array(buffer, 0, Math.floor(buffer.byteLength / 4));
    this.#u8 = new Uint8Array(buffer);
    this.#header = backing.words(0, HEADER_UNITS * WORDS_PER_UNIT);
    this.#journal = new Journal(
      this.#header.i32,
      H_JOURNAL,
      JOURNAL_ENTRIES,
      !(buffer instanceof SharedArrayBuffer),
    );
    // A process killed inside alloc or free leaves the lock to a waiter,
    // which undoes the half-done update (the block it was allocating or
    // freeing is lost to the heap: a leak, never a corruption).
    this.#lock = new RobustLock(
      this.#header,
      H_LOCK,
      H_LOCK_STAMP,
      () => this.#rollback(),
    );
    this.#finalizer = new FinalizationRegistry((ptr) => this.release(ptr));
    const magic = this.#header.compareExchange(H_MAGIC, 0, MAGIC);
    if (magic === 0) {
      this.#header.store(H_TOP, HEADER_UNITS);
    } else if (magic !== MAGIC) {
      throw new TypeError(
        "Cannot attach heap: the buffer is not a pyconc heap",
      );
    }
    this.#top(); // what others allocated before this attach
  }

  /**
   * The memory, covering every block allocated so far, by any thread or
   * process: views of any live block can be made over it. (A cross-process
   * heap's ArrayBuffer covers only the part in use, and a block another
   * process allocated may lie past what this one has mapped so far.)
   */
  get buffer(): ArrayBufferLike {
    return this.#memory((Atomics.load(this.#view, H_TOP) >>> 0) * UNIT);
  }

  /** The memory, covering at least `end` bytes where it can. */
  #memory(end: number): ArrayBufferLike {
    const b = this.backing.buffer;
    return end <= b.byteLength ? b : this.backing.cover(end);
  }

  /**
   * A byte view over the heap, covering every block allocated so far (bulk
   * copies). Read it after learning a block's pointer, not before: a view
   * read earlier may end before a block allocated since.
   */
  get u8(): Uint8Array {
    const b = this.buffer;
    if (this.#u8.buffer !== b) this.#u8 = new Uint8Array(b);
    return this.#u8;
  }

  /**
   * The heap's words, covering at least word `index` (another thread may
   * have grown the heap since this one last looked).
   */
  #words(index = 0): Int32Array {
    if (index >= this.#view.length) {
      const buffer = this.#memory((index + 1) * 4);
      this.#view = new Int32Array(buffer, 0, Math.floor(buffer.byteLength / 4));
    }
    return this.#view;
  }

  /** The words, covering everything up to the heap's top (under the lock). */
  #top(): Int32Array {
    const top = Atomics.load(this.#view, H_TOP) >>> 0;
    return this.#words(top * WORDS_PER_UNIT);
  }

  /** The memory as a SharedArrayBuffer (in-process heaps only). */
  get sab(): SharedArrayBuffer {
    const b = this.backing.buffer;
    if (!(b instanceof SharedArrayBuffer)) {
      throw new TypeError("heap: not an in-process heap");
    }
    return b;
  }

  /**
   * Allocates a block with at least `bytes` bytes of payload, 16-byte
   * aligned, zero-filled unless `zero` is false.
   * @returns the payload's unit index (byte offset = ptr * 16).
   */
  alloc(bytes: number, zero = true): number {
    const units = Math.ceil(bytes / UNIT) + 1;
    this.#lock.enter();
    let ptr: number;
    try {
      ptr = units <= SMALL_MAX
        ? this.#allocSmall(units)
        : this.#allocLarge(units);
      this.#journal.commit();
    } finally {
      this.#end();
    }
    if (zero) this.u8.fill(0, ptr * UNIT, ptr * UNIT + bytes);
    return ptr;
  }

  /** Returns a block to the heap. */
  free(ptr: number): void {
    const b = ptr - 1;
    this.#lock.enter();
    try {
      const w = b * WORDS_PER_UNIT;
      const a = this.#words(w + B_PREV);
      const flags = a[w + B_FLAGS]!;
      if (!(flags & F_USED) || (flags & F_SMALL_FREE)) {
        throw new Error(`heap: double free of block ${ptr}`);
      }
      if (flags & F_LARGE) {
        this.#freeLarge(b);
      } else {
        // Small blocks stay "used" for their large neighbours' coalescing.
        const c = CLASS_OF[a[w + B_SIZE]!]!;
        this.#set(w + B_FLAGS, flags | F_SMALL_FREE);
        this.#set(w + B_NEXT, a[H_SMALL + c]!);
        this.#set(H_SMALL + c, b);
      }
      this.#journal.commit();
    } finally {
      this.#end();
    }
  }

  /** Writes word `index` of the heap (under the lock), journaled. */
  #set(index: number, value: number): void {
    const a = this.#words(index);
    this.#journal.note(index, a[index]!);
    a[index] = value;
  }

  /** Undoes an allocator update left unfinished (by an error or a dead process). */
  #rollback(): void {
    this.#journal.rollback((index, old) => {
      this.#words(index)[index] = old;
    });
  }

  /** Leaves the allocator's critical section. */
  #end(): void {
    if (this.#journal.pending()) this.#rollback();
    this.#lock.release();
  }

  /**
   * @internal Checks the allocator's structure (for tests): every block
   * from the header to the top chains to the next, free large blocks
   * have their footer, their successor's mark and their place on the
   * free list, small free blocks are on their class's list, and the lists
   * hold nothing else.
   * @returns counts of blocks.
   * @throws {Error} Naming the first inconsistency.
   */
  verify(): { blocks: number; freeLarge: number; freeSmall: number } {
    this.#lock.enter();
    try {
      const a = this.#top();
      const top = a[H_TOP]! >>> 0;
      const fail = (what: string): never => {
        throw new Error(`heap: ${what}`);
      };
      const freeLarge = new Set<number>();
      const freeSmall = new Map<number, number>(); // block → class
      let blocks = 0, prevFreeLarge = false;
      for (let b = HEADER_UNITS; b < top;) {
        const w = b * WORDS_PER_UNIT;
        const size = a[w + B_SIZE]! >>> 0, flags = a[w + B_FLAGS]!;
        if (size < 2 || b + size > top) fail(`block ${b} has size ${size}`);
        if (((flags & F_PREV_FREE) !== 0) !== prevFreeLarge) {
          fail(`block ${b}: wrong previous-free mark`);
        }
        const isFreeLarge = (flags & (F_USED | F_LARGE)) === F_LARGE;
        if (isFreeLarge) {
          if (prevFreeLarge) fail(`two free large blocks meet at ${b}`);
          if ((a[(b + size) * WORDS_PER_UNIT - 1]! >>> 0) !== size) {
            fail(`free block ${b}: bad footer`);
          }
          freeLarge.add(b);
        } else if (!(flags & F_USED)) {
          fail(`block ${b}: neither used nor large`);
        } else if (flags & F_SMALL_FREE) {
          if (flags & F_LARGE) fail(`block ${b}: large and small-free`);
          freeSmall.set(b, CLASS_OF[size] ?? -1);
        }
        prevFreeLarge = isFreeLarge;
        blocks++;
        b += size;
      }
      let n = 0;
      for (let b = a[H_LARGE]! >>> 0, prev = 0; b !== 0; n++) {
        if (!freeLarge.has(b)) fail(`large list holds ${b}, not a free block`);
        if ((a[b * WORDS_PER_UNIT + B_PREV]! >>> 0) !== prev) {
          fail(`large list: bad back link at ${b}`);
        }
        if (n > freeLarge.size) fail("large list: cycle");
        prev = b;
        b = a[b * WORDS_PER_UNIT + B_NEXT]! >>> 0;
      }
      if (n !== freeLarge.size) fail("free large blocks missing from the list");
      let m = 0;
      for (let c = 0; c < SMALL_CLASSES.length; c++) {
        for (let b = a[H_SMALL + c]! >>> 0; b !== 0; m++) {
          if (freeSmall.get(b) !== c) fail(`small list ${c} holds ${b}`);
          if (m > freeSmall.size) fail("small list: cycle");
          b = a[b * WORDS_PER_UNIT + B_NEXT]! >>> 0;
        }
      }
      if (m !== freeSmall.size) fail("free small blocks missing from lists");
      return { blocks, freeLarge: n, freeSmall: m };
    } finally {
      this.#lock.release();
    }
  }

  /** @internal The allocator's lock (for tests of a holder that dies). */
  get allocatorLock(): RobustLock {
    return this.#lock;
  }

  /** The usable payload size in bytes of an allocated block. */
  sizeOf(ptr: number): number {
    const i = (ptr - 1) * WORDS_PER_UNIT + B_SIZE;
    return (this.#words(i)[i]! - 1) * UNIT;
  }

  /** A fixed-length Int32Array over `nWords` words of a block. */
  int32(ptr: number, nWords: number): Int32Array {
    const at = ptr * UNIT;
    return new Int32Array(this.#memory(at + nWords * 4), at, nWords);
  }

  /** Wait/notify words over `nWords` words of a block. */
  words(ptr: number, nWords: number): WaitWords {
    return this.backing.words(ptr * UNIT, nWords);
  }

  /** A fixed-length byte view over a block. */
  bytes(ptr: number, length: number): Uint8Array {
    const at = ptr * UNIT;
    return new Uint8Array(this.#memory(at + length), at, length);
  }

  /** A float64 view over `n` doubles at word `word` of a block (8-byte aligned). */
  float64(ptr: number, word: number, n: number): Float64Array {
    const at = ptr * UNIT + word * 4;
    return new Float64Array(this.#memory(at + n * 8), at, n);
  }

  /** Reads a root slot (0 when unset). */
  root(slot: number): number {
    return this.#header.load(H_ROOTS + slot);
  }

  /**
   * Sets a root slot if it is still unset.
   * @returns the slot's value afterwards (the winner's, on a race).
   */
  setRoot(slot: number, ptr: number): number {
    if (slot < 0 || slot >= N_ROOTS) {
      throw new RangeError(`heap: bad root ${slot}`);
    }
    const old = this.#header.compareExchange(H_ROOTS + slot, 0, ptr);
    return old === 0 ? ptr : old;
  }

  /**
   * Allocates a refcounted object: `[tag, refcount = 1, ...fields]`.
   * @param tag The type tag (layout.ts).
   * @param nWords Words including the two header words.
   */
  allocObject(tag: number, nWords: number): number {
    const ptr = this.alloc(nWords * 4);
    const w = ptr * WORDS_PER_UNIT;
    const a = this.#words(w + 1);
    Atomics.store(a, w + 1, 1);
    Atomics.store(a, w, tag);
    return ptr;
  }

  /**
   * Whether `ptr` (a value from another thread or process) can be a block's:
   * an integer past the header and below the top. Every block lies below
   * the top, so a pointer past it is no block (and maps no view of memory
   * no block uses).
   */
  inBlocks(ptr: number): boolean {
    return Number.isInteger(ptr) && ptr > HEADER_UNITS &&
      ptr < (Atomics.load(this.#view, H_TOP) >>> 0);
  }

  /**
   * Checks that `ptr` is an object with `tag`.
   * @throws {TypeError} If it is not: a wrong region fails loudly.
   */
  checkTag(ptr: number, tag: number, what: string): void {
    const w = ptr * WORDS_PER_UNIT;
    if (!this.inBlocks(ptr) || Atomics.load(this.#words(w), w) !== tag) {
      throw new TypeError(
        `Cannot attach ${what}: the shared region holds another object`,
      );
    }
  }

  /** Adds a reference to an object. */
  retain(ptr: number): void {
    const i = ptr * WORDS_PER_UNIT + 1;
    Atomics.add(this.#words(i), i, 1);
  }

  /** Drops a reference; the last one runs the destructor and frees. */
  release(ptr: number): void {
    const w = ptr * WORDS_PER_UNIT;
    const a = this.#words(w + 1);
    if (Atomics.sub(a, w + 1, 1) !== 1) return;
    const tag = Atomics.exchange(a, w, 0);
    destructors.get(tag)?.(this, ptr);
    this.free(ptr);
  }

  /**
   * Ties one reference of object `ptr` to the life of `holder`: when the
   * holder is garbage-collected, the reference is released.
   */
  hold(holder: object, ptr: number): void {
    this.#finalizer.register(holder, ptr);
  }

  #allocSmall(units: number): number {
    const a = this.#top();
    const c = CLASS_OF[units]!;
    const head = a[H_SMALL + c]!;
    if (head !== 0) {
      const w = head * WORDS_PER_UNIT;
      this.#set(H_SMALL + c, a[w + B_NEXT]!);
      this.#set(w + B_NEXT, 0);
      this.#set(w + B_FLAGS, a[w + B_FLAGS]! & ~F_SMALL_FREE);
      return head + 1;
    }
    const size = SMALL_CLASSES[c]!;
    const b = this.#bump(size);
    this.#set(b * WORDS_PER_UNIT + B_FLAGS, F_USED);
    return b + 1;
  }

  #allocLarge(units: number): number {
    const a = this.#top();
    // First fit over the large free list.
    for (
      let b = a[H_LARGE]! >>> 0;
      b !== 0;
      b = a[b * WORDS_PER_UNIT + B_NEXT]! >>> 0
    ) {
      const w = b * WORDS_PER_UNIT;
      const size = a[w + B_SIZE]! >>> 0;
      if (size < units) continue;
      this.#unlink(b);
      if (size - units > SMALL_MAX) {
        // Split: the tail stays free (its successor keeps F_PREV_FREE).
        const rest = b + units;
        this.#set(w + B_SIZE, units);
        this.#makeFree(rest, size - units);
      } else {
        this.#setPrevFree(b + size, false);
      }
      // A free large block never follows another one (they merge), so the
      // block before `b` is in use: no F_PREV_FREE.
      this.#set(w + B_FLAGS, F_USED | F_LARGE);
      return b + 1;
    }
    const b = this.#bump(units);
    this.#set(b * WORDS_PER_UNIT + B_FLAGS, F_USED | F_LARGE);
    return b + 1;
  }

  #freeLarge(b: number): void {
    const a = this.#top();
    let size = a[b * WORDS_PER_UNIT + B_SIZE]! >>> 0;
    const top = a[H_TOP]! >>> 0;
    // Merge with the next block if it is a free large block.
    const next = b + size;
    if (next < top) {
      const nf = a[next * WORDS_PER_UNIT + B_FLAGS]!;
      if ((nf & (F_USED | F_LARGE)) === F_LARGE) {
        this.#unlink(next);
        size += a[next * WORDS_PER_UNIT + B_SIZE]! >>> 0;
      }
    }
    // Merge with the previous block if it is a free large block.
    if (a[b * WORDS_PER_UNIT + B_FLAGS]! & F_PREV_FREE) {
      const prevSize = a[b * WORDS_PER_UNIT - 1]! >>> 0; // its footer
      const prev = b - prevSize;
      this.#unlink(prev);
      b = prev;
      size += prevSize;
    }
    if (b + size === top) {
      this.#set(H_TOP, b); // give the tail back to the bump region
      return;
    }
    this.#makeFree(b, size);
  }

  /**
   * Writes a free large block (header, footer, list) at `b`. Its
   * predecessor is never a free large block (they would have merged).
   */
  #makeFree(b: number, size: number): void {
    const a = this.#top();
    const w = b * WORDS_PER_UNIT;
    this.#set(w + B_SIZE, size);
    this.#set(w + B_FLAGS, F_LARGE);
    this.#set((b + size) * WORDS_PER_UNIT - 1, size); // footer
    const head = a[H_LARGE]! >>> 0;
    this.#set(w + B_NEXT, head);
    this.#set(w + B_PREV, 0);
    if (head !== 0) this.#set(head * WORDS_PER_UNIT + B_PREV, b);
    this.#set(H_LARGE, b);
    this.#setPrevFree(b + size, true);
  }

  #unlink(b: number): void {
    const a = this.#top();
    const w = b * WORDS_PER_UNIT;
    const next = a[w + B_NEXT]! >>> 0;
    const prev = a[w + B_PREV]! >>> 0;
    if (prev === 0) this.#set(H_LARGE, next);
    else this.#set(prev * WORDS_PER_UNIT + B_NEXT, next);
    if (next !== 0) this.#set(next * WORDS_PER_UNIT + B_PREV, prev);
  }

  #setPrevFree(b: number, on: boolean): void {
    if (b >= (this.#view[H_TOP]! >>> 0)) return;
    const w = b * WORDS_PER_UNIT + B_FLAGS;
    const a = this.#top();
    this.#set(w, on ? a[w]! | F_PREV_FREE : a[w]! & ~F_PREV_FREE);
  }

  /** Carves `units` from the top, growing the memory when needed. */
  #bump(units: number): number {
    const b = Atomics.load(this.#view, H_TOP) >>> 0;
    const end = b + units;
    this.backing.ensure(end * UNIT);
    // The view must cover the new block: the memory may just have grown.
    this.#words(end * WORDS_PER_UNIT - 1);
    this.#set(H_TOP, end);
    const w = b * WORDS_PER_UNIT;
    this.#set(w + B_SIZE, units);
    this.#set(w + B_NEXT, 0);
    this.#set(w + B_PREV, 0);
    return b;
  }
}

let current: Heap | undefined;

/**
 * The process's heap: created by the main thread on first use, installed in
 * each Worker by the worker bootstrap before any user code runs.
 */
export function heap(): Heap {
  if (current !== undefined) return current;
  if (!isMainThread) {
    throw new Error("pyconc: the shared heap is not installed in this worker");
  }
  current = new Heap(SabBacking.create());
  return current;
}

/** Installs the heap received from the thread that created this Worker. */
export function installHeap(sab: SharedArrayBuffer): Heap {
  if (current === undefined || current.backing.buffer !== sab) {
    current = new Heap(new SabBacking(sab));
  }
  return current;
}

/** True once a heap exists in this thread (without creating one). */
export function hasHeap(): boolean {
  return current !== undefined;
}
