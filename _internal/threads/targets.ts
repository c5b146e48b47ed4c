/**
 * Targets: what a Thread, Timer, Barrier action, pool or executor runs, in
 * a form that can cross to another thread or process.
 *
 * - a function travels by its source text and is rebuilt on the other side
 *   (it must be self-contained);
 * - a module reference (`URL` or absolute URL string, `#export` naming the
 *   export, default export without one) is imported on the other side.
 *
 * @module
 */

/** A function target. */
// deno-lint-ignore no-explicit-any
export type TargetFunction = (...args: any[]) => unknown;

/** What may be given as a target. */
export type Target = TargetFunction | URL | string;

/** A target, ready to cross a boundary. */
export type TargetSpec =
  | { kind: "source"; source: string; name: string }
  | { kind: "module"; url: string; name: string };

const NATIVE = /\{\s*\[native code\]\s*\}\s*$/;

/**
 * Checks a target and describes it for another thread or process.
 *
 * @param target The function or module reference.
 * @param what What the target is for, in error messages (`"target"`, `"action"`).
 * @throws {TypeError} If the target cannot be sent.
 */
export function describeTarget(target: Target, what = "target"): TargetSpec {
  if (typeof target === "function") {
    const source = Function.prototype.toString.call(target);
    if (NATIVE.test(source)) {
      throw new TypeError(
        `Cannot send ${what} ${
          target.name || "(anonymous)"
        }: built-in and bound functions have no source to send; wrap the call in a function or use a module reference`,
      );
    }
    if (/^class\b/.test(source)) {
      throw new TypeError(
        `Cannot use class ${target.name} as a ${what}: pass a function`,
      );
    }
    return { kind: "source", source, name: target.name };
  }
  if (target instanceof URL || typeof target === "string") {
    let url: URL;
    try {
      url = new URL(String(target));
    } catch {
      throw new TypeError(
        `Cannot use "${target}" as a ${what}: a module reference must be an absolute URL, e.g. new URL("./tasks.ts#fib", import.meta.url)`,
      );
    }
    const name = decodeURIComponent(url.hash.slice(1)) || "default";
    url.hash = "";
    return { kind: "module", url: url.href, name };
  }
  throw new TypeError(
    `${what} must be a function or a module reference (URL), not ${
      target === null ? "null" : typeof target
    }`,
  );
}

/** A short name for a target (Python's `Thread-1 (name)`). */
export function targetName(spec: TargetSpec): string {
  return spec.name;
}

const compiled = new Map<string, TargetFunction>();
const imported = new Map<string, TargetFunction>();
const pending = new Set<Promise<unknown>>();

function explain(e: unknown, name: string): unknown {
  if (
    e instanceof ReferenceError && !e.message.includes("was sent by its source")
  ) {
    const note =
      ` (the function ${name || "(anonymous)"} was sent by its source ` +
      `text and rebuilt in another thread or process, so it cannot use variables ` +
      `from the scope it was written in: import what it needs inside it, or pass ` +
      `values in args)`;
    const first = `${e.name}: ${e.message}`;
    e.message += note;
    if (typeof e.stack === "string" && e.stack.startsWith(first)) {
      e.stack = `${e.name}: ${e.message}` + e.stack.slice(first.length);
    }
  }
  return e;
}

/** Wraps a rebuilt function so that a missing closure variable is explained. */
function explaining(fn: TargetFunction, name: string): TargetFunction {
  return function (this: unknown, ...args: unknown[]) {
    let result: unknown;
    try {
      result = fn.apply(this, args);
    } catch (e) {
      throw explain(e, name);
    }
    if (result instanceof Promise) {
      return result.catch((e) => {
        throw explain(e, name);
      });
    }
    return result;
  };
}

/**
 * Rebuilds a function from its source text, as is: its own source is the
 * one sent, so it can be sent on again (a manager's Pool passes a client's
 * function to its workers).
 * @throws {TypeError} If the source is not a function.
 */
export function functionFromSource(
  spec: { source: string; name: string },
): TargetFunction {
  let raw: unknown;
  try {
    raw = (0, eval)(`(${spec.source}\n)`);
  } catch {
    // Method shorthand (`name(x) { … }`) is not an expression on its own.
    raw =
      ((0, eval)(`({${spec.source}\n})`) as Record<string, unknown>)[spec.name];
  }
  if (typeof raw !== "function") {
    throw new TypeError(`Cannot rebuild function ${spec.name} from its source`);
  }
  return raw as TargetFunction;
}

function compile(spec: { source: string; name: string }): TargetFunction {
  let fn = compiled.get(spec.source);
  if (fn !== undefined) return fn;
  fn = explaining(functionFromSource(spec), spec.name);
  compiled.set(spec.source, fn);
  return fn;
}

function key(spec: { url: string; name: string }): string {
  return `${spec.url}#${spec.name}`;
}

async function importTarget(
  spec: { url: string; name: string },
): Promise<TargetFunction> {
  const mod = await import(spec.url);
  const fn = mod[spec.name];
  if (typeof fn !== "function") {
    throw new TypeError(
      `${spec.url} has no exported function "${spec.name}" (found ${typeof fn})`,
    );
  }
  imported.set(key(spec), fn);
  return fn;
}

/** Loads a target in this thread (importing its module if needed). */
export function loadTarget(spec: TargetSpec): Promise<TargetFunction> {
  if (spec.kind === "source") return Promise.resolve(compile(spec));
  const fn = imported.get(key(spec));
  return fn !== undefined ? Promise.resolve(fn) : importTarget(spec);
}

/**
 * Loads a target synchronously: a module target must have been loaded (or
 * preloaded) in this thread already, since imports are asynchronous.
 * @throws {TypeError} If a module target is not loaded yet.
 */
export function loadTargetSync(spec: TargetSpec): TargetFunction {
  if (spec.kind === "source") return compile(spec);
  const fn = imported.get(key(spec));
  if (fn === undefined) {
    throw new TypeError(
      `Cannot run ${
        key(spec)
      } from a Sync call: its module is not loaded in this thread yet (use the async form once, or import it first)`,
    );
  }
  return fn;
}

/**
 * Starts loading a target in the background, so that a later
 * {@linkcode loadTargetSync} finds it (awaited by {@linkcode preloaded}).
 */
export function preload(spec: TargetSpec): void {
  if (spec.kind !== "module" || imported.has(key(spec))) return;
  trackPreload(importTarget(spec));
}

/** Whether a background load is in flight. */
export function preloading(): boolean {
  return pending.size > 0;
}

/** Waits for every background target load started so far. */
export async function preloaded(): Promise<void> {
  while (pending.size > 0) await Promise.all(pending);
}

/**
 * Adds a background load (a class a received object needs) to what
 * {@linkcode preloaded} waits for.
 */
export function trackPreload(p: Promise<unknown>): void {
  const q = p.catch(() => {}).finally(() => pending.delete(q));
  pending.add(q);
}
