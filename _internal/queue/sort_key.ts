/**
 * Python's ordering for `PriorityQueue`, without decoding items.
 *
 * At `put`, an item gets a compact binary sort key ({@linkcode sortKey});
 * the heap compares keys in place, in shared memory ({@linkcode keyLess}).
 * The comparison walks both keys in lockstep the way Python compares
 * values:
 *
 * - numbers, bigints and booleans are one kind (Python's `int`/`float`/
 *   `bool`) and compare by value, exactly (a bigint beyond 2^53 keeps its
 *   remainder from the nearest double); NaN is never less nor greater;
 * - strings compare by code point (their UTF-8 bytes; a lone surrogate,
 *   which the codec delivers as U+FFFD, counts as U+FFFD);
 * - Dates compare by time (Python's `datetime`);
 * - arrays compare element by element: the first pair of unequal elements
 *   decides, else the shorter array is less (Python's tuples and lists);
 * - anything else (null, undefined, plain objects, Maps, typed arrays…) can
 *   only be equal or unequal (Python's `==`), decided by a 64-bit structural
 *   hash; as in Python, `<` between two of them, or between values of
 *   different kinds, throws `TypeError` — only when a comparison actually
 *   reaches them, so `[priority, payload]` pairs with distinct priorities
 *   never look at their payloads.
 *
 * @module
 */

// Element tags. END sorts before every element (a shorter array is less).
const END = 0x00;
const NUM = 0x01; // ordered double (see KeyWriter.double)
const BIG = 0x02; // ordered nearest double, sign byte, varuint length, magnitude BE
const STR = 0x03; // varuint byte length, UTF-8 bytes
const DATE = 0x04; // ordered double (time value)
const SEQ = 0x05; // elements, END
const OTHER = 0x06; // kind byte, 8 hash bytes

/** Names of the OTHER kinds, for Python's TypeError message. */
const OTHER_NAMES = [
  "null",
  "undefined",
  "object",
  "Map",
  "Set",
  "typed array",
  "ArrayBuffer",
  "RegExp",
  "Error",
  "shared object",
  "array", // an array that contains itself
  "symbol",
  "function",
] as const;
const K_NULL = 0, K_UNDEFINED = 1, K_OBJECT = 2, K_MAP = 3, K_SET = 4;
const K_TYPED = 5, K_BUFFER = 6, K_REGEXP = 7, K_ERROR = 8, K_SHARED = 9;
const K_CYCLE = 10, K_SYMBOL = 11, K_FUNCTION = 12;

const f64 = new Float64Array(1);
const f64bytes = new Uint8Array(f64.buffer);
const u32 = new Uint32Array(f64.buffer);

/** Builds one key in a growable scratch buffer. */
class KeyWriter implements HeldKey {
  buf = new Uint8Array(64);
  pos = 0;

  get bytes(): Uint8Array {
    return this.buf;
  }

  get length(): number {
    return this.pos;
  }

  /** Arrays being written, outermost first (to find an array inside itself). */
  readonly active: unknown[] = [];

