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

/**
 * Makes an error class known to the codec under its `name`.
 * @param cls The class; its prototype's `name` is the key.
 */
export function registerErrorClass(cls: ErrorClass): void {
  classes.set(cls.prototype.name, cls);
}

/** The class registered for `name`, if any. */
export function errorClass(name: string): ErrorClass | undefined {
  return classes.get(name);
}
