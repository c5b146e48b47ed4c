/**
 * What a manager's server holds: referents (the shared objects) and how a
 * request reaches one of their methods.
 *
 * The server is one event loop serving every connection; where CPython
 * runs one thread per connection, a blocking method (`Queue.get`,
 * `Event.wait`) is an async method here and other connections are served
 * while it waits. A lock's owner is the connection that acquired it, as in
 * CPython a lock's owner is the server thread serving that connection.
 *
 * @module
 */

import { camelCase } from "./_names.ts";
import { AttributeError } from "./_errors.ts";

/** Who is calling: the connection a request arrived on. */
export interface CallContext {
  /** Identifies the connection (the owner of an RLock acquired through it). */
  readonly conn: number;
}

/** A referent implemented by the library, with Python's method names. */
export interface BuiltinReferent {
  /** Calls method `name` (a Python name) with Python-style arguments. */
  callMethod(
    name: string,
    args: readonly unknown[],
    kwds: Record<string, unknown>,
    ctx: CallContext,
  ): unknown;
  /** Python's `public_methods(obj)`. */
  publicMethods(): string[];
  /** The value `#GETVALUE` returns (a copy of the referent). */
  getValue(): unknown;
  /** Python's `repr(obj)`. */
  repr(): string;
}

/** Whether `v` is one of the library's referents. */
export function isBuiltin(v: unknown): v is BuiltinReferent {
  return typeof v === "object" && v !== null &&
    typeof (v as BuiltinReferent).callMethod === "function" &&
    typeof (v as BuiltinReferent).publicMethods === "function";
}

/**
 * Maps Python-style positional and keyword arguments onto a parameter list
 * (Python's call binding, for the library's referents).
 *
 * @throws {TypeError} For an unexpected or repeated keyword, as Python.
 */
export function bindArgs(
  fname: string,
  params: readonly string[],
  args: readonly unknown[],
  kwds: Record<string, unknown>,
): unknown[] {
  if (args.length > params.length) {
    throw new TypeError(
      `${fname}() takes at most ${params.length} arguments (${args.length} given)`,
    );
  }
  const out = [...args];
  for (const [k, v] of Object.entries(kwds)) {
    const i = params.indexOf(k);
    if (i < 0) {
      throw new TypeError(
        `${fname}() got an unexpected keyword argument '${k}'`,
      );
    }
    if (i < args.length) {
      throw new TypeError(`${fname}() got multiple values for argument '${k}'`);
    }
    out[i] = v;
  }
  return out;
}

/** A referent method: positional arguments after the call context. */
export type Method<T> = (
  self: T,
  ctx: CallContext,
  ...args: unknown[]
) => unknown;

/**
 * A method table: Python name → parameter names and implementation. The
 * library's referents declare one; `callMethod` binds through it.
 */
export type MethodTable<T> = Record<string, [readonly string[], Method<T>]>;

/** Calls through a method table. */
export function callTable<T>(
  self: T,
  table: MethodTable<T>,
  name: string,
  args: readonly unknown[],
  kwds: Record<string, unknown>,
  ctx: CallContext,
): unknown {
  const entry = Object.hasOwn(table, name) ? table[name] : undefined;
  if (entry === undefined) {
    throw new AttributeErrorLike(name);
  }
  const [params, fn] = entry;
  return fn(self, ctx, ...bindArgs(name, params, args, kwds));
}

/** Thrown when a referent has no such method (the server's fallback). */
export class AttributeErrorLike extends AttributeError {
  /** The missing name. */
  readonly attr: string;
  constructor(attr: string) {
    super(`object has no attribute '${attr}'`);
    this.attr = attr;
  }
}

/**
 * Python's `public_methods(obj)` for a user object: the callable
 * properties of it and its prototype chain that do not start with `_`.
 */
