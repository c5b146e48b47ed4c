/**
 * The writer: values of the mapping to pickle opcodes, as CPython's
 * `_pickle.c` Pickler writes them for each protocol (memo, framing,
 * batching of 1000 items, the Python 2 names of protocols 0-2), so Python
 * reads the result as the objects it would have written.
 *
 * It recurses on the value's nesting, up to {@linkcode MAX_DEPTH} levels
 * (deeper values are refused with a PicklingError, as CPython refuses past
 * its recursion limit).
 *
 * Protocols 4 and 5 first try the fast writer (`_fast_pickler.ts`), which
 * writes the same bytes for plain values; this Pickler takes over whatever
 * it gives up on.
 *
 * @module
 */

import * as op from "./_opcodes.ts";
import { PicklingError } from "./errors.ts";
import { PyObject } from "./py_object.ts";
import { encodeUtf8Into } from "./_utf8.ts";
import { encodeRawUnicodeEscape, floatRepr } from "./_text.ts";
import { toPy2 } from "./_compat.ts";
import { exceptionOf } from "./_exceptions.ts";
import { MAX_DEPTH } from "./_loaded.ts";
import { fastWrite, GIVE_UP, NO_ROOM } from "./_fast_pickler.ts";

const BATCHSIZE = 1000;
/** Strings shorter than this are written again rather than memoized. */
const MEMO_MIN_STR = 4;
/** Memo entries searched linearly before a Map takes over. */
const MEMO_SCAN = 24;
const latin = new TextEncoder();

/**
 * Small pickles are written straight into a shared pool and returned as
 * views of it, as Node's `Buffer` pool does: allocating an ArrayBuffer
 * costs more than pickling a small message.
 */
const POOL_SIZE = 8192;
let pool = new Uint8Array(POOL_SIZE);
let poolUsed = 0;
/** A dumps in progress (a getter may call dumps again): it gets its own buffer. */
let busy = false;
const f64 = new DataView(new ArrayBuffer(8));

function isPlainObject(x: object): boolean {
  const p = Object.getPrototypeOf(x);
  return p === Object.prototype || p === null;
}

function typeName(v: unknown): string {
  if (typeof v === "function") {
    return `function${v.name ? ` '${v.name}'` : ""}`;
  }
  if (typeof v === "symbol") return `symbol ${String(v.description ?? "")}`;
  if (typeof v === "object" && v !== null) {
    return `'${
      (v.constructor as { name?: string } | undefined)?.name ?? "Object"
    }' object`;
  }
  return typeof v;
}

class Pickler {
  buf: Uint8Array;
  /** Where this pickle starts in `buf`. */
  start: number;
  pos: number;
  proto: number;
  /**
   * The memo: what each memo index holds (strings by value, everything
   * else by identity). Small pickles search it linearly, which beats a
   * Map's hashing and growth; past MEMO_SCAN entries a Map indexes it.
   */
  readonly memoKeys: unknown[] = [];
  /** Entries of memoKeys in use (the array is reused: never shrunk). */
  memoLen = 0;
  memoMap: Map<unknown, number> | null = null;
  /** Globals written so far (`module\nname` → memo index). */
  globals: Map<string, number> | null = null;

  constructor(proto: number, buf: Uint8Array, start: number) {
    this.proto = proto;
    this.buf = buf;
    this.start = start;
    this.pos = start;
  }

  /** Makes a used pickler ready for another pickle. */
  reset(proto: number, buf: Uint8Array, start: number): void {
    this.proto = proto;
    this.buf = buf;
    this.start = start;
    this.pos = start;
  }

  /** Drops every reference to the pickled value. */
  clear(): void {
    const keys = this.memoKeys;
    if (this.memoMap !== null) {
      keys.length = 0; // a big pickle's memo: let it go
      this.memoMap = null;
    } else {
      for (let i = 0; i < this.memoLen; i++) keys[i] = undefined;
    }
    this.memoLen = 0;
    this.globals = null;
  }

