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
