/**
 * The loader: an iterative stack machine over the pickle opcodes of
 * protocols 0-5, as CPython's `_pickle.c` Unpickler runs them, minus
 * everything that would import or call what a pickle names.
 *
 * Safety: every length is checked against the bytes actually present
 * before anything is allocated; pops never cross the innermost MARK (as
 * CPython's "fence"); memo indices are validated; the few evaluated
 * constructors charge their work to a budget proportional to the input;
 * nothing recurses on the input's structure (the depth check after loading
 * is iterative too).
 *
 * @module
 */

import * as op from "./_opcodes.ts";
import { PyObject } from "./py_object.ts";
import { decodeUtf8, ONE_CHAR, twoChars } from "./_utf8.ts";
import { copyBytes } from "./_bytes_pool.ts";
import {
  decodeRawUnicodeEscape,
  parseFloat,
  parseInt,
  unquoteString,
} from "./_text.ts";
import { fromPy2 } from "./_compat.ts";
import { type Builders, NOT_SAFE, safeCall, safeNew } from "./_safe_calls.ts";
import { makeException } from "./_exceptions.ts";
import {
  checkDepth,
  describe,
  fail,
  isPlainObject,
  MAX_DEPTH,
  redirect,
  setKey,
} from "./_loaded.ts";

/**
 * Thrown (in the fast mode) when a dict that already has other references
 * gets a key that is not a str: the load restarts in the slow mode.
 */
const RESTART = Symbol("restart");

/** What step() returns for every opcode but STOP. */
const CONTINUE = Symbol("continue");

