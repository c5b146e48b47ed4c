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
import type { Lock } from "./lock.ts";
import type { RLock } from "./rlock.ts";

/** Options of {@linkcode Value} and `Array`. */
export interface SharedCtypeOptions {
  /**
   * `true`: a new `RLock` guards every access; `false`: no lock (`getLock()`
   * throws); or a multiprocessing `Lock` or `RLock` to use.
   * @default true
   */
  lock?: boolean | null | Lock | RLock;
}

function initial(r: CRegion, init: unknown): void {
  if (init !== undefined) r.write(0, init);
}

/**
 * Python's `multiprocessing.RawValue`: one number (or byte) in the
 * program's shared memory, with no lock. Passed to another process it
 * arrives bound to the same memory.
 *
 * Typecodes `b B h H i I f d` hold numbers, `l L q Q` bigints, `c` a byte
 * (`.value` is a Uint8Array of length 1, as Python's `c_char` is bytes).
 *
 * @typeParam T The typecode.
 *
 * @example
 * ```ts
 * import { RawValue } from "@pyconc/std/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * const v = new RawValue("d", 1.5);
 * v.value *= 2;
 * assert.equal(v.value, 3);
 * assert.equal(new RawValue("q", 2n ** 60n).value, 2n ** 60n);
 * ```
 */
export class RawValue<T extends Typecode = Typecode> {
  /** @internal */
  static readonly tag: string = "multiprocessing.RawValue";

  readonly #r: CRegion;

  /**
   * Allocates a value in shared memory.
   * @param typecode Python's typecode.
   * @param init The initial value (zero by default).
   * @throws {TypeError} For a bad typecode or value.
   */
  constructor(typecode: T, init?: ElementOf<T>) {
    this.#r = new CRegion(this, "RawValue", checkTypecode(typecode), 1, false);
    initial(this.#r, init);
  }

  /** The typecode. */
  get typecode(): T {
    return this.#r.typecode as T;
  }

  /** The value (no lock taken). */
  get value(): ElementOf<T> {
    return this.#r.read(0) as ElementOf<T>;
  }

  set value(v: ElementOf<T>) {
    this.#r.write(0, v);
  }

  /** A typed array of length 1 over the value: zero-copy access. */
  get raw(): RawOf<T> {
    return this.#r.raw as RawOf<T>;
  }

  /** Python's repr: `c_int(5)`. */
  toString(): string {
    return `${ctypeName(this.#r.typecode)}(${show(this.#r.read(0))})`;
  }

  /** @internal */
  [INSPECT](): string {
    return this.toString();
  }

  /** @internal The codec record: travels by reference. */
  [SHARE](): ShareRecord {
    return heapRecord(RawValue.tag, this.#r.ptr, programHeap());
  }
}

/**
 * Python's `multiprocessing.Value`: one number (or byte) in the program's
 * shared memory, guarded by a lock (a new `RLock` unless told otherwise).
 *
 * Reading or writing `.value` takes the lock, as Python's synchronized
 * wrapper does; a read-modify-write needs the lock held around it, as in
 * Python's `with v.get_lock(): v.value += 1`:
 * `using _ = v.getLock().holdSync(); v.value += 1;`. Passed to another
 * process it arrives bound to the same memory and lock.
 *
 * @typeParam T The typecode.
 *
 * @example Counting from two processes without losing an update
 * ```ts
 * import { Process, Value } from "@pyconc/std/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * const counter = new Value("i", 0);
 * const work = (counter: Value<"i">) => {
 *   for (let i = 0; i < 500; i++) {
 *     using _ = counter.getLock().holdSync();
 *     counter.value += 1;
 *   }
 * };
 * const procs = [0, 1].map(() => new Process({ target: work, args: [counter] }));
 * for (const p of procs) p.start();
 * for (const p of procs) await p.join();
 * assert.equal(counter.value, 1000);
 * ```
 */
export class Value<T extends Typecode = Typecode> {
  /** @internal */
  static readonly tag: string = "multiprocessing.Value";

  readonly #r: CRegion;

  /**
   * Allocates a value in shared memory, with a lock.
   * @param typecode Python's typecode.
   * @param init The initial value (zero by default).
   * @param options `lock`: true (a new RLock), false (none) or a lock.
   * @throws {TypeError} For a bad typecode, value or lock.
   */
  constructor(
    typecode: T,
    init?: ElementOf<T>,
    options: SharedCtypeOptions = {},
  ) {
    this.#r = new CRegion(
      this,
      "Value",
      checkTypecode(typecode),
      1,
      options?.lock ?? true,
    );
    initial(this.#r, init);
  }

  /** The typecode. */
  get typecode(): T {
    return this.#r.typecode as T;
  }

  /** The value; reading and writing take the lock. */
  get value(): ElementOf<T> {
    const r = this.#r;
    if (!r.mustLock()) return r.read(0) as ElementOf<T>;
    r.lock!.acquireSync();
    try {
      return r.read(0) as ElementOf<T>;
    } finally {
      r.lock!.release();
    }
  }

  set value(v: ElementOf<T>) {
    const r = this.#r;
    if (!r.mustLock()) {
      r.write(0, v);
      return;
    }
    r.lock!.acquireSync();
    try {
      r.write(0, v);
    } finally {
      r.lock!.release();
    }
  }

  /**
   * The lock that guards the value (Python's `get_lock()`).
   * @throws {TypeError} If the value was made with `lock: false`.
   */
  getLock(): Lock | RLock {
    if (this.#r.lock === null) {
      throw new TypeError(
        "this Value has no lock (it was made with lock: false)",
      );
    }
    return this.#r.lock;
  }

  /** A typed array of length 1 over the value: zero-copy, no lock. */
  get raw(): RawOf<T> {
    return this.#r.raw as RawOf<T>;
  }

  /** Python's repr: `<Synchronized wrapper for c_int(5)>`. */
  toString(): string {
    return `<Synchronized wrapper for ${ctypeName(this.#r.typecode)}(${
      show(this.#r.read(0))
    })>`;
  }

  /** @internal */
  [INSPECT](): string {
    return this.toString();
  }

  /** @internal The codec record: travels by reference. */
  [SHARE](): ShareRecord {
    return heapRecord(Value.tag, this.#r.ptr, programHeap());
  }
}

const CTYPES: Record<Typecode, string> = {
  b: "c_byte",
  B: "c_ubyte",
  h: "c_short",
  H: "c_ushort",
  i: "c_int",
  I: "c_uint",
  l: "c_long",
  L: "c_ulong",
  q: "c_longlong",
  Q: "c_ulonglong",
  f: "c_float",
  d: "c_double",
  c: "c_char",
};

/** The ctypes name of a typecode (for reprs). */
export function ctypeName(typecode: Typecode): string {
  return CTYPES[typecode];
}

/** A value as Python shows it in a repr. */
export function show(v: unknown): string {
  if (v instanceof Uint8Array) {
    let s = "b'";
    for (const b of v) {
      s += b >= 0x20 && b < 0x7f && b !== 0x27 && b !== 0x5c
        ? String.fromCharCode(b)
        : `\\x${b.toString(16).padStart(2, "0")}`;
    }
    return s + "'";
  }
  return String(v);
}

registerHeapClass(RawValue.tag, () => new RawValue("i"), programHeap);
registerHeapClass(Value.tag, () => new Value("i"), programHeap);
