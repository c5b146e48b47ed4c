import { IndexError, ValueError } from "../../_internal/errors.ts";
import {
  registerShareable,
  SHARE,
  type ShareRecord,
} from "../../_internal/codec/shareable.ts";
import { INSPECT } from "../../_internal/sync/hold.ts";
import { SharedMemory } from "./shared_memory.ts";

/** What a ShareableList holds: Python's int, float, bool, str, bytes, None. */
export type ShareableItem =
  | number
  | bigint
  | boolean
  | string
  | Uint8Array
  | null;

// CPython's layout (Lib/multiprocessing/shared_memory.py), native byte
// order (little-endian here), every slot 8-byte aligned:
//   q              the number of items N
//   q * (N + 1)    each item's offset in the data area, and its end
//   data           each item, per its format
//   8s * N         each item's struct format, NUL-padded
//   b * N          each item's back-transform code
const ALIGN = 8;
const FMT_INT = "q";
const FMT_FLOAT = "d";
const FMT_BOOL = "xxxxxxx?";
const FMT_NONE = "xxxxxx?x";
/** Back-transform codes: how stored bytes become a value again. */
const Code = { VALUE: 0, STR: 1, BYTES: 2, NONE: 3 } as const;

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder();
const INT64_MIN = -(2n ** 63n), INT64_MAX = 2n ** 63n - 1n;

/** The format and back-transform code Python picks for an item. */
function formatOf(
  item: unknown,
): { fmt: string; code: number; bytes?: Uint8Array } {
  if (item === null || item === undefined) {
    return { fmt: FMT_NONE, code: Code.NONE };
  }
  if (typeof item === "boolean") return { fmt: FMT_BOOL, code: Code.VALUE };
  if (typeof item === "bigint") {
    if (item < INT64_MIN || item > INT64_MAX) {
      throw new RangeError(`int too large to store: ${item}`);
    }
    return { fmt: FMT_INT, code: Code.VALUE };
  }
  if (typeof item === "number") {
    const int = Number.isInteger(item) && !Object.is(item, -0) &&
      item >= -(2 ** 63) && item < 2 ** 63;
    return { fmt: int ? FMT_INT : FMT_FLOAT, code: Code.VALUE };
  }
  if (typeof item === "string" || item instanceof Uint8Array) {
    const bytes = typeof item === "string" ? utf8.encode(item) : item;
    // Python sizes the slot from len(item), in code points for a string,
    // and cuts a longer UTF-8 encoding; a slot that big enough is taken
    // here instead (Python reads the stored formats either way).
    const chars = typeof item === "string" ? [...item].length : bytes.length;
    let size = ALIGN * (Math.floor(chars / ALIGN) + 1);
    if (bytes.length > size) {
      size = ALIGN * (Math.floor(bytes.length / ALIGN) + 1);
    }
    const fmt = `${size}s`;
    if (fmt.length > 8) {
      throw new ValueError(`item too large for a ShareableList: ${size} bytes`);
    }
    return {
      fmt,
      code: typeof item === "string" ? Code.STR : Code.BYTES,
      bytes,
    };
  }
  throw new TypeError(
    `ShareableList items are numbers, bigints, booleans, strings, Uint8Arrays or null, not ${typeof item}`,
  );
}

/** The bytes a format takes. */
function sizeOfFormat(fmt: string): number {
  return fmt.endsWith("s") ? Number(fmt.slice(0, -1)) : ALIGN;
}

/** Python's `==` for the items a list holds. */
function pyEquals(a: unknown, b: unknown): boolean {
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    if (!(a instanceof Uint8Array && b instanceof Uint8Array)) return false;
    return a.length === b.length && a.every((x, i) => x === b[i]);
  }
  const num = (v: unknown) =>
    typeof v === "boolean" ? Number(v) : typeof v === "bigint" ? v : v;
  const x = num(a), y = num(b);
  if (
    (typeof x === "number" || typeof x === "bigint") &&
    (typeof y === "number" || typeof y === "bigint")
  ) {
    // deno-lint-ignore eqeqeq -- 1 == 1n, as Python's 1 == 1.0
    return x == y;
  }
  return a === b;
}

const TAG = "shared_memory.ShareableList";

