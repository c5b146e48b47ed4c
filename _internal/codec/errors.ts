/**
 * Error classes known to the codec, by name, so that an error raised in one
 * thread or process is rebuilt with its class in another.
 *
 * @module
 */

import * as errors from "../errors.ts";

type ErrorClass = { prototype: Error; name: string };

const classes = new Map<string, ErrorClass>([
  ["Error", Error],
  ["TypeError", TypeError],
  ["RangeError", RangeError],
  ["SyntaxError", SyntaxError],
  ["ReferenceError", ReferenceError],
  ["EvalError", EvalError],
  ["URIError", URIError],
  ["AggregateError", AggregateError],
]);
for (const value of Object.values(errors)) {
  if (typeof value === "function" && value.prototype instanceof Error) {
    registerErrorClass(value as unknown as ErrorClass);
  }
}

/** Keys of classes registered under a key other than their name. */
const keys = new Map<unknown, string>();

/**
 * Makes an error class known to the codec under its `name`, or under `key`
 * when two classes share a name (`multiprocessing.TimeoutError` and the
 * built-in `TimeoutError`, as in Python).
 * @param cls The class.
 * @param key The key it travels as; its prototype's `name` by default.
 */
export function registerErrorClass(cls: ErrorClass, key?: string): void {
  classes.set(key ?? cls.prototype.name, cls);
  if (key !== undefined) keys.set(cls, key);
}

/** The key an error travels as, when its class is registered under one ("" otherwise). */
export function errorKey(err: Error): string {
  return keys.get(err.constructor) ?? "";
}

/** The class registered for `key` (a class's key or name), if any. */
export function errorClass(key: string): ErrorClass | undefined {
  return classes.get(key);
}
