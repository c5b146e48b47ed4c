/** Options of a {@linkcode PyObject} beyond its class, args and state. */
export interface PyObjectOptions {
  /**
   * Built as `cls.__new__(cls, *args)` (pickle's `NEWOBJ`, what CPython
   * writes for instances of ordinary classes) rather than `cls(*args)`
   * (`REDUCE`, what it writes for functions, exceptions and classes with a
   * `__reduce__`).
   * @default {false}
   */
  newobj?: boolean;
  /**
   * Keyword arguments of `cls.__new__` (pickle's `NEWOBJ_EX`); implies
   * `newobj`.
   * @default {null}
   */
  kwargs?: Record<string, unknown> | null;
  /**
   * Items appended after construction (a list subclass's items).
   * @default {[]}
   */
  listItems?: unknown[];
  /**
   * Key/value pairs set after construction (a dict subclass's items).
   * @default {[]}
   */
  dictItems?: [unknown, unknown][];
}

/**
 * An inert record of a Python object that the mapping does not cover: a
 * reference to a global (`module`, `name`) and, when it stands for an
 * instance, how the pickle builds it (`args`, `kwargs`, `newobj`) and the
 * state given to `__setstate__` (`state`, pickle's `BUILD`).
 *
 * `loads` returns one for any class or function reference other than the
 * few safe constructors it evaluates; nothing is imported or called.
 * `dumps` writes it back as the same global, construction and state, so a
 * foreign object (a manager's `Token`, a `datetime`) passes through
 * unharmed; a TypeScript program can also build one to send to Python.
 *
 * - `args === null`: the global itself (a class or a function), as
 *   `pickle.dumps(int)` writes it.
 * - `args` an array, `newobj` false: `module.name(*args)` (`REDUCE`).
 * - `newobj` true: `cls.__new__(cls, *args, **kwargs)` (`NEWOBJ`,
 *   `NEWOBJ_EX`), CPython's default for instances.
 * - `state !== undefined`: then `obj.__setstate__(state)` or, without one,
 *   `obj.__dict__.update(state)` (`BUILD`).
 *
 * @example A multiprocessing.managers.Token, built in TypeScript
 * ```ts
 * import { dumps, loads, PyObject, tuple } from "@pyconc/std/pickle";
 * import assert from "node:assert/strict";
 *
 * // Token.__getstate__ returns (typeid, address, id); pickled with NEWOBJ.
 * const token = new PyObject(
 *   "multiprocessing.managers",
 *   "Token",
 *   [],
 *   tuple("Queue", tuple("127.0.0.1", 50000), "7f3e"),
 *   { newobj: true },
 * );
 * const back = loads(dumps(token)) as PyObject;
 * assert.ok(back instanceof PyObject);
 * assert.equal(back.qualname, "multiprocessing.managers.Token");
 * assert.deepEqual(back.state, token.state);
 * ```
 */
export class PyObject {
  /** The module of the class or function (`"datetime"`). */
  module: string;
  /** Its qualified name in that module (`"datetime"`, `"Outer.Inner"`). */
  name: string;
  /** The construction arguments; `null` for a bare reference to the global. */
  args: readonly unknown[] | null;
  /** The state given to `__setstate__`; `undefined` when there is none. */
  state: unknown;
  /** Built with `cls.__new__` (`NEWOBJ`) rather than a call (`REDUCE`). */
  newobj: boolean;
  /** Keyword arguments of `cls.__new__` (`NEWOBJ_EX`), or `null`. */
  kwargs: Record<string, unknown> | null;
  /** Items appended after construction (list subclasses). */
  listItems: unknown[];
  /** Key/value pairs set after construction (dict subclasses). */
  dictItems: [unknown, unknown][];

  /**
   * Creates the record.
   *
   * @param module The module of the class or function.
   * @param name Its qualified name.
   * @param args The construction arguments, or `null` for the global itself.
   * @param state The state for `__setstate__`, or `undefined` for none.
   * @param options `newobj`, `kwargs`, `listItems`, `dictItems`.
   */
  constructor(
    module: string,
    name: string,
    args: readonly unknown[] | null = null,
    state?: unknown,
    options: PyObjectOptions = {},
  ) {
    if (typeof module !== "string" || typeof name !== "string") {
      throw new TypeError("PyObject module and name must be strings");
    }
    this.module = module;
    this.name = name;
    this.args = args;
    this.state = state;
    this.kwargs = options.kwargs ?? null;
    this.newobj = options.newobj === true || this.kwargs !== null;
    this.listItems = options.listItems ?? [];
    this.dictItems = options.dictItems ?? [];
  }

  /** `module.name`, as Python prints a class's full name. */
  get qualname(): string {
    return `${this.module}.${this.name}`;
  }

  /** A short description: `<multiprocessing.managers.Token object>`. */
  toString(): string {
    return this.args === null
      ? `<${this.qualname}>`
      : `<${this.qualname} object>`;
  }
}
