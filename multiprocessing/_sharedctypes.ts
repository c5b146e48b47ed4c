/**
 * The storage behind `Value`, `Array`, `RawValue` and `RawArray`: one
 * region of the program's heap holding the typecode, the length, an
 * optional lock (pointer and kind) and the elements, 8-byte aligned.
 *
 * Typecodes and sizes are Python's on Linux x86_64 (ctypes): `b B h H i I`
 * are 8-, 16- and 32-bit integers (numbers), `l L q Q` 64-bit integers
 * (bigints: JavaScript numbers are exact only up to 2^53), `f d` float and
 * double, `c` a byte (`c_char`: bytes of length 1). Integers wrap on
 * overflow, as ctypes' do; a non-integer for an integer typecode is a
 * TypeError, as in ctypes.
 *
 * @module
 */

import { IndexError, ValueError } from "../_internal/errors.ts";
import { registerDestructor } from "../_internal/sync/heap.ts";
import { HEADER, Tag } from "../_internal/sync/layout.ts";
import {
  attachShared,
  claimRegion,
  isAttaching,
} from "../_internal/sync/heap_object.ts";
import { programHeap } from "../_internal/process/program_heap.ts";
import { LOCK_SOURCE } from "../_internal/sync/lock_source.ts";
import { Lock } from "./lock.ts";
import { RLock } from "./rlock.ts";

/** Python's typecodes (the `array` module's letters, as multiprocessing takes them). */
export type Typecode =
  | "b"
  | "B"
  | "h"
  | "H"
  | "i"
  | "I"
  | "l"
  | "L"
  | "q"
  | "Q"
  | "f"
  | "d"
  | "c";

/** The JavaScript type of one element of a typecode. */
export type ElementOf<T extends Typecode> = T extends "l" | "L" | "q" | "Q"
  ? bigint
  : T extends "c" ? Uint8Array
  : number;

/** The typed array over the elements of a typecode (`raw`). */
export type RawOf<T extends Typecode> = T extends "l" | "q" ? BigInt64Array
  : T extends "L" | "Q" ? BigUint64Array
  : T extends "b" ? Int8Array
  : T extends "B" | "c" ? Uint8Array
  : T extends "h" ? Int16Array
  : T extends "H" ? Uint16Array
  : T extends "i" ? Int32Array
  : T extends "I" ? Uint32Array
  : T extends "f" ? Float32Array
  : Float64Array;

type AnyTyped =
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | Float32Array
  | Float64Array
  | BigInt64Array
  | BigUint64Array;

interface Kind {
  ctor: {
    new (buffer: ArrayBufferLike, byteOffset: number, length: number): AnyTyped;
    BYTES_PER_ELEMENT: number;
  };
  int: boolean;
  big: boolean;
}

const KINDS: Record<Typecode, Kind> = {
  b: { ctor: Int8Array, int: true, big: false },
  B: { ctor: Uint8Array, int: true, big: false },
  h: { ctor: Int16Array, int: true, big: false },
  H: { ctor: Uint16Array, int: true, big: false },
  i: { ctor: Int32Array, int: true, big: false },
  I: { ctor: Uint32Array, int: true, big: false },
  l: { ctor: BigInt64Array, int: true, big: true },
  L: { ctor: BigUint64Array, int: true, big: true },
  q: { ctor: BigInt64Array, int: true, big: true },
  Q: { ctor: BigUint64Array, int: true, big: true },
  f: { ctor: Float32Array, int: false, big: false },
  d: { ctor: Float64Array, int: false, big: false },
  c: { ctor: Uint8Array, int: true, big: false },
};

const V = {
  LOCK_PTR: HEADER,
  /** {@linkcode LockKind}. */
  LOCK_KIND: HEADER + 1,
  TYPECODE: HEADER + 2,
  LENGTH: HEADER + 3,
  /** Elements start here (byte 32: 8-byte aligned). */
  DATA: 8,
} as const;

const LockKind = { NONE: 0, LOCK: 1, RLOCK: 2 } as const;

/**
 * Checks a typecode.
 * @throws {TypeError} If it is not one of Python's.
 */
export function checkTypecode(typecode: unknown): Typecode {
  if (typeof typecode !== "string" || !(typecode in KINDS)) {
    throw new TypeError(
      `bad typecode (must be b, B, h, H, i, I, l, L, q, Q, f, d or c): ${
        JSON.stringify(typecode)
      }`,
    );
  }
  return typecode as Typecode;
}

/** The lock option of Value and Array (null, as Python's None: a new RLock). */
export type LockOption = boolean | null | Lock | RLock;

/** A region of elements (and maybe a lock) in the program's heap. */
export class CRegion {
  readonly ptr: number;
  readonly typecode: Typecode;
  readonly length: number;
  /** The elements, zero-copy. */
  readonly raw: AnyTyped;
  readonly lock: Lock | RLock | null;
  readonly #kind: Kind;
  /** For an RLock: whether the calling thread holds it. */
  readonly #owned: (() => boolean) | null;

