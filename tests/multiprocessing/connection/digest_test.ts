// The HMAC challenge's own digests (_internal/digest.ts) against published
// vectors and node:crypto.
import assert from "node:assert/strict";
import { createHash, createHmac } from "node:crypto";
import {
  hmac,
  md5,
  sha256,
  timingSafeEqual,
} from "../../../_internal/digest.ts";

const hex = (b: Uint8Array) =>
  [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
const text = (s: string) => new TextEncoder().encode(s);

Deno.test("digest: MD5 and SHA-256 of the RFC 1321 / FIPS 180 vectors", () => {
  assert.equal(hex(md5(text(""))), "d41d8cd98f00b204e9800998ecf8427e");
  assert.equal(hex(md5(text("abc"))), "900150983cd24fb0d6963f7d28e17f72");
  assert.equal(
    hex(sha256(text("abc"))),
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  );
  assert.equal(
    hex(sha256(text(""))),
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
  );
});

Deno.test("digest: HMAC of RFC 2202 / 4231 test case 2", () => {
  const key = text("Jefe");
  const msg = text("what do ya want for nothing?");
  assert.equal(hex(hmac("md5", key, msg)), "750c783e6ab0b503eaa86e310a5db738");
  assert.equal(
    hex(hmac("sha256", key, msg)),
    "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
  );
});

Deno.test("digest: equal to node:crypto across block boundaries and long keys", () => {
  for (let n = 0; n < 200; n++) {
    const data = crypto.getRandomValues(new Uint8Array(n));
    const key = crypto.getRandomValues(new Uint8Array((n * 7) % 150));
    for (const name of ["md5", "sha256"] as const) {
      const hash = name === "md5" ? md5 : sha256;
      assert.equal(
        hex(hash(data)),
        createHash(name).update(data).digest("hex"),
        `${name} of ${n} bytes`,
      );
      assert.equal(
        hex(hmac(name, key, data)),
        createHmac(name, key).update(data).digest("hex"),
        `hmac-${name} of ${n} bytes, key of ${key.length}`,
      );
    }
  }
});

Deno.test("digest: timingSafeEqual", () => {
  assert.equal(timingSafeEqual(text("abc"), text("abc")), true);
  assert.equal(timingSafeEqual(text("abc"), text("abd")), false);
  assert.equal(timingSafeEqual(text("abc"), text("ab")), false);
});