  get memoCount(): number {
    return this.memoLen;
  }

  /** The memo index of `v`, or -1. */
  memoOf(v: unknown): number {
    if (this.memoMap !== null) return this.memoMap.get(v) ?? -1;
    const keys = this.memoKeys;
    for (let i = 0; i < this.memoLen; i++) if (keys[i] === v) return i;
    return -1;
  }

  /** Gives `key` the next memo index (without writing anything). */
  memoAdd(key: unknown): number {
    const keys = this.memoKeys;
    const idx = this.memoLen++;
    keys[idx] = key;
    if (this.memoMap !== null) this.memoMap.set(key, idx);
    else if (idx >= MEMO_SCAN) {
      this.memoMap = new Map();
      for (let i = 0; i <= idx; i++) {
        if (!this.memoMap.has(keys[i])) this.memoMap.set(keys[i], i);
      }
    }
    return idx;
  }

  grow(n: number): void {
    const used = this.pos - this.start;
    let next: Uint8Array;
    if (this.buf === pool && used + n <= POOL_SIZE / 4) {
      // Out of pool space: carry on at the start of a fresh pool.
      next = pool = new Uint8Array(POOL_SIZE);
      poolUsed = 0;
    } else {
      next = new Uint8Array(Math.max(used * 2, used + n, 256));
    }
    next.set(this.buf.subarray(this.start, this.pos));
    this.buf = next;
    this.start = 0;
    this.pos = used;
  }

  byte(b: number): void {
    if (this.pos + 1 > this.buf.length) this.grow(1);
    this.buf[this.pos++] = b;
  }

  bytes2(a: number, b: number): void {
    if (this.pos + 2 > this.buf.length) this.grow(2);
    this.buf[this.pos++] = a;
    this.buf[this.pos++] = b;
  }

  u32(v: number): void {
    if (this.pos + 4 > this.buf.length) this.grow(4);
    const b = this.buf;
    b[this.pos++] = v & 0xff;
    b[this.pos++] = (v >>> 8) & 0xff;
    b[this.pos++] = (v >>> 16) & 0xff;
    b[this.pos++] = (v >>> 24) & 0xff;
  }

  u64(v: number): void {
    if (v <= 0xffffffff) {
      this.u32(v);
      this.u32(0);
    } else {
      this.u32(v % 0x100000000);
      this.u32(Math.floor(v / 0x100000000));
    }
  }

