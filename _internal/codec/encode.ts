/**
 * The encoder: structured-clone data to bytes, fast for the common shapes.
 *
 * Why not `node:v8`: in Deno its serialize + deserialize manages ≈ 39k small
 * round trips per second, ten times slower than CPython's pickle; a queue or
 * a pool cannot afford it. This encoder writes small integers in two bytes,
 * short ASCII strings with a plain loop, and keeps object identity (shared
 * references and cycles) with back-references, as structured clone does.
 *
 * A value is encoded completely into a scratch buffer before anything sees
 * it, so a value that cannot cross (a function, a symbol, a WeakMap…)
 * throws a TypeError naming where it was, and nothing is half-sent.
 *
 * @module
 */

import { T, typedArrayKind } from "./tags.ts";
import { isShareable, SHARE, type ShareRecord } from "./shareable.ts";
import { errorKey } from "./errors.ts";

const textEncoder = new TextEncoder();

/** Where a value goes, which decides how SharedArrayBuffers are treated. */
export type SabMode =
  /** Collected in a side table (the channel shares them: Worker messages). */
  | "share"
  /** Copied into the bytes (queues within a process). */
  | "copy"
  /**
   * To another process: copied into the bytes, and a shareable whose state
   * lives in this process's memory only is refused.
   */
  | "process";

/** Carries the path to a value that cannot be encoded. */
class Unsendable extends Error {
  readonly path: string[] = [];
  readonly what: string;
  readonly why: string;
  constructor(
    what: string,
    why = "only structured-clone data can cross a thread or process boundary",
  ) {
    super(what);
    this.what = what;
    this.why = why;
  }
}

function describe(v: unknown): string {
  if (typeof v === "function") return `a function (${v.name || "anonymous"})`;
  if (typeof v === "symbol") return `a symbol (${v.toString()})`;
  const name = (v as object)?.constructor?.name;
  return name ? `a ${name}` : "this value";
}

/**
 * Encodes values into bytes. One encoder serves one thread; its output is
 * valid until its next call.
 */
export class Encoder {
  #buf = new Uint8Array(256);
  #dv = new DataView(this.#buf.buffer);
  #pos = 0;
  #objects: Map<object, number> | undefined;
  #objectCount = 0;
  #sabs: SharedArrayBuffer[] = [];
  #sabMode: SabMode = "copy";
  #retains: (() => void)[] = [];
  #busy = false;

  /**
   * Encodes `value`.
   *
   * @param value Structured-clone data, with shareable objects by reference.
   * @param sabMode How SharedArrayBuffers are sent.
   * @returns the bytes (a view into scratch space, valid until the next call)
   *   and the SharedArrayBuffers of the side table (mode `"share"`).
   * @throws {TypeError} If the value holds something that cannot cross.
   */
  encode(
    value: unknown,
    sabMode: SabMode = "copy",
  ): { bytes: Uint8Array; sabs: SharedArrayBuffer[] } {
    if (this.#busy) return new Encoder().encode(value, sabMode); // re-entered by a getter
    this.#busy = true;
    this.#pos = 0;
    this.#objects = undefined;
    this.#objectCount = 0;
    this.#sabs = [];
    this.#sabMode = sabMode;
    this.#retains = [];
    try {
      this.#value(value);
    } catch (e) {
      if (e instanceof Unsendable) {
        const at = e.path.length ? ` at ${e.path.join("")}` : "";
        throw new TypeError(
          `Cannot send ${e.what}${at}: ${e.why}`,
        );
      }
      throw e;
    } finally {
      this.#busy = false;
      this.#objects = undefined;
    }
    for (const retain of this.#retains) retain();
    return { bytes: this.#buf.subarray(0, this.#pos), sabs: this.#sabs };
  }

  #reserve(n: number): void {
    const need = this.#pos + n;
    if (need <= this.#buf.length) return;
    let size = this.#buf.length * 2;
    while (size < need) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.#buf.subarray(0, this.#pos));
    this.#buf = next;
    this.#dv = new DataView(next.buffer);
  }

  #byte(b: number): void {
    this.#reserve(1);
    this.#buf[this.#pos++] = b;
  }

  #varuint(n: number): void {
    this.#reserve(10);
    const buf = this.#buf;
    while (n >= 0x80) {
      buf[this.#pos++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    buf[this.#pos++] = n;
  }

  #bytes(src: Uint8Array): void {
    this.#varuint(src.length);
    this.#reserve(src.length);
    this.#buf.set(src, this.#pos);
    this.#pos += src.length;
  }

  /** A string: byte length then UTF-8, with a loop for short ASCII. */
  #string(s: string): void {
    const n = s.length;
    if (n < 43) {
      // 3 * 42 < 128: the UTF-8 length fits the one-byte varuint reserved here.
      this.#reserve(1 + 3 * n);
      const buf = this.#buf;
      const at = this.#pos++;
      let p = this.#pos;
      for (let i = 0; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) {
          p = at + 1 + textEncoder.encodeInto(s, buf.subarray(at + 1)).written;
          break;
        }
        buf[p++] = c;
      }
      buf[at] = p - at - 1;
      this.#pos = p;
      return;
    }
    const max = 3 * n;
    this.#reserve(5 + max);
    // Reserve a fixed-width varuint for the worst case, fill it in after.
    const width = max < 0x80
      ? 1
      : max < 0x4000
      ? 2
      : max < 0x200000
      ? 3
      : max < 0x10000000
      ? 4
      : 5;
    const at = this.#pos;
    const written =
      textEncoder.encodeInto(s, this.#buf.subarray(at + width)).written;
    let len = written;
    for (let k = 0; k < width; k++) {
      this.#buf[at + k] = (len & 0x7f) | (k < width - 1 ? 0x80 : 0);
      len >>>= 7;
    }
    this.#pos = at + width + written;
  }

  #value(v: unknown): void {
    switch (typeof v) {
      case "number":
        return this.#number(v);
      case "string":
        this.#byte(T.STRING);
        return this.#string(v);
      case "boolean":
        return this.#byte(v ? T.TRUE : T.FALSE);
      case "undefined":
        return this.#byte(T.UNDEFINED);
      case "bigint":
        return this.#bigint(v);
      case "object":
        if (v === null) return this.#byte(T.NULL);
        return this.#object(v);
      default:
        throw new Unsendable(describe(v));
    }
  }

