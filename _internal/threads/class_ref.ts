/**
 * Finding a user's class in another thread or process: Python pickles a
 * class by its module and name; JavaScript classes do not know their module,
 * so the constructor's stack trace says where the class was defined (V8
 * shows `at new ClassName (url:line:col)` even for implicit constructors),
 * and the receiving side imports that module and takes the export with the
 * class's name.
 *
 * @module
 */

/** Where an exported class can be found. */
export interface ClassRef {
  /** The class's name. */
  name: string;
  /** Modules it may be exported from, most likely first. */
  urls: string[];
}

const FRAME = /^\s*at new (\S+) \((.+):\d+:\d+\)$/;
const URL_IN_FRAME = /\(?((?:file|https?|jsr|npm):\/\/?[^\s)]+?):\d+:\d+\)?$/;

/**
 * Describes the class being constructed; call it from the base class's
 * constructor with `new.target`.
 */
export function locateClass(cls: { name: string }): ClassRef {
  const stack = new Error().stack ?? "";
  const urls: string[] = [];
  for (const line of stack.split("\n")) {
    const m = FRAME.exec(line);
    if (m !== null && m[1] === cls.name) urls.unshift(m[2]!);
    const u = URL_IN_FRAME.exec(line);
    if (u !== null && !urls.includes(u[1]!)) urls.push(u[1]!);
  }
  return { name: cls.name, urls };
}

const found = new Map<string, unknown>();

function key(ref: ClassRef): string {
  return `${ref.name}@${ref.urls[0] ?? ""}`;
}

/**
 * Imports the module of a class and returns the export of that name that
 * derives from `base`.
 * @throws {TypeError} If no module exports it.
 */
export async function findClass<
  T extends abstract new (...args: never[]) => unknown,
>(
  ref: ClassRef,
  base: T,
  what: string,
): Promise<T> {
  const cached = found.get(key(ref));
  if (cached !== undefined) return cached as T;
  for (const url of ref.urls) {
    let mod: Record<string, unknown>;
    try {
      mod = await import(url);
    } catch {
      continue;
    }
    for (const value of Object.values(mod)) {
      if (
        typeof value === "function" && value.name === ref.name &&
        (value === base || value.prototype instanceof base)
      ) {
        found.set(key(ref), value);
        return value as T;
      }
    }
  }
  throw new TypeError(
    `Cannot run ${what} ${ref.name} here: export it from its module` +
      (ref.urls[0] ? ` (${ref.urls[0]})` : ""),
  );
}

/** A class already found by {@linkcode findClass} in this thread, if any. */
export function foundClass(ref: ClassRef): unknown {
  return found.get(key(ref));
}
