/**
 * UTF-8 with CPython's `surrogatepass` error handler, which is how pickle
 * stores `str`: a lone surrogate (legal in both a JS string and a Python
 * str) is written as its 3-byte form and read back, instead of being
 * replaced by U+FFFD as `TextEncoder`/`TextDecoder` would.
 *
 * @module
 */

const fatal = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const encoder = new TextEncoder();

/**
 * Decodes `bytes[start, end)`; `null` when the bytes are not UTF-8 even
 * with surrogates allowed.
 */
export function decodeUtf8(
  bytes: Uint8Array,
  start: number,
  end: number,
): string | null {
  const n = end - start;
  if (n === 1 && bytes[start]! < 0x80) return ONE_CHAR[bytes[start]!]!;
  if (n <= SHORT) {
    const s = shortAscii(bytes, start, n);
    if (s !== null) return s;
  }
  try {
    return fatal.decode(bytes.subarray(start, end));
  } catch {
    return decodeSurrogatePass(bytes, start, end);
  }
}

/** The ASCII strings of one character (dict keys, small ints as str). */
export const ONE_CHAR: readonly string[] = Array.from(
  { length: 128 },
  (_, i) => String.fromCharCode(i),
);

/** The ASCII strings of two characters made so far, by their two bytes. */
const TWO_CHARS: (string | undefined)[] = new Array(128 * 128);

/** The string of the ASCII characters `a` and `b`, made once. */
export function twoChars(a: number, b: number): string {
  const i = (a << 7) | b;
  return TWO_CHARS[i] ??= String.fromCharCode(a, b);
}

/** Strings up to this many bytes go through the cache below. */
const SHORT = 24;
const CACHE_SIZE = 512;
/**
 * Recently decoded short ASCII strings (keys, method names, typeids),
 * direct-mapped by a hash of their bytes: a message that repeats them
 * allocates nothing for them, as CPython's interned identifiers.
 */
const cache: string[] = new Array<string>(CACHE_SIZE).fill("");

/** A short ASCII string, from the cache when it is there; `null` if not ASCII. */
function shortAscii(
  bytes: Uint8Array,
  start: number,
  n: number,
): string | null {
  let h = n;
  for (let i = start; i < start + n; i++) {
    const b = bytes[i]!;
    if (b >= 0x80) return null;
    h = (Math.imul(h, 31) + b) | 0;
  }
  const slot = (h ^ (h >>> 9)) & (CACHE_SIZE - 1);
  const hit = cache[slot]!;
  if (hit.length === n) {
    let same = true;
    for (let i = 0; i < n; i++) {
      if (hit.charCodeAt(i) !== bytes[start + i]) {
        same = false;
        break;
      }
    }
    if (same) return hit;
  }
  // Up to 8 characters per call (a flat copy each, below V8's cons-string
  // length): faster than apply() over a subarray or TextDecoder here.
  let s = "";
  let i = start;
  const end = start + n;
  for (; i + 8 <= end; i += 8) {
    s += String.fromCharCode(
      bytes[i]!,
      bytes[i + 1]!,
      bytes[i + 2]!,
      bytes[i + 3]!,
      bytes[i + 4]!,
      bytes[i + 5]!,
      bytes[i + 6]!,
      bytes[i + 7]!,
    );
  }
  for (; i < end; i++) s += String.fromCharCode(bytes[i]!);
  cache[slot] = s;
  return s;
}

function decodeSurrogatePass(
  bytes: Uint8Array,
  start: number,
  end: number,
): string | null {
  const units: number[] = [];
  let i = start;
  while (i < end) {
    const b0 = bytes[i]!;
    let cp: number;
    let need: number;
    let min: number;
    if (b0 < 0x80) {
      units.push(b0);
      i++;
      continue;
    } else if (b0 >= 0xc2 && b0 < 0xe0) {
      cp = b0 & 0x1f;
      need = 1;
      min = 0x80;
    } else if (b0 >= 0xe0 && b0 < 0xf0) {
      cp = b0 & 0x0f;
      need = 2;
      min = 0x800;
    } else if (b0 >= 0xf0 && b0 < 0xf5) {
      cp = b0 & 0x07;
      need = 3;
      min = 0x10000;
    } else {
      return null;
    }
    if (i + need >= end) return null;
    for (let k = 1; k <= need; k++) {
      const b = bytes[i + k]!;
      if ((b & 0xc0) !== 0x80) return null;
      cp = (cp << 6) | (b & 0x3f);
    }
    if (cp < min || cp > 0x10ffff) return null;
    if (cp >= 0x10000) {
      cp -= 0x10000;
      units.push(0xd800 | (cp >> 10), 0xdc00 | (cp & 0x3ff));
    } else {
      units.push(cp);
    }
    i += need + 1;
  }
  let s = "";
  for (let k = 0; k < units.length; k += 8192) {
    s += String.fromCharCode(...units.slice(k, k + 8192));
  }
  return s;
}

/**
 * Encodes `s` into `out` at `pos` (the caller guarantees `3 * s.length`
 * bytes of room) and returns the end position.
 */
export function encodeUtf8Into(
  s: string,
  out: Uint8Array,
  pos: number,
): number {
  const n = s.length;
  if (n > 64 && s.isWellFormed()) {
    return pos + encoder.encodeInto(s, out.subarray(pos)).written;
  }
  for (let i = 0; i < n; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      out[pos++] = c;
    } else if (c < 0x800) {
      out[pos++] = 0xc0 | (c >> 6);
      out[pos++] = 0x80 | (c & 0x3f);
    } else {
      if (c >= 0xd800 && c < 0xdc00 && i + 1 < n) {
        const d = s.charCodeAt(i + 1);
        if (d >= 0xdc00 && d < 0xe000) {
          c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          i++;
          out[pos++] = 0xf0 | (c >> 18);
          out[pos++] = 0x80 | ((c >> 12) & 0x3f);
          out[pos++] = 0x80 | ((c >> 6) & 0x3f);
          out[pos++] = 0x80 | (c & 0x3f);
          continue;
        }
      }
      // BMP character, or a lone surrogate (surrogatepass).
      out[pos++] = 0xe0 | (c >> 12);
      out[pos++] = 0x80 | ((c >> 6) & 0x3f);
      out[pos++] = 0x80 | (c & 0x3f);
    }
  }
  return pos;
}