/**
 * Python's `multiprocessing.shared_memory.ShareableList`: a fixed-length
 * list of numbers, bigints, booleans, strings, byte strings (Uint8Array)
 * and nulls, stored in a `SharedMemory` segment with CPython's binary
 * layout: a list written here is read by Python's `ShareableList(name=…)`,
 * and the reverse.
 *
 * Integers are stored as 64-bit (`q`) and come back as numbers, or as
 * bigints beyond 2^53; other numbers as doubles (`d`). A string or byte
 * string keeps the slot it was created with: a longer one later throws
 * ValueError, as in Python. The length never changes.
 *
 * @example
 * ```ts
 * import { ShareableList } from "@pyconc/std/multiprocessing/shared_memory";
 * import assert from "node:assert/strict";
 *
 * const sl = new ShareableList([1, 2.5, "three", null, true]);
 * const same = new ShareableList(null, { name: sl.shm.name });
 * same.set(2, "3");
 * assert.equal(sl.get(2), "3");
 * assert.equal(sl.format, "qd8sxxxxxx?xxxxxxxx?");
 * assert.equal(sl.index(null), 3);
 * same.shm.close();
 * sl.shm.close();
 * sl.shm.unlink();
 * ```
 */
export class ShareableList {
  /** The segment holding the list. */
  readonly shm: SharedMemory;
  readonly #length: number;
  readonly #offsets: number[];

  /**
   * Creates a list in a new segment, or attaches an existing one by name.
   *
   * @param sequence The items (a new list); null or omitted to attach `name`.
   * @param options `name`: the segment to create (with a sequence) or attach.
   * @throws {TypeError} For an item of a type the layout cannot hold.
   */
  constructor(
    sequence?: Iterable<ShareableItem> | null,
    options: { name?: string | null } = {},
  ) {
    const name = options?.name ?? null;
    if (name === null || sequence != null) {
      const items = [...(sequence ?? [])];
      const formats = items.map(formatOf);
      const n = items.length;
      const offsets = [0];
      for (const f of formats) {
        offsets.push(offsets[offsets.length - 1]! + sizeOfFormat(f.fmt));
      }
      const dataSize = offsets[n]!;
      const size = 8 + 8 * (n + 1) + dataSize + 8 * n + n;
      this.shm = new SharedMemory({ name, create: true, size });
      this.#length = n;
      this.#offsets = offsets;
      const dv = this.#view();
      dv.setBigInt64(0, BigInt(n), true);
      offsets.forEach((o, i) => dv.setBigInt64(8 + 8 * i, BigInt(o), true));
      items.forEach((item, i) => this.#store(i, formats[i]!, item));
    } else {
      this.shm = new SharedMemory({ name });
      const dv = this.#view();
      this.#length = Number(dv.getBigInt64(0, true));
      this.#offsets = [];
      for (let i = 0; i <= this.#length; i++) {
        this.#offsets.push(Number(dv.getBigInt64(8 + 8 * i, true)));
      }
    }
  }

  #view(): DataView {
    const buf = this.shm.buf;
    return new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  #dataStart(): number {
    return (this.#length + 2) * 8;
  }

  #formatsStart(): number {
    return this.#dataStart() + this.#offsets[this.#length]!;
  }

