/**
 * The decoder: bytes from {@linkcode Encoder} back to values.
 *
 * The source may live in shared memory: strings are copied out before
 * `TextDecoder` sees them (it refuses shared buffers), typed arrays are
 * copied into fresh buffers, so nothing decoded aliases the source.
 *
 * @module
 */

import { T, TYPED_ARRAYS } from "./tags.ts";
import { rebuildShareable } from "./shareable.ts";
import { errorClass } from "./errors.ts";

const textDecoder = new TextDecoder();

class Decoder {
  readonly #src: Uint8Array;
  readonly #dv: DataView;
  #pos = 0;
  readonly #objects: unknown[] = [];
  readonly #sabs: readonly SharedArrayBuffer[];

  constructor(src: Uint8Array, sabs: readonly SharedArrayBuffer[]) {
    this.#src = src;
    this.#dv = new DataView(src.buffer, src.byteOffset, src.byteLength);
    this.#sabs = sabs;
  }

  get done(): boolean {
    return this.#pos === this.#src.length;
  }

  #varuint(): number {
    const src = this.#src;
    let n = 0, mul = 1, b: number;
    do {
      b = src[this.#pos++]!;
      n += (b & 0x7f) * mul;
      mul *= 0x80;
    } while (b & 0x80);
    return n;
  }

