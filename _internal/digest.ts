/**
 * HMAC-MD5 and HMAC-SHA256 (RFC 2104, 1321, FIPS 180-4), synchronous, for
 * the HMAC challenge of `multiprocessing.connection`.
 *
 * Web Crypto is asynchronous only (the challenge has Sync forms), and
 * loading `node:crypto` sets up Deno's Node compatibility: tens of ms in
 * every process that authenticated a connection (each manager server at its
 * start, each program importing the multiprocessing module). The two
 * digests CPython uses by default (3.11: MD5; 3.12+: SHA-256) are small;
 * the rarer ones (sha384, sha3_*) still come from `node:crypto`, loaded
 * when first asked for.
 *
 * @module
 */

const K256 = new Uint32Array([
  0x428a2f98,
  0x71374491,
  0xb5c0fbcf,
  0xe9b5dba5,
  0x3956c25b,
  0x59f111f1,
  0x923f82a4,
  0xab1c5ed5,
  0xd807aa98,
  0x12835b01,
  0x243185be,
  0x550c7dc3,
  0x72be5d74,
  0x80deb1fe,
  0x9bdc06a7,
  0xc19bf174,
  0xe49b69c1,
  0xefbe4786,
  0x0fc19dc6,
  0x240ca1cc,
  0x2de92c6f,
  0x4a7484aa,
  0x5cb0a9dc,
  0x76f988da,
  0x983e5152,
  0xa831c66d,
  0xb00327c8,
  0xbf597fc7,
  0xc6e00bf3,
  0xd5a79147,
  0x06ca6351,
  0x14292967,
  0x27b70a85,
  0x2e1b2138,
  0x4d2c6dfc,
  0x53380d13,
  0x650a7354,
  0x766a0abb,
  0x81c2c92e,
  0x92722c85,
  0xa2bfe8a1,
  0xa81a664b,
  0xc24b8b70,
  0xc76c51a3,
  0xd192e819,
  0xd6990624,
  0xf40e3585,
  0x106aa070,
  0x19a4c116,
  0x1e376c08,
  0x2748774c,
  0x34b0bcb5,
  0x391c0cb3,
  0x4ed8aa4a,
  0x5b9cca4f,
  0x682e6ff3,
  0x748f82ee,
  0x78a5636f,
  0x84c87814,
  0x8cc70208,
  0x90befffa,
  0xa4506ceb,
  0xbef9a3f7,
  0xc67178f2,
]);

/** The message padded to whole 64-byte blocks, its bit length at the end. */
function pad(data: Uint8Array, bigEndian: boolean): DataView {
  const blocks = Math.ceil((data.length + 9) / 64);
  const out = new Uint8Array(blocks * 64);
  out.set(data);
  out[data.length] = 0x80;
  const v = new DataView(out.buffer);
  const bits = data.length * 8;
  const hi = Math.floor(bits / 0x100000000);
  const lo = bits >>> 0;
  if (bigEndian) {
    v.setUint32(out.length - 8, hi);
    v.setUint32(out.length - 4, lo);
  } else {
    v.setUint32(out.length - 8, lo, true);
    v.setUint32(out.length - 4, hi, true);
  }
  return v;
}

