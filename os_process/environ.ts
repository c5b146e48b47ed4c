import { cString, describe } from "../_internal/args.ts";
import { errno, PermissionError, ValueError } from "../_internal/errors.ts";
import { checkEnv, type Env } from "./_spawn.ts";

/**
 * Python's `os.environ`: a live mapping over the process environment. Every
 * call reads or changes the environment itself (through `Deno.env`), so
 * changes are seen by `Deno.env`, by libc, and by every child started
 * afterwards (`system`, `popen`, `spawn*`, `exec*`, `Deno.Command`).
 *
 * Map-like where Python and `Map` agree: `get` returns undefined (or the
 * default) for a missing key, `delete` returns whether the key was there,
 * iteration yields `[key, value]` entries.
 */
export interface Environ extends Iterable<[string, string]> {
  /** The value of `key`, or undefined (a name with "=" or NUL is never set). */
  get(key: string): string | undefined;
  /** The value of `key`, or `defaultValue`. */
  get<T>(key: string, defaultValue: T): string | T;
  /** Sets `key` (ValueError for an empty name, "=" in it, or NUL anywhere). */
  set(key: string, value: string): void;
  /** Removes `key`; returns whether it was set. */
  delete(key: string): boolean;
  /** Whether `key` is set. */
  has(key: string): boolean;
  /** The names (in no set order: `Deno.env` keeps none). */
  keys(): IterableIterator<string>;
  /** The values. */
  values(): IterableIterator<string>;
  /** The `[key, value]` entries (Python's `items()`). */
  entries(): IterableIterator<[string, string]>;
  /** How many variables are set (Python's `len(environ)`). */
  readonly size: number;
  /** A plain-object snapshot (Python's `environ.copy()`). */
  copy(): Record<string, string>;
  /** Sets every variable of `other` (Python's `update`). */
  update(other: Env): void;
  /** Removes `key` and returns its value, or `defaultValue` if it was not set. */
  pop<T = undefined>(key: string, defaultValue?: T): string | T;
  /** The value of `key`, setting it to `value` first if it is not set. */
  setdefault(key: string, value: string): string;
  /** Removes every variable. */
  clear(): void;
}

/** Whether Deno (and libc) can hold this name at all. */
function validName(key: unknown): key is string {
  return typeof key === "string" && key !== "" && !key.includes("=") &&
    !key.includes("\0");
}

function checkName(key: unknown, what: string): string {
  const k = cString(key, what);
  if (k === "" || k.includes("=")) {
    throw new ValueError(`Illegal environment variable name: ${describe(k)}`);
  }
  return k;
}

/** Runs a `Deno.env` call, turning a missing --allow-env into PermissionError. */
function denoEnv<T>(fn: () => T, key?: string): T {
  try {
    return fn();
  } catch (e) {
    if (
      e instanceof Error &&
      (e.name === "NotCapable" || e.name === "PermissionDenied")
    ) {
      throw new PermissionError(
        errno.EACCES,
        "Requires env access, run again with --allow-env",
        key ?? null,
        null,
        { cause: e },
      );
    }
    throw e;
  }
}

class EnvironMapping implements Environ {
  get<T>(key: string, defaultValue?: T): string | T | undefined {
    if (!validName(key)) return defaultValue;
    return denoEnv(() => Deno.env.get(key), key) ?? defaultValue;
  }

  set(key: string, value: string): void {
    const k = checkName(key, "key");
    const v = cString(value, `value of ${k}`);
    denoEnv(() => Deno.env.set(k, v), k);
  }

  delete(key: string): boolean {
    if (!this.has(key)) return false;
    denoEnv(() => Deno.env.delete(key), key);
    return true;
  }

  has(key: string): boolean {
    return validName(key) && denoEnv(() => Deno.env.has(key), key);
  }

  keys(): IterableIterator<string> {
    return Object.keys(this.copy())[Symbol.iterator]();
  }

  values(): IterableIterator<string> {
    return Object.values(this.copy())[Symbol.iterator]();
  }

  entries(): IterableIterator<[string, string]> {
    return Object.entries(this.copy())[Symbol.iterator]();
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }

  get size(): number {
    return Object.keys(this.copy()).length;
  }

  copy(): Record<string, string> {
    return { ...denoEnv(() => Deno.env.toObject()) };
  }

