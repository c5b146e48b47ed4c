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
import { UnpicklingError } from "./errors.ts";
import { PyObject } from "./py_object.ts";
import { decodeUtf8 } from "./_utf8.ts";
import {
  decodeRawUnicodeEscape,
  parseFloat,
  parseInt,
  unquoteString,
} from "./_text.ts";
import { fromPy2 } from "./_compat.ts";
import { type Builders, NOT_SAFE, safeCall, safeNew } from "./_safe_calls.ts";
import { makeException } from "./_exceptions.ts";

/** The deepest nesting `loads` accepts (and `dumps` writes). */
export const MAX_DEPTH = 2000;

const EMPTY = new Uint8Array(0);

function fail(message: string): never {
  throw new UnpicklingError(message);
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (typeof x !== "object" || x === null) return false;
  const p = Object.getPrototypeOf(x);
  return p === Object.prototype || p === null;
}

function setKey(obj: Record<string, unknown>, k: string, v: unknown): void {
  if (k === "__proto__") {
    Object.defineProperty(obj, k, {
      value: v,
      writable: true,
      enumerable: true,
      configurable: true,
    });
  } else {
    obj[k] = v;
  }
}

/** Loads one pickle from `data` (trailing bytes after STOP are ignored, as CPython). */
export function unpickle(data: Uint8Array): unknown {
  const end = data.length;
  let pos = 0;
  let proto = 0;
  const stack: unknown[] = [];
  const marks: number[] = [];
  let fence = 0;
  const memo: unknown[] = [];
  let memoCount = 0;
  /** Tuples built so far: arrays until the end, then frozen. */
  const tuples = new Set<unknown[]>();
  /** Dicts that got a non-str key: the plain object → its Map. */
  let converted: Map<object, Map<unknown, unknown>> | null = null;
  /** Work the evaluated constructors may still do, in items. */
  let budget = 8 * end + 65536;
  let view: DataView | null = null;

  const builders: Builders = {
    tuple: (items) => {
      tuples.add(items);
      return items;
    },
    dict: (pairs) => {
      const obj: Record<string, unknown> = {};
      for (const [k, v] of pairs) setItem(obj, k, v);
      return obj;
    },
    charge: (n) => {
      budget -= n;
      if (budget < 0) {
        fail("pickle asks for more work than its size justifies");
      }
    },
  };

  function need(n: number): void {
    if (n > end - pos) fail("pickle data was truncated");
  }

  function pop(): unknown {
    if (stack.length <= fence) fail("unpickling stack underflow");
    return stack.pop();
  }

  function top(): unknown {
    if (stack.length <= fence) fail("unpickling stack underflow");
    return stack[stack.length - 1];
  }

  function popMark(): unknown[] {
    if (marks.length === 0) fail("could not find MARK");
    const k = marks.pop()!;
    fence = marks.length > 0 ? marks[marks.length - 1]! : 0;
    return stack.splice(k);
  }

  function resolve(x: unknown): unknown {
    if (converted !== null && typeof x === "object" && x !== null) {
      return converted.get(x) ?? x;
    }
    return x;
  }

  function setItem(target: unknown, k: unknown, v: unknown): void {
    const t = resolve(target);
    if (t instanceof Map) {
      t.set(resolve(k), v);
      return;
    }
    if (isPlainObject(t)) {
      if (typeof k === "string") {
        setKey(t, k, v);
        return;
      }
      // A key that is not a str: this dict is a Map from now on; every
      // reference to the plain object is redirected at the end.
      const m = new Map<unknown, unknown>(Object.entries(t));
      budget -= m.size;
      m.set(resolve(k), v);
      (converted ??= new Map()).set(t, m);
      return;
    }
    if (t instanceof PyObject && t.args !== null) {
      t.dictItems.push([k, v]);
      return;
    }
    fail(`cannot set items on ${describe(t)}`);
  }

  function appendItems(target: unknown, items: unknown[]): void {
    if (Array.isArray(target) && !tuples.has(target)) {
      for (let i = 0; i < items.length; i++) target.push(items[i]);
      return;
    }
    if (target instanceof PyObject && target.args !== null) {
      target.listItems.push(...items);
      return;
    }
    fail(`cannot append to ${describe(target)}`);
  }

  function readLine(): string {
    const nl = data.indexOf(0x0a, pos);
    if (nl < 0) fail("pickle data was truncated");
    let s = "";
    for (let i = pos; i < nl; i++) s += String.fromCharCode(data[i]!);
    pos = nl + 1;
    return s;
  }

  function readUtf8Line(): string {
    const nl = data.indexOf(0x0a, pos);
    if (nl < 0) fail("pickle data was truncated");
    const s = decodeUtf8(data, pos, nl);
    if (s === null) fail("invalid UTF-8 in a global name");
    pos = nl + 1;
    return s;
  }

  function u32(): number {
    need(4);
    const v = (data[pos]! | (data[pos + 1]! << 8) | (data[pos + 2]! << 16)) +
      data[pos + 3]! * 0x1000000;
    pos += 4;
    return v;
  }

  function u64(): number {
    const lo = u32();
    const hi = u32();
    // Anything past 2**53 is far more than any input holds: the length
    // check that follows rejects it.
    return hi * 0x100000000 + lo;
  }

  function readBytes(n: number): Uint8Array {
    need(n);
    const b = n === 0 ? EMPTY.slice() : data.slice(pos, pos + n);
    pos += n;
    return b;
  }

  function readStr(n: number): string {
    need(n);
    const s = decodeUtf8(data, pos, pos + n);
    if (s === null) fail("invalid UTF-8 in a str");
    pos += n;
    return s;
  }

  function readAscii(n: number): string {
    need(n);
    let s = "";
    for (let i = pos; i < pos + n; i++) {
      const b = data[i]!;
      if (b >= 0x80) {
        fail(
          "a Python 2 str holds non-ASCII bytes (CPython's default encoding is ASCII)",
        );
      }
      s += String.fromCharCode(b);
    }
    pos += n;
    return s;
  }

  function readLong(n: number): number | bigint {
    need(n);
    let v: number | bigint;
    if (n === 0) {
      v = 0;
    } else if (n <= 6) {
      let x = 0;
      for (let i = n - 1; i >= 0; i--) x = x * 256 + data[pos + i]!;
      if (data[pos + n - 1]! & 0x80) x -= 2 ** (8 * n);
      v = x;
    } else {
      budget -= n;
      let hex = "";
      for (let i = n - 1; i >= 0; i--) {
        hex += (data[pos + i]! | 0x100).toString(16).slice(1);
      }
      let big = BigInt("0x" + hex);
      if (data[pos + n - 1]! & 0x80) big -= 1n << BigInt(8 * n);
      v = big >= -0x1fffffffffffffn && big <= 0x1fffffffffffffn
        ? Number(big)
        : big;
    }
    pos += n;
    return v;
  }

  function memoPut(idx: number): void {
    if (idx > 0xffffffff) fail("memo index out of range");
    if (memo[idx] === undefined) memoCount++;
    memo[idx] = top();
  }

  function memoGet(idx: number): void {
    const v = memo[idx];
    if (v === undefined) fail(`Memo value not found at index ${idx}`);
    stack.push(v);
  }

  function findClass(module: string, name: string): PyObject {
    if (proto < 3) [module, name] = fromPy2(module, name);
    return new PyObject(module, name);
  }

  function globalOf(callable: unknown, what: string): PyObject {
    if (!(callable instanceof PyObject) || callable.args !== null) {
      fail(`${what} expects a class or function, got ${describe(callable)}`);
    }
    return callable;
  }

  function argsOf(args: unknown, what: string): unknown[] {
    if (!Array.isArray(args)) {
      fail(`${what} arguments must be a tuple, not ${describe(args)}`);
    }
    return args;
  }

  /** `callable(*args)`: a safe constructor, an exception, or a record. */
  function call(ref: PyObject, args: unknown[]): unknown {
    const { module, name } = ref;
    const safe = safeCall(module, name, args, builders);
    if (safe !== NOT_SAFE) return safe;
    if (module === "copyreg") {
      const normal = copyregCall(name, args);
      if (normal !== NOT_SAFE) return normal;
    }
    const err = makeException(module, name, args);
    if (err !== undefined) return err;
    return new PyObject(module, name, args);
  }

  /** `cls.__new__(cls, *args, **kwargs)`. */
  function newObj(
    cls: PyObject,
    args: unknown[],
    kwargs: Record<string, unknown> | null,
  ): unknown {
    const noKwargs = kwargs === null || Object.keys(kwargs).length === 0;
    if (noKwargs && cls.module === "builtins") {
      const safe = safeNew(cls.name, args, builders);
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
  function copyregCall(name: string, args: unknown[]): unknown {
    if (name === "_reconstructor" && args.length === 3) {
      const [cls, base, state] = args;
      if (
        !(cls instanceof PyObject) || cls.args !== null ||
        !(base instanceof PyObject) || base.args !== null
      ) return NOT_SAFE;
      const baseIsObject = base.module === "builtins" && base.name === "object";
      if (cls.module === "builtins") {
        const safe = safeCall(
          "builtins",
          cls.name,
          baseIsObject ? [] : [state],
          builders,
        );
        if (safe !== NOT_SAFE) return safe;
      }
      if (baseIsObject && state === null) return newObj(cls, [], null);
      return NOT_SAFE;
    }
    if (name === "__newobj__" && args.length >= 1) {
      const cls = args[0];
      if (!(cls instanceof PyObject) || cls.args !== null) return NOT_SAFE;
      return newObj(cls, builders.tuple(args.slice(1)), null);
    }
    if (name === "__newobj_ex__" && args.length === 3) {
      const [cls, a, kw] = args;
      if (
        !(cls instanceof PyObject) || cls.args !== null || !Array.isArray(a) ||
        !isPlainObject(kw)
      ) return NOT_SAFE;
      return newObj(cls, a, kw);
    }
    return NOT_SAFE;
  }

  function build(target: unknown, state: unknown): void {
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
        const p = resolve(part);
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

  for (;;) {
    if (pos >= end) fail("pickle data was truncated");
    const code = data[pos++]!;
    switch (code) {
      case op.PROTO: {
        need(1);
        const p = data[pos++]!;
        if (p > op.HIGHEST_PROTOCOL) fail(`unsupported pickle protocol: ${p}`);
        proto = p;
        break;
      }
      case op.FRAME: {
        const n = u64();
        if (n > end - pos) fail("pickle exhausted before end of frame");
        break;
      }
      case op.STOP: {
        const value = pop();
        return finish(value);
      }
      case op.MARK:
        marks.push(stack.length);
        fence = stack.length;
        break;
      case op.POP:
        if (stack.length > fence) stack.pop();
        else if (marks.length > 0 && stack.length === fence) popMark();
        else fail("unpickling stack underflow");
        break;
      case op.POP_MARK:
        popMark();
        break;
      case op.DUP:
        stack.push(top());
        break;

      // Scalars.
      case op.NONE:
        stack.push(null);
        break;
      case op.NEWTRUE:
        stack.push(true);
        break;
      case op.NEWFALSE:
        stack.push(false);
        break;
      case op.BININT1:
        need(1);
        stack.push(data[pos++]);
        break;
      case op.BININT2:
        need(2);
        stack.push(data[pos]! | (data[pos + 1]! << 8));
        pos += 2;
        break;
      case op.BININT:
        need(4);
        stack.push(
          data[pos]! | (data[pos + 1]! << 8) | (data[pos + 2]! << 16) |
            (data[pos + 3]! << 24),
        );
        pos += 4;
        break;
      case op.LONG1:
        need(1);
        stack.push(readLong(data[pos++]!));
        break;
      case op.LONG4: {
        need(4);
        const n = data[pos]! | (data[pos + 1]! << 8) | (data[pos + 2]! << 16) |
          (data[pos + 3]! << 24);
        pos += 4;
        if (n < 0) fail("LONG pickle has negative byte count");
        stack.push(readLong(n));
        break;
      }
      case op.INT: {
        const line = readLine();
        if (line === "00") stack.push(false);
        else if (line === "01") stack.push(true);
        else {
          const v = parseInt(line);
          if (v === null) {
            fail(`invalid literal for INT: '${line.slice(0, 40)}'`);
          }
          stack.push(v);
        }
        break;
      }
      case op.LONG: {
        let line = readLine();
        if (line.endsWith("L")) line = line.slice(0, -1);
        if (line.length > 100000) budget -= line.length;
        const v = parseInt(line);
        if (v === null) {
          fail(`invalid literal for LONG: '${line.slice(0, 40)}'`);
        }
        stack.push(v);
        break;
      }
      case op.BINFLOAT:
        need(8);
        view ??= new DataView(data.buffer, data.byteOffset, data.byteLength);
        stack.push(view.getFloat64(pos, false));
        pos += 8;
        break;
      case op.FLOAT: {
        const line = readLine();
        const v = parseFloat(line);
        if (v === null) {
          fail(`invalid literal for FLOAT: '${line.slice(0, 40)}'`);
        }
        stack.push(v);
        break;
      }

      // Strings and bytes.
      case op.SHORT_BINUNICODE:
        need(1);
        stack.push(readStr(data[pos++]!));
        break;
      case op.BINUNICODE:
        stack.push(readStr(u32()));
        break;
      case op.BINUNICODE8:
        stack.push(readStr(u64()));
        break;
      case op.UNICODE: {
        const nl = data.indexOf(0x0a, pos);
        if (nl < 0) fail("pickle data was truncated");
        const s = decodeRawUnicodeEscape(data, pos, nl);
        if (s === null) fail("invalid raw-unicode-escape data in UNICODE");
        pos = nl + 1;
        stack.push(s);
        break;
      }
      case op.SHORT_BINSTRING:
        need(1);
        stack.push(readAscii(data[pos++]!));
        break;
      case op.BINSTRING: {
        need(4);
        const n = data[pos]! | (data[pos + 1]! << 8) | (data[pos + 2]! << 16) |
          (data[pos + 3]! << 24);
        pos += 4;
        if (n < 0) fail("BINSTRING pickle has negative byte count");
        stack.push(readAscii(n));
        break;
      }
      case op.STRING: {
        const line = readLine();
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
        stack.push(s);
        break;
      }
      case op.SHORT_BINBYTES:
        need(1);
        stack.push(readBytes(data[pos++]!));
        break;
      case op.BINBYTES:
        stack.push(readBytes(u32()));
        break;
      case op.BINBYTES8:
      case op.BYTEARRAY8:
        stack.push(readBytes(u64()));
        break;

      // Containers.
      case op.EMPTY_LIST:
        stack.push([]);
        break;
      case op.EMPTY_DICT:
        stack.push({});
        break;
      case op.EMPTY_SET:
        stack.push(new Set());
        break;
      case op.EMPTY_TUPLE:
        stack.push(builders.tuple([]));
        break;
      case op.LIST:
        stack.push(popMark());
        break;
      case op.TUPLE: {
        const items = popMark();
        if (converted !== null) {
          for (let i = 0; i < items.length; i++) items[i] = resolve(items[i]);
        }
        stack.push(builders.tuple(items));
        break;
      }
      case op.TUPLE1:
      case op.TUPLE2:
      case op.TUPLE3: {
        const n = code - op.TUPLE1 + 1;
        if (stack.length - n < fence) fail("unpickling stack underflow");
        const items = stack.splice(stack.length - n);
        if (converted !== null) {
          for (let i = 0; i < n; i++) items[i] = resolve(items[i]);
        }
        stack.push(builders.tuple(items));
        break;
      }
      case op.DICT: {
        const items = popMark();
        if (items.length % 2 !== 0) fail("odd number of items for DICT");
        const obj = {};
        stack.push(obj);
        for (let i = 0; i < items.length; i += 2) {
          setItem(obj, items[i], items[i + 1]);
        }
        break;
      }
      case op.FROZENSET: {
        const items = popMark();
        stack.push(new Set(items));
        break;
      }
      case op.APPEND: {
        const v = pop();
        appendItems(top(), [v]);
        break;
      }
      case op.APPENDS: {
        const items = popMark();
        appendItems(top(), items);
        break;
      }
      case op.SETITEM: {
        const v = pop();
        const k = pop();
        setItem(top(), k, v);
        break;
      }
      case op.SETITEMS: {
        const items = popMark();
        if (items.length % 2 !== 0) fail("odd number of items for SETITEMS");
        const t = top();
        for (let i = 0; i < items.length; i += 2) {
          setItem(t, items[i], items[i + 1]);
        }
        break;
      }
      case op.ADDITEMS: {
        const items = popMark();
        const t = top();
        if (!(t instanceof Set)) fail(`cannot add items to ${describe(t)}`);
        for (const item of items) t.add(item);
        break;
      }

      // Memo.
      case op.MEMOIZE:
        memoPut(memoCount);
        break;
      case op.BINPUT:
        need(1);
        memoPut(data[pos++]!);
        break;
      case op.LONG_BINPUT:
        memoPut(u32());
        break;
      case op.PUT: {
        const line = readLine();
        if (!/^[0-9]+$/.test(line)) fail("invalid PUT argument");
        memoPut(Number(line));
        break;
      }
      case op.BINGET:
        need(1);
        memoGet(data[pos++]!);
        break;
      case op.LONG_BINGET:
        memoGet(u32());
        break;
      case op.GET: {
        const line = readLine();
        if (!/^[0-9]+$/.test(line)) fail("invalid GET argument");
        memoGet(Number(line));
        break;
      }

      // Classes and objects: recorded, never imported or called.
      case op.GLOBAL: {
        const module = readUtf8Line();
        const name = readUtf8Line();
        stack.push(findClass(module, name));
        break;
      }
      case op.STACK_GLOBAL: {
        const name = pop();
        const module = pop();
        if (typeof name !== "string" || typeof module !== "string") {
          fail("STACK_GLOBAL requires str");
        }
        stack.push(findClass(module, name));
        break;
      }
      case op.REDUCE: {
        const args = argsOf(pop(), "REDUCE");
        const ref = globalOf(pop(), "REDUCE");
        stack.push(call(ref, args));
        break;
      }
      case op.NEWOBJ: {
        const args = argsOf(pop(), "NEWOBJ");
        const cls = globalOf(pop(), "NEWOBJ");
        stack.push(newObj(cls, args, null));
        break;
      }
      case op.NEWOBJ_EX: {
        const kwargs = resolve(pop());
        const args = argsOf(pop(), "NEWOBJ_EX");
        const cls = globalOf(pop(), "NEWOBJ_EX");
        if (!isPlainObject(kwargs)) {
          fail(
            `NEWOBJ_EX keyword arguments must be a dict of str, not ${
              describe(kwargs)
            }`,
          );
        }
        stack.push(newObj(cls, args, kwargs));
        break;
      }
      case op.INST: {
        const module = readUtf8Line();
        const name = readUtf8Line();
        const args = builders.tuple(popMark());
        const ref = findClass(module, name);
        stack.push(
          args.length === 0 ? newObj(ref, args, null) : call(ref, args),
        );
        break;
      }
      case op.OBJ: {
        const items = popMark();
        if (items.length === 0) fail("unpickling stack underflow");
        const ref = globalOf(items[0], "OBJ");
        const args = builders.tuple(items.slice(1));
        stack.push(
          args.length === 0 ? newObj(ref, args, null) : call(ref, args),
        );
        break;
      }
      case op.BUILD: {
        const state = pop();
        build(top(), state);
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
        need(n);
        let v = 0;
        for (let i = n - 1; i >= 0; i--) v = v * 256 + data[pos + i]!;
        pos += n;
        fail(`unregistered extension code ${v}`);
        break;
      }
      case op.NEXT_BUFFER:
        fail(
          "pickle stream refers to out-of-band data but no *buffers* argument was given",
        );
        break;
      case op.READONLY_BUFFER:
        if (!(top() instanceof Uint8Array)) {
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
  }

  function finish(value: unknown): unknown {
    let result = value;
    if (converted !== null) result = redirect(result, converted);
    if (end > MAX_DEPTH) checkDepth(result);
    for (const t of tuples) Object.freeze(t);
    return result;
  }
}

/** A short description of a loaded value's Python type, for messages. */
function describe(v: unknown): string {
  if (v === null || v === undefined) return "None";
  if (Array.isArray(v)) return "a list or tuple";
  if (v instanceof PyObject) return `an instance of ${v.qualname}`;
  if (v instanceof Map || isPlainObject(v)) return "a dict";
  if (v instanceof Set) return "a set";
  if (v instanceof Uint8Array) return "bytes";
  if (v instanceof Error) return `an exception (${v.name})`;
  return `a ${typeof v === "string" ? "str" : typeof v}`;
}

/** Children of a loaded container, for the walks below. */
function* childrenOf(x: object): Iterable<unknown> {
  if (Array.isArray(x)) {
    yield* x;
  } else if (x instanceof Map) {
    yield* x.keys();
    yield* x.values();
  } else if (x instanceof Set) {
    yield* x;
  } else if (x instanceof PyObject) {
    if (x.args !== null) yield* x.args;
    yield x.state;
    if (x.kwargs !== null) yield x.kwargs;
    yield* x.listItems;
    for (const pair of x.dictItems) yield* pair;
  } else if (!(x instanceof Uint8Array)) {
    for (const k of Object.keys(x)) yield (x as Record<string, unknown>)[k];
  }
}

/**
 * Replaces every reference to a dict that became a Map (iteratively, each
 * container once).
 */
function redirect(
  root: unknown,
  converted: Map<object, Map<unknown, unknown>>,
): unknown {
  const fix = (v: unknown) =>
    typeof v === "object" && v !== null ? converted.get(v) ?? v : v;
  const rootFixed = fix(root);
  const seen = new Set<object>();
  const todo: unknown[] = [rootFixed];
  while (todo.length > 0) {
    const x = todo.pop();
    if (typeof x !== "object" || x === null || seen.has(x)) continue;
    seen.add(x);
    if (Array.isArray(x)) {
      for (let i = 0; i < x.length; i++) x[i] = fix(x[i]);
    } else if (x instanceof Map) {
      for (const [k, v] of x) {
        const f = fix(v);
        if (f !== v) x.set(k, f);
      }
    } else if (x instanceof PyObject) {
      x.state = fix(x.state);
      if (x.kwargs !== null) {
        const kw = fix(x.kwargs);
        if (isPlainObject(kw)) x.kwargs = kw;
      }
      // args, listItems and dictItems' pairs are arrays: fixed in place.
      for (const pair of x.dictItems) todo.push(pair);
      if (x.args !== null) todo.push(x.args);
      todo.push(x.listItems);
    } else if (!(x instanceof Set) && !(x instanceof Uint8Array)) {
      const rec = x as Record<string, unknown>;
      for (const k of Object.keys(rec)) {
        const v = rec[k];
        const f = fix(v);
        if (f !== v) setKey(rec, k, f);
      }
    }
    for (const c of childrenOf(x)) {
      if (typeof c === "object" && c !== null && !seen.has(c)) todo.push(c);
    }
  }
  return rootFixed;
}

/**
 * Refuses a value nested deeper than {@linkcode MAX_DEPTH}, so no
 * recursive consumer (our own `dumps`, a deep compare) overflows on it.
 */
function checkDepth(root: unknown): void {
  // Depth-first, each container once (cycles and shared references are
  // fine): the depth at which a walk like `dumps` first meets each one.
  const seen = new Set<object>();
  const todo: [unknown, number][] = [[root, 1]];
  while (todo.length > 0) {
    const [x, d] = todo.pop()!;
    if (typeof x !== "object" || x === null || x instanceof Uint8Array) {
      continue;
    }
    if (seen.has(x)) continue;
    seen.add(x);
    if (d > MAX_DEPTH) {
      fail(`pickle nests deeper than ${MAX_DEPTH} levels`);
    }
    for (const c of childrenOf(x)) {
      if (typeof c === "object" && c !== null && !seen.has(c)) {
        todo.push([c, d + 1]);
      }
    }
  }
}