  reserve(n: number): void {
    const need = this.pos + n;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  byte(b: number): void {
    this.reserve(1);
    this.buf[this.pos++] = b;
  }

  /**
   * A double as 8 bytes whose byte order is numeric order: big-endian,
   * sign bit flipped for positives, every bit flipped for negatives. -0 is
   * written as 0 (equal in Python), every NaN as one pattern (which the
   * comparison treats as unordered).
   */
  double(tag: number, v: number): void {
    this.reserve(9);
    const buf = this.buf;
    buf[this.pos++] = tag;
    f64[0] = v === 0 ? 0 : v !== v ? NaN : v;
    const negative = (f64bytes[7]! & 0x80) !== 0;
    let p = this.pos;
    if (negative) {
      for (let k = 7; k >= 0; k--) buf[p++] = ~f64bytes[k]! & 0xff;
    } else {
      buf[p++] = f64bytes[7]! ^ 0x80;
      for (let k = 6; k >= 0; k--) buf[p++] = f64bytes[k]!;
    }
    this.pos = p;
  }

  varuint(n: number): void {
    this.reserve(10);
    while (n >= 0x80) {
      this.buf[this.pos++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    this.buf[this.pos++] = n;
  }

  /**
   * A string as UTF-8, whose byte order is code point order. A lone
   * surrogate counts as U+FFFD: the codec delivers it so.
   */
  string(s: string): void {
    const n = s.length;
    let bytes = 0;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x80) bytes += 1;
      else if (c < 0x800) bytes += 2;
      else if (isPair(s, i, n)) {
        bytes += 4;
        i++;
      } else bytes += 3;
    }
    this.byte(STR);
    this.varuint(bytes);
    this.reserve(bytes);
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) {
      let c = s.charCodeAt(i);
      if (c < 0x80) {
        buf[p++] = c;
      } else if (c < 0x800) {
        buf[p++] = 0xc0 | (c >> 6);
        buf[p++] = 0x80 | (c & 0x3f);
      } else {
        if (isPair(s, i, n)) {
          c = 0x10000 + ((c - 0xd800) << 10) + (s.charCodeAt(++i) - 0xdc00);
          buf[p++] = 0xf0 | (c >> 18);
          buf[p++] = 0x80 | ((c >> 12) & 0x3f);
        } else {
          if ((c & 0xf800) === 0xd800) c = 0xfffd; // a lone surrogate
          buf[p++] = 0xe0 | (c >> 12);
        }
        buf[p++] = 0x80 | ((c >> 6) & 0x3f);
        buf[p++] = 0x80 | (c & 0x3f);
      }
    }
    this.pos = p;
  }

  bigint(v: bigint): void {
    let d = Number(v);
    if (d === Infinity) d = Number.MAX_VALUE;
    else if (d === -Infinity) d = -Number.MAX_VALUE;
    const rest = v - BigInt(d);
    if (rest === 0n) return this.double(NUM, d);
    this.double(BIG, d);
    const negative = rest < 0n;
    const hex = (negative ? -rest : rest).toString(16);
    const digits = hex.length % 2 ? "0" + hex : hex;
    this.byte(negative ? 0 : 1);
    this.varuint(digits.length / 2);
    this.reserve(digits.length / 2);
    for (let i = 0; i < digits.length; i += 2) {
      this.buf[this.pos++] = parseInt(digits.slice(i, i + 2), 16);
    }
  }

  other(kind: number, v: unknown): void {
    const h = hashOf(v);
    this.reserve(10);
    this.buf[this.pos++] = OTHER;
    this.buf[this.pos++] = kind;
    for (const lane of [h.a, h.b]) {
      this.buf[this.pos++] = lane & 0xff;
      this.buf[this.pos++] = (lane >>> 8) & 0xff;
      this.buf[this.pos++] = (lane >>> 16) & 0xff;
      this.buf[this.pos++] = lane >>> 24;
    }
  }

  value(v: unknown): void {
    switch (typeof v) {
      case "number":
        return this.double(NUM, v);
      case "boolean":
        return this.double(NUM, v ? 1 : 0); // Python's bool is an int
      case "bigint":
        return this.bigint(v);
      case "string":
        return this.string(v);
      case "undefined":
        return this.other(K_UNDEFINED, v);
      case "symbol":
        return this.other(K_SYMBOL, v);
      case "function":
        return this.other(K_FUNCTION, v);
    }
    if (v === null) return this.other(K_NULL, v);
    if (Array.isArray(v)) {
      const active = this.active;
      // Only deep nesting can be a cycle: look for one only then.
      if (active.length >= CYCLE_DEPTH && active.includes(v)) {
        return this.other(K_CYCLE, v);
      }
      active.push(v);
      this.byte(SEQ);
      for (let i = 0; i < v.length; i++) this.value(v[i]);
      this.byte(END);
      active.pop();
      return;
    }
    if (v instanceof Date) return this.double(DATE, v.getTime());
    if (
      v instanceof Number || v instanceof String || v instanceof Boolean ||
      v instanceof BigInt
    ) {
      return this.value(v.valueOf());
    }
    return this.other(otherKind(v as object), v);
  }
}

