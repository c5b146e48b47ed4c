/**
 * The codec's one-byte type tags. One encoded value is a tag and its payload;
 * containers nest values. Lengths are LEB128 varuints.
 *
 * @module
 */

export const T = {
  UNDEFINED: 0x00,
  NULL: 0x01,
  FALSE: 0x02,
  TRUE: 0x03,
  INT32: 0x04,
  UINT8: 0x05,
  FLOAT64: 0x06,
  BIGINT: 0x07,
  STRING: 0x08,
  ARRAY: 0x10,
  OBJECT: 0x11,
  MAP: 0x12,
  SET: 0x13,
  DATE: 0x14,
  REGEXP: 0x15,
  ARRAY_BUFFER: 0x16,
  TYPED_ARRAY: 0x17,
  DATA_VIEW: 0x18,
  SAB_SHARED: 0x19,
  SAB_COPY: 0x1a,
  TYPED_ARRAY_SHARED: 0x1b,
  ERROR: 0x1c,
  SHAREABLE: 0x1d,
  BACKREF: 0x1e,
  BOXED: 0x1f,
  HOLE: 0x20,
} as const;

/** A typed array constructor, as the codec uses it. */
export interface TypedArrayCtor {
  new (
    buffer: ArrayBufferLike,
    byteOffset: number,
    length: number,
  ): ArrayBufferView;
  readonly BYTES_PER_ELEMENT: number;
  readonly prototype: ArrayBufferView;
}

/** Typed array constructors by their codec kind number. */
export const TYPED_ARRAYS: readonly TypedArrayCtor[] = [
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
] as unknown as readonly TypedArrayCtor[];

/** The codec kind number of a typed array, or -1. */
export function typedArrayKind(v: ArrayBufferView): number {
  const proto = Object.getPrototypeOf(v);
  for (let k = 0; k < TYPED_ARRAYS.length; k++) {
    if (TYPED_ARRAYS[k]!.prototype === proto) return k;
  }
  // A subclass of a typed array: find its base.
  for (let k = 0; k < TYPED_ARRAYS.length; k++) {
    if (v instanceof TYPED_ARRAYS[k]!) return k;
  }
  return -1;
}
