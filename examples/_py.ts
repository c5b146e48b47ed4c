/**
 * Python's `print` and `repr` for the gallery: the ports print exactly what
 * their Python originals print (`None`, `True`, `'text'`, `b'bytes'`,
 * `[1, 2]`, `{'k': 'v'}`), so the two outputs can be compared line by line.
 *
 * @module
 */

/** A tuple, printed `(a, b)` as Python prints one. */
export function tuple<T extends unknown[]>(...items: T): Readonly<T> {
  return Object.freeze(items);
}

function quote(s: string, bytes: boolean): string {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = "";
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === "\\" || ch === q) out += "\\" + ch;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (c < 0x20 || c === 0x7f || (bytes && c > 0x7e)) {
      out += "\\x" + c.toString(16).padStart(2, "0");
    } else out += ch;
  }
  return q + out + q;
}

/** Python's `repr(value)` for the data the examples print. */
export function repr(value: unknown): string {
  if (value === null || value === undefined) return "None";
  if (typeof value === "boolean") return value ? "True" : "False";
  if (typeof value === "string") return quote(value, false);
  if (typeof value === "number" || typeof value === "bigint") {
    return String(value);
  }
  if (value instanceof Uint8Array) {
    return "b" + quote(String.fromCharCode(...value), true);
  }
  if (Array.isArray(value)) {
    const items = value.map(repr);
    if (Object.isFrozen(value)) {
      return items.length === 1 ? `(${items[0]},)` : `(${items.join(", ")})`;
    }
    return `[${items.join(", ")}]`;
  }
  if (value instanceof Set) {
    return value.size === 0 ? "set()" : `{${[...value].map(repr).join(", ")}}`;
  }
  const entries = value instanceof Map
    ? [...value]
    : Object.entries(value as Record<string, unknown>);
  return `{${entries.map(([k, v]) => `${repr(k)}: ${repr(v)}`).join(", ")}}`;
}

/** Python's `str(value)`: strings as they are, anything else as `repr`. */
export function str(value: unknown): string {
  return typeof value === "string" ? value : repr(value);
}

/** Python's `print(*values)`: `str` of each, separated by spaces. */
export function print(...values: unknown[]): void {
  console.log(values.map(str).join(" "));
}