  #byteRange(): [number, number] {
    const len = this.#varuint();
    const start = this.#pos;
    this.#pos += len;
    if (this.#pos > this.#src.length) {
      throw new RangeError("codec: truncated input");
    }
    return [start, start + len];
  }

  /**
   * A fresh copy of the next byte range. (Allocating and `set` is about twice
   * as fast as `slice` when the source is shared memory.)
   */
  #copy(): Uint8Array<ArrayBuffer> {
    const [a, b] = this.#byteRange();
    const out = new Uint8Array(b - a);
    out.set(this.#src.subarray(a, b));
    return out;
  }

  #string(): string {
    const [a, b] = this.#byteRange();
    const src = this.#src;
    if (b - a < 64) {
      let s = "";
      for (let i = a; i < b; i++) {
        const c = src[i]!;
        if (c >= 0x80) return textDecoder.decode(src.slice(a, b));
        s += String.fromCharCode(c);
      }
      return s;
    }
    return textDecoder.decode(src.slice(a, b));
  }

  #keep<V>(v: V): V {
    this.#objects.push(v);
    return v;
  }

  value(): unknown {
    const tag = this.#src[this.#pos++];
    switch (tag) {
      case T.UNDEFINED:
        return undefined;
      case T.NULL:
        return null;
      case T.FALSE:
        return false;
      case T.TRUE:
        return true;
      case T.UINT8:
        return this.#src[this.#pos++];
      case T.INT32: {
        const v = this.#dv.getInt32(this.#pos, true);
        this.#pos += 4;
        return v;
      }
      case T.FLOAT64: {
        const v = this.#dv.getFloat64(this.#pos, true);
        this.#pos += 8;
        return v;
      }
      case T.STRING:
        return this.#string();
      case T.BIGINT: {
        const negative = this.#src[this.#pos++] === 1;
        const bytes = this.#copy();
        let v = 0n;
        for (let i = bytes.length - 1; i >= 0; i--) {
          v = (v << 8n) | BigInt(bytes[i]!);
        }
        return negative ? -v : v;
      }
      case T.ARRAY: {
        const n = this.#varuint();
        const a = this.#keep(new Array(n));
        for (let i = 0; i < n; i++) {
          if (this.#src[this.#pos] === T.HOLE) {
            this.#pos++;
            continue;
          }
          a[i] = this.value();
        }
        return a;
      }
      case T.OBJECT: {
        const n = this.#varuint();
        const o = this.#keep({} as Record<string, unknown>);
        for (let i = 0; i < n; i++) {
          const key = this.#string();
          const v = this.value();
          if (key === "__proto__") {
            Object.defineProperty(o, key, {
              value: v,
              enumerable: true,
              writable: true,
              configurable: true,
            });
          } else {
            o[key] = v;
          }
        }
        return o;
      }
      case T.MAP: {
        const n = this.#varuint();
        const m = this.#keep(new Map());
        for (let i = 0; i < n; i++) {
          const k = this.value();
          m.set(k, this.value());
        }
        return m;
      }
      case T.SET: {
        const n = this.#varuint();
        const s = this.#keep(new Set());
        for (let i = 0; i < n; i++) s.add(this.value());
        return s;
      }
      case T.DATE: {
        const d = this.#keep(new Date(this.#dv.getFloat64(this.#pos, true)));
        this.#pos += 8;
        return d;
      }
      case T.REGEXP: {
        const index = this.#objects.push(undefined) - 1;
        const source = this.#string();
        const r = new RegExp(source, this.#string());
        this.#objects[index] = r;
        return r;
      }
      case T.ARRAY_BUFFER:
        return this.#keep(this.#copy().buffer);
      case T.SAB_SHARED:
        return this.#keep(this.#sab(this.#varuint()));
      case T.SAB_COPY: {
        const bytes = this.#copy();
        const sab = new SharedArrayBuffer(bytes.length);
        new Uint8Array(sab).set(bytes);
        return this.#keep(sab);
      }
      case T.DATA_VIEW:
        return this.#keep(new DataView(this.#copy().buffer));
      case T.TYPED_ARRAY: {
        const kind = this.#src[this.#pos++]!;
        const [a, b] = this.#byteRange();
        const Ctor = TYPED_ARRAYS[kind & 0x7f]!;
        let buffer: ArrayBuffer | SharedArrayBuffer;
        if (kind & 0x80) {
          buffer = new SharedArrayBuffer(b - a);
          new Uint8Array(buffer).set(this.#src.subarray(a, b));
        } else {
          const out = new Uint8Array(b - a);
          out.set(this.#src.subarray(a, b));
          buffer = out.buffer;
        }
        return this.#keep(
          new Ctor(buffer, 0, (b - a) / Ctor.BYTES_PER_ELEMENT),
        );
      }
      case T.TYPED_ARRAY_SHARED: {
        const Ctor = TYPED_ARRAYS[this.#src[this.#pos++]!]!;
        const sab = this.#sab(this.#varuint());
        const offset = this.#varuint();
        const length = this.#varuint() / Ctor.BYTES_PER_ELEMENT;
        return this.#keep(new Ctor(sab, offset, length));
      }
      case T.ERROR:
        return this.#error();
      case T.SHAREABLE: {
        const index = this.#objects.push(undefined) - 1;
        const tag = this.#string();
        const o = rebuildShareable(tag, this.value());
        this.#objects[index] = o;
        return o;
      }
      case T.BACKREF:
        return this.#objects[this.#varuint()];
      case T.BOXED: {
        const index = this.#objects.push(undefined) - 1;
        const o = Object(this.value());
        this.#objects[index] = o;
        return o;
      }
      default:
        throw new RangeError(
          `codec: unknown tag ${tag} at byte ${this.#pos - 1}`,
        );
    }
  }

  #sab(index: number): SharedArrayBuffer {
    const sab = this.#sabs[index];
    if (sab === undefined) {
      throw new RangeError("codec: missing SharedArrayBuffer");
    }
    return sab;
  }

  #error(): Error {
    const index = this.#objects.push(undefined) - 1;
    const name = this.#string();
    const key = this.#string();
    const message = this.#string();
    const stack = this.#string();
    const cls = errorClass(key || name) ?? Error;
    const err = Object.create(cls.prototype) as Error;
    this.#objects[index] = err;
    const define = (key: string, value: unknown) =>
      Object.defineProperty(err, key, {
        value,
        writable: true,
        configurable: true,
        enumerable: false,
      });
    define("message", message);
    if (cls.prototype.name !== name) define("name", name);
    // The remote stack, as Python keeps the remote traceback.
    define("stack", stack || `${name}: ${message}`);
    const cause = this.value();
    if (cause !== undefined) define("cause", cause);
    const fields = this.value() as Record<string, unknown>;
    for (const key of Object.keys(fields)) {
      (err as unknown as Record<string, unknown>)[key] = fields[key];
    }
    return err;
  }
}

/**
 * Decodes bytes written by the encoder.
 * @param bytes The encoded value (may be a view over shared memory).
 * @param sabs The side table of SharedArrayBuffers sent with it.
 */
export function decode(
  bytes: Uint8Array,
  sabs: readonly SharedArrayBuffer[] = [],
): unknown {
  const d = new Decoder(bytes, sabs);
  const v = d.value();
  if (!d.done) throw new RangeError("codec: trailing bytes after the value");
  return v;
}
