/**
 * The few callables a pickle may name that `loads` evaluates, because
 * CPython's own pickler writes them for plain data: builtins `list`,
 * `dict`, `set`, `frozenset`, `tuple`, `bytes`, `bytearray`, `str`, `int`,
 * `float`, `_codecs.encode` (bytes in protocols 0-2), and the `copyreg`
 * helpers over those. Everything else stays an inert `PyObject`.
 *
 * Each evaluator takes already-loaded values, never calls back into
 * anything named by the pickle, and costs at most the size of its
 * arguments (which the caller charges to the input's budget).
 *
 * @module
 */

import { parseFloat, parseInt } from "./_text.ts";
import { encodeUtf8Into } from "./_utf8.ts";

/** What an evaluator returns when it does not handle the arguments. */
export const NOT_SAFE: unique symbol = Symbol("not safe");

/** Hooks the loader gives the evaluators, so results look like loaded values. */
export interface Builders {
  tuple(items: unknown[]): unknown[];
  dict(pairs: Iterable<[unknown, unknown]>): unknown;
  /** Charges `n` units of work to the input's budget (throws when spent). */
  charge(n: number): void;
}

/** The items Python's `iter(x)` would give, or `null`. */
function itemsOf(x: unknown, b: Builders): unknown[] | null {
  let out: unknown[] | null = null;
  if (Array.isArray(x)) out = [...x];
  else if (x instanceof Set) out = [...x];
  else if (x instanceof Map) out = [...x.keys()];
  else if (x instanceof Uint8Array) out = Array.from(x);
  else if (typeof x === "string") out = Array.from(x);
  else if (isPlainObject(x)) out = Object.keys(x);
  if (out !== null) b.charge(out.length);
  return out;
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (typeof x !== "object" || x === null) return false;
  const p = Object.getPrototypeOf(x);
  return p === Object.prototype || p === null;
}

function bytesFrom(x: unknown, b: Builders): Uint8Array | null {
  if (x instanceof Uint8Array) {
    b.charge(x.length);
    return x.slice();
  }
  const items = Array.isArray(x) ? x : null;
  if (items === null) return null;
  b.charge(items.length);
  const out = new Uint8Array(items.length);
  for (let i = 0; i < items.length; i++) {
    const v = items[i];
    if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > 255) {
      return null;
    }
    out[i] = v;
  }
  return out;
}

/** `str.encode(encoding)` for the codecs CPython's pickler uses. */
function encode(s: unknown, encoding: unknown, b: Builders): Uint8Array | null {
  if (typeof s !== "string" || typeof encoding !== "string") return null;
  b.charge(s.length);
  const enc = encoding.toLowerCase().replace(/[-_ ]/g, "");
  if (enc === "latin1" || enc === "iso88591" || enc === "l1") {
    const out = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c > 255) return null;
      out[i] = c;
    }
    return out;
  }
  if (enc === "utf8" || enc === "ascii") {
    const out = new Uint8Array(s.length * 3);
    const n = encodeUtf8Into(s, out, 0);
    if (enc === "ascii" && n !== s.length) return null;
    return out.slice(0, n);
  }
  return null;
}

type Call = (args: readonly unknown[], b: Builders) => unknown;

const builtins: Record<string, Call> = {
  list(args, b) {
    if (args.length === 0) return [];
    return args.length === 1 ? itemsOf(args[0], b) ?? NOT_SAFE : NOT_SAFE;
  },
  tuple(args, b) {
    if (args.length === 0) return b.tuple([]);
    const items = args.length === 1 ? itemsOf(args[0], b) : null;
    return items === null ? NOT_SAFE : b.tuple(items);
  },
  set(args, b) {
    if (args.length === 0) return new Set();
    const items = args.length === 1 ? itemsOf(args[0], b) : null;
    return items === null ? NOT_SAFE : new Set(items);
  },
  frozenset(args, b) {
    return builtins.set!(args, b);
  },
  dict(args, b) {
    if (args.length === 0) return b.dict([]);
    if (args.length !== 1) return NOT_SAFE;
    const x = args[0];
    if (x instanceof Map) {
      b.charge(x.size);
      return b.dict(x.entries());
    }
    if (isPlainObject(x)) {
      const entries = Object.entries(x);
      b.charge(entries.length);
      return b.dict(entries);
    }
    if (!Array.isArray(x)) return NOT_SAFE;
    b.charge(x.length);
    const pairs: [unknown, unknown][] = [];
    for (const p of x) {
      if (!Array.isArray(p) || p.length !== 2) return NOT_SAFE;
      pairs.push([p[0], p[1]]);
    }
    return b.dict(pairs);
  },
  bytes(args, b) {
    if (args.length === 0) return new Uint8Array(0);
    if (args.length === 1) return bytesFrom(args[0], b) ?? NOT_SAFE;
    if (args.length === 2) return encode(args[0], args[1], b) ?? NOT_SAFE;
    return NOT_SAFE;
  },
  bytearray(args, b) {
    return builtins.bytes!(args, b);
  },
  str(args) {
    if (args.length === 0) return "";
    return args.length === 1 && typeof args[0] === "string"
      ? args[0]
      : NOT_SAFE;
  },
  int(args) {
    if (args.length === 0) return 0;
    if (args.length !== 1) return NOT_SAFE;
    const x = args[0];
    if (typeof x === "bigint") return x;
    if (typeof x === "boolean") return x ? 1 : 0;
    if (typeof x === "number" && Number.isFinite(x)) return Math.trunc(x);
    if (typeof x === "string" && x.length < 10000) {
      return parseInt(x.trim().replace(/_/g, "")) ?? NOT_SAFE;
    }
    return NOT_SAFE;
  },
  float(args) {
    if (args.length === 0) return 0;
    if (args.length !== 1) return NOT_SAFE;
    const x = args[0];
    if (typeof x === "number") return x;
    if (typeof x === "bigint") return Number(x);
    if (typeof x === "string" && x.length < 10000) {
      return parseFloat(x) ?? NOT_SAFE;
    }
    return NOT_SAFE;
  },
};

/** Whether `builtins.name` is one of the evaluated constructors. */
export function isSafeBuiltin(module: string, name: string): boolean {
  return module === "builtins" && Object.hasOwn(builtins, name);
}

/**
 * Evaluates `module.name(*args)` if it is a safe call, else `NOT_SAFE`.
 */
export function safeCall(
  module: string,
  name: string,
  args: readonly unknown[],
  b: Builders,
): unknown {
  if (module === "builtins") {
    return Object.hasOwn(builtins, name) ? builtins[name]!(args, b) : NOT_SAFE;
  }
  if (module === "_codecs" && name === "encode") {
    if (args.length === 1) return encode(args[0], "utf-8", b) ?? NOT_SAFE;
    if (args.length === 2) return encode(args[0], args[1], b) ?? NOT_SAFE;
  }
  return NOT_SAFE;
}

/**
 * `cls.__new__(cls, *args)` for a safe builtin class: the mutable ones
 * come out empty (their `__init__` is not called), the immutable ones
 * are built from the args, as `__new__` does.
 */
export function safeNew(
  name: string,
  args: readonly unknown[],
  b: Builders,
): unknown {
  switch (name) {
    case "list":
      return [];
    case "dict":
      return b.dict([]);
    case "set":
      return new Set();
    case "bytearray":
      return new Uint8Array(0);
  }
  return safeCall("builtins", name, args, b);
}
