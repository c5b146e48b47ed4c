/**
 * Python's `str()` of the values that subprocess messages show.
 *
 * @module
 */

/** Python's `repr(s)` of a str. */
export function reprStr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (ch === quote || ch === "\\") out += "\\" + ch;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (code < 0x20 || code === 0x7f) {
      out += "\\x" + code.toString(16).padStart(2, "0");
    } else out += ch;
  }
  return out + quote;
}

/** Python's `str(cmd)` of a command: the string itself, or a list's repr. */
export function strCmd(cmd: unknown): string {
  if (Array.isArray(cmd)) {
    return "[" + cmd.map((a) => typeof a === "string" ? reprStr(a) : String(a))
      .join(", ") +
      "]";
  }
  return String(cmd);
}

/** Python's `repr(b)` of bytes. */
export function reprBytes(b: Uint8Array): string {
  const hasSingle = b.includes(0x27), hasDouble = b.includes(0x22);
  const quote = hasSingle && !hasDouble ? 0x22 : 0x27;
  let out = "b" + String.fromCharCode(quote);
  for (const c of b) {
    if (c === quote || c === 0x5c) out += "\\" + String.fromCharCode(c);
    else if (c === 0x0a) out += "\\n";
    else if (c === 0x0d) out += "\\r";
    else if (c === 0x09) out += "\\t";
    else if (c < 0x20 || c >= 0x7f) {
      out += "\\x" + c.toString(16).padStart(2, "0");
    } else out += String.fromCharCode(c);
  }
  return out + String.fromCharCode(quote);
}

/** Python's `repr()` of a command or captured output. */
export function repr(v: unknown): string {
  if (v === null || v === undefined) return "None";
  if (typeof v === "string") return reprStr(v);
  if (v instanceof Uint8Array) return reprBytes(v);
  if (Array.isArray(v)) return strCmd(v);
  return String(v);
}
