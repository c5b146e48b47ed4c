/**
 * The writer's fast path: protocols 4 and 5 for the values messages are
 * made of (None, bool, int32, float, str, bytes, list, tuple, str-keyed
 * dict), written straight into a buffer with enough room, as one small
 * recursive function over local positions instead of the general
 * Pickler's many methods. It writes the very bytes the general Pickler
 * writes for the same value; anything else (a Map, a Set, a bigint, a
 * PyObject, an error, a subclass, deep nesting, a tuple reached again
 * through its own items) makes it give up, and the caller starts over with
 * the general Pickler; a value that needs more room than the buffer has
 * makes it stop, and the caller starts over with a bigger buffer.
 *
 * @module
 */

import * as op from "./_opcodes.ts";
import { encodeUtf8Into } from "./_utf8.ts";

/** What {@linkcode fastWrite} returns for a value it does not write. */
export const GIVE_UP = -1;
/** What {@linkcode fastWrite} returns when the buffer is too small. */
export const NO_ROOM = -2;

/**
 * Memo entries searched linearly before a Map takes over: a scan of a few
 * dozen pointers costs less than hashing each value into a Map (a message
 * of 20 small dicts memoizes about 30 values).
 */
const MEMO_SCAN = 64;
/** Nesting the fast path follows (the general Pickler checks the limit). */
const MAX_FAST_DEPTH = 100;
/** Strings shorter than this are written again rather than memoized. */
const MEMO_MIN_STR = 4;
const BATCHSIZE = 1000;

/**
 * The memo, strings and objects apart so that each search compares values
 * of one kind (V8 then compares pointers, or strings, inline): the values
 * and their memo indices. Past MEMO_SCAN entries a Map indexes both.
 */
const strs: string[] = [];
const strIdx: number[] = [];
let strLen = 0;
const objs: object[] = [];
const objIdx: number[] = [];
let objLen = 0;
let memoLen = 0;
let memoMap: Map<unknown, number> | null = null;
const f64 = new Float64Array(1);
const f64Bytes = new Uint8Array(f64.buffer);
const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The memo index of `s`, or -1. */
function memoOfStr(s: string): number {
  if (memoMap !== null) return memoMap.get(s) ?? -1;
  for (let i = 0; i < strLen; i++) if (strs[i] === s) return strIdx[i]!;
  return -1;
}

/** The memo index of `v`, or -1. */
function memoOfObj(v: object): number {
  if (memoMap !== null) return memoMap.get(v) ?? -1;
  for (let i = 0; i < objLen; i++) if (objs[i] === v) return objIdx[i]!;
  return -1;
}

/** Gives the next memo index to `v` (a string or an object). */
function memoAdd(v: string | object): void {
  const idx = memoLen++;
  if (memoMap !== null) {
    memoMap.set(v, idx);
    return;
  }
  if (typeof v === "string") {
    strs[strLen] = v;
    strIdx[strLen++] = idx;
  } else {
    objs[objLen] = v;
    objIdx[objLen++] = idx;
  }
  if (idx === MEMO_SCAN) {
    memoMap = new Map();
    for (let i = 0; i < strLen; i++) memoMap.set(strs[i], strIdx[i]!);
    for (let i = 0; i < objLen; i++) memoMap.set(objs[i], objIdx[i]!);
  }
}

/** Drops every reference to the pickled value. */
function memoClear(): void {
  for (let i = 0; i < strLen; i++) strs[i] = "";
  for (let i = 0; i < objLen; i++) objs[i] = EMPTY;
  strLen = objLen = memoLen = 0;
  memoMap = null;
}

const EMPTY = {};
/**
 * Called as `hasOwn.call(obj, k)` on for-in's own object and key, V8's
 * optimizer answers it from the enum cache without a call, which it does
 * not do for `Object.hasOwn`.
 */
const hasOwn = Object.prototype.hasOwnProperty;

/** `BINGET idx`, or `LONG_BINGET idx` from 256. */
function putGet(buf: Uint8Array, pos: number, idx: number): number {
  if (pos + 6 > buf.length) return NO_ROOM;
  if (idx < 256) {
    buf[pos] = op.BINGET;
    buf[pos + 1] = idx;
    return pos + 2;
  }
  buf[pos] = op.LONG_BINGET;
  buf[pos + 1] = idx & 0xff;
  buf[pos + 2] = (idx >>> 8) & 0xff;
  buf[pos + 3] = (idx >>> 16) & 0xff;
  buf[pos + 4] = (idx >>> 24) & 0xff;
  return pos + 5;
}

/**
 * Pickles `value` (protocol 4 or 5) into `buf` from `start`, leaving
 * room for `STOP`; returns the end, {@linkcode GIVE_UP} or
 * {@linkcode NO_ROOM}. The caller writes PROTO, FRAME and STOP around it.
 */
export function fastWrite(
  value: unknown,
  buf: Uint8Array,
  start: number,
): number {
  try {
    return save(value, buf, start, 0);
  } finally {
    memoClear();
  }
}