  /**
   * Makes a region (or attaches the one being rebuilt, see heap_object.ts).
   * @param holder The object whose life holds the region.
   */
  constructor(
    holder: object,
    what: string,
    typecode: Typecode,
    length: number,
    lock: LockOption,
  ) {
    const h = programHeap();
    if (isAttaching()) {
      this.ptr = claimRegion(holder, Tag.VALUE, 0, what, h);
      const w = h.int32(this.ptr, V.DATA);
      this.typecode = String.fromCharCode(w[V.TYPECODE]!) as Typecode;
      this.length = w[V.LENGTH]!;
      const kind = w[V.LOCK_KIND]!;
      const lp = w[V.LOCK_PTR]!;
      this.lock = kind === LockKind.NONE
        ? null
        : kind === LockKind.RLOCK
        ? attachShared(lp, () => new RLock(), h)
        : attachShared(lp, () => new Lock(), h);
    } else {
      if (!Number.isSafeInteger(length) || length < 0) {
        throw new ValueError(
          `size must be a non-negative integer, not ${length}`,
        );
      }
      let l: Lock | RLock | null;
      if (lock === true || lock == null) l = new RLock();
      else if (lock === false) l = null;
      else if (lock instanceof Lock || lock instanceof RLock) l = lock;
      else {
        throw new TypeError(
          "lock must be true, false, or a multiprocessing Lock or RLock",
        );
      }
      const bytes = V.DATA * 4 +
        length * KINDS[typecode].ctor.BYTES_PER_ELEMENT;
      this.ptr = claimRegion(holder, Tag.VALUE, Math.ceil(bytes / 4), what, h);
      const w = h.int32(this.ptr, V.DATA);
      w[V.TYPECODE] = typecode.charCodeAt(0);
      w[V.LENGTH] = length;
      if (l !== null) {
        const ptr = regionOf(l);
        h.retain(ptr); // the region refers to the lock's
        w[V.LOCK_PTR] = ptr;
        w[V.LOCK_KIND] = l instanceof RLock ? LockKind.RLOCK : LockKind.LOCK;
      }
      this.typecode = typecode;
      this.length = length;
      this.lock = l;
    }
    this.#kind = KINDS[this.typecode];
    const l = this.lock;
    if (l instanceof RLock) {
      const protocol = l[LOCK_SOURCE]().protocol;
      this.#owned = () => protocol.isOwned();
    } else {
      this.#owned = null;
    }
    this.raw = new this.#kind.ctor(
      h.buffer,
      this.ptr * 16 + V.DATA * 4,
      this.length,
    );
  }

  /** Converts a JavaScript value for element storage. */
  toElement(v: unknown): number | bigint {
    const k = this.#kind;
    if (this.typecode === "c") {
      if (v instanceof Uint8Array && v.length === 1) return v[0]!;
      if (typeof v === "number" && Number.isInteger(v)) return v;
      throw new TypeError(
        "one character bytes, bytearray or integer expected",
      );
    }
    if (k.big) {
      if (typeof v === "bigint") return v;
      if (typeof v === "number" && Number.isInteger(v)) return BigInt(v);
      throw new TypeError(`int expected instead of ${typeName(v)}`);
    }
    if (k.int) {
      if (typeof v === "number" && Number.isInteger(v)) return v;
      if (typeof v === "bigint") return Number(BigInt.asIntN(64, v));
      throw new TypeError(`int expected instead of ${typeName(v)}`);
    }
    if (typeof v === "number") return v;
    if (typeof v === "bigint") return Number(v);
    throw new TypeError(`must be real number, not ${typeName(v)}`);
  }

  /** Converts a stored element to its JavaScript value. */
  fromElement(e: number | bigint): unknown {
    return this.typecode === "c" ? Uint8Array.of(e as number) : e;
  }

  /** Reads element `i` (already checked). */
  read(i: number): unknown {
    return this.fromElement(this.raw[i]!);
  }

  /** Writes element `i` (already checked). */
  write(i: number, v: unknown): void {
    (this.raw as unknown as (number | bigint)[])[i] = this.toElement(v);
  }

  /**
   * Python's index rules: negative counts from the end.
   * @throws {IndexError} If out of range.
   */
  index(i: number): number {
    if (!Number.isInteger(i)) {
      throw new TypeError(`indices must be integers, not ${typeName(i)}`);
    }
    const j = i < 0 ? i + this.length : i;
    if (j < 0 || j >= this.length) throw new IndexError("invalid index");
    return j;
  }

  /** Python's slice bounds (clamped, negative from the end). */
  bounds(a?: number, b?: number): [number, number] {
    const n = this.length;
    const clamp = (x: number | undefined, dflt: number) => {
      if (x === undefined || x === null) return dflt;
      if (!Number.isInteger(x)) {
        throw new TypeError(
          `slice indices must be integers, not ${typeName(x)}`,
        );
      }
      if (x < 0) x += n;
      return Math.min(Math.max(x, 0), n);
    };
    const start = clamp(a, 0);
    return [start, Math.max(start, clamp(b, n))];
  }

  /**
   * Whether an access must take the lock: there is one, and it is not an
   * RLock the calling thread holds already (then taking it again and
   * releasing it, as Python's synchronized wrapper does, changes nothing).
   */
  mustLock(): boolean {
    return this.lock !== null &&
      (this.#owned === null || !this.#owned());
  }

  /** Runs `fn` holding the lock, if there is one. */
  locked<R>(fn: () => R): R {
    if (!this.mustLock()) return fn();
    const l = this.lock!;
    l.acquireSync();
    try {
      return fn();
    } finally {
      l.release();
    }
  }
}

function typeName(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  return typeof v === "object" ? (v.constructor?.name ?? "object") : typeof v;
}

/** The heap region of a multiprocessing lock. */
function regionOf(lock: Lock | RLock): number {
  return lock[LOCK_SOURCE]().ptr;
}

registerDestructor(Tag.VALUE, (h, ptr) => {
  const w = h.int32(ptr, V.DATA);
  if (w[V.LOCK_KIND] !== LockKind.NONE) h.release(w[V.LOCK_PTR]!);
});