  raw(bytes: ArrayLike<number>): void {
    if (this.pos + bytes.length > this.buf.length) this.grow(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  /** An ASCII text line (protocol 0 arguments). */
  line(text: string): void {
    this.raw(latin.encode(text + "\n"));
  }

  memoize(obj: unknown): void {
    this.put(this.memoAdd(obj));
  }

  put(idx: number): void {
    if (this.proto >= 4) this.byte(op.MEMOIZE);
    else if (this.proto >= 1) {
      if (idx < 256) this.bytes2(op.BINPUT, idx);
      else {
        this.byte(op.LONG_BINPUT);
        this.u32(idx);
      }
    } else {
      this.byte(op.PUT);
      this.line(String(idx));
    }
  }

  get(idx: number): void {
    if (this.proto >= 1) {
      if (idx < 256) this.bytes2(op.BINGET, idx);
      else {
        this.byte(op.LONG_BINGET);
        this.u32(idx);
      }
    } else {
      this.byte(op.GET);
      this.line(String(idx));
    }
  }

  save(v: unknown, depth: number, hashable: boolean): void {
    switch (typeof v) {
      case "undefined":
        this.byte(op.NONE);
        return;
      case "boolean":
        if (this.proto >= 2) this.byte(v ? op.NEWTRUE : op.NEWFALSE);
        else {this.raw(
            v ? [op.INT, 0x30, 0x31, 0x0a] : [op.INT, 0x30, 0x30, 0x0a],
          );}
        return;
      case "number":
        if (Number.isInteger(v) && !Object.is(v, -0)) this.saveInt(v);
        else this.saveFloat(v);
        return;
      case "bigint":
        if (v >= -0x80000000n && v <= 0x7fffffffn) this.saveInt(Number(v));
        else this.saveBigInt(v);
        return;
      case "string": {
        // Short strings are not memoized: writing one again costs about
        // what a memo reference does, and the memo stays small.
        if (v.length < MEMO_MIN_STR) {
          this.saveStr(v, false);
          return;
        }
        const m = this.memoOf(v);
        if (m >= 0) this.get(m);
        else this.saveStr(v, true);
        return;
      }
      case "object": {
        if (v === null) {
          this.byte(op.NONE);
          return;
        }
        const m = this.memoOf(v);
        if (m >= 0) {
          this.get(m);
          return;
        }
        if (depth > MAX_DEPTH) {
          throw new PicklingError(
            `cannot pickle a value nested deeper than ${MAX_DEPTH} levels`,
          );
        }
        const proto = Object.getPrototypeOf(v);
        if (proto === Object.prototype || proto === null) {
          if (hashable) {
            throw new PicklingError(
              "cannot pickle a dict key or set element that is a plain object (unhashable in Python)",
            );
          }
          this.saveObject(v as Record<string, unknown>, depth);
        } else if (Array.isArray(v)) {
          if (Object.isFrozen(v)) this.saveTuple(v, depth, hashable);
          else if (hashable) {
            throw new PicklingError(
              "cannot pickle a dict key or set element that is a list (unhashable in Python); use tuple(...)",
            );
          } else this.saveList(v, depth);
        } else if (v instanceof Uint8Array) {
          this.saveBytes(v);
        } else if (v instanceof Map) {
          if (hashable) {
            throw new PicklingError(
              "cannot pickle a dict key or set element that is a Map (unhashable in Python)",
            );
          }
          this.dictHead(v);
          this.setItems(v.entries(), v.size, depth);
        } else if (v instanceof Set) {
          this.saveSet(v, depth, hashable);
        } else if (v instanceof PyObject) {
          this.savePyObject(v, depth);
        } else if (v instanceof Error) {
          this.saveError(v, depth);
        } else {
          throw new PicklingError(`cannot pickle ${typeName(v)}`);
        }
        return;
      }
      default:
        throw new PicklingError(`cannot pickle ${typeName(v)}`);
    }
  }

  saveInt(v: number): void {
    if (this.proto >= 1) {
      if (v >= 0 && v < 256) {
        this.bytes2(op.BININT1, v);
        return;
      }
      if (v >= 0 && v < 65536) {
        this.byte(op.BININT2);
        this.bytes2(v & 0xff, v >> 8);
        return;
      }
      if (v >= -0x80000000 && v <= 0x7fffffff) {
        this.byte(op.BININT);
        this.u32(v);
        return;
      }
    } else if (v >= -0x80000000 && v <= 0x7fffffff) {
      this.byte(op.INT);
      this.line(String(v));
      return;
    }
    this.saveBigInt(BigInt(v));
  }

  saveBigInt(v: bigint): void {
    if (this.proto < 2) {
      this.byte(op.LONG);
      this.line(`${v}L`);
      return;
    }
    // Little-endian two's complement, as short as CPython's encode_long.
    const neg = v < 0n;
    let mag = neg ? -v - 1n : v; // for negatives: the bits of ~v
    const out: number[] = [];
    while (mag > 0n) {
      const b = Number(mag & 0xffn);
      out.push(neg ? 0xff - b : b);
      mag >>= 8n;
    }
    const last = out.length > 0 ? out[out.length - 1]! : 0;
    if (out.length === 0) {
      if (neg) out.push(0xff);
    } else if (!neg && last & 0x80) out.push(0);
    else if (neg && !(last & 0x80)) out.push(0xff);
    if (out.length < 256) {
      this.bytes2(op.LONG1, out.length);
    } else {
      this.byte(op.LONG4);
      this.u32(out.length);
    }
    this.raw(out);
  }

  saveFloat(v: number): void {
    if (this.proto >= 1) {
      f64.setFloat64(0, v, false);
      this.byte(op.BINFLOAT);
      this.raw(new Uint8Array(f64.buffer));
    } else {
      this.byte(op.FLOAT);
      this.line(floatRepr(v));
    }
  }

  saveStr(s: string, memoize: boolean): void {
    if (this.proto === 0) {
      this.byte(op.UNICODE);
      this.raw(encodeRawUnicodeEscape(s));
      this.byte(0x0a);
    } else {
      const n = s.length;
      if (this.pos + 3 * n + 5 > this.buf.length) this.grow(3 * n + 5);
      const b = this.buf;
      const start = this.pos;
      if (this.proto >= 4 && 3 * n < 256) {
        b[start] = op.SHORT_BINUNICODE;
        const e = encodeUtf8Into(s, b, start + 2);
        b[start + 1] = e - start - 2;
        this.pos = e;
      } else {
        const e = encodeUtf8Into(s, b, start + 5);
        const len = e - start - 5;
        if (this.proto >= 4 && len < 256) {
          b.copyWithin(start + 2, start + 5, e);
          b[start] = op.SHORT_BINUNICODE;
          b[start + 1] = len;
          this.pos = start + 2 + len;
        } else {
          b[start] = op.BINUNICODE;
          this.pos = start + 1;
          this.u32(len);
          this.pos = e;
        }
      }
    }
    if (memoize) this.memoize(s);
  }

  saveBytes(v: Uint8Array): void {
    if (this.proto < 3) {
      // Python 2 has no bytes: CPython writes bytes() or
      // _codecs.encode(latin-1 str, "latin1").
      if (v.length === 0) {
        this.saveGlobal("builtins", "bytes");
        this.saveTuple([], 1, false);
      } else {
        this.saveGlobal("_codecs", "encode");
        if (this.proto < 2) this.byte(op.MARK);
        let s = "";
        for (let i = 0; i < v.length; i += 8192) {
          s += String.fromCharCode(...v.subarray(i, i + 8192));
        }
        this.saveStr(s, false);
        this.saveStr("latin1", false);
        this.byte(this.proto >= 2 ? op.TUPLE2 : op.TUPLE);
      }
      this.byte(op.REDUCE);
      this.memoize(v);
      return;
    }
    const n = v.length;
    if (n < 256) this.bytes2(op.SHORT_BINBYTES, n);
    else if (n <= 0xffffffff) {
      this.byte(op.BINBYTES);
      this.u32(n);
    } else {
      this.byte(op.BINBYTES8);
      this.u64(n);
    }
    this.raw(v);
    this.memoize(v);
  }

  /** Writes a reference to `module.name` and returns its memo index. */
  saveGlobal(module: string, name: string): number {
    const key = `${module}\n${name}`;
    const m = this.globals?.get(key);
    if (m !== undefined) {
      this.get(m);
      return m;
    }
    if (this.proto >= 4) {
      this.save(module, 0, false);
      this.save(name, 0, false);
      this.byte(op.STACK_GLOBAL);
    } else {
      const [mod, nm] = this.proto < 3 ? toPy2(module, name) : [module, name];
      if (/[\n]/.test(mod) || /[\n]/.test(nm)) {
        throw new PicklingError(
          `cannot pickle the global ${module}.${name}: a newline in its name`,
        );
      }
      this.byte(op.GLOBAL);
      const bytes = new Uint8Array(3 * (mod.length + nm.length) + 2);
      let e = encodeUtf8Into(mod, bytes, 0);
      bytes[e++] = 0x0a;
      e = encodeUtf8Into(nm, bytes, e);
      bytes[e++] = 0x0a;
      this.raw(bytes.subarray(0, e));
    }
    const idx = this.memoAdd(undefined);
    (this.globals ??= new Map()).set(key, idx);
    this.put(idx);
    return idx;
  }

  saveList(v: unknown[], depth: number): void {
    if (this.proto >= 1) this.byte(op.EMPTY_LIST);
    else this.bytes2(op.MARK, op.LIST);
    this.memoize(v);
    this.batchAppends(v, depth);
  }

  batchAppends(items: readonly unknown[], depth: number): void {
    const n = items.length;
    if (this.proto === 0) {
      for (let i = 0; i < n; i++) {
        this.save(items[i], depth + 1, false);
        this.byte(op.APPEND);
      }
      return;
    }
    for (let i = 0; i < n; i += BATCHSIZE) {
      const stop = Math.min(n, i + BATCHSIZE);
      if (stop - i === 1) {
        this.save(items[i], depth + 1, false);
        this.byte(op.APPEND);
      } else {
        this.byte(op.MARK);
        for (let k = i; k < stop; k++) this.save(items[k], depth + 1, false);
        this.byte(op.APPENDS);
      }
    }
  }

  saveTuple(t: readonly unknown[], depth: number, hashable: boolean): void {
    const n = t.length;
    if (n === 0) {
      if (this.proto >= 1) this.byte(op.EMPTY_TUPLE);
      else this.bytes2(op.MARK, op.TUPLE);
      return;
    }
    if (n <= 3 && this.proto >= 2) {
      for (let i = 0; i < n; i++) this.save(t[i], depth + 1, hashable);
      const m = this.memoOf(t);
      if (m >= 0) {
        // The tuple was reached again through its items (a list in it
        // that contains it): drop the items and refer to it.
        for (let i = 0; i < n; i++) this.byte(op.POP);
        this.get(m);
        return;
      }
      this.byte(op.TUPLE1 + n - 1);
    } else {
      this.byte(op.MARK);
      for (let i = 0; i < n; i++) this.save(t[i], depth + 1, hashable);
      const m = this.memoOf(t);
      if (m >= 0) {
        if (this.proto >= 1) this.byte(op.POP_MARK);
        else for (let i = 0; i <= n; i++) this.byte(op.POP);
        this.get(m);
        return;
      }
      this.byte(op.TUPLE);
    }
    this.memoize(t);
  }

  saveObject(obj: Record<string, unknown>, depth: number): void {
    this.dictHead(obj);
    const keys = Object.keys(obj);
    const n = keys.length;
    if (n === 0) return;
    const d = depth + 1;
    if (this.proto === 0 || n === 1) {
      for (let i = 0; i < n; i++) {
        const k = keys[i]!;
        this.save(k, d, true);
        this.save(obj[k], d, false);
        this.byte(op.SETITEM);
      }
      return;
    }
    for (let i = 0; i < n; i += BATCHSIZE) {
      const stop = Math.min(n, i + BATCHSIZE);
      this.byte(op.MARK);
      for (let j = i; j < stop; j++) {
        const k = keys[j]!;
        this.save(k, d, true);
        this.save(obj[k], d, false);
      }
      this.byte(op.SETITEMS);
    }
  }

  dictHead(obj: object): void {
    if (this.proto >= 1) this.byte(op.EMPTY_DICT);
    else this.bytes2(op.MARK, op.DICT);
    this.memoize(obj);
  }

  setItems(
    entries: Iterable<[unknown, unknown]>,
    size: number,
    depth: number,
  ): void {
    const batched = this.proto >= 1 && size > 1;
    let inBatch = 0;
    for (const [k, v] of entries) {
      if (batched && inBatch === 0) this.byte(op.MARK);
      this.checkHashable(k);
      this.save(k, depth + 1, true);
      this.save(v, depth + 1, false);
      if (!batched) this.byte(op.SETITEM);
      else if (++inBatch === BATCHSIZE) {
        this.byte(op.SETITEMS);
        inBatch = 0;
      }
    }
    if (batched && inBatch > 0) this.byte(op.SETITEMS);
  }

  /** Refuses a key Python could not hash, and cycles through keys. */
  checkHashable(k: unknown): void {
    if (typeof k !== "object" || k === null) return;
    const seen = new Set<object>();
    const todo: unknown[] = [k];
    while (todo.length > 0) {
      const x = todo.pop();
      if (typeof x !== "object" || x === null) continue;
      if (
        x instanceof Uint8Array || x instanceof PyObject || x instanceof Error
      ) {
        continue;
      }
      if (seen.has(x)) {
        throw new PicklingError(
          "cannot pickle a cycle through a dict key or set element",
        );
      }
      seen.add(x);
      if (Array.isArray(x)) {
        if (!Object.isFrozen(x)) {
          throw new PicklingError(
            "cannot pickle a dict key or set element that is a list (unhashable in Python); use tuple(...)",
          );
        }
        for (const item of x) todo.push(item);
      } else if (x instanceof Set) {
        for (const item of x) todo.push(item);
      } else if (x instanceof Map || isPlainObject(x)) {
        throw new PicklingError(
          `cannot pickle a dict key or set element that is a ${
            x instanceof Map ? "Map" : "plain object"
          } (unhashable in Python)`,
        );
      }
    }
  }

  saveSet(s: Set<unknown>, depth: number, frozen: boolean): void {
    for (const item of s) this.checkHashable(item);
    if (this.proto < 4) {
      // CPython: set(list(items)) / frozenset(list(items)).
      this.saveGlobal("builtins", frozen ? "frozenset" : "set");
      if (this.proto >= 2) {
        this.saveItemsList(s, depth);
        this.byte(op.TUPLE1);
      } else {
        this.byte(op.MARK);
        this.saveItemsList(s, depth);
        this.byte(op.TUPLE);
      }
      this.byte(op.REDUCE);
      this.memoize(s);
      return;
    }
    if (frozen) {
      this.byte(op.MARK);
      for (const item of s) this.save(item, depth + 1, true);
      const m = this.memoOf(s);
      if (m >= 0) {
        this.byte(op.POP_MARK);
        this.get(m);
        return;
      }
      this.byte(op.FROZENSET);
      this.memoize(s);
      return;
    }
    this.byte(op.EMPTY_SET);
    this.memoize(s);
    let inBatch = 0;
    for (const item of s) {
      if (inBatch === 0) this.byte(op.MARK);
      this.save(item, depth + 1, true);
      if (++inBatch === BATCHSIZE) {
        this.byte(op.ADDITEMS);
        inBatch = 0;
      }
    }
    if (inBatch > 0) this.byte(op.ADDITEMS);
  }

  /** A fresh list of a set's items (the argument of set(...)). */
  saveItemsList(s: Set<unknown>, depth: number): void {
    const items = [...s];
    if (this.proto >= 1) this.byte(op.EMPTY_LIST);
    else this.bytes2(op.MARK, op.LIST);
    this.memoize(items);
    for (let i = 0; i < items.length; i += BATCHSIZE) {
      const stop = Math.min(items.length, i + BATCHSIZE);
      if (this.proto === 0) {
        for (let k = i; k < stop; k++) {
          this.save(items[k], depth + 1, true);
          this.byte(op.APPEND);
        }
      } else if (stop - i === 1) {
        this.save(items[i], depth + 1, true);
        this.byte(op.APPEND);
      } else {
        this.byte(op.MARK);
        for (let k = i; k < stop; k++) this.save(items[k], depth + 1, true);
        this.byte(op.APPENDS);
      }
    }
  }

  saveError(err: Error, depth: number): void {
    const { module, name, args } = exceptionOf(err);
    this.saveGlobal(module, name);
    this.saveTuple(Object.freeze(args), depth + 1, false);
    this.byte(op.REDUCE);
    this.memoize(err);
  }

  savePyObject(o: PyObject, depth: number): void {
    if (o.args === null) {
      const idx = this.saveGlobal(o.module, o.name);
      if (this.memoKeys[idx] === undefined) {
        this.memoKeys[idx] = o;
        this.memoMap?.set(o, idx);
      }
      return;
    }
    const args = Object.isFrozen(o.args) ? o.args : Object.freeze([...o.args]);
    if (o.kwargs !== null) {
      if (this.proto >= 4) {
        this.saveGlobal(o.module, o.name);
        this.saveTuple(args, depth + 1, false);
        this.saveObject(o.kwargs, depth + 1);
        this.byte(op.NEWOBJ_EX);
      } else {
        this.saveGlobal("copyreg", "__newobj_ex__");
        const cls = new PyObject(o.module, o.name);
        this.saveTuple(Object.freeze([cls, args, o.kwargs]), depth + 1, false);
        this.byte(op.REDUCE);
      }
    } else if (o.newobj) {
      if (this.proto >= 2) {
        this.saveGlobal(o.module, o.name);
        this.saveTuple(args, depth + 1, false);
        this.byte(op.NEWOBJ);
      } else if (args.length === 0) {
        // What CPython writes below protocol 2 for a plain instance.
        this.saveGlobal("copyreg", "_reconstructor");
        this.byte(op.MARK);
        this.saveGlobal(o.module, o.name);
        this.saveGlobal("builtins", "object");
        this.byte(op.NONE);
        this.byte(op.TUPLE);
        this.byte(op.REDUCE);
      } else {
        this.saveGlobal("copyreg", "__newobj__");
        const cls = new PyObject(o.module, o.name);
        this.saveTuple(Object.freeze([cls, ...args]), depth + 1, false);
        this.byte(op.REDUCE);
      }
    } else {
      this.saveGlobal(o.module, o.name);
      this.saveTuple(args, depth + 1, false);
      this.byte(op.REDUCE);
    }
    const m = this.memoOf(o);
    if (m >= 0) {
      // Reached through its own args: keep the first one built.
      this.byte(op.POP);
      this.get(m);
    } else {
      this.memoize(o);
    }
    if (o.listItems.length > 0) this.batchAppends(o.listItems, depth);
    if (o.dictItems.length > 0) {
      this.setItems(o.dictItems, o.dictItems.length, depth);
    }
    if (o.state !== undefined) {
      this.save(o.state, depth + 1, false);
      this.byte(op.BUILD);
    }
  }
}

/** The pickler reused by every non-nested dumps. */
const shared = new Pickler(4, pool, 0);

/**
 * Pickles `value` with `protocol` (0-5); `fast = false` skips the fast
 * path (for the tests that compare the two).
 */
export function pickle(
  value: unknown,
  protocol: number,
  fast = true,
): Uint8Array {
  if (busy) return write(new Pickler(protocol, new Uint8Array(256), 0), value);
  if (POOL_SIZE - poolUsed < 256 || pool.byteLength === 0) {
    // Spent, or detached (someone transferred a result's buffer).
    pool = new Uint8Array(POOL_SIZE);
    poolUsed = 0;
  }
  busy = true;
  if (fast && protocol >= 4) {
    // The fast writer leaves the shared Pickler untouched.
    let out: Uint8Array | null;
    try {
      out = writeFast(value, protocol);
    } finally {
      busy = false;
    }
    if (out !== null) return out;
    busy = true;
  }
  try {
    shared.reset(protocol, pool, poolUsed);
    const out = write(shared, value);
    if (shared.buf === pool) poolUsed = (shared.pos + 7) & ~7;
    return out;
  } finally {
    shared.clear();
    shared.buf = pool;
    busy = false;
  }
}

/** PROTO, FRAME and its 8-byte length. */
const HEADER = 11;
/** The length of the last pickle the fast path wrote. */
let lastSize = 0;

/**
 * The fast path (see `_fast_pickler.ts`): into the pool, or into a buffer
 * of its own when the pool is too small; `null` when the value needs the
 * general Pickler.
 */
function writeFast(value: unknown, protocol: number): Uint8Array | null {
  let buf = pool;
  let start = poolUsed;
  // Pickles sent one after another are often alike: when one as long as
  // the last would not fit in what is left of the pool, start a fresh
  // pool now rather than fill this one and write it all again.
  const small = lastSize <= POOL_SIZE / 4;
  if (small && start + lastSize > POOL_SIZE) {
    buf = pool = new Uint8Array(POOL_SIZE);
    start = poolUsed = 0;
  }
  for (;;) {
    let end: number;
    try {
      end = fastWrite(value, buf, start + HEADER);
    } catch (e) {
      if (e instanceof RangeError) {
        throw new PicklingError(`cannot pickle the value: ${e.message}`, {
          cause: e,
        });
      }
      throw e;
    }
    if (end === GIVE_UP) return null;
    if (end === NO_ROOM) {
      if (buf === pool && start > 0 && small) {
        // Out of pool space: start over at the start of a fresh pool.
        buf = pool = new Uint8Array(POOL_SIZE);
        start = poolUsed = 0;
        continue;
      }
      // Start over in a buffer of its own, 4 times larger each time (the
      // pool's size at least: a getter may have detached the pool), or
      // at once large enough for a pickle a quarter longer than the last.
      const size = Math.max(
        4 * buf.length,
        4 * POOL_SIZE,
        lastSize + (lastSize >>> 2) + 1024,
      );
      if (size > 0x40000000) return null; // the general Pickler's growth
      buf = new Uint8Array(size);
      start = 0;
      continue;
    }
    buf[start] = op.PROTO;
    buf[start + 1] = protocol;
    buf[end] = op.STOP;
    const size = end + 1 - start - HEADER;
    let stop: number;
    if (size < 4) {
      // CPython writes no FRAME for a pickle this small.
      buf.copyWithin(start + 2, start + HEADER, end + 1);
      stop = start + 2 + size;
    } else {
      buf[start + 2] = op.FRAME;
      buf[start + 3] = size & 0xff;
      buf[start + 4] = (size >>> 8) & 0xff;
      buf[start + 5] = (size >>> 16) & 0xff;
      buf[start + 6] = (size >>> 24) & 0xff;
      buf[start + 7] = 0;
      buf[start + 8] = 0;
      buf[start + 9] = 0;
      buf[start + 10] = 0;
      stop = end + 1;
    }
    lastSize = stop - start;
    if (buf === pool) {
      poolUsed = (stop + 7) & ~7;
      // A view made directly: subarray() would look up a species first.
      return new Uint8Array(buf.buffer, start, stop - start);
    }
    return buf.length > 2 * stop + 4096
      ? buf.slice(0, stop)
      : buf.subarray(0, stop);
  }
}

function write(p: Pickler, value: unknown): Uint8Array {
  const protocol = p.proto;
  if (protocol >= 2) p.bytes2(op.PROTO, protocol);
  const frameAt = p.pos - p.start;
  if (protocol >= 4) {
    p.byte(op.FRAME);
    p.u64(0);
  }
  try {
    p.save(value, 0, false);
  } catch (e) {
    if (e instanceof RangeError) {
      throw new PicklingError(`cannot pickle the value: ${e.message}`, {
        cause: e,
      });
    }
    throw e;
  }
  p.byte(op.STOP);
  if (protocol >= 4) {
    const at = p.start + frameAt;
    const size = p.pos - at - 9;
    if (size < 4) {
      p.buf.copyWithin(at, at + 9, p.pos);
      p.pos -= 9;
    } else {
      const end = p.pos;
      p.pos = at + 1;
      p.u64(size);
      p.pos = end;
    }
  }
  const len = p.pos - p.start;
  // A grown buffer much larger than the pickle is not kept alive by it.
  return p.buf !== pool && p.buf.length > 2 * len + 4096
    ? p.buf.slice(p.start, p.pos)
    : p.buf.subarray(p.start, p.pos);
}