export function userPublicMethods(obj: unknown): string[] {
  const names = new Set<string>();
  let o: unknown = obj;
  while (o !== null && o !== undefined && o !== Object.prototype) {
    for (const k of Object.getOwnPropertyNames(o)) {
      if (k === "constructor" || k.startsWith("_")) continue;
      try {
        if (typeof (o as Record<string, unknown>)[k] === "function") {
          names.add(k);
        }
      } catch { /* a throwing getter is not a method */ }
    }
    o = Object.getPrototypeOf(o);
  }
  return [...names];
}

const paramCache = new WeakMap<object, string[] | null>();

/**
 * The parameter names of a function, read from its source (`get(block =
 * true, timeout = null)` → `["block", "timeout"]`); null when they cannot be
 * read simply (destructuring, native code).
 */
// deno-lint-ignore no-explicit-any
export function paramNames(fn: (...a: any[]) => unknown): string[] | null {
  const cached = paramCache.get(fn);
  if (cached !== undefined) return cached;
  let names: string[] | null = null;
  const src = Function.prototype.toString.call(fn);
  const open = src.indexOf("(");
  if (open >= 0 && !/^\s*(async\s+)?\w+\s*=>/.test(src)) {
    let depth = 0, end = -1;
    for (let i = open; i < src.length; i++) {
      const ch = src[i];
      if (ch === "(" || ch === "[" || ch === "{") depth++;
      else if (ch === ")" || ch === "]" || ch === "}") {
        if (--depth === 0) {
          end = i;
          break;
        }
      }
    }
    if (end > open) {
      const parts: string[] = [];
      let d = 0, cur = "";
      for (const ch of src.slice(open + 1, end)) {
        if (ch === "(" || ch === "[" || ch === "{") d++;
        if (ch === ")" || ch === "]" || ch === "}") d--;
        if (ch === "," && d === 0) {
          parts.push(cur);
          cur = "";
        } else cur += ch;
      }
      if (cur.trim() !== "") parts.push(cur);
      const out: string[] = [];
      for (const part of parts) {
        const m =
          /^\s*(?:\.\.\.)?([A-Za-z_$][\w$]*)\s*(?::[^=]*)?(?:=[\s\S]*)?$/
            .exec(part);
        if (m === null) {
          out.length = 0;
          names = null;
          break;
        }
        out.push(m[1]!);
      }
      if (parts.length === 0 || out.length > 0) names = out;
    }
  }
  paramCache.set(fn, names);
  return names;
}

/**
 * Calls method `name` of a user object: the exact name, else its
 * camelCased form (a CPython client calls `get_count`, the JS class has
 * `getCount`). Keyword arguments bind to the method's parameters by name
 * (`timeout=` or its camelCased form), as Python binds them; those that
 * match no parameter arrive as one final plain object, as a target's
 * `kwargs` (API.md convention 3).
 */
export function callUser(
  obj: unknown,
  name: string,
  args: readonly unknown[],
  kwds: Record<string, unknown>,
): unknown {
  const o = obj as Record<string, unknown>;
  let fn = o?.[name];
  if (typeof fn !== "function") fn = o?.[camelCase(name)];
  if (typeof fn !== "function") throw new AttributeErrorLike(name);
  const f = fn as (...a: unknown[]) => unknown;
  const keys = Object.keys(kwds);
  if (keys.length === 0) return f.apply(obj, [...args]);
  const all = [...args];
  const rest: Record<string, unknown> = {};
  const params = paramNames(f);
  for (const k of keys) {
    let i = params?.indexOf(k) ?? -1;
    if (i < 0) i = params?.indexOf(camelCase(k)) ?? -1;
    if (i < 0) {
      rest[k] = kwds[k];
      continue;
    }
    if (i < args.length) {
      throw new TypeError(`${name}() got multiple values for argument '${k}'`);
    }
    all[i] = kwds[k];
  }
  if (Object.keys(rest).length > 0) all.push(rest);
  return f.apply(obj, all);
}