const EMPTY = new Uint8Array(0);
const f64 = new Float64Array(1);
const f64Bytes = new Uint8Array(f64.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Shortens the stack to `k` items. Pops, not `length = k`: V8 runs a
 * length store in its C++ runtime, which costs more than popping the few
 * items an opcode takes (and popping is linear in what was pushed).
 */
function truncate(stack: unknown[], k: number): void {
  while (stack.length > k) stack.pop();
}

/**
 * Whether `t`, a value this loader made, is a dict loaded as a plain
 * object, as isPlainObject() says, but as an inlined map check where
 * getPrototypeOf is a call: its `constructor` is `Object`. A value
 * inherits that only from Object.prototype, and no own key holds it (no
 * pickle loads the Object function). A dict with a key "constructor"
 * fails it: the general path sets its items.
 */
function isLoadedDict(t: unknown): t is Record<string, unknown> {
  return typeof t === "object" && t !== null &&
    (t as { constructor?: unknown }).constructor === Object;
}

/**
 * The opcodes load() runs itself, numbered 1, 2, 3... in the order of its
 * cases (0: any other opcode). load() switches on these numbers, written
 * as literals: a switch over dense literal cases is a jump table in V8,
 * where one over the opcodes (constants from another module, spread over
 * 0x28-0x95) is a chain of comparisons.
 */
const HOT_OPCODES = [
  op.PROTO, // 1
  op.FRAME, // 2
  op.MARK, // 3
  op.NONE, // 4
  op.NEWTRUE, // 5
  op.NEWFALSE, // 6
  op.BININT1, // 7
  op.BININT2, // 8
  op.BININT, // 9
  op.BINFLOAT, // 10
  op.SHORT_BINBYTES, // 11
  op.SHORT_BINUNICODE, // 12
  op.MEMOIZE, // 13
  op.BINGET, // 14
  op.EMPTY_TUPLE, // 15
  op.EMPTY_LIST, // 16
  op.EMPTY_DICT, // 17
  op.TUPLE1, // 18
  op.TUPLE2, // 19
  op.TUPLE3, // 20
  op.TUPLE, // 21
  op.APPENDS, // 22
  op.SETITEMS, // 23
  op.STOP, // 24
  op.SETITEM, // 25
  op.APPEND, // 26
];
const HOT = new Uint8Array(256);
for (let i = 0; i < HOT_OPCODES.length; i++) HOT[HOT_OPCODES[i]!] = i + 1;

/** The loader reused by every non-nested loads (null while in use). */
let shared: Unpickler | null = null;

/** Loads one pickle from `data` (trailing bytes after STOP are ignored, as CPython). */
export function unpickle(data: Uint8Array): unknown {
  let u = shared;
  if (u === null) u = new Unpickler(data, false);
  else {
    shared = null; // not re-entrant: a nested call gets its own
    u.reset(data, false);
  }
  try {
    return u.load();
  } catch (e) {
    if (e !== RESTART) throw e;
    return new Unpickler(data, true).load();
  } finally {
    if (u.clear()) shared = u;
  }
}

/**
 * One load. A dict is built as a plain object until it gets a key that is
 * not a str; then it becomes a Map. In the fast mode (nearly every pickle)
 * the only references to a dict being filled are the stack's top and the
 * memo, so the Map simply replaces it there and tuples are frozen as they
 * are built. A pickle that refers to a dict (memo GET, DUP) before giving
 * it such a key (a dict that contains itself, say) is loaded again in the
 * slow mode, where tuples stay unfrozen until the end and every reference
 * to a converted dict is redirected to its Map after the load.
 */
class Unpickler implements Builders {
  data: Uint8Array;
  end: number;
  slow: boolean;
  pos = 0;
  proto = 0;
  stack: unknown[] = [];
  marks: number[] = [];
  /** Pops may not go below this (the innermost MARK), as CPython's fence. */
  fence = 0;
  memo: unknown[] = [];
  memoCount = 0;
  /** One past the highest memo index this load wrote (what clear() wipes). */
  memoHigh = 0;
  /**
   * Containers built so far, an upper bound of the value's depth: the
   * depth walk at the end runs only when it could find too much.
   */
  containers = 0;
  /** A PUT far past the memo's end happened (see memoPut). */
  sparse = false;
  /**
   * An object was given another reference (memo GET, DUP), the only way
   * to one: until then the value is a tree, which the depth walk at the
   * end follows without a set of the objects it has seen.
   */
  shared = false;
  /** Slow mode: the tuples, frozen at the end. */
  tupleSet: Set<unknown[]> | null;
  /** Dicts that got a non-str key: the plain object → its Map. */
  converted: Map<object, Map<unknown, unknown>> | null = null;
  /** Fast mode: dicts fetched from the memo or DUPed (more references). */
  escaped: Set<object> | null = null;
  /** Work the evaluated constructors may still do, in items. */
  budget: number;

  constructor(data: Uint8Array, slow: boolean) {
    this.data = data;
    this.end = data.length;
    this.slow = slow;
    this.budget = 8 * data.length + 65536;
    this.tupleSet = slow ? new Set() : null;
  }

  reset(data: Uint8Array, slow: boolean): void {
    this.data = data;
    this.end = data.length;
    this.slow = slow;
    this.budget = 8 * data.length + 65536;
    this.tupleSet = slow ? new Set() : null;
    this.pos = 0;
    this.proto = 0;
    this.fence = 0;
    this.memoCount = 0;
    this.memoHigh = 0;
    this.sparse = false;
    this.shared = false;
    this.containers = 0;
  }

  /**
   * Drops every reference to the input and the loaded value; `true` if
   * this loader can be reused (its arrays are still small and dense).
   */
  clear(): boolean {
    this.data = EMPTY;
    this.converted = null;
    this.escaped = null;
    this.tupleSet = null;
    // Shrinking an array to 0 frees its storage (the next push allocates
    // again): overwrite what was used instead, while it is small.
    const { stack, marks, memo } = this;
    if (stack.length > 0) stack.length = 0;
    if (marks.length > 0) marks.length = 0;
    if (memo.length > 4096 || this.sparse) return false;
    // Entries past memoHigh were wiped by the load that wrote them.
    const used = Math.min(this.memoHigh, memo.length);
    for (let i = 0; i < used; i++) memo[i] = undefined;
    return stack.length < 4096;
  }

  // Builders, for the evaluated constructors.

  tuple(items: unknown[]): unknown[] {
    this.containers++;
    if (this.tupleSet === null) return Object.freeze(items) as unknown[];
    this.tupleSet.add(items);
    return items;
  }

  dict(pairs: Iterable<[unknown, unknown]>): unknown {
    const list = [...pairs];
    if (list.every(([k]) => typeof k === "string")) {
      const obj: Record<string, unknown> = {};
      for (const [k, v] of list) setKey(obj, k as string, v);
      return obj;
    }
    return new Map(list);
  }

  charge(n: number): void {
    this.budget -= n;
    if (this.budget < 0) {
      fail("pickle asks for more work than its size justifies");
    }
  }

  // The stack.

  need(n: number): void {
    if (n > this.end - this.pos) fail("pickle data was truncated");
  }

  pop(): unknown {
    if (this.stack.length <= this.fence) fail("unpickling stack underflow");
    return this.stack.pop();
  }

  top(): unknown {
    if (this.stack.length <= this.fence) fail("unpickling stack underflow");
    return this.stack[this.stack.length - 1];
  }

  popMark(): unknown[] {
    if (this.marks.length === 0) fail("could not find MARK");
    const k = this.marks.pop()!;
    this.fence = this.marks.length > 0 ? this.marks[this.marks.length - 1]! : 0;
    const stack = this.stack;
    const n = stack.length - k;
    const items = new Array<unknown>(n);
    for (let i = 0; i < n; i++) items[i] = stack[k + i];
    truncate(stack, k);
    return items;
  }

  /**
   * Pops the innermost MARK and returns where its items start on the
   * stack; the item below them (the target of APPENDS, SETITEMS…) must
   * exist above the new fence.
   */
  closeMark(): number {
    if (this.marks.length === 0) fail("could not find MARK");
    const k = this.marks.pop()!;
    this.fence = this.marks.length > 0 ? this.marks[this.marks.length - 1]! : 0;
    if (k <= this.fence) fail("unpickling stack underflow");
    return k;
  }

  /** A value given another reference (GET, DUP): a dict is remembered. */
  escape(v: unknown): unknown {
    if (typeof v === "object" && v !== null) {
      this.shared = true;
      if (this.converted !== null) {
        const m = this.converted.get(v);
        if (m !== undefined) return m;
      }
    }
    if (!this.slow && isPlainObject(v)) (this.escaped ??= new Set()).add(v);
    return v;
  }

  resolve(x: unknown): unknown {
    if (this.converted !== null && typeof x === "object" && x !== null) {
      return this.converted.get(x) ?? x;
    }
    return x;
  }

  setItem(target: unknown, k: unknown, v: unknown): void {
    const t = this.converted !== null ? this.resolve(target) : target;
    if (isPlainObject(t)) {
      if (typeof k === "string") {
        setKey(t, k, v);
        return;
      }
      this.convert(t).set(this.resolve(k), v);
      return;
    }
    if (t instanceof Map) {
      t.set(this.resolve(k), v);
      return;
    }
    if (t instanceof PyObject && t.args !== null) {
      t.dictItems.push([k, v]);
      return;
    }
    fail(`cannot set items on ${describe(t)}`);
  }

  /** The Map a dict becomes when it gets a key that is not a str. */
  convert(obj: Record<string, unknown>): Map<unknown, unknown> {
    const m = new Map<unknown, unknown>(Object.entries(obj));
    this.charge(m.size);
    (this.converted ??= new Map()).set(obj, m);
    if (!this.slow) {
      const i = this.stack.length - 1;
      if (this.escaped?.has(obj) || this.stack[i] !== obj) throw RESTART;
      this.stack[i] = m;
    }
    return m;
  }

  appendItems(target: unknown, items: unknown[]): void {
    if (
      Array.isArray(target) && !Object.isFrozen(target) &&
      !this.tupleSet?.has(target)
    ) {
      for (let i = 0; i < items.length; i++) target.push(items[i]);
      return;
    }
    if (target instanceof PyObject && target.args !== null) {
      target.listItems.push(...items);
      return;
    }
    fail(`cannot append to ${describe(target)}`);
  }

  // Reading the input.

  readLine(): string {
    const nl = this.data.indexOf(0x0a, this.pos);
    if (nl < 0) fail("pickle data was truncated");
    let s = "";
    for (let i = this.pos; i < nl; i++) s += String.fromCharCode(this.data[i]!);
    this.pos = nl + 1;
    return s;
  }

  readUtf8Line(): string {
    const nl = this.data.indexOf(0x0a, this.pos);
    if (nl < 0) fail("pickle data was truncated");
    const s = decodeUtf8(this.data, this.pos, nl);
    if (s === null) fail("invalid UTF-8 in a global name");
    this.pos = nl + 1;
    return s;
  }

  i32(): number {
    this.need(4);
    const d = this.data, p = this.pos;
    this.pos = p + 4;
    return d[p]! | (d[p + 1]! << 8) | (d[p + 2]! << 16) | (d[p + 3]! << 24);
  }

  u32(): number {
    return this.i32() >>> 0;
  }

  u64(): number {
    const lo = this.u32();
    const hi = this.u32();
    // Anything past 2**53 is far more than any input holds: the length
    // check that follows rejects it.
    return hi * 0x100000000 + lo;
  }

  readBytes(n: number): Uint8Array {
    this.need(n);
    const b = copyBytes(this.data, this.pos, n);
    this.pos += n;
    return b;
  }

  readStr(n: number): string {
    this.need(n);
    const s = decodeUtf8(this.data, this.pos, this.pos + n);
    if (s === null) fail("invalid UTF-8 in a str");
    this.pos += n;
    return s;
  }

  readAscii(n: number): string {
    this.need(n);
    let s = "";
    for (let i = this.pos; i < this.pos + n; i++) {
      const b = this.data[i]!;
      if (b >= 0x80) {
        fail(
          "a Python 2 str holds non-ASCII bytes (CPython's default encoding is ASCII)",
        );
      }
      s += String.fromCharCode(b);
    }
    this.pos += n;
    return s;
  }

  readLong(n: number): number | bigint {
    this.need(n);
    const d = this.data, p = this.pos;
    let v: number | bigint;
    if (n === 0) {
      v = 0;
    } else if (n <= 6) {
      let x = 0;
      for (let i = n - 1; i >= 0; i--) x = x * 256 + d[p + i]!;
      if (d[p + n - 1]! & 0x80) x -= 2 ** (8 * n);
      v = x;
    } else {
      this.charge(n);
      let hex = "";
      for (let i = n - 1; i >= 0; i--) {
        hex += (d[p + i]! | 0x100).toString(16).slice(1);
      }
      let big = BigInt("0x" + hex);
      if (d[p + n - 1]! & 0x80) big -= 1n << BigInt(8 * n);
      v = big >= -0x1fffffffffffffn && big <= 0x1fffffffffffffn
        ? Number(big)
        : big;
    }
    this.pos += n;
    return v;
  }

  // The memo.

  memoPut(idx: number): void {
    if (idx > 0xffffffff) fail("memo index out of range");
    // Past the end: the memo goes sparse (or, from 2**32 - 1, is not even
    // an array index): this loader is not reused, so nothing can leak into
    // the next load.
    if (idx > this.memo.length) this.sparse = true;
    const v = this.top();
    if (this.memo[idx] === undefined) this.memoCount++;
    if (idx >= this.memoHigh) this.memoHigh = idx + 1;
    this.memo[idx] = v;
  }

  memoGet(idx: number): void {
    const v = this.memo[idx];
    if (v === undefined) fail(`Memo value not found at index ${idx}`);
    this.stack.push(this.escape(v));
  }

  // Classes and objects.

  findClass(module: string, name: string): PyObject {
    if (this.proto < 3) [module, name] = fromPy2(module, name);
    return new PyObject(module, name);
  }

  globalOf(callable: unknown, what: string): PyObject {
    if (!(callable instanceof PyObject) || callable.args !== null) {
      fail(`${what} expects a class or function, got ${describe(callable)}`);
    }
    return callable;
  }

  argsOf(args: unknown, what: string): unknown[] {
    if (!Array.isArray(args)) {
      fail(`${what} arguments must be a tuple, not ${describe(args)}`);
    }
    return args;
  }

  /** `callable(*args)`: a safe constructor, an exception, or a record. */
  call(ref: PyObject, args: unknown[]): unknown {
    const { module, name } = ref;
    const safe = safeCall(module, name, args, this);
    if (safe !== NOT_SAFE) return safe;
    if (module === "copyreg") {
      const normal = this.copyregCall(name, args);
      if (normal !== NOT_SAFE) return normal;
    }
    const err = makeException(module, name, args);
    if (err !== undefined) return err;
    return new PyObject(module, name, args);
  }

  /** `cls.__new__(cls, *args, **kwargs)`. */
  newObj(
    cls: PyObject,
    args: unknown[],
    kwargs: Record<string, unknown> | null,
  ): unknown {
    const noKwargs = kwargs === null || Object.keys(kwargs).length === 0;
    if (noKwargs && cls.module === "builtins") {
      const safe = safeNew(cls.name, args, this);
      if (safe !== NOT_SAFE) return safe;
    }
    return new PyObject(cls.module, cls.name, args, undefined, {
      newobj: true,
      kwargs,
    });
  }

  /**
   * copyreg's helpers that CPython's pickler writes for protocols 0-1
   * (`_reconstructor`) and for `__newobj__` below protocol 2: the same
   * object as a `NEWOBJ`, so they load (and dump back) as one.
   */
  copyregCall(name: string, args: unknown[]): unknown {
    if (name === "_reconstructor" && args.length === 3) {
      const [cls, base, state] = args;
      if (
        !(cls instanceof PyObject) || cls.args !== null ||
        !(base instanceof PyObject) || base.args !== null
      ) return NOT_SAFE;
      const baseIsObject = base.module === "builtins" &&
        base.name === "object";
      if (cls.module === "builtins") {
        const safe = safeCall(
          "builtins",
          cls.name,
          baseIsObject ? [] : [state],
          this,
        );
        if (safe !== NOT_SAFE) return safe;
      }
      if (baseIsObject && state === null) return this.newObj(cls, [], null);
      return NOT_SAFE;
    }
    if (name === "__newobj__" && args.length >= 1) {
      const cls = args[0];
      if (!(cls instanceof PyObject) || cls.args !== null) return NOT_SAFE;
      return this.newObj(cls, this.tuple(args.slice(1)), null);
    }
    if (name === "__newobj_ex__" && args.length === 3) {
      const [cls, a, kw] = args;
      if (
        !(cls instanceof PyObject) || cls.args !== null ||
        !Array.isArray(a) || !isPlainObject(kw)
      ) return NOT_SAFE;
      return this.newObj(cls, a, kw);
    }
    return NOT_SAFE;
  }

  /**
   * `functools.partial(getattr(cls, "__new__"), cls, *args, **kwargs)()`:
   * how CPython's protocols 2-3 write an object whose `__getnewargs_ex__`
   * has keyword arguments. Read as the `NEWOBJ_EX` it stands for.
   */
  partialNew(callable: unknown, callArgs: unknown[]): unknown {
    if (
      !(callable instanceof PyObject) || callable.args === null ||
      callable.module !== "functools" || callable.name !== "partial" ||
      !Array.isArray(callable.state) || callable.state.length !== 4
    ) return NOT_SAFE;
    const [func, args, kwds] = callable.state as unknown[];
    if (
      !(func instanceof PyObject) || func.qualname !== "builtins.getattr" ||
      func.args?.length !== 2 || func.args[1] !== "__new__" ||
      !Array.isArray(args) || args.length < 1 || args[0] !== func.args[0] ||
      !(args[0] instanceof PyObject) || args[0].args !== null ||
      (kwds !== null && !isPlainObject(kwds))
    ) return NOT_SAFE;
    return this.newObj(
      args[0],
      this.tuple([...args.slice(1), ...callArgs]),
      kwds as Record<string, unknown> | null,
    );
  }

  build(target: unknown, state: unknown): void {
    if (target instanceof PyObject && target.args !== null) {
      target.state = state;
      return;
    }
    if (target instanceof Error) {
      // BaseException.__setstate__: the instance dict (and slots).
      const parts = Array.isArray(state) && state.length === 2
        ? state
        : [state];
      for (const part of parts) {
        const p = this.resolve(part);
        if (p === null) continue;
        if (isPlainObject(p)) {
          for (const k of Object.keys(p)) setKey(target as never, k, p[k]);
        } else if (p instanceof Map) {
          for (const [k, v] of p) {
            if (typeof k === "string") setKey(target as never, k, v);
          }
        } else {
          fail(`cannot set the state of an exception from ${describe(p)}`);
        }
      }
      return;
    }
    fail(`cannot set the state of ${describe(target)}`);
  }

  finish(value: unknown): unknown {
    let result = value;
    if (this.slow) {
      if (this.converted !== null) result = redirect(result, this.converted);
      for (const t of this.tupleSet!) Object.freeze(t);
    }
    if (this.containers > MAX_DEPTH) {
      checkDepth(result, this.shared ? -1 : 8 * this.end + 64);
    }
    return result;
  }

  load(): unknown {
    // The hot opcodes run here on local copies of the position and the
    // stack; anything else goes through step() with the position synced.
    const data = this.data;
    const end = this.end;
    const stack = this.stack;
    const memo = this.memo;
    let pos = this.pos;
    for (;;) {
      if (pos >= end) fail("pickle data was truncated");
      const code = data[pos++]!;
      switch (HOT[code]) {
        case 1: { // PROTO
          if (pos >= end) fail("pickle data was truncated");
          const p = data[pos++]!;
          if (p > op.HIGHEST_PROTOCOL) {
            fail(`unsupported pickle protocol: ${p}`);
          }
          this.proto = p;
          continue;
        }
        case 2: { // FRAME
          if (pos + 8 > end) fail("pickle data was truncated");
          // A frame only groups opcodes: check that its bytes are there.
          const lo = (data[pos]! | (data[pos + 1]! << 8) |
            (data[pos + 2]! << 16) | (data[pos + 3]! << 24)) >>> 0;
          const hi = (data[pos + 4]! | (data[pos + 5]! << 8) |
            (data[pos + 6]! << 16) | (data[pos + 7]! << 24)) >>> 0;
          pos += 8;
          if (hi * 0x100000000 + lo > end - pos) {
            fail("pickle exhausted before end of frame");
          }
          continue;
        }
        case 3: // MARK
          this.marks.push(stack.length);
          this.fence = stack.length;
          continue;
        case 4: // NONE
          stack.push(null);
          continue;
        case 5: // NEWTRUE
          stack.push(true);
          continue;
        case 6: // NEWFALSE
          stack.push(false);
          continue;
        case 7: // BININT1
          if (pos >= end) fail("pickle data was truncated");
          stack.push(data[pos++]);
          continue;
        case 8: // BININT2
          if (pos + 2 > end) fail("pickle data was truncated");
          stack.push(data[pos]! | (data[pos + 1]! << 8));
          pos += 2;
          continue;
        case 9: { // BININT
          if (pos + 4 > end) fail("pickle data was truncated");
          stack.push(
            data[pos]! | (data[pos + 1]! << 8) | (data[pos + 2]! << 16) |
              (data[pos + 3]! << 24),
          );
          pos += 4;
          continue;
        }
        case 10: { // BINFLOAT
          // Big-endian IEEE 754, through a scratch double (no DataView).
          if (pos + 8 > end) fail("pickle data was truncated");
          if (LITTLE_ENDIAN) {
            for (let i = 0; i < 8; i++) f64Bytes[i] = data[pos + 7 - i]!;
          } else {
            for (let i = 0; i < 8; i++) f64Bytes[i] = data[pos + i]!;
          }
          stack.push(f64[0]);
          pos += 8;
          continue;
        }
        case 11: { // SHORT_BINBYTES
          if (pos >= end) fail("pickle data was truncated");
          const n = data[pos++]!;
          if (pos + n > end) fail("pickle data was truncated");
          stack.push(copyBytes(data, pos, n));
          pos += n;
          continue;
        }
        case 12: { // SHORT_BINUNICODE
          if (pos >= end) fail("pickle data was truncated");
          const n = data[pos++]!;
          if (pos + n > end) fail("pickle data was truncated");
          // One or two ASCII characters (a key, a number) without a call.
          let s: string | null;
          const c0 = data[pos]!;
          if (n === 1 && c0 < 0x80) s = ONE_CHAR[c0]!;
          else if (n === 2 && (c0 | data[pos + 1]!) < 0x80) {
            s = twoChars(c0, data[pos + 1]!);
          } else s = decodeUtf8(data, pos, pos + n);
          if (s === null) fail("invalid UTF-8 in a str");
          stack.push(s);
          pos += n;
          continue;
        }
        case 13: { // MEMOIZE
          if (stack.length <= this.fence) fail("unpickling stack underflow");
          const idx = this.memoCount;
          if (memo[idx] === undefined) this.memoCount = idx + 1;
          if (idx >= this.memoHigh) this.memoHigh = idx + 1;
          memo[idx] = stack[stack.length - 1];
          continue;
        }
        case 14: { // BINGET
          if (pos >= end) fail("pickle data was truncated");
          const idx = data[pos++]!;
          const v = memo[idx];
          if (v === undefined) fail(`Memo value not found at index ${idx}`);
          stack.push(this.escape(v));
          continue;
        }
        case 15: // EMPTY_TUPLE
          stack.push(this.tuple([]));
          continue;
        case 16: // EMPTY_LIST
          this.containers++;
          stack.push([]);
          continue;
        case 17: // EMPTY_DICT
          this.containers++;
          stack.push({});
          continue;
        case 18: { // TUPLE1
          const n = stack.length;
          if (n - 1 < this.fence) fail("unpickling stack underflow");
          stack[n - 1] = this.tuple([stack[n - 1]]);
          continue;
        }
        case 19: { // TUPLE2
          const n = stack.length;
          if (n - 2 < this.fence) fail("unpickling stack underflow");
          stack[n - 2] = this.tuple([stack[n - 2], stack[n - 1]]);
          stack.pop();
          continue;
        }
        case 20: { // TUPLE3
          const n = stack.length;
          if (n - 3 < this.fence) fail("unpickling stack underflow");
          stack[n - 3] = this.tuple([stack[n - 3], stack[n - 2], stack[n - 1]]);
          stack.pop();
          stack.pop();
          continue;
        }
        case 21: // TUPLE
          stack.push(this.tuple(this.popMark()));
          continue;
        case 22: { // APPENDS
          // The items straight from the stack (no intermediate array).
          const k = this.closeMark();
          const t = stack[k - 1];
          if (
            Array.isArray(t) && !Object.isFrozen(t) && this.tupleSet === null
          ) {
            for (let i = k; i < stack.length; i++) t.push(stack[i]);
            truncate(stack, k);
          } else {
            this.appendItems(t, stack.splice(k));
          }
          continue;
        }
        case 23: { // SETITEMS
          const k = this.closeMark();
          const n = stack.length;
          if ((n - k) % 2 !== 0) fail("odd number of items for SETITEMS");
          const t = stack[k - 1];
          let i = k;
          if (
            this.converted === null && typeof t === "object" && t !== null &&
            t.constructor === Object // isLoadedDict(t), inlined
          ) {
            // The common case, a str-keyed dict, without a call per item.
            const obj = t as Record<string, unknown>;
            for (; i < n; i += 2) {
              const key = stack[i];
              if (typeof key !== "string" || key === "__proto__") break;
              obj[key] = stack[i + 1];
            }
          }
          for (; i < n; i += 2) this.setItem(t, stack[i], stack[i + 1]);
          while (stack.length > k) stack.pop(); // truncate(), inlined
          continue;
        }
        case 24: // STOP
          this.pos = pos;
          return this.finish(this.pop());
        case 25: { // SETITEM
          // A str key into a plain object here; anything else in step().
          const n = stack.length;
          const t = stack[n - 3];
          const key = stack[n - 2];
          if (
            n - 3 >= this.fence && this.converted === null &&
            typeof key === "string" && key !== "__proto__" && isLoadedDict(t)
          ) {
            t[key] = stack[n - 1];
            stack.pop();
            stack.pop();
            continue;
          }
          this.pos = pos;
          this.step(code);
          pos = this.pos;
          continue;
        }
        case 26: { // APPEND
          // Onto a list here; anything else in step().
          const n = stack.length;
          const t = stack[n - 2];
          if (
            n - 2 >= this.fence && this.tupleSet === null &&
            Array.isArray(t) && !Object.isFrozen(t)
          ) {
            t.push(stack.pop());
            continue;
          }
          this.pos = pos;
          this.step(code);
          pos = this.pos;
          continue;
        }
        default: {
          this.pos = pos;
          const v = this.step(code);
          if (v !== CONTINUE) return v;
          pos = this.pos;
        }
      }
    }
  }

  /** Runs one opcode (the general path); returns the value at STOP. */
  step(code: number): unknown {
    this.containers++; // most opcodes here make one (an over-count is fine)
    // The opcodes load() runs itself (the common ones) are not repeated
    // here, but for the unusual cases of SETITEM and APPEND it hands over.
    switch (code) {
      case op.POP:
        if (this.stack.length > this.fence) this.stack.pop();
        else if (this.marks.length > 0 && this.stack.length === this.fence) {
          this.popMark();
        } else fail("unpickling stack underflow");
        break;
      case op.POP_MARK:
        this.popMark();
        break;
      case op.DUP:
        this.stack.push(this.escape(this.top()));
        break;

      // Scalars.
      case op.LONG1:
        this.need(1);
        this.stack.push(this.readLong(this.data[this.pos++]!));
        break;
      case op.LONG4: {
        this.need(4);
        const n = this.data[this.pos]! | (this.data[this.pos + 1]! << 8) |
          (this.data[this.pos + 2]! << 16) |
          (this.data[this.pos + 3]! << 24);
        this.pos += 4;
        if (n < 0) fail("LONG pickle has negative byte count");
        this.stack.push(this.readLong(n));
        break;
      }
      case op.INT: {
        const line = this.readLine();
        if (line === "00") this.stack.push(false);
        else if (line === "01") this.stack.push(true);
        else {
          const v = parseInt(line);
          if (v === null) {
            fail(`invalid literal for INT: '${line.slice(0, 40)}'`);
          }
          this.stack.push(v);
        }
        break;
      }
      case op.LONG: {
        let line = this.readLine();
        if (line.endsWith("L")) line = line.slice(0, -1);
        if (line.length > 100000) this.budget -= line.length;
        const v = parseInt(line);
        if (v === null) {
          fail(`invalid literal for LONG: '${line.slice(0, 40)}'`);
        }
        this.stack.push(v);
        break;
      }
      case op.FLOAT: {
        const line = this.readLine();
        const v = parseFloat(line);
        if (v === null) {
          fail(`invalid literal for FLOAT: '${line.slice(0, 40)}'`);
        }
        this.stack.push(v);
        break;
      }

      // Strings and bytes.
      case op.BINUNICODE:
        this.stack.push(this.readStr(this.u32()));
        break;
      case op.BINUNICODE8:
        this.stack.push(this.readStr(this.u64()));
        break;
      case op.UNICODE: {
        const nl = this.data.indexOf(0x0a, this.pos);
        if (nl < 0) fail("pickle data was truncated");
        const s = decodeRawUnicodeEscape(this.data, this.pos, nl);
        if (s === null) fail("invalid raw-unicode-escape data in UNICODE");
        this.pos = nl + 1;
        this.stack.push(s);
        break;
      }
      case op.SHORT_BINSTRING:
        this.need(1);
        this.stack.push(this.readAscii(this.data[this.pos++]!));
        break;
      case op.BINSTRING: {
        this.need(4);
        const n = this.data[this.pos]! | (this.data[this.pos + 1]! << 8) |
          (this.data[this.pos + 2]! << 16) |
          (this.data[this.pos + 3]! << 24);
        this.pos += 4;
        if (n < 0) fail("BINSTRING pickle has negative byte count");
        this.stack.push(this.readAscii(n));
        break;
      }
      case op.STRING: {
        const line = this.readLine();
        const bytes = unquoteString(line);
        if (bytes === null) {
          fail("the STRING opcode argument must be quoted");
        }
        let s = "";
        for (const b of bytes) {
          if (b >= 0x80) {
            fail(
              "a Python 2 str holds non-ASCII bytes (CPython's default encoding is ASCII)",
            );
          }
          s += String.fromCharCode(b);
        }
        this.stack.push(s);
        break;
      }
      case op.BINBYTES:
        this.stack.push(this.readBytes(this.u32()));
        break;
      case op.BINBYTES8:
      case op.BYTEARRAY8:
        this.stack.push(this.readBytes(this.u64()));
        break;

      // Containers.
      case op.EMPTY_SET:
        this.stack.push(new Set());
        break;
      case op.LIST:
        this.stack.push(this.popMark());
        break;
      case op.DICT: {
        const items = this.popMark();
        if (items.length % 2 !== 0) fail("odd number of items for DICT");
        const obj = {};
        this.stack.push(obj);
        for (let i = 0; i < items.length; i += 2) {
          this.setItem(obj, items[i], items[i + 1]);
        }
        break;
      }
      case op.FROZENSET: {
        const items = this.popMark();
        this.stack.push(new Set(items));
        break;
      }
      case op.APPEND: {
        const v = this.pop();
        this.appendItems(this.top(), [v]);
        break;
      }
      case op.SETITEM: {
        const v = this.pop();
        const k = this.pop();
        this.setItem(this.top(), k, v);
        break;
      }
      case op.ADDITEMS: {
        const items = this.popMark();
        const t = this.top();
        if (!(t instanceof Set)) fail(`cannot add items to ${describe(t)}`);
        for (const item of items) t.add(item);
        break;
      }

      // Memo.
      case op.BINPUT:
        this.need(1);
        this.memoPut(this.data[this.pos++]!);
        break;
      case op.LONG_BINPUT:
        this.memoPut(this.u32());
        break;
      case op.PUT: {
        const line = this.readLine();
        if (!/^[0-9]+$/.test(line)) fail("invalid PUT argument");
        this.memoPut(Number(line));
        break;
      }
      case op.LONG_BINGET:
        this.memoGet(this.u32());
        break;
      case op.GET: {
        const line = this.readLine();
        if (!/^[0-9]+$/.test(line)) fail("invalid GET argument");
        this.memoGet(Number(line));
        break;
      }

      // Classes and objects: recorded, never imported or called.
      case op.GLOBAL: {
        const module = this.readUtf8Line();
        const name = this.readUtf8Line();
        this.stack.push(this.findClass(module, name));
        break;
      }
      case op.STACK_GLOBAL: {
        const name = this.pop();
        const module = this.pop();
        if (typeof name !== "string" || typeof module !== "string") {
          fail("STACK_GLOBAL requires str");
        }
        this.stack.push(this.findClass(module, name));
        break;
      }
      case op.REDUCE: {
        const args = this.argsOf(this.pop(), "REDUCE");
        const callable = this.pop();
        const partial = this.partialNew(callable, args);
        if (partial !== NOT_SAFE) {
          this.stack.push(partial);
          break;
        }
        const ref = this.globalOf(callable, "REDUCE");
        this.stack.push(this.call(ref, args));
        break;
      }
      case op.NEWOBJ: {
        const args = this.argsOf(this.pop(), "NEWOBJ");
        const cls = this.globalOf(this.pop(), "NEWOBJ");
        this.stack.push(this.newObj(cls, args, null));
        break;
      }
      case op.NEWOBJ_EX: {
        const kwargs = this.resolve(this.pop());
        const args = this.argsOf(this.pop(), "NEWOBJ_EX");
        const cls = this.globalOf(this.pop(), "NEWOBJ_EX");
        if (!isPlainObject(kwargs)) {
          fail(
            `NEWOBJ_EX keyword arguments must be a dict of str, not ${
              describe(kwargs)
            }`,
          );
        }
        this.stack.push(this.newObj(cls, args, kwargs));
        break;
      }
      case op.INST: {
        const module = this.readUtf8Line();
        const name = this.readUtf8Line();
        const args = this.tuple(this.popMark());
        const ref = this.findClass(module, name);
        this.stack.push(
          args.length === 0
            ? this.newObj(ref, args, null)
            : this.call(ref, args),
        );
        break;
      }
      case op.OBJ: {
        const items = this.popMark();
        if (items.length === 0) fail("unpickling stack underflow");
        const ref = this.globalOf(items[0], "OBJ");
        const args = this.tuple(items.slice(1));
        this.stack.push(
          args.length === 0
            ? this.newObj(ref, args, null)
            : this.call(ref, args),
        );
        break;
      }
      case op.BUILD: {
        const state = this.pop();
        this.build(this.top(), state);
        break;
      }

      // What a safe loader refuses.
      case op.PERSID:
      case op.BINPERSID:
        fail(
          "A load persistent id instruction was encountered, but no persistent_load function was specified",
        );
        break;
      case op.EXT1:
      case op.EXT2:
      case op.EXT4: {
        const n = code === op.EXT1 ? 1 : code === op.EXT2 ? 2 : 4;
        this.need(n);
        let v = 0;
        for (let i = n - 1; i >= 0; i--) {
          v = v * 256 + this.data[this.pos + i]!;
        }
        this.pos += n;
        fail(`unregistered extension code ${v}`);
        break;
      }
      case op.NEXT_BUFFER:
        fail(
          "pickle stream refers to out-of-band data but no *buffers* argument was given",
        );
        break;
      case op.READONLY_BUFFER:
        if (!(this.top() instanceof Uint8Array)) {
          fail("READONLY_BUFFER expects a buffer");
        }
        break;
      default:
        fail(
          `invalid load key, '${
            code >= 0x20 && code < 0x7f
              ? String.fromCharCode(code)
              : "\\x" + code.toString(16).padStart(2, "0")
          }'`,
        );
    }
    return CONTINUE;
  }
}
