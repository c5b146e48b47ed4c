/**
 * The text forms of protocol 0: decimal ints, float reprs, Python 2 string
 * literals (`S'…'`) and raw-unicode-escape (`V…`), as CPython reads and
 * writes them. Each reader returns `null` for malformed text; the caller
 * turns that into an UnpicklingError.
 *
 * @module
 */

const INT_RE = /^[+-]?[0-9]+$/;
const FLOAT_RE = /^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$/;
const SPECIAL_RE = /^([+-]?)(inf|infinity|nan)$/i;

/** An int's decimal text as a number, or a bigint outside the safe range. */
export function parseInt(text: string): number | bigint | null {
  if (!INT_RE.test(text)) return null;
  if (text.length < 16) return Number(text);
  const big = BigInt(text);
  return big >= -0x1fffffffffffffn && big <= 0x1fffffffffffffn
    ? Number(big)
    : big;
}

/** A Python float's repr (`1.5`, `1e+16`, `inf`, `nan`) as a number. */
export function parseFloat(text: string): number | null {
  const t = text.trim();
  if (FLOAT_RE.test(t)) return Number(t);
  const m = SPECIAL_RE.exec(t);
  if (m === null) return null;
  if (m[2]!.toLowerCase() === "nan") return NaN;
  return m[1] === "-" ? -Infinity : Infinity;
}

/** A number as Python's `repr(float)` would write it (close enough for `float()`). */
export function floatRepr(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (x === Infinity) return "inf";
  if (x === -Infinity) return "-inf";
  if (Object.is(x, -0)) return "-0.0";
  const s = String(x);
  return /[.eE]/.test(s) ? s : s + ".0";
}

/**
 * The bytes of a Python 2 `str` literal (`'abc'`, `"it's"`, with
 * backslash escapes), as CPython's `load_string` unquotes them.
 */
export function unquoteString(text: string): number[] | null {
  if (text.length < 2) return null;
  const q = text[0];
  if ((q !== "'" && q !== '"') || text[text.length - 1] !== q) return null;
  const out: number[] = [];
  const end = text.length - 1;
  for (let i = 1; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c !== 0x5c) {
      out.push(c & 0xff);
      continue;
    }
    if (++i >= end) return null; // "Trailing \ in string"
    const e = text[i]!;
    switch (e) {
      case "\n":
        break;
      case "\\":
      case "'":
      case '"':
        out.push(e.charCodeAt(0));
        break;
      case "a":
        out.push(7);
        break;
      case "b":
        out.push(8);
        break;
      case "f":
        out.push(12);
        break;
      case "n":
        out.push(10);
        break;
      case "r":
        out.push(13);
        break;
      case "t":
        out.push(9);
        break;
      case "v":
        out.push(11);
        break;
      case "x": {
        const hex = text.slice(i + 1, i + 3);
        if (i + 2 >= end || !/^[0-9a-fA-F]{2}$/.test(hex)) return null;
        out.push(Number.parseInt(hex, 16));
        i += 2;
        break;
      }
      default:
        if (e >= "0" && e <= "7") {
          let v = 0;
          let k = 0;
          while (k < 3 && i < end && text[i]! >= "0" && text[i]! <= "7") {
            v = v * 8 + (text.charCodeAt(i) - 48);
            i++;
            k++;
          }
          i--;
          out.push(v & 0xff);
        } else {
          out.push(0x5c, e.charCodeAt(0) & 0xff);
        }
    }
  }
  return out;
}

/** Decodes raw-unicode-escape bytes (protocol 0 `UNICODE`) to a string. */
export function decodeRawUnicodeEscape(
  bytes: Uint8Array,
  start: number,
  end: number,
): string | null {
  let s = "";
  let i = start;
  while (i < end) {
    const b = bytes[i]!;
    if (b !== 0x5c) {
      s += String.fromCharCode(b);
      i++;
      continue;
    }
    // A run of backslashes: only the last of an odd run can start \u or \U.
    let j = i;
    while (j < end && bytes[j] === 0x5c) j++;
    const run = j - i;
    const next = j < end ? bytes[j] : -1;
    if (run % 2 === 1 && (next === 0x75 || next === 0x55)) {
      s += "\\".repeat(run - 1);
      const digits = next === 0x75 ? 4 : 8;
      if (j + 1 + digits > end) return null;
      let cp = 0;
      for (let k = j + 1; k < j + 1 + digits; k++) {
        const h = hexValue(bytes[k]!);
        if (h < 0) return null;
        cp = cp * 16 + h;
      }
      if (cp > 0x10ffff) return null;
      s += String.fromCodePoint(cp);
      i = j + 1 + digits;
    } else {
      s += "\\".repeat(run);
      i = j;
    }
  }
  return s;
}

function hexValue(b: number): number {
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  if (b >= 0x61 && b <= 0x66) return b - 0x57;
  if (b >= 0x41 && b <= 0x46) return b - 0x37;
  return -1;
}

/**
 * Encodes a string as protocol 0 writes a `str`: the characters that would
 * break the line-based format escaped as `\uXXXX`, then raw-unicode-escape
 * (characters below 256 as one byte, others as `\uXXXX`/`\UXXXXXXXX`).
 */
export function encodeRawUnicodeEscape(s: string): number[] {
  const out: number[] = [];
  const hex = (cp: number, digits: number, tag: number) => {
    out.push(0x5c, tag);
    const h = cp.toString(16).padStart(digits, "0");
    for (let k = 0; k < h.length; k++) out.push(h.charCodeAt(k));
  };
  for (let i = 0; i < s.length; i++) {
    const cp = s.codePointAt(i)!;
    if (cp > 0xffff) i++;
    if (
      cp === 0x5c || cp === 0 || cp === 0x0a || cp === 0x0d || cp === 0x1a
    ) {
      hex(cp, 4, 0x75);
    } else if (cp < 0x100) {
      out.push(cp);
    } else if (cp <= 0xffff) {
      hex(cp, 4, 0x75);
    } else {
      hex(cp, 8, 0x55);
    }
  }
  return out;
}