/** SHA-256 of `data` (32 bytes). */
export function sha256(data: Uint8Array): Uint8Array {
  const v = pad(data, true);
  const h = new Uint32Array([
    0x6a09e667,
    0xbb67ae85,
    0x3c6ef372,
    0xa54ff53a,
    0x510e527f,
    0x9b05688c,
    0x1f83d9ab,
    0x5be0cd19,
  ]);
  const w = new Uint32Array(64);
  for (let at = 0; at < v.byteLength; at += 64) {
    for (let i = 0; i < 16; i++) w[i] = v.getUint32(at + i * 4);
    for (let i = 16; i < 64; i++) {
      const a = w[i - 15]!, b = w[i - 2]!;
      const s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^
        (a >>> 3);
      const s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^
        (b >>> 10);
      w[i] = (w[i - 16]! + s0 + w[i - 7]! + s1) | 0;
    }
    let a = h[0]!, b = h[1]!, c = h[2]!, d = h[3]!;
    let e = h[4]!, f = h[5]!, g = h[6]!, k = h[7]!;
    for (let i = 0; i < 64; i++) {
      const s1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^
        ((e >>> 25) | (e << 7));
      const ch = (e & f) ^ (~e & g);
      const t1 = (k + s1 + ch + K256[i]! + w[i]!) | 0;
      const s0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^
        ((a >>> 22) | (a << 10));
      const maj = (a & b) ^ (a & c) ^ (b & c);
      const t2 = (s0 + maj) | 0;
      k = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) | 0;
    }
    h[0] = h[0]! + a;
    h[1] = h[1]! + b;
    h[2] = h[2]! + c;
    h[3] = h[3]! + d;
    h[4] = h[4]! + e;
    h[5] = h[5]! + f;
    h[6] = h[6]! + g;
    h[7] = h[7]! + k;
  }
  const out = new Uint8Array(32);
  const o = new DataView(out.buffer);
  for (let i = 0; i < 8; i++) o.setUint32(i * 4, h[i]!);
  return out;
}

/** MD5's per-round shift amounts. */
const S = [7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21];
/** MD5's sine table: floor(|sin(i + 1)| × 2^32). */
const KMD5 = Uint32Array.from(
  { length: 64 },
  (_, i) => Math.floor(Math.abs(Math.sin(i + 1)) * 0x100000000),
);

/** MD5 of `data` (16 bytes). */
export function md5(data: Uint8Array): Uint8Array {
  const v = pad(data, false);
  const h = new Uint32Array([0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476]);
  const m = new Uint32Array(16);
  for (let at = 0; at < v.byteLength; at += 64) {
    for (let i = 0; i < 16; i++) m[i] = v.getUint32(at + i * 4, true);
    let a = h[0]!, b = h[1]!, c = h[2]!, d = h[3]!;
    for (let i = 0; i < 64; i++) {
      let f: number, g: number;
      const round = i >> 4;
      if (round === 0) {
        f = (b & c) | (~b & d);
        g = i;
      } else if (round === 1) {
        f = (d & b) | (~d & c);
        g = (5 * i + 1) & 15;
      } else if (round === 2) {
        f = b ^ c ^ d;
        g = (3 * i + 5) & 15;
      } else {
        f = c ^ (b | ~d);
        g = (7 * i) & 15;
      }
      const s = S[(round << 2) | (i & 3)]!;
      const x = (a + f + KMD5[i]! + m[g]!) | 0;
      a = d;
      d = c;
      c = b;
      b = (b + ((x << s) | (x >>> (32 - s)))) | 0;
    }
    h[0] = h[0]! + a;
    h[1] = h[1]! + b;
    h[2] = h[2]! + c;
    h[3] = h[3]! + d;
  }
  const out = new Uint8Array(16);
  const o = new DataView(out.buffer);
  for (let i = 0; i < 4; i++) o.setUint32(i * 4, h[i]!, true);
  return out;
}

/** A digest this module computes itself. */
export type NativeDigest = "md5" | "sha256";

const HASHES: Record<NativeDigest, (d: Uint8Array) => Uint8Array> = {
  md5,
  sha256,
};

/** HMAC of `message` under `key` with MD5 or SHA-256 (block size 64). */
export function hmac(
  digest: NativeDigest,
  key: Uint8Array,
  message: Uint8Array,
): Uint8Array {
  const hash = HASHES[digest];
  const k = new Uint8Array(64);
  k.set(key.length > 64 ? hash(key) : key);
  const inner = new Uint8Array(64 + message.length);
  for (let i = 0; i < 64; i++) inner[i] = k[i]! ^ 0x36;
  inner.set(message, 64);
  const ih = hash(inner);
  const outer = new Uint8Array(64 + ih.length);
  for (let i = 0; i < 64; i++) outer[i] = k[i]! ^ 0x5c;
  outer.set(ih, 64);
  return hash(outer);
}

/** Compares two byte strings of equal length in time independent of their contents. */
export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}