  update(other: Env): void {
    // Check every entry before changing anything.
    const entries = checkEnv(other).map((kv) => {
      const i = kv.indexOf("=");
      return [kv.slice(0, i), kv.slice(i + 1)] as const;
    });
    for (const [k, v] of entries) this.set(k, v);
  }

  pop<T = undefined>(key: string, defaultValue?: T): string | T {
    const value: string | undefined = this.get(key);
    if (value === undefined) return defaultValue as T;
    this.delete(key);
    return value;
  }

  setdefault(key: string, value: string): string {
    const current: string | undefined = this.get(key);
    if (current !== undefined) return current;
    this.set(key, value);
    return value;
  }

  clear(): void {
    for (const key of this.keys()) this.delete(key);
  }

  toString(): string {
    const items = Object.entries(this.copy()).map(([k, v]) =>
      `${JSON.stringify(k)}: ${JSON.stringify(v)}`
    );
    return `environ({${items.join(", ")}})`;
  }
}

/**
 * Python's `os.environ`: the process environment as a live mapping.
 *
 * Permissions: `--allow-env`.
 *
 * @example
 * ```ts
 * import { environ, system } from "@pyconc/std/os_process";
 * import assert from "node:assert/strict";
 *
 * environ.set("GREETING", "hello");
 * assert.equal(environ.get("GREETING"), "hello");
 * assert.equal(await system('test "$GREETING" = hello'), 0);
 * assert.ok(environ.delete("GREETING"));
 * assert.equal(environ.get("GREETING"), undefined);
 * ```
 */
export const environ: Environ = new EnvironMapping();

/**
 * The value of an environment variable, or undefined (Python's `os.getenv`).
 *
 * Permissions: `--allow-env`.
 *
 * @param key The variable's name.
 * @returns The value, or undefined.
 * @throws {PermissionError} Without `--allow-env`.
 * @example
 * ```ts
 * import { getenv } from "@pyconc/std/os_process";
 * import assert from "node:assert/strict";
 *
 * assert.equal(getenv("PYCONC_SURELY_UNSET"), undefined);
 * ```
 */
export function getenv(key: string): string | undefined;
/**
 * The value of an environment variable, or `defaultValue` (Python's
 * `os.getenv(key, default)`).
 *
 * Permissions: `--allow-env`.
 *
 * @param key The variable's name.
 * @param defaultValue What to return if it is not set.
 * @returns The value, or `defaultValue`.
 * @throws {PermissionError} Without `--allow-env`.
 * @example
 * ```ts
 * import { getenv } from "@pyconc/std/os_process";
 * import assert from "node:assert/strict";
 *
 * assert.equal(getenv("PYCONC_SURELY_UNSET", "fallback"), "fallback");
 * ```
 */
export function getenv<T>(key: string, defaultValue: T): string | T;
export function getenv<T>(
  key: string,
  defaultValue?: T,
): string | T | undefined {
  return environ.get(key, defaultValue);
}

/**
 * Sets an environment variable (Python's `os.putenv`). The change is seen
 * by `environ` too (Python's `putenv` bypasses `os.environ`; this one cannot,
 * `environ` being live).
 *
 * Permissions: `--allow-env`.
 *
 * @param key The variable's name.
 * @param value Its value.
 * @throws {ValueError} For an empty name, "=" in it, or a NUL character.
 * @throws {PermissionError} Without `--allow-env`.
 * @example
 * ```ts
 * import { getenv, putenv, unsetenv } from "@pyconc/std/os_process";
 * import assert from "node:assert/strict";
 *
 * putenv("PYCONC_X", "1");
 * assert.equal(getenv("PYCONC_X"), "1");
 * unsetenv("PYCONC_X");
 * ```
 */
export function putenv(key: string, value: string): void {
  environ.set(key, value);
}

/**
 * Removes an environment variable (Python's `os.unsetenv`); nothing happens
 * if it is not set.
 *
 * Permissions: `--allow-env`.
 *
 * @param key The variable's name.
 * @throws {ValueError} For an empty name, "=" in it, or a NUL character.
 * @throws {PermissionError} Without `--allow-env`.
 * @example
 * ```ts
 * import { environ, unsetenv } from "@pyconc/std/os_process";
 * import assert from "node:assert/strict";
 *
 * environ.set("PYCONC_Y", "1");
 * unsetenv("PYCONC_Y");
 * assert.equal(environ.has("PYCONC_Y"), false);
 * ```
 */
export function unsetenv(key: string): void {
  const k = checkName(key, "key");
  denoEnv(() => Deno.env.delete(k), k);
}