  #codesStart(): number {
    return this.#formatsStart() + this.#length * 8;
  }

  #position(i: number, what: string): number {
    if (!Number.isInteger(i)) {
      throw new TypeError(`list indices must be integers, not ${typeof i}`);
    }
    const j = i < 0 ? i + this.#length : i;
    if (j < 0 || j >= this.#length) throw new IndexError(what);
    return j;
  }

  #format(i: number): string {
    const at = this.#formatsStart() + i * 8;
    const raw = this.shm.buf.subarray(at, at + 8);
    const end = raw.indexOf(0);
    return utf8Decoder.decode(raw.slice(0, end < 0 ? 8 : end));
  }

  /** Writes an item with its format and code (Python's pack_into calls). */
  #store(
    i: number,
    f: { fmt: string; code: number; bytes?: Uint8Array },
    item: unknown,
  ): void {
    const buf = this.shm.buf;
    const dv = this.#view();
    const at = this.#dataStart() + this.#offsets[i]!;
    const width = sizeOfFormat(f.fmt);
    buf.fill(0, at, at + width);
    switch (f.fmt) {
      case FMT_INT:
        dv.setBigInt64(at, BigInt(item as number | bigint), true);
        break;
      case FMT_FLOAT:
        dv.setFloat64(at, item as number, true);
        break;
      case FMT_BOOL:
        buf[at + 7] = item ? 1 : 0;
        break;
      case FMT_NONE:
        break;
      default:
        buf.set(f.bytes!.subarray(0, width), at);
    }
    const fmtAt = this.#formatsStart() + i * 8;
    buf.fill(0, fmtAt, fmtAt + 8);
    buf.set(utf8.encode(f.fmt), fmtAt);
    buf[this.#codesStart() + i] = f.code;
  }

  /** The number of items. */
  get length(): number {
    return this.#length;
  }

  /**
   * Refuses access once the list's segment is closed in this process (its
   * memory is unmapped), as Python's released memoryview does.
   * @throws {ValueError} If `shm.close()` was called.
   */
  #open(): void {
    if (this.shm.buf.length === 0) {
      throw new ValueError(
        "operation forbidden on a closed ShareableList (its shm is closed)",
      );
    }
  }

  /**
   * Item `i` (negative from the end).
   * @throws {IndexError} If out of range.
   */
  get(i: number): ShareableItem {
    this.#open();
    const j = this.#position(i, "index out of range");
    const fmt = this.#format(j);
    const code = this.shm.buf[this.#codesStart() + j]!;
    const at = this.#dataStart() + this.#offsets[j]!;
    const dv = this.#view();
    let value: ShareableItem;
    if (fmt === FMT_INT) {
      const v = dv.getBigInt64(at, true);
      value = v >= -(2n ** 53n) && v <= 2n ** 53n ? Number(v) : v;
    } else if (fmt === FMT_FLOAT) value = dv.getFloat64(at, true);
    else if (fmt === FMT_BOOL) value = this.shm.buf[at + 7] !== 0;
    else if (fmt === FMT_NONE) value = null;
    else {
      const raw = this.shm.buf.subarray(at, at + sizeOfFormat(fmt));
      let end = raw.length;
      while (end > 0 && raw[end - 1] === 0) end--; // Python's rstrip(b'\x00')
      value = raw.slice(0, end);
    }
    if (code === Code.STR) return utf8Decoder.decode(value as Uint8Array);
    if (code === Code.NONE) return null;
    return value;
  }

  /**
   * Sets item `i` (negative from the end).
   * @throws {IndexError} If out of range.
   * @throws {ValueError} If a string or byte string exceeds the item's slot.
   * @throws {TypeError} For a type the layout cannot hold.
   */
  set(i: number, value: ShareableItem): void {
    this.#open();
    const j = this.#position(i, "assignment index out of range");
    let f = formatOf(value);
    if (f.bytes !== undefined) {
      const allocated = this.#offsets[j + 1]! - this.#offsets[j]!;
      if (f.bytes.length > allocated) {
        throw new ValueError("bytes/str item exceeds available storage");
      }
      const current = this.#format(j);
      f = {
        fmt: current.endsWith("s") ? current : `${allocated}s`,
        code: f.code,
        bytes: f.bytes,
      };
    }
    this.#store(j, f, value);
  }

  /** Python's `count(value)`: how many items equal `value`. */
  count(value: ShareableItem): number {
    let n = 0;
    for (const item of this) if (pyEquals(item, value)) n++;
    return n;
  }

  /**
   * Python's `index(value)`: the first position of `value`.
   * @throws {ValueError} If it is not in the list.
   */
  index(value: ShareableItem): number {
    let i = 0;
    for (const item of this) {
      if (pyEquals(item, value)) return i;
      i++;
    }
    throw new ValueError(`${String(value)} not in this container`);
  }

  /** The struct formats of the items, concatenated (Python's `format`). */
  get format(): string {
    let s = "";
    for (let i = 0; i < this.#length; i++) s += this.#format(i);
    return s;
  }

  /** Iterates over the items. */
  *[Symbol.iterator](): IterableIterator<ShareableItem> {
    for (let i = 0; i < this.#length; i++) yield this.get(i);
  }

  /** Python's repr: `ShareableList([1, 'a'], name='psm_…')`. */
  toString(): string {
    const show = (v: ShareableItem) =>
      v === null
        ? "None"
        : v === true
        ? "True"
        : v === false
        ? "False"
        : typeof v === "string"
        ? `'${v}'`
        : v instanceof Uint8Array
        ? `b'${String.fromCharCode(...v)}'`
        : String(v);
    return `ShareableList([${
      [...this].map(show).join(", ")
    }], name='${this.shm.name}')`;
  }

  /** @internal */
  [INSPECT](): string {
    return this.toString();
  }

  /** @internal The codec record: the receiver attaches the same list. */
  [SHARE](): ShareRecord {
    return { tag: TAG, data: this.shm.name, crossProcess: true };
  }
}

registerShareable(
  TAG,
  (data) => new ShareableList(null, { name: data as string }),
);
