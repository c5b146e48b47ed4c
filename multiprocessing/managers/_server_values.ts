/**
 * `Namespace`, `Value` and `Array` as a manager's server holds them
 * (CPython's `multiprocessing.managers.Namespace`, `.Value`, and
 * `array.array` for `Array`).
 *
 * @module
 */

import { normIndex, pyRepr, pyTypeName } from "./_py.ts";
import {
  type BuiltinReferent,
  type CallContext,
  callTable,
  type MethodTable,
} from "./_referent.ts";
import { AttributeErrorOf } from "./_errors.ts";
import { toPyDict } from "./_server_dict.ts";

/** The server's `Namespace(**kwds)`. */
export class ServerNamespace implements BuiltinReferent {
  readonly attrs = new Map<string, unknown>();

  constructor(kwds?: Record<string, unknown>) {
    if (kwds) {
      for (const [k, v] of Object.entries(kwds)) {
        this.attrs.set(k, v);
      }
    }
  }

  static readonly TABLE: MethodTable<ServerNamespace> = {
    __getattribute__: [["name"], (s, _c, n) => {
      const k = String(n);
      if (!s.attrs.has(k)) throw new AttributeErrorOf("Namespace", k);
      return s.attrs.get(k);
    }],
    __setattr__: [["name", "value"], (s, _c, n, v) => {
      if (typeof n !== "string") {
        throw new TypeError(
          `attribute name must be string, not '${pyTypeName(n)}'`,
        );
      }
      s.attrs.set(n, v);
    }],
    __delattr__: [["name"], (s, _c, n) => {
      const k = String(n);
      if (!s.attrs.delete(k)) throw new AttributeErrorOf("Namespace", k);
    }],
  };
  callMethod(
    name: string,
    args: readonly unknown[],
    kwds: Record<string, unknown>,
    ctx: CallContext,
  ): unknown {
    return callTable(this, ServerNamespace.TABLE, name, args, kwds, ctx);
  }
  publicMethods(): string[] {
    return [];
  }
  getValue(): unknown {
    return toPyDict(this.attrs.entries());
  }
  repr(): string {
    const parts = [...this.attrs].filter(([k]) => !k.startsWith("_"))
      .map(([k, v]) => `${k}=${pyRepr(v)}`).sort();
    return `Namespace(${parts.join(", ")})`;
  }
}

/** The server's `Value(typecode, value, lock=True)`: a plain holder. */
export class ServerValue implements BuiltinReferent {
  readonly typecode: unknown;
  value: unknown;

  constructor(typecode: unknown, value: unknown) {
    this.typecode = typecode;
    this.value = value;
  }

  static readonly TABLE: MethodTable<ServerValue> = {
    get: [[], (s) => s.value],
    set: [["value"], (s, _c, v) => {
      s.value = v;
    }],
  };
  callMethod(
    name: string,
    args: readonly unknown[],
    kwds: Record<string, unknown>,
    ctx: CallContext,
  ): unknown {
    return callTable(this, ServerValue.TABLE, name, args, kwds, ctx);
  }
  publicMethods(): string[] {
    return ["get", "set"];
  }
  getValue(): unknown {
    return this.value;
  }
  repr(): string {
    return `Value(${pyRepr(this.typecode)}, ${pyRepr(this.value)})`;
  }
}

const INT_RANGES: Record<string, [number, number]> = {
  b: [-128, 127],
  B: [0, 255],
  h: [-32768, 32767],
  H: [0, 65535],
  i: [-(2 ** 31), 2 ** 31 - 1],
  I: [0, 2 ** 32 - 1],
  l: [-(2 ** 63), 2 ** 63 - 1],
  L: [0, 2 ** 64 - 1],
  q: [-(2 ** 63), 2 ** 63 - 1],
  Q: [0, 2 ** 64 - 1],
};

/** The server's `array.array(typecode, sequence)`. */
export class ServerArray implements BuiltinReferent {
  readonly typecode: string;
  readonly items: unknown[];

  constructor(typecode: unknown, sequence: unknown) {
    if (
      typeof typecode !== "string" ||
      !(typecode in INT_RANGES || "fdu".includes(typecode)) ||
      typecode.length !== 1
    ) {
      throw new RangeError(
        "bad typecode (must be b, B, u, h, H, i, I, l, L, q, Q, f or d)",
      );
    }
    this.typecode = typecode;
    const seq = sequence ?? [];
    if (!Array.isArray(seq) && !(seq instanceof Uint8Array)) {
      throw new TypeError(
        `cannot use a ${pyTypeName(seq)} to initialize an array`,
      );
    }
    this.items = [...seq].map((v) => this.#check(v));
  }

  #check(v: unknown): unknown {
    const range = INT_RANGES[this.typecode];
    if (range) {
      const n = typeof v === "bigint" ? Number(v) : v;
      if (typeof n !== "number" || !Number.isInteger(n)) {
        throw new TypeError(
          `'${pyTypeName(v)}' object cannot be interpreted as an integer`,
        );
      }
      if (n < range[0] || n > range[1]) {
        throw new RangeError("array item out of range");
      }
      return v;
    }
    if (this.typecode === "u") {
      if (typeof v !== "string" || [...v].length !== 1) {
        throw new TypeError("array item must be unicode character");
      }
      return v;
    }
    if (typeof v !== "number" && typeof v !== "bigint") {
      throw new TypeError(`must be real number, not ${pyTypeName(v)}`);
    }
    return Number(v);
  }

  static readonly TABLE: MethodTable<ServerArray> = {
    __len__: [[], (s) => s.items.length],
    __getitem__: [
      ["index"],
      (s, _c, i) => s.items[normIndex(i, s.items.length, "array")],
    ],
    __setitem__: [["index", "value"], (s, _c, i, v) => {
      s.items[normIndex(i, s.items.length, "array assignment")] = s.#check(v);
    }],
  };
  callMethod(
    name: string,
    args: readonly unknown[],
    kwds: Record<string, unknown>,
    ctx: CallContext,
  ): unknown {
    return callTable(this, ServerArray.TABLE, name, args, kwds, ctx);
  }
  publicMethods(): string[] {
    return [];
  }
  getValue(): unknown {
    return [...this.items];
  }
  repr(): string {
    return `array('${this.typecode}', ${pyRepr(this.items)})`;
  }
}
