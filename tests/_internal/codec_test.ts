import assert from "node:assert/strict";
import { encode } from "../../_internal/codec/encode.ts";
import { decode } from "../../_internal/codec/decode.ts";
import {
  FileNotFoundError,
  OSError,
  ValueError,
} from "../../_internal/errors.ts";
import { Lock } from "../../threading/mod.ts";

const roundTrip = <T>(v: T): T => {
  const { bytes, sabs } = encode(v);
  return decode(bytes.slice(), sabs) as T;
};

Deno.test("codec: primitives, including -0, NaN and big and small integers", () => {
  for (
    const v of [
      0,
      1,
      255,
      256,
      -1,
      2 ** 31 - 1,
      -(2 ** 31),
      2 ** 31,
      1.5,
      -0,
      NaN,
      Infinity,
      -Infinity,
      true,
      false,
      null,
      undefined,
      "",
      "abc",
      "é€😀",
      "x".repeat(10_000),
      0n,
      -5n,
      2n ** 200n,
      -(2n ** 64n),
    ]
  ) {
    assert.ok(Object.is(roundTrip(v), v), String(v));
  }
});

Deno.test("codec: containers keep shape, holes, keys and identity", () => {
  const shared = { s: 1 };
  const cyc: Record<string, unknown> = { a: [1, , 3], shared, again: shared };
  cyc.self = cyc;
  const back = roundTrip(cyc);
  assert.equal(back.self, back);
  assert.equal(back.shared, back.again);
  assert.ok(!(1 in (back.a as unknown[])));
  const proto = roundTrip(JSON.parse('{"__proto__": 5}'));
  assert.equal(Object.getOwnPropertyDescriptor(proto, "__proto__")?.value, 5);
  assert.deepEqual(
    roundTrip(new Map<unknown, unknown>([[1, "a"], [{ k: 1 }, [2]]])),
    new Map<unknown, unknown>([[1, "a"], [{ k: 1 }, [2]]]),
  );
  assert.deepEqual(roundTrip(new Set([1, "x"])), new Set([1, "x"]));
  assert.deepEqual(roundTrip(new Date(1234)), new Date(1234));
  assert.deepEqual(roundTrip(/ab+c/gi), /ab+c/gi);
  assert.deepEqual(roundTrip(Object(5)), Object(5));
  class Point {
    constructor(public x: number, public y: number) {}
  }
  assert.deepEqual(
    roundTrip(new Point(1, 2)),
    { x: 1, y: 2 },
    "class instances become plain objects, as structured clone",
  );
});

Deno.test("codec: binary data is copied into fresh buffers", () => {
  const f64 = new Float64Array([1.5, -2]);
  const back = roundTrip(f64);
  assert.deepEqual(back, f64);
  assert.notEqual(back.buffer, f64.buffer);
  assert.deepEqual(roundTrip(new BigInt64Array([5n])), new BigInt64Array([5n]));
  assert.deepEqual(
    new Uint8Array(roundTrip(new Uint8Array([1, 2, 3]).buffer)),
    new Uint8Array([1, 2, 3]),
  );
  const view = new Uint16Array(new Uint16Array([1, 2, 3, 4]).buffer, 2, 2);
  assert.deepEqual([...roundTrip(view)], [2, 3]);
  assert.equal(roundTrip(new DataView(new ArrayBuffer(3))).byteLength, 3);
});

Deno.test("codec: SharedArrayBuffers are copied, or shared through a side table", () => {
  const sab = new SharedArrayBuffer(8);
  new Int32Array(sab)[0] = 7;
  const copied = roundTrip(sab);
  assert.ok(copied instanceof SharedArrayBuffer);
  assert.notEqual(copied, sab);
  assert.equal(new Int32Array(copied)[0], 7);
  const { bytes, sabs } = encode(
    { sab, view: new Int32Array(sab, 4, 1) },
    "share",
  );
  assert.equal(sabs.length, 2);
  const back = decode(bytes.slice(), sabs) as {
    sab: SharedArrayBuffer;
    view: Int32Array;
  };
  assert.equal(back.sab, sab);
  assert.equal(back.view.buffer, sab);
});

Deno.test("codec: errors keep class, message, stack, cause and fields", () => {
  const e = new OSError(2, undefined, "x.txt", null, {
    cause: new ValueError("inner"),
  });
  const back = roundTrip(e) as OSError;
  assert.ok(back instanceof FileNotFoundError);
  assert.equal(back.message, e.message);
  assert.equal(back.errno, 2);
  assert.equal(back.filename, "x.txt");
  assert.equal(back.stack, e.stack);
  assert.ok(back.cause instanceof ValueError);
  const custom = Object.assign(new Error("odd"), { name: "MyError" });
  const c = roundTrip(custom);
  assert.equal(c.name, "MyError");
  assert.ok(c instanceof Error);
});

Deno.test("codec: values that cannot cross throw TypeError naming where they are", () => {
  assert.throws(
    () => encode({ a: [1, { f: () => 1 }] }),
    /Cannot send a function \(f\) at \.a\[1\]\.f/,
  );
  assert.throws(() => encode([Symbol("s")]), /Cannot send a symbol/);
  assert.throws(() => encode(new WeakMap()), TypeError);
  assert.throws(() => encode(Promise.resolve()), TypeError);
});

Deno.test("codec: shareable objects travel by reference and come back as the same object", () => {
  const lock = new Lock();
  const back = roundTrip({ lock });
  assert.equal(back.lock, lock, "identity kept within a thread");
  lock.acquireSync();
  assert.ok(back.lock.locked());
  lock.release();
});

Deno.test("codec: two error classes of the same name keep apart (multiprocessing.TimeoutError)", async () => {
  const mp = await import("../../multiprocessing/mod.ts");
  const { TimeoutError } = await import("../../_internal/errors.ts");
  const a = roundTrip(new mp.TimeoutError("t"));
  assert.ok(a instanceof mp.TimeoutError && a instanceof mp.ProcessError);
  const b = roundTrip(new TimeoutError("u"));
  assert.ok(b instanceof TimeoutError && !(b instanceof mp.TimeoutError));
});
