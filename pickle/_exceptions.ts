/**
 * Python's builtin exceptions ↔ the library's error classes: which class a
 * pickled `builtins.ValueError(...)` loads as, and which Python name and
 * args an error dumps as.
 *
 * @module
 */

import * as errors from "../_internal/errors.ts";

type ErrorClass = new (...args: never[]) => Error;

interface Entry {
  module: string;
  name: string;
  /** Builds the JS error from Python's `args`. */
  make: (args: readonly unknown[]) => Error;
  /** Python's `args` of a JS error of this class. */
  argsOf: (err: Error) => unknown[];
}

const byClass = new Map<unknown, Entry>();
const byName = new Map<string, Entry>();

/**
 * Python 3 builtin exceptions with no class of their own here: they load
 * as an `Error` whose `name` is the Python name, and such an error dumps
 * back as that builtin.
 */
const OTHER_BUILTINS = new Set([
  "ArithmeticError",
  "AssertionError",
  "AttributeError",
  "BaseException",
  "BufferError",
  "BytesWarning",
  "DeprecationWarning",
  "EncodingWarning",
  "EnvironmentError",
  "FloatingPointError",
  "FutureWarning",
  "GeneratorExit",
  "IOError",
  "ImportError",
  "ImportWarning",
  "IndentationError",
  "KeyboardInterrupt",
  "LookupError",
  "MemoryError",
  "ModuleNotFoundError",
  "NameError",
  "PendingDeprecationWarning",
  "RecursionError",
  "ReferenceError",
  "ResourceWarning",
  "RuntimeWarning",
  "StopAsyncIteration",
  "StopIteration",
  "SyntaxError",
  "SyntaxWarning",
  "SystemError",
  "SystemExit",
  "TabError",
  "UnboundLocalError",
  "UnicodeDecodeError",
  "UnicodeEncodeError",
  "UnicodeError",
  "UnicodeTranslateError",
  "UnicodeWarning",
  "UserWarning",
  "Warning",
  "ZeroDivisionError",
]);

/** A short Python repr of a value, for an exception's message. */
export function pyRepr(v: unknown): string {
  if (v === null || v === undefined) return "None";
  if (v === true) return "True";
  if (v === false) return "False";
  if (typeof v === "string") {
    const q = v.includes("'") && !v.includes('"') ? '"' : "'";
    const body = v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")
      .replace(/\r/g, "\\r").replace(/\t/g, "\\t");
    return q + (q === "'" ? body.replace(/'/g, "\\'") : body) + q;
  }
  return String(v);
}

/** Python's `str(exc)` for `args`. */
function messageOf(args: readonly unknown[]): string {
  if (args.length === 0) return "";
  if (args.length === 1) {
    const a = args[0];
    return typeof a === "string" ? a : pyRepr(a);
  }
  return `(${args.map(pyRepr).join(", ")})`;
}

function withArgs(err: Error, args: readonly unknown[]): Error {
  Object.defineProperty(err, "args", {
    value: args,
    writable: true,
    enumerable: false,
    configurable: true,
  });
  return err;
}

function ownArgs(err: Error): unknown[] | null {
  const a = (err as { args?: unknown }).args;
  return Array.isArray(a) ? [...a] : null;
}

/**
 * Registers a JS error class as a Python exception class, so `loads`
 * builds it and `dumps` writes it under that name.
 */
export function registerException(
  cls: ErrorClass,
  module: string,
  name: string,
  make?: (args: readonly unknown[]) => Error,
  argsOf?: (err: Error) => unknown[],
): void {
  const entry: Entry = {
    module,
    name,
    make: make ??
      ((args) =>
        withArgs(
          new (cls as new (message?: string) => Error)(messageOf(args)),
          args,
        )),
    argsOf: argsOf ??
      ((err) => ownArgs(err) ?? (err.message === "" ? [] : [err.message])),
  };
  byClass.set(cls, entry);
  byName.set(`${module}.${name}`, entry);
}

function isOSErrorClass(cls: unknown): boolean {
  return cls === errors.OSError ||
    (typeof cls === "function" && cls.prototype instanceof errors.OSError);
}

for (const [key, value] of Object.entries(errors)) {
  if (typeof value !== "function" || !(value.prototype instanceof Error)) {
    continue;
  }
  const cls = value as unknown as ErrorClass;
  if (isOSErrorClass(cls)) {
    const Os = cls as unknown as typeof errors.OSError;
    registerException(
      cls,
      "builtins",
      key,
      (args) => {
        // OSError(errno, strerror[, filename[, winerror[, filename2]]]).
        const [code, text, filename, , filename2] = args;
        const err = typeof code === "number" && args.length >= 2 &&
            args.length <= 5
          ? new Os(
            code,
            String(text),
            typeof filename === "string" ? filename : null,
            typeof filename2 === "string" ? filename2 : null,
          )
          : new Os(messageOf(args));
        return withArgs(err, args);
      },
      (err) => {
        const own = ownArgs(err);
        if (own !== null) return own;
        const e = err as errors.OSError;
        if (e.errno === null) return err.message === "" ? [] : [err.message];
        const args: unknown[] = [e.errno, e.strerror];
        if (e.filename !== null) args.push(e.filename);
        if (e.filename2 !== null) {
          if (e.filename === null) args.push(null);
          args.push(null, e.filename2);
        }
        return args;
      },
    );
  } else {
    registerException(
      cls,
      "builtins",
      key,
      key === "KeyError"
        ? (args) =>
          withArgs(
            new errors.KeyError(
              args.length === 1 ? pyRepr(args[0]) : messageOf(args),
            ),
            args,
          )
        : undefined,
    );
  }
}
registerException(TypeError, "builtins", "TypeError");
registerException(Error, "builtins", "Exception");

/** The error `module.name(*args)` builds, or `undefined` if it is not an exception. */
export function makeException(
  module: string,
  name: string,
  args: readonly unknown[],
): Error | undefined {
  const entry = byName.get(`${module}.${name}`);
  if (entry !== undefined) return entry.make(args);
  if (module === "builtins" && OTHER_BUILTINS.has(name)) {
    const err = withArgs(new Error(messageOf(args)), args);
    err.name = name;
    return err;
  }
  return undefined;
}

/** The Python class and args an error dumps as. */
export function exceptionOf(
  err: Error,
): { module: string; name: string; args: unknown[] } {
  let proto: unknown = Object.getPrototypeOf(err);
  while (proto !== null) {
    const ctor = (proto as { constructor?: unknown }).constructor;
    const entry = byClass.get(ctor);
    if (entry !== undefined) {
      // A plain Error named after a Python builtin (as loads makes them).
      if (ctor === Error && OTHER_BUILTINS.has(err.name)) {
        return { module: "builtins", name: err.name, args: entry.argsOf(err) };
      }
      return {
        module: entry.module,
        name: entry.name,
        args: entry.argsOf(err),
      };
    }
    proto = Object.getPrototypeOf(proto);
  }
  const args = ownArgs(err) ?? (err.message === "" ? [] : [err.message]);
  return { module: "builtins", name: "Exception", args };
}