  #number(v: number): void {
    if ((v | 0) === v && (v !== 0 || 1 / v > 0)) {
      if (v >= 0 && v < 256) {
        this.#reserve(2);
        this.#buf[this.#pos++] = T.UINT8;
        this.#buf[this.#pos++] = v;
        return;
      }
      this.#reserve(5);
      this.#buf[this.#pos++] = T.INT32;
      this.#dv.setInt32(this.#pos, v, true);
      this.#pos += 4;
      return;
    }
    this.#reserve(9);
    this.#buf[this.#pos++] = T.FLOAT64;
    this.#dv.setFloat64(this.#pos, v, true);
    this.#pos += 8;
  }

  #bigint(v: bigint): void {
    this.#byte(T.BIGINT);
    const negative = v < 0n;
    let mag = negative ? -v : v;
    const bytes: number[] = [];
    while (mag > 0n) {
      bytes.push(Number(mag & 0xffn));
      mag >>= 8n;
    }
    this.#byte(negative ? 1 : 0);
    this.#bytes(Uint8Array.from(bytes));
  }

  /** Back-reference to an object already written, or registers it. */
  #seen(o: object): boolean {
    const objects = this.#objects ??= new Map();
    const index = objects.get(o);
    if (index !== undefined) {
      this.#byte(T.BACKREF);
      this.#varuint(index);
      return true;
    }
    objects.set(o, this.#objectCount++);
    return false;
  }

  #object(o: object): void {
    if (this.#seen(o)) return;
    if (Array.isArray(o)) return this.#array(o);
    if (isShareable(o)) return this.#shareable(o);
    if (ArrayBuffer.isView(o)) return this.#view(o);
    if (o instanceof ArrayBuffer) {
      this.#byte(T.ARRAY_BUFFER);
      return this.#bytes(new Uint8Array(o));
    }
    if (o instanceof SharedArrayBuffer) return this.#sab(o);
    if (o instanceof Map) return this.#map(o);
    if (o instanceof Set) return this.#set(o);
    if (o instanceof Date) {
      this.#byte(T.DATE);
      this.#reserve(8);
      this.#dv.setFloat64(this.#pos, o.getTime(), true);
      this.#pos += 8;
      return;
    }
    if (o instanceof RegExp) {
      this.#byte(T.REGEXP);
      this.#string(o.source);
      return this.#string(o.flags);
    }
    if (o instanceof Error) return this.#error(o);
    if (
      o instanceof Number || o instanceof String || o instanceof Boolean ||
      o instanceof BigInt
    ) {
      this.#byte(T.BOXED);
      return this.#value(o.valueOf());
    }
    if (
      o instanceof Promise || o instanceof WeakMap || o instanceof WeakSet ||
      o instanceof WeakRef || typeof o === "function" ||
      (typeof Blob !== "undefined" && o instanceof Blob)
    ) {
      throw new Unsendable(describe(o));
    }
    // A plain object or a class instance: its own enumerable string keys,
    // as structured clone copies them.
    this.#byte(T.OBJECT);
    const keys = Object.keys(o);
    this.#varuint(keys.length);
    for (const key of keys) {
      this.#string(key);
      this.#child((o as Record<string, unknown>)[key], key, false);
    }
  }

  /** Encodes a nested value, prefixing its key to the path of a failure. */
  #child(v: unknown, key: string | number, index: boolean): void {
    try {
      this.#value(v);
    } catch (e) {
      if (e instanceof Unsendable) {
        e.path.unshift(
          index
            ? `[${key}]`
            : /^[A-Za-z_$][\w$]*$/.test(String(key))
            ? `.${key}`
            : `[${JSON.stringify(key)}]`,
        );
      }
      throw e;
    }
  }

  #array(a: unknown[]): void {
    this.#byte(T.ARRAY);
    const n = a.length;
    this.#varuint(n);
    for (let i = 0; i < n; i++) {
      if (!(i in a)) {
        this.#byte(T.HOLE);
        continue;
      }
      this.#child(a[i], i, true);
    }
  }

  #map(m: Map<unknown, unknown>): void {
    this.#byte(T.MAP);
    this.#varuint(m.size);
    let i = 0;
    for (const [k, v] of m) {
      this.#child(k, `<key ${i}>`, true);
      this.#child(v, i++, true);
    }
  }

  #set(s: Set<unknown>): void {
    this.#byte(T.SET);
    this.#varuint(s.size);
    let i = 0;
    for (const v of s) this.#child(v, i++, true);
  }

  #sab(s: SharedArrayBuffer): void {
    if (this.#sabMode === "share") {
      this.#byte(T.SAB_SHARED);
      this.#varuint(this.#sabs.push(s) - 1);
      return;
    }
    this.#byte(T.SAB_COPY);
    this.#bytes(new Uint8Array(s).slice());
  }

  #view(v: ArrayBufferView): void {
    const shared = v.buffer instanceof SharedArrayBuffer;
    if (v instanceof DataView) {
      this.#byte(T.DATA_VIEW);
      return this.#bytes(
        new Uint8Array(v.buffer, v.byteOffset, v.byteLength).slice(),
      );
    }
    const kind = typedArrayKind(v);
    if (kind < 0) throw new Unsendable(describe(v));
    if (shared && this.#sabMode === "share") {
      this.#byte(T.TYPED_ARRAY_SHARED);
      this.#byte(kind);
      this.#varuint(this.#sabs.push(v.buffer as SharedArrayBuffer) - 1);
      this.#varuint(v.byteOffset);
      this.#varuint(v.byteLength);
      return;
    }
    this.#byte(T.TYPED_ARRAY);
    this.#byte(kind | (shared ? 0x80 : 0));
    const bytes = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
    this.#varuint(bytes.length);
    this.#reserve(bytes.length);
    this.#buf.set(bytes, this.#pos);
    this.#pos += bytes.length;
  }

  #error(e: Error): void {
    this.#byte(T.ERROR);
    this.#string(String(e.name ?? "Error"));
    this.#string(errorKey(e));
    this.#string(String(e.message ?? ""));
    const stack = typeof e.stack === "string" ? e.stack : "";
    this.#string(stack);
    this.#child("cause" in e ? e.cause : undefined, "cause", false);
    // Own enumerable fields (errno, returncode, cmd, …) travel too.
    const extra: Record<string, unknown> = {};
    for (const key of Object.keys(e)) {
      if (key === "cause" || key === "message" || key === "stack") continue;
      const value = (e as unknown as Record<string, unknown>)[key];
      if (typeof value === "function" || typeof value === "symbol") continue;
      extra[key] = value;
    }
    this.#child(extra, "fields", false);
  }

  #shareable(o: object): void {
    const record = (o as { [SHARE](): ShareRecord })[SHARE]();
    if (this.#sabMode === "process" && !record.crossProcess) {
      throw new Unsendable(
        `a ${record.tag}`,
        "it lives in this process's memory and cannot reach another process (use the multiprocessing class of the same name)",
      );
    }
    this.#byte(T.SHAREABLE);
    this.#string(record.tag);
    this.#child(record.data, record.tag, true);
    if (record.retain) this.#retains.push(record.retain);
  }
}

const shared = new Encoder();

/**
 * Encodes `value` with this thread's encoder. The bytes are valid until the
 * next call: copy them before encoding again.
 */
export function encode(
  value: unknown,
  sabMode: SabMode = "copy",
): { bytes: Uint8Array; sabs: SharedArrayBuffer[] } {
  return shared.encode(value, sabMode);
}
