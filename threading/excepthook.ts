import type { Thread } from "./thread.ts";

/**
 * What `threading.excepthook` receives, Python's `ExceptHookArgs`.
 */
export interface ExceptHookArgs {
  /** The class of the error (its constructor), or `undefined` for a non-object. */
  excType: unknown;
  /** The error thrown by the thread. */
  excValue: unknown;
  /** The error's stack, as text (Python's traceback). */
  excTraceback: string | undefined;
  /** The thread that raised it. */
  thread: Thread | null;
}

/** A hook called with a thread's uncaught error. */
export type ExceptHook = (args: ExceptHookArgs) => void;

/**
 * Python's `threading.__excepthook__`: prints `Exception in thread NAME:`
 * and the error's stack to stderr.
 *
 * @example Restoring the default hook
 * ```ts
 * import { defaultExcepthook, setExcepthook } from "@pyconc/std/threading";
 *
 * setExcepthook(defaultExcepthook);
 * ```
 */
export const defaultExcepthook: ExceptHook = (args: ExceptHookArgs): void => {
  const name = args.thread?.name ?? "<unknown>";
  const v = args.excValue;
  const text = args.excTraceback ??
    (v instanceof Error ? `${v.name}: ${v.message}` : String(v));
  console.error(`Exception in thread ${name}:\n${text}`);
};

let hook: ExceptHook = defaultExcepthook;

/**
 * Sets the hook that handles uncaught errors of the threads this thread
 * starts (Python's `threading.excepthook = hook`). Each Worker has its own
 * hook: a thread's error goes to the hook in force in the thread that
 * started it, and is called there.
 *
 * @param newHook The hook; {@linkcode defaultExcepthook} restores the default.
 * @throws {TypeError} If `newHook` is not a function.
 *
 * @example Collecting thread errors
 * ```ts
 * import { getExcepthook, setExcepthook, Thread } from "@pyconc/std/threading";
 * import assert from "node:assert/strict";
 *
 * const seen: unknown[] = [];
 * const previous = getExcepthook();
 * setExcepthook((args) => seen.push(args.excValue));
 * const t = new Thread({ target: () => { throw new RangeError("boom"); } });
 * t.start();
 * await t.join();
 * setExcepthook(previous);
 * assert.ok(seen[0] instanceof RangeError);
 * ```
 */
export function setExcepthook(newHook: ExceptHook): void {
  if (typeof newHook !== "function") {
    throw new TypeError("excepthook must be a function");
  }
  hook = newHook;
}

/**
 * The hook in force in this thread (Python's `threading.excepthook`).
 *
 * @example
 * ```ts
 * import { defaultExcepthook, getExcepthook } from "@pyconc/std/threading";
 * import assert from "node:assert/strict";
 *
 * assert.equal(getExcepthook(), defaultExcepthook);
 * ```
 */
export function getExcepthook(): ExceptHook {
  return hook;
}

/** Calls the hook in force; a failing hook is reported as Python does. */
export function callExcepthook(args: ExceptHookArgs): void {
  try {
    hook(args);
  } catch (e) {
    console.error("Exception in threading.excepthook:");
    console.error(e);
  }
}
