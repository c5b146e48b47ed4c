import { ValueError } from "../_internal/errors.ts";
import {
  heapRecord,
  registerHeapClass,
} from "../_internal/sync/heap_object.ts";
import { SHARE, type ShareRecord } from "../_internal/codec/shareable.ts";
import { INSPECT } from "../_internal/sync/hold.ts";
import { programHeap } from "../_internal/process/program_heap.ts";
import {
  checkTypecode,
  CRegion,
  type ElementOf,
  type RawOf,
  type Typecode,
} from "./_sharedctypes.ts";
import { ctypeName, type SharedCtypeOptions } from "./value.ts";
import type { Lock } from "./lock.ts";
import type { RLock } from "./rlock.ts";

const JsArray = globalThis.Array;

/** What an array is made from: a size (zeros) or the initial elements. */
export type SizeOrInit<T extends Typecode> =
  | number
  | Iterable<ElementOf<T>>
  | (T extends "c" ? Uint8Array : never);

/** Splits Python's `size_or_initializer`. */
function sizeAndInit(
  typecode: Typecode,
  sizeOrInit: unknown,
): [number, unknown[] | Uint8Array | undefined] {
  if (typeof sizeOrInit === "number") return [sizeOrInit, undefined];
  if (typecode === "c" && sizeOrInit instanceof Uint8Array) {
    return [sizeOrInit.length, sizeOrInit];
  }
  if (
    sizeOrInit != null &&
    typeof (sizeOrInit as Iterable<unknown>)[Symbol.iterator] === "function"
  ) {
    const items = JsArray.from(sizeOrInit as Iterable<unknown>);
    return [items.length, items];
  }
  throw new TypeError("sizeOrInit must be a size or an iterable of elements");
}

function fill(r: CRegion, init: unknown[] | Uint8Array | undefined): void {
  if (init === undefined) return;
  if (init instanceof Uint8Array) {
    (r.raw as Uint8Array).set(init);
    return;
  }
  // Convert everything first: a bad element leaves the array untouched.
  const converted = init.map((v) => r.toElement(v));
  for (let i = 0; i < converted.length; i++) {
    (r.raw as unknown as (number | bigint)[])[i] = converted[i]!;
  }
}

/** The elements of [a, b) as Python's slice gives them. */
function sliceOf(r: CRegion, a?: number, b?: number): unknown {
  const [start, end] = r.bounds(a, b);
  if (r.typecode === "c") return (r.raw as Uint8Array).slice(start, end);
  return JsArray.from(r.raw.subarray(start, end) as ArrayLike<unknown>);
}

/** Writes `values` at `a`; they must fit exactly (Python's same-size rule). */
function writeSlice(r: CRegion, a: number, values: unknown): void {
  const [start] = r.bounds(a, undefined);
  const items = values instanceof Uint8Array && r.typecode === "c"
    ? JsArray.from(values, (b) => Uint8Array.of(b))
    : JsArray.from(values as Iterable<unknown>);
  if (start + items.length > r.length) {
    throw new ValueError("Can only assign sequence of same size");
  }
  const converted = items.map((v) => r.toElement(v));
  for (let i = 0; i < converted.length; i++) {
    (r.raw as unknown as (number | bigint)[])[start + i] = converted[i]!;
  }
}

/** Python's `c_char` array `.value`: the bytes before the first NUL. */
function bytesValue(r: CRegion): Uint8Array {
  const raw = r.raw as Uint8Array;
  const nul = raw.indexOf(0);
  return raw.slice(0, nul < 0 ? raw.length : nul);
}

function setBytesValue(r: CRegion, v: Uint8Array): void {
  if (!(v instanceof Uint8Array)) {
    throw new TypeError("bytes expected: a Uint8Array");
  }
  if (v.length > r.length) throw new ValueError("byte string too long");
  const raw = r.raw as Uint8Array;
  raw.set(v);
  if (v.length < r.length) raw[v.length] = 0;
}

function checkChar(r: CRegion): void {
  if (r.typecode !== "c") {
    throw new TypeError("value is only for arrays of typecode 'c'");
  }
}

/**
 * Python's `multiprocessing.RawArray`: a fixed-length array of numbers (or
 * bytes) in the program's shared memory, with no lock. Passed to another
 * process it arrives bound to the same memory.
 *
 * Typecodes as `RawValue`. Indices may be negative (from the end); `slice`
 * and `setSlice` follow Python's slicing; `raw` is a zero-copy typed array.
 *
 * @typeParam T The typecode.
 *
 * @example
 * ```ts
 * import { RawArray } from "@pyconc/std/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * const a = new RawArray("i", [1, 2, 3]);
 * a.set(-1, 30);
 * assert.deepEqual([...a], [1, 2, 30]);
 * assert.deepEqual(a.slice(1), [2, 30]);
 * ```
 */