/** Whether a surrogate pair starts at `i`. */
function isPair(s: string, i: number, n: number): boolean {
  const c = s.charCodeAt(i);
  return c >= 0xd800 && c < 0xdc00 && i + 1 < n &&
    (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00;
}

function otherKind(o: object): number {
  if (typeof (o as Record<symbol, unknown>)[SHARE_KEY] === "function") {
    return K_SHARED;
  }
  if (o instanceof Map) return K_MAP;
  if (o instanceof Set) return K_SET;
  if (ArrayBuffer.isView(o)) return K_TYPED;
  if (o instanceof ArrayBuffer || o instanceof SharedArrayBuffer) {
    return K_BUFFER;
  }
  if (o instanceof RegExp) return K_REGEXP;
  if (o instanceof Error) return K_ERROR;
  return K_OBJECT;
}

/** The codec's SHARE symbol (registered globally, so no import cycle). */
const SHARE_KEY = Symbol.for("pyconc.share");

/** Array nesting from which the writer checks for an array inside itself. */
const CYCLE_DEPTH = 16;

let idle: KeyWriter | undefined = new KeyWriter();

/** A sort key being used: its bytes are `bytes[0 .. length)` until released. */
export interface HeldKey {
  readonly bytes: Uint8Array;
  readonly length: number;
}

/**
 * Writes the sort key of a value into a scratch buffer and holds it (no
 * allocation: small typed arrays are costly to allocate) until
 * {@linkcode releaseKey}. A key made meanwhile (a getter putting into a
 * priority queue) gets its own buffer. Never throws for structured-clone
 * data: values that cannot be ordered fail only when compared.
 */
export function holdKey(value: unknown): HeldKey {
  const w = idle ?? new KeyWriter();
  idle = undefined;
  w.pos = 0;
  try {
    w.value(value);
  } catch (e) {
    releaseKey(w);
    throw e;
  }
  w.active.length = 0;
  return w;
}

/** Gives a held key's buffer back. */
export function releaseKey(key: HeldKey): void {
  const w = key as KeyWriter;
  w.active.length = 0;
  idle = w;
}

/**
 * The sort key of a value, as a byte string of its own, that
 * {@linkcode keyLess} compares as Python compares the value.
 */
export function sortKey(value: unknown): Uint8Array {
  const key = holdKey(value);
  try {
    return key.bytes.slice(0, key.length);
  } finally {
    releaseKey(key);
  }
}

// ---------------------------------------------------------------------------
// Structural hash (for equality of values that cannot be ordered).

interface Hash {
  a: number;
  b: number;
}

function mix(h: Hash, x: number): void {
  h.a = Math.imul(h.a ^ x, 0x01000193);
  h.b = Math.imul((h.b ^ x) + 0x9e3779b9, 0x85ebca6b) ^ (h.b >>> 13);
}

function mixNumber(h: Hash, v: number): void {
  f64[0] = v === 0 ? 0 : v;
  mix(h, u32[0]!);
  mix(h, u32[1]!);
}

function mixString(h: Hash, s: string): void {
  mix(h, s.length);
  for (let i = 0; i < s.length; i++) mix(h, s.charCodeAt(i));
}

/** Bytes hashed in full; longer binary data is sampled (equality stays likely-exact). */
const FULL_BYTES = 4096;

function mixBytes(h: Hash, bytes: Uint8Array): void {
  const n = bytes.length;
  mix(h, n);
  const step = n <= FULL_BYTES ? 1 : Math.floor(n / FULL_BYTES);
  for (let i = 0; i < n; i += step) mix(h, bytes[i]!);
  if (n > 0) mix(h, bytes[n - 1]!);
}

/** Adds an unordered collection's member hashes (order-independent, as Python's `==` of dicts and sets). */
function unordered(h: Hash, parts: Hash[]): void {
  let a = 0, b = 0;
  for (const p of parts) {
    a = (a + p.a) | 0;
    b = (b + p.b) | 0;
  }
  mix(h, parts.length);
  mix(h, a);
  mix(h, b);
}

function hashInto(h: Hash, v: unknown, seen: Set<object>): void {
  switch (typeof v) {
    case "number":
      mix(h, 1);
      return mixNumber(h, v);
    case "boolean":
      mix(h, 1);
      return mixNumber(h, v ? 1 : 0);
    case "bigint":
      mix(h, 2);
      return mixString(h, v.toString(16));
    case "string":
      mix(h, 3);
      return mixString(h, v);
    case "undefined":
      return mix(h, 4);
    case "symbol":
    case "function":
      mix(h, 5);
      return mixString(h, String(v));
  }
  if (v === null) return mix(h, 6);
  const o = v as object;
  if (seen.has(o)) return mix(h, 7);
  seen.add(o);
  try {
    const share = (o as Record<symbol, unknown>)[SHARE_KEY];
    if (typeof share === "function") {
      // A shareable is equal to another only if both are the same object.
      const record = share.call(o) as { tag: string; data: unknown };
      mix(h, 8);
      mixString(h, record.tag);
      return hashInto(h, record.data, seen);
    }
    if (Array.isArray(o)) {
      mix(h, 9);
      mix(h, o.length);
      for (let i = 0; i < o.length; i++) hashInto(h, o[i], seen);
      return;
    }
    if (ArrayBuffer.isView(o)) {
      mix(h, 10);
      mixString(h, o.constructor.name);
      return mixBytes(h, new Uint8Array(o.buffer, o.byteOffset, o.byteLength));
    }
    if (o instanceof ArrayBuffer || o instanceof SharedArrayBuffer) {
      mix(h, 11);
      return mixBytes(h, new Uint8Array(o));
    }
    if (o instanceof Date) {
      mix(h, 12);
      return mixNumber(h, o.getTime());
    }
    if (o instanceof RegExp) {
      mix(h, 13);
      return mixString(h, String(o));
    }
    if (o instanceof Map) {
      mix(h, 14);
      const parts: Hash[] = [];
      for (const [k, x] of o) {
        const p = { a: 0x811c9dc5, b: 0x27d4eb2f };
        hashInto(p, k, seen);
        hashInto(p, x, seen);
        parts.push(p);
      }
      return unordered(h, parts);
    }
    if (o instanceof Set) {
      mix(h, 15);
      const parts: Hash[] = [];
      for (const x of o) {
        const p = { a: 0x811c9dc5, b: 0x27d4eb2f };
        hashInto(p, x, seen);
        parts.push(p);
      }
      return unordered(h, parts);
    }
    if (
      o instanceof Number || o instanceof String || o instanceof Boolean ||
      o instanceof BigInt
    ) {
      return hashInto(h, o.valueOf(), seen);
    }
    mix(h, o instanceof Error ? 16 : 17);
    if (o instanceof Error) {
      mixString(h, String(o.name));
      mixString(h, String(o.message));
    }
    const parts: Hash[] = [];
    for (const key of Object.keys(o)) {
      const p = { a: 0x811c9dc5, b: 0x27d4eb2f };
      mixString(p, key);
      hashInto(p, (o as Record<string, unknown>)[key], seen);
      parts.push(p);
    }
    unordered(h, parts);
  } finally {
    seen.delete(o);
  }
}

function hashOf(v: unknown): Hash {
  const h = { a: 0x811c9dc5, b: 0x27d4eb2f };
  hashInto(h, v, new Set());
  return h;
}

// ---------------------------------------------------------------------------
// Comparison.

/** Whether the ordered double at `at` is NaN (0x7ff8…, as written). */
function isNaNAt(src: Uint8Array, at: number): boolean {
  return src[at] === 0xff && src[at + 1] === 0xf8;
}

/** Reads a varuint at `at`; returns the value, leaves the end in `varEnd`. */
let varEnd = 0;
function readVaruint(src: Uint8Array, at: number): number {
  let n = 0, mul = 1, b: number;
  do {
    b = src[at++]!;
    n += (b & 0x7f) * mul;
    mul *= 0x80;
  } while (b & 0x80);
  varEnd = at;
  return n;
}

/** Which kind of value an element tag is (numbers and bigints are one). */
function kindOf(tag: number): number {
  return tag === BIG ? NUM : tag;
}

function kindName(src: Uint8Array, at: number): string {
  switch (src[at]) {
    case NUM:
    case BIG:
      return "number";
    case STR:
      return "string";
    case DATE:
      return "Date";
    case SEQ:
      return "array";
    default:
      return OTHER_NAMES[src[at + 1]!] ?? "object";
  }
}

function notSupported(a: Uint8Array, ai: number, b: Uint8Array, bi: number) {
  return new TypeError(
    `'<' not supported between instances of '${kindName(a, ai)}' and '${
      kindName(b, bi)
    }'`,
  );
}

/** The signed remainder of a BIG element at `at` (past its double), as a bigint. */
function remainderOf(src: Uint8Array, at: number): bigint {
  if (src[at - 9] !== BIG) return 0n;
  const negative = src[at] === 0;
  const len = readVaruint(src, at + 1);
  let hex = "";
  for (let i = 0; i < len; i++) {
    hex += src[varEnd + i]!.toString(16).padStart(2, "0");
  }
  const mag = BigInt("0x" + hex);
  return negative ? -mag : mag;
}

/** Where the element at `at` ends, for elements that can be skipped whole. */
function skipScalar(src: Uint8Array, at: number): number {
  switch (src[at]) {
    case NUM:
    case DATE:
      return at + 9;
    case BIG: {
      const len = readVaruint(src, at + 10);
      return varEnd + len;
    }
    case STR: {
      const len = readVaruint(src, at + 1);
      return varEnd + len;
    }
    default: // OTHER
      return at + 10;
  }
}

/**
 * Python's `a < b` over two sort keys, each starting at the given offset.
 * Reads the keys in place (they may live in shared memory).
 *
 * @throws {TypeError} If the comparison reaches values Python cannot order.
 */
export function keyLess(
  a: Uint8Array,
  ai: number,
  b: Uint8Array,
  bi: number,
): boolean {
  let depth = 0;
  for (;;) {
    const ta = a[ai]!, tb = b[bi]!;
    if (ta === END || tb === END) {
      if (ta !== tb) return ta === END; // the shorter array is less
      ai++;
      bi++;
      if (--depth === 0) return false; // equal arrays
      continue;
    }
    if (kindOf(ta) !== kindOf(tb)) throw notSupported(a, ai, b, bi);
    switch (ta === BIG ? NUM : ta) {
      case SEQ:
        ai++;
        bi++;
        depth++;
        continue;
      case NUM:
      case DATE: {
        // NaN is unequal to everything and less than nothing.
        if (isNaNAt(a, ai + 1) || isNaNAt(b, bi + 1)) return false;
        for (let k = 1; k <= 8; k++) {
          const x = a[ai + k]!, y = b[bi + k]!;
          if (x !== y) return x < y;
        }
        if (ta === BIG || tb === BIG) {
          const rx = remainderOf(a, ai + 9), ry = remainderOf(b, bi + 9);
          if (rx !== ry) return rx < ry;
        }
        break;
      }
      case STR: {
        const la = readVaruint(a, ai + 1), sa = varEnd;
        const lb = readVaruint(b, bi + 1), sb = varEnd;
        const n = la < lb ? la : lb;
        for (let k = 0; k < n; k++) {
          const x = a[sa + k]!, y = b[sb + k]!;
          if (x !== y) return x < y; // UTF-8 byte order is code point order
        }
        if (la !== lb) return la < lb;
        break;
      }
      default: // OTHER: equal if same kind and hash, else not orderable
        // Outside an array Python asks `<` directly, which they lack.
        if (depth === 0) throw notSupported(a, ai, b, bi);
        for (let k = 1; k < 10; k++) {
          if (a[ai + k] !== b[bi + k]) throw notSupported(a, ai, b, bi);
        }
    }
    // The elements were equal: move on to the next pair.
    ai = skipScalar(a, ai);
    bi = skipScalar(b, bi);
    if (depth === 0) return false;
  }
}