function save(v: unknown, buf: Uint8Array, pos: number, depth: number): number {
  // One opcode byte, and room for the caller's STOP.
  if (pos + 2 > buf.length) return NO_ROOM;
  // typeof tests one at a time: V8 turns each into a type check.
  if (typeof v === "object") {
    if (v === null) {
      buf[pos] = op.NONE;
      return pos + 1;
    }
    return saveObject(v, buf, pos, depth);
  }
  if (typeof v === "string") return saveStr(v, buf, pos);
  if (typeof v === "number") return saveNumber(v, buf, pos);
  if (typeof v === "boolean") {
    buf[pos] = v ? op.NEWTRUE : op.NEWFALSE;
    return pos + 1;
  }
  if (v === undefined) {
    buf[pos] = op.NONE;
    return pos + 1;
  }
  return GIVE_UP;
}

function saveNumber(v: number, buf: Uint8Array, pos: number): number {
  if (pos + 10 > buf.length) return NO_ROOM;
  if ((v | 0) === v && (v !== 0 || 1 / v > 0)) {
    if (v >= 0 && v < 256) {
      buf[pos] = op.BININT1;
      buf[pos + 1] = v;
      return pos + 2;
    }
    if (v >= 0 && v < 65536) {
      buf[pos] = op.BININT2;
      buf[pos + 1] = v & 0xff;
      buf[pos + 2] = v >> 8;
      return pos + 3;
    }
    buf[pos] = op.BININT;
    buf[pos + 1] = v & 0xff;
    buf[pos + 2] = (v >>> 8) & 0xff;
    buf[pos + 3] = (v >>> 16) & 0xff;
    buf[pos + 4] = (v >>> 24) & 0xff;
    return pos + 5;
  }
  // An integer outside int32 is a Python int: the general Pickler's LONG1.
  if (Number.isInteger(v)) return GIVE_UP;
  buf[pos] = op.BINFLOAT;
  f64[0] = v;
  if (littleEndian) {
    for (let i = 0; i < 8; i++) buf[pos + 1 + i] = f64Bytes[7 - i]!;
  } else {
    for (let i = 0; i < 8; i++) buf[pos + 1 + i] = f64Bytes[i]!;
  }
  return pos + 9;
}

function saveStr(s: string, buf: Uint8Array, pos: number): number {
  const n = s.length;
  const memoize = n >= MEMO_MIN_STR;
  if (memoize) {
    const m = memoOfStr(s);
    if (m >= 0) return putGet(buf, pos, m);
  }
  // The longest form (BINUNICODE, 3 bytes a unit), MEMOIZE, STOP.
  if (pos + 3 * n + 7 > buf.length) return NO_ROOM;
  let e: number;
  if (n < 86) {
    // 3n < 256: SHORT_BINUNICODE, whatever the encoding's length.
    let p = pos + 2;
    let i = 0;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) break;
      buf[p++] = c;
    }
    if (i < n) p = encodeUtf8Into(s, buf, pos + 2);
    buf[pos] = op.SHORT_BINUNICODE;
    buf[pos + 1] = p - pos - 2;
    e = p;
  } else {
    const end = encodeUtf8Into(s, buf, pos + 5);
    const len = end - pos - 5;
    if (len < 256) {
      buf.copyWithin(pos + 2, pos + 5, end);
      buf[pos] = op.SHORT_BINUNICODE;
      buf[pos + 1] = len;
      e = pos + 2 + len;
    } else {
      buf[pos] = op.BINUNICODE;
      buf[pos + 1] = len & 0xff;
      buf[pos + 2] = (len >>> 8) & 0xff;
      buf[pos + 3] = (len >>> 16) & 0xff;
      buf[pos + 4] = (len >>> 24) & 0xff;
      e = end;
    }
  }
  if (memoize) return memoize1(s, buf, e);
  return e;
}

/** Gives `v` the next memo index and writes MEMOIZE (room checked by the caller). */
function memoize1(v: string | object, buf: Uint8Array, pos: number): number {
  memoAdd(v);
  buf[pos] = op.MEMOIZE;
  return pos + 1;
}

function saveObject(
  v: object,
  buf: Uint8Array,
  pos: number,
  depth: number,
): number {
  const m = memoOfObj(v);
  if (m >= 0) return putGet(buf, pos, m);
  if (depth >= MAX_FAST_DEPTH) return GIVE_UP;
  // The kind first, by instance type (inlined checks), then the prototype
  // of that kind (a subclass is the general Pickler's).
  if (Array.isArray(v)) {
    if (Object.getPrototypeOf(v) !== Array.prototype) return GIVE_UP;
    return Object.isFrozen(v)
      ? saveTuple(v, buf, pos, depth)
      : saveList(v, buf, pos, depth);
  }
  if (ArrayBuffer.isView(v)) {
    if (Object.getPrototypeOf(v) !== Uint8Array.prototype) return GIVE_UP;
    return saveBytes(v as Uint8Array, buf, pos);
  }
  const dict = v as Record<string, unknown>;
  if (!("constructor" in dict)) {
    // A null-prototype dict (a plain object inherits a `constructor`).
    return Object.getPrototypeOf(dict) === null
      ? saveDict(dict, buf, pos, depth)
      : GIVE_UP;
  }
  // After the `in` test, whose inline cache checks the value's map, V8
  // folds this getPrototypeOf to a constant (for the few shapes of a
  // message) instead of calling the builtin: a tenth of a dumps. Unlike a
  // property read, `in` runs no getter. (A null-prototype dict with a
  // "constructor" key is the general Pickler's.)
  return Object.getPrototypeOf(dict) === Object.prototype
    ? saveDict(dict, buf, pos, depth)
    : GIVE_UP;
}