export class RawArray<T extends Typecode = Typecode> {
  /** @internal */
  static readonly tag: string = "multiprocessing.RawArray";

  readonly #r: CRegion;

  /**
   * Allocates an array in shared memory.
   * @param typecode Python's typecode.
   * @param sizeOrInit A length (zero-filled), or the elements (for `'c'`,
   *   a Uint8Array).
   * @throws {TypeError} For a bad typecode or element.
   * @throws {ValueError} For a negative size.
   */
  constructor(typecode: T, sizeOrInit: SizeOrInit<T>) {
    const tc = checkTypecode(typecode);
    const [size, init] = sizeAndInit(tc, sizeOrInit);
    this.#r = new CRegion(this, "RawArray", tc, size, false);
    fill(this.#r, init);
  }

  /** The typecode. */
  get typecode(): T {
    return this.#r.typecode as T;
  }

  /** The number of elements. */
  get length(): number {
    return this.#r.length;
  }

  /**
   * Element `i` (negative from the end).
   * @throws {IndexError} If out of range.
   */
  get(i: number): ElementOf<T> {
    return this.#r.read(this.#r.index(i)) as ElementOf<T>;
  }

  /**
   * Sets element `i` (negative from the end).
   * @throws {IndexError} If out of range.
   * @throws {TypeError} If `v` does not fit the typecode.
   */
  set(i: number, v: ElementOf<T>): void {
    this.#r.write(this.#r.index(i), v);
  }

  /** Elements `a` to `b` (Python's `arr[a:b]`; for `'c'`, a Uint8Array). */
  slice(a?: number, b?: number): T extends "c" ? Uint8Array : ElementOf<T>[] {
    return sliceOf(this.#r, a, b) as T extends "c" ? Uint8Array
      : ElementOf<T>[];
  }

  /**
   * Writes `values` from index `a` on.
   * @throws {ValueError} If they do not fit.
   */
  setSlice(a: number, values: Iterable<ElementOf<T>> | Uint8Array): void {
    writeSlice(this.#r, a, values);
  }

  /** For typecode `'c'`: the bytes before the first NUL (Python's `.value`). */
  get value(): Uint8Array {
    checkChar(this.#r);
    return bytesValue(this.#r);
  }

  set value(v: Uint8Array) {
    checkChar(this.#r);
    setBytesValue(this.#r, v);
  }

  /** A typed array over the elements: zero-copy. */
  get raw(): RawOf<T> {
    return this.#r.raw as RawOf<T>;
  }

  /** Iterates over the elements. */
  *[Symbol.iterator](): IterableIterator<ElementOf<T>> {
    for (let i = 0; i < this.#r.length; i++) {
      yield this.#r.read(i) as ElementOf<T>;
    }
  }

  /** Python's repr: `<c_int_Array_3 object>`. */
  toString(): string {
    return `<${ctypeName(this.#r.typecode)}_Array_${this.#r.length} object>`;
  }

  /** @internal */
  [INSPECT](): string {
    return this.toString();
  }

  /** @internal The codec record: travels by reference. */
  [SHARE](): ShareRecord {
    return heapRecord(RawArray.tag, this.#r.ptr, programHeap());
  }
}

/**
 * Python's `multiprocessing.Array`: a fixed-length array of numbers (or
 * bytes) in the program's shared memory, guarded by a lock (a new `RLock`
 * unless told otherwise). `get`, `set`, `slice`, `setSlice` and iteration
 * take the lock for each call, as Python's synchronized wrapper does; hold
 * `getLock()` around several of them to make them atomic together. `raw`
 * bypasses the lock.
 *
 * For typecode `'c'`, `value` reads the bytes before the first NUL and
 * writes bytes followed by a NUL if there is room, as Python's.
 *
 * @typeParam T The typecode.
 *
 * @example Filling an array from a child process
 * ```ts
 * import { Array as SharedArray, Process } from "@pyconc/std/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * const squares = new SharedArray("d", 4);
 * const p = new Process({
 *   target: (a: SharedArray<"d">) => {
 *     for (let i = 0; i < a.length; i++) a.set(i, i * i);
 *   },
 *   args: [squares],
 * });
 * p.start();
 * await p.join();
 * assert.deepEqual(squares.slice(), [0, 1, 4, 9]);
 * ```
 */
export class Array<T extends Typecode = Typecode> {
  /** @internal */
  static readonly tag: string = "multiprocessing.Array";

  readonly #r: CRegion;

  /**
   * Allocates an array in shared memory, with a lock.
   * @param typecode Python's typecode.
   * @param sizeOrInit A length (zero-filled), or the elements (for `'c'`,
   *   a Uint8Array).
   * @param options `lock`: true (a new RLock), false (none) or a lock.
   * @throws {TypeError} For a bad typecode, element or lock.
   * @throws {ValueError} For a negative size.
   */
  constructor(
    typecode: T,
    sizeOrInit: SizeOrInit<T>,
    options: SharedCtypeOptions = {},
  ) {
    const tc = checkTypecode(typecode);
    const [size, init] = sizeAndInit(tc, sizeOrInit);
    this.#r = new CRegion(this, "Array", tc, size, options?.lock ?? true);
    fill(this.#r, init);
  }

  /** The typecode. */
  get typecode(): T {
    return this.#r.typecode as T;
  }

  /** The number of elements. */
  get length(): number {
    return this.#r.length;
  }

  /**
   * Element `i` (negative from the end), read under the lock.
   * @throws {IndexError} If out of range.
   */
  get(i: number): ElementOf<T> {
    const j = this.#r.index(i);
    return this.#r.locked(() => this.#r.read(j)) as ElementOf<T>;
  }

  /**
   * Sets element `i` (negative from the end) under the lock.
   * @throws {IndexError} If out of range.
   * @throws {TypeError} If `v` does not fit the typecode.
   */
  set(i: number, v: ElementOf<T>): void {
    const j = this.#r.index(i);
    this.#r.locked(() => this.#r.write(j, v));
  }

  /** Elements `a` to `b` under the lock (for `'c'`, a Uint8Array). */
  slice(a?: number, b?: number): T extends "c" ? Uint8Array : ElementOf<T>[] {
    return this.#r.locked(() => sliceOf(this.#r, a, b)) as T extends "c"
      ? Uint8Array
      : ElementOf<T>[];
  }

  /**
   * Writes `values` from index `a` on, under the lock.
   * @throws {ValueError} If they do not fit.
   */
  setSlice(a: number, values: Iterable<ElementOf<T>> | Uint8Array): void {
    this.#r.locked(() => writeSlice(this.#r, a, values));
  }

  /** For typecode `'c'`: the bytes before the first NUL (under the lock). */
  get value(): Uint8Array {
    checkChar(this.#r);
    return this.#r.locked(() => bytesValue(this.#r));
  }

  set value(v: Uint8Array) {
    checkChar(this.#r);
    this.#r.locked(() => setBytesValue(this.#r, v));
  }

  /**
   * The lock that guards the array (Python's `get_lock()`).
   * @throws {TypeError} If the array was made with `lock: false`.
   */
  getLock(): Lock | RLock {
    if (this.#r.lock === null) {
      throw new TypeError(
        "this Array has no lock (it was made with lock: false)",
      );
    }
    return this.#r.lock;
  }

  /** A typed array over the elements: zero-copy, no lock. */
  get raw(): RawOf<T> {
    return this.#r.raw as RawOf<T>;
  }

  /** Iterates over the elements (each read under the lock). */
  *[Symbol.iterator](): IterableIterator<ElementOf<T>> {
    for (let i = 0; i < this.#r.length; i++) {
      yield this.#r.locked(() => this.#r.read(i)) as ElementOf<T>;
    }
  }

  /** Python's repr: `<SynchronizedArray wrapper for <c_int_Array_3 object>>`. */
  toString(): string {
    const kind = this.#r.typecode === "c"
      ? "SynchronizedString"
      : "SynchronizedArray";
    return `<${kind} wrapper for <${
      ctypeName(this.#r.typecode)
    }_Array_${this.#r.length} object>>`;
  }

  /** @internal */
  [INSPECT](): string {
    return this.toString();
  }

  /** @internal The codec record: travels by reference. */
  [SHARE](): ShareRecord {
    return heapRecord(Array.tag, this.#r.ptr, programHeap());
  }
}

registerHeapClass(RawArray.tag, () => new RawArray("i", 0), programHeap);
// deno-lint-ignore no-array-constructor -- multiprocessing's Array, not the global
registerHeapClass(Array.tag, () => new Array("i", 0), programHeap);