function saveTuple(
  t: readonly unknown[],
  buf: Uint8Array,
  pos: number,
  depth: number,
): number {
  const n = t.length;
  if (n === 0) {
    buf[pos] = op.EMPTY_TUPLE;
    return pos + 1;
  }
  let p = pos;
  if (n > 3) buf[p++] = op.MARK;
  for (let i = 0; i < n; i++) {
    p = save(t[i], buf, p, depth + 1);
    if (p < 0) return p;
  }
  // Reached again through its items (a list in it that holds it): the
  // general Pickler's POP/GET dance.
  if (memoOfObj(t) >= 0) return GIVE_UP;
  if (p + 3 > buf.length) return NO_ROOM;
  buf[p++] = n > 3 ? op.TUPLE : op.TUPLE1 + n - 1;
  return memoize1(t, buf, p);
}

function saveList(
  a: unknown[],
  buf: Uint8Array,
  pos: number,
  depth: number,
): number {
  if (pos + 3 > buf.length) return NO_ROOM;
  buf[pos] = op.EMPTY_LIST;
  let p = memoize1(a, buf, pos + 1);
  if (p < 0) return p;
  const n = a.length;
  for (let i = 0; i < n; i += BATCHSIZE) {
    const stop = Math.min(n, i + BATCHSIZE);
    const one = stop - i === 1;
    if (!one) buf[p++] = op.MARK;
    for (let k = i; k < stop; k++) {
      const x = a[k]; // a str or a number straight to its writer
      if (typeof x === "string") p = saveStr(x, buf, p);
      else if (typeof x === "number") p = saveNumber(x, buf, p);
      else p = save(x, buf, p, depth + 1);
      if (p < 0) return p;
    }
    if (p + 2 > buf.length) return NO_ROOM;
    buf[p++] = one ? op.APPEND : op.APPENDS;
  }
  return p;
}

function saveDict(
  obj: Record<string, unknown>,
  buf: Uint8Array,
  pos: number,
  depth: number,
): number {
  if (pos + 3 > buf.length) return NO_ROOM;
  buf[pos] = op.EMPTY_DICT;
  let p = memoize1(obj, buf, pos + 1);
  if (p < 0) return p;
  // for-in walks the object's enum cache (no keys array; V8 reads each
  // value by its field index); an inherited key is the general Pickler's.
  const mark = p;
  buf[p++] = op.MARK;
  let n = 0;
  let inBatch = 0;
  for (const k in obj) {
    if (!hasOwn.call(obj, k)) return GIVE_UP;
    if (inBatch === 0 && n > 0) {
      if (p + 2 > buf.length) return NO_ROOM;
      buf[p++] = op.MARK;
    }
    p = saveStr(k, buf, p);
    if (p < 0) return p;
    // A str or a number straight to its writer: one call less per item.
    const x = obj[k];
    if (typeof x === "string") p = saveStr(x, buf, p);
    else if (typeof x === "number") p = saveNumber(x, buf, p);
    else p = save(x, buf, p, depth + 1);
    if (p < 0) return p;
    n++;
    if (++inBatch === BATCHSIZE) {
      if (p + 2 > buf.length) return NO_ROOM;
      buf[p++] = op.SETITEMS;
      inBatch = 0;
    }
  }
  if (n === 0) return mark; // no MARK for an empty dict
  if (p + 2 > buf.length) return NO_ROOM;
  if (n === 1) {
    // One item: SETITEM, without the MARK.
    buf.copyWithin(mark, mark + 1, p);
    buf[p - 1] = op.SETITEM;
    return p;
  }
  if (inBatch > 0) buf[p++] = op.SETITEMS;
  return p;
}

function saveBytes(v: Uint8Array, buf: Uint8Array, pos: number): number {
  const n = v.length;
  if (pos + n + 7 > buf.length) return NO_ROOM;
  let p = pos;
  if (n < 256) {
    buf[p++] = op.SHORT_BINBYTES;
    buf[p++] = n;
  } else {
    buf[p++] = op.BINBYTES;
    buf[p++] = n & 0xff;
    buf[p++] = (n >>> 8) & 0xff;
    buf[p++] = (n >>> 16) & 0xff;
    buf[p++] = (n >>> 24) & 0xff;
  }
  if (n <= 16) { for (let i = 0; i < n; i++) buf[p + i] = v[i]!; }
  else buf.set(v, p);
  return memoize1(v, buf, p + n);
}
