/**
 * pickle: the fast paths. dumps' fast writer (protocols 4-5, plain values)
 * must write byte for byte what the general Pickler writes, give way to it
 * for everything else, start over in a bigger buffer when the pool is too
 * small, and leave nothing behind when a value throws half-way. The
 * loader's fast loop (BININT, BINFLOAT, SHORT_BINBYTES) must read what the
 * general path read, refuse truncated arguments, and never let a memo
 * entry of one load be seen by the next; its pooled bytes never overlap
 * and survive a transferred pool; its depth check holds for trees (walked
 * without a seen set) as for shared values.
 */
import assert from "node:assert/strict";
import {
  dumps,
  loads,
  PicklingError,
  PyObject,
  tuple,
  UnpicklingError,
} from "../../pickle/mod.ts";
import { pickle } from "../../pickle/_pickler.ts";
import { checkDepth, MAX_DEPTH } from "../../pickle/_loaded.ts";

function nested(depth: number): unknown {
  let v: unknown = "leaf";
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}

const shared = { z: 1 };
const sharedList = [1, 2];
const selfList: unknown[] = [];
selfList.push(selfList, tuple(selfList));
const selfDict: Record<string, unknown> = {};
selfDict.me = selfDict;
const inner: unknown[] = [];
const loopTuple = tuple(inner);
inner.push(loopTuple);

/** Values the fast writer takes, and values it must hand over. */
const VALUES: [string, unknown][] = [
  ["None", null],
  ["undefined", undefined],
  ["bools", [true, false]],
  ["small ints", [0, 1, 255, 256, 65535, 65536, -1, -256]],
  ["int32 edges", [-2147483648, 2147483647]],
  ["ints past int32", [2147483648, -2147483649, 2 ** 53, -(2 ** 40)]],
  ["-0 and floats", [-0, 0.5, 1.5, -2.25, 1e300, 5e-324]],
  ["NaN and infinities", [NaN, Infinity, -Infinity]],
  ["short strs", ["", "a", "abc"]],
  ["memoized strs", ["abcd", "abcd", "efgh", "abcd"]],
  ["non-ASCII", ["é", "€uro", "😀😀", "a\u0100b"]],
  ["lone surrogates", ["\ud800", "x\udfffy"]],
  ["SHORT/BINUNICODE edges", [
    "x".repeat(85),
    "x".repeat(86),
    "x".repeat(255),
    "x".repeat(256),
    "é".repeat(100),
    "€".repeat(90),
  ]],
  ["tuples", [
    tuple(),
    tuple(1),
    tuple(1, 2),
    tuple(1, 2, 3),
    tuple(1, 2, 3, 4),
  ]],
  ["lists", [[], [1], [1, 2], Array.from({ length: 2500 }, (_, i) => i)]],
  ["dicts", [{}, { a: 1 }, { a: 1, b: 2 }, Object.create(null)]],
  ["dicts with a 'constructor' key", [
    { constructor: 1 },
    { a: 1, constructor: "c", b: [2] },
    Object.assign(Object.create(null), { constructor: "x", a: 1 }),
    Object.assign(Object.create(null), { a: 1 }),
  ]],
  [
    "a big dict",
    Object.fromEntries(
      Array.from({ length: 1100 }, (_, i) => [`k${i}`, i]),
    ),
  ],
  ["bytes", [
    new Uint8Array(0),
    new Uint8Array(16).fill(3),
    new Uint8Array(300),
  ]],
  ["the manager request", tuple(null, "dummy", tuple(1, "x"), {})],
  ["shared references", {
    shared,
    again: shared,
    list: [sharedList, sharedList, tuple(sharedList, sharedList)],
  }],
  [
    "a memo past the linear search",
    Array.from(
      { length: 100 },
      (_, i) => ({ [`key${i}`]: `val${i % 5}xxxx` }),
    ),
  ],
  [
    "a memo past 256 entries (LONG_BINGET)",
    (() => {
      const items = Array.from({ length: 300 }, (_, i) => [i]);
      return [...items, ...items];
    })(),
  ],
  [
    "a pickle larger than the pool",
    Array.from(
      { length: 3000 },
      (_, i) => `string number ${i}`,
    ),
  ],
  ["a pickle larger than 32 KiB", "y".repeat(100_000)],
  ["cycles", [selfList, selfDict]],
  ["a tuple reached through its own items", loopTuple],
  ["deep nesting (past the fast path's depth)", nested(300)],
  ["values only the general Pickler writes", [
    new Map([[1, 2]]),
    new Set([1]),
    10n,
    2n ** 80n,
    new PyObject("collections", "OrderedDict"),
    new RangeError("bad"),
    new (class Sub extends Uint8Array {})(4),
    new (class List extends Array {})(),
  ]],
  ["a mixed message", {
    id: 12345,
    name: "worker-7",
    ok: true,
    ratio: 0.75,
    tags: ["a", "b", "c"],
    pos: tuple(1, 2, 3),
    blob: new Uint8Array(64).fill(0x78),
    rows: Array.from({ length: 20 }, (_, i) => ({ k: i, v: String(i) })),
  }],
];

Deno.test("pickle fast path: dumps writes the general Pickler's bytes", () => {
  for (const [what, value] of VALUES) {
    for (const protocol of [4, 5]) {
      const fast = dumps(value, { protocol }).slice();
      const general = pickle(value, protocol, false).slice();
      assert.deepEqual(fast, general, `${what}, protocol ${protocol}`);
    }
  }
});

Deno.test("pickle fast path: what it writes loads back", () => {
  for (const [what, value] of VALUES) {
    if (what === "cycles" || what.startsWith("a tuple reached")) continue;
    if (what.startsWith("values only")) continue;
    const back = loads(dumps(value));
    // -0 comes back as the int 0's float twin: compare by pickling again.
    assert.deepEqual(dumps(back).slice(), dumps(value).slice(), what);
  }
});

Deno.test("pickle fast path: a tiny pickle has no FRAME, as CPython's", () => {
  // pickle.dumps(None, 4) and pickle.dumps(1, 4)
  assert.deepEqual(dumps(null), new Uint8Array([0x80, 4, 0x4e, 0x2e]));
  assert.deepEqual(dumps(1), new Uint8Array([0x80, 4, 0x4b, 1, 0x2e]));
  // pickle.dumps("abc", 4) but for the MEMOIZE (short strs are not
  // memoized): 6 bytes after the header, framed.
  assert.deepEqual(
    dumps("abc"),
    new Uint8Array([
      0x80,
      4,
      0x95,
      6,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0x8c,
      3,
      0x61,
      0x62,
      0x63,
      0x2e,
    ]),
  );
});

Deno.test("pickle fast path: too deep values still fail as before", () => {
  assert.throws(() => dumps(nested(MAX_DEPTH + 5)), PicklingError);
  // Below the limit but past the fast path's depth: the general Pickler.
  assert.deepEqual(loads(dumps(nested(500))), nested(500));
});

Deno.test("pickle fast path: a getter that throws leaves nothing behind", () => {
  const boom = {
    a: "first value",
    get b(): unknown {
      throw new Error("getter failed");
    },
  };
  assert.throws(() => dumps([shared, boom]), /getter failed/);
  // The memo was cleared: `shared` is not a memo hit in the next pickle.
  assert.deepEqual(
    dumps([shared]).slice(),
    pickle([shared], 4, false).slice(),
  );
  assert.deepEqual(loads(dumps(tuple("first value", shared))), [
    "first value",
    shared,
  ]);
});

Deno.test("pickle fast path: a getter that calls dumps gets its own pickle", () => {
  const value = {
    name: "outer value",
    get nested(): unknown {
      return loads(dumps({ name: "inner value", list: [1, 2, 3] }));
    },
  };
  const back = loads(dumps(value)) as Record<string, unknown>;
  assert.deepEqual(back, {
    name: "outer value",
    nested: { name: "inner value", list: [1, 2, 3] },
  });
});

Deno.test("pickle fast path: results never overlap, across pool refills", () => {
  const results: Uint8Array[] = [];
  const values: unknown[] = [];
  for (let i = 0; i < 2000; i++) {
    const v = i % 7 === 0 ? "z".repeat(i) : tuple(i, `s${i}`, [i, i + 1]);
    values.push(v);
    results.push(dumps(v));
  }
  for (let i = 0; i < results.length; i++) {
    assert.deepEqual(loads(results[i]!), values[i]);
  }
});

Deno.test("pickle fast loop: BININT, BINFLOAT and SHORT_BINBYTES", () => {
  // pickle.dumps((-5, 70000, -2**31, 0.1, -1e-300, b"ab"), 4) without
  // its FRAME (so that a cut reaches the opcode, not the frame check).
  const data = new Uint8Array([
    0x80,
    0x4,
    0x28,
    0x4a,
    0xfb,
    0xff,
    0xff,
    0xff,
    0x4a,
    0x70,
    0x11,
    0x1,
    0x0,
    0x4a,
    0x0,
    0x0,
    0x0,
    0x80,
    0x47,
    0x3f,
    0xb9,
    0x99,
    0x99,
    0x99,
    0x99,
    0x99,
    0x9a,
    0x47,
    0x81,
    0xa5,
    0x6e,
    0x1f,
    0xc2,
    0xf8,
    0xf3,
    0x59,
    0x43,
    0x2,
    0x61,
    0x62,
    0x94,
    0x74,
    0x94,
    0x2e,
  ]);
  assert.deepEqual(loads(data), [
    -5,
    70000,
    -(2 ** 31),
    0.1,
    -1e-300,
    new Uint8Array([0x61, 0x62]),
  ]);
  // Each argument cut short is refused.
  for (const cut of [6, 22, 30, 37, 39]) {
    assert.throws(() => loads(data.subarray(0, cut)), UnpicklingError);
  }
  // The bytes are a copy, not a view of the input.
  const bytes = (loads(data) as unknown[])[5] as Uint8Array;
  data[38] = 0x7a;
  assert.equal(bytes[0], 0x61);
});

Deno.test("pickle fast loop: a memo entry never outlives its load", () => {
  // A load that memoizes 5000 values (its loader is not reused) and one
  // that memoizes 40, then pickles that GET those indices.
  loads(dumps(Array.from({ length: 5000 }, (_, i) => [i])));
  loads(dumps(Array.from({ length: 40 }, (_, i) => [i])));
  for (const idx of [0, 1, 39, 200]) {
    // PROTO 4, BINGET idx, STOP
    assert.throws(
      () => loads(new Uint8Array([0x80, 4, 0x68, idx, 0x2e])),
      (e: unknown) =>
        e instanceof UnpicklingError &&
        e.message === `Memo value not found at index ${idx}`,
    );
  }
  // PUT far past the end: the loader is dropped, not reused.
  assert.throws(
    () =>
      loads(
        new Uint8Array([0x80, 2, 0x4e, 0x72, 0, 0, 1, 0, 0x28, 0x68, 0, 0x2e]),
      ),
    UnpicklingError,
  );
  assert.throws(
    () => loads(new Uint8Array([0x80, 4, 0x6a, 0, 0, 1, 0, 0x2e])),
    UnpicklingError,
  );
});

Deno.test("pickle fast path: an inherited enumerable key is not a dict item", () => {
  // What Object.keys sees (own keys) is what both writers write, even
  // when someone gave Object.prototype an enumerable property.
  const value = { a: 1, b: tuple("two", 2) };
  const before = dumps(value).slice();
  Object.defineProperty(Object.prototype, "inherited", {
    value: "from the prototype",
    enumerable: true,
    configurable: true,
    writable: true,
  });
  try {
    const fast = dumps(value).slice();
    assert.deepEqual(fast, pickle(value, 4, false).slice());
    assert.deepEqual(fast, before);
  } finally {
    delete (Object.prototype as Record<string, unknown>).inherited;
  }
});

Deno.test("pickle fast loop: SETITEM and APPEND, and what they hand over", () => {
  const p = (...ops: number[]) => new Uint8Array([0x80, 4, ...ops, 0x2e]);
  // pickle.dumps({'a': 1}, 4) and pickle.dumps([7], 4), without FRAME
  assert.deepEqual(
    loads(p(0x7d, 0x94, 0x8c, 1, 0x61, 0x94, 0x4b, 1, 0x73)),
    { a: 1 },
  );
  assert.deepEqual(loads(p(0x5d, 0x94, 0x4b, 7, 0x61)), [7]);
  // pickle.dumps({1: 'x'}, 4): a key that is not a str makes a Map.
  assert.deepEqual(
    loads(p(0x7d, 0x94, 0x4b, 1, 0x8c, 1, 0x78, 0x94, 0x73)),
    new Map([[1, "x"]]),
  );
  // "__proto__" stays an own key, not the object's prototype.
  const proto = loads(
    p(0x7d, 0x8c, 9, ...new TextEncoder().encode("__proto__"), 0x4b, 5, 0x73),
  ) as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(proto), Object.prototype);
  assert.deepEqual(Object.entries(proto), [["__proto__", 5]]);
  // Items below a MARK are out of reach: stack underflow, not a set item.
  for (
    const bad of [
      p(0x7d, 0x8c, 1, 0x61, 0x28, 0x4b, 1, 0x73),
      p(0x7d, 0x28, 0x8c, 1, 0x61, 0x4b, 1, 0x73),
      p(0x5d, 0x28, 0x4b, 1, 0x61),
      p(0x4b, 1, 0x73),
      p(0x61),
    ]
  ) {
    assert.throws(() => loads(bad), UnpicklingError);
  }
  // SETITEM on a tuple or an int, APPEND to a tuple or a dict: refused.
  for (
    const bad of [
      p(0x29, 0x8c, 1, 0x61, 0x4b, 1, 0x73),
      p(0x4b, 3, 0x8c, 1, 0x61, 0x4b, 1, 0x73),
      p(0x29, 0x4b, 1, 0x61),
      p(0x7d, 0x4b, 1, 0x61),
    ]
  ) {
    assert.throws(() => loads(bad), UnpicklingError);
  }
  // Onto an object of a class: recorded in its listItems / dictItems.
  // collections.OrderedDict() then SETITEM; collections.deque() then APPEND
  const enc = (s: string) => [0x8c, s.length, ...new TextEncoder().encode(s)];
  const od = loads(
    p(
      ...enc("collections"),
      ...enc("OrderedDict"),
      0x93,
      0x29,
      0x52,
      ...enc("a"),
      0x4b,
      1,
      0x73,
    ),
  ) as PyObject;
  assert.deepEqual(od.dictItems, [["a", 1]]);
  const dq = loads(
    p(...enc("collections"), ...enc("deque"), 0x93, 0x29, 0x52, 0x4b, 2, 0x61),
  ) as PyObject;
  assert.deepEqual(dq.listItems, [2]);
});

Deno.test("pickle fast path: a getter that detaches the pool's buffer", () => {
  const earlier = dumps("an earlier result");
  const value = {
    first: "a value written before the getter runs",
    get second(): unknown {
      // Transferring an earlier result detaches the pool being written.
      // (The fast writer then starts over: a getter may run again.)
      if (earlier.length > 0) {
        const buffer = earlier.buffer as ArrayBuffer;
        structuredClone(buffer, { transfer: [buffer] });
      }
      return tuple("second", 2);
    },
    third: [1, 2, 3],
  };
  const out = dumps(value);
  assert.equal(earlier.length, 0);
  assert.deepEqual(loads(out), {
    first: "a value written before the getter runs",
    second: ["second", 2],
    third: [1, 2, 3],
  });
  assert.deepEqual(loads(dumps(tuple(null, "dummy"))), [null, "dummy"]);
});

Deno.test("pickle fast path: pickles of changing sizes (the next one's room comes from the last)", () => {
  // Big after small, small after big, each past the pool or the buffer
  // the last one's size suggested.
  const sizes = [10, 100_000, 20, 40_000, 300_000, 3_000, 5, 9_000, 8_000];
  for (let round = 0; round < 3; round++) {
    for (const n of sizes) {
      const value = Array.from({ length: Math.ceil(n / 8) }, (_, i) => i);
      const out = dumps(value).slice();
      assert.deepEqual(out, pickle(value, 4, false).slice(), `${n}`);
      assert.deepEqual(loads(out), value);
    }
  }
});

Deno.test("pickle fast loop: a dict with a 'constructor' key is still a dict", () => {
  const values: Record<string, unknown>[] = [
    { constructor: 1 }, // SETITEM
    { constructor: [1], a: 2 }, // SETITEMS
    { a: 1, constructor: "c", b: { constructor: {} } },
    // Past a batch of 1000: the second SETITEMS finds the key set.
    Object.fromEntries([
      ["constructor", 0],
      ...Array.from({ length: 1500 }, (_, i) => [`k${i}`, i]),
    ]),
  ];
  for (const v of values) {
    const back = loads(dumps(v)) as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(back), Object.prototype);
    assert.deepEqual(back, v);
  }
});

Deno.test("pickle fast loop: short bytes are views of a pool that never overlap", () => {
  const values: Uint8Array[] = [];
  const loaded: Uint8Array[] = [];
  for (let i = 0; i < 3000; i++) {
    const v = new Uint8Array(i % 300).fill(i & 0xff);
    values.push(v);
    loaded.push(loads(dumps(v)) as Uint8Array);
  }
  for (let i = 0; i < values.length; i++) {
    const b = loaded[i]!;
    assert.deepEqual(b, values[i]);
    // Aligned as a buffer of its own, for typed views of it.
    assert.equal(b.byteOffset % 8, 0);
    // Longer values have a buffer of their own.
    if (b.length > 256) assert.equal(b.buffer.byteLength, b.length);
  }
  // Writing into one changes no other.
  loaded[10]!.fill(0xee);
  assert.deepEqual(loaded[11], values[11]);
  assert.deepEqual(loaded[9], values[9]);
});

Deno.test("pickle fast loop: a transferred bytes' buffer does not break later loads", () => {
  const a = loads(dumps(new Uint8Array([1, 2, 3]))) as Uint8Array;
  const buf = a.buffer as ArrayBuffer;
  structuredClone(buf, { transfer: [buf] });
  assert.equal(a.length, 0); // detached, as transfer does
  for (let i = 0; i < 3; i++) {
    const v = { i, b: new Uint8Array(i + 1).fill(i) };
    assert.deepEqual(loads(dumps(v)), v);
  }
});

/** Nested lists `depth` deep (protocol 2), the innermost memoized as 0. */
function nestedLists(depth: number): number[] {
  return [
    0x80,
    2,
    ...new Array<number>(depth - 1).fill(0x5d), // EMPTY_LIST
    0x5d,
    0x71,
    0, // the innermost, BINPUT 0
    ...new Array<number>(depth - 1).fill(0x61), // APPEND
  ];
}

Deno.test("pickle fast loop: the depth limit holds for shared values as for trees", () => {
  const STOP = 0x2e;
  // A tree at the limit loads; one past it is refused.
  assert.ok(loads(new Uint8Array([...nestedLists(MAX_DEPTH), STOP])));
  assert.throws(
    () => loads(new Uint8Array([...nestedLists(MAX_DEPTH + 1), STOP])),
    /deeper than/,
  );
  // The same with a shared list beside the outermost: (outer, x, x) with
  // x = [] fetched again (BINGET 1), one level more than the outer list.
  const triple = (depth: number) =>
    new Uint8Array([
      ...nestedLists(depth),
      ...[0x5d, 0x71, 1, 0x68, 1, 0x87, STOP],
    ]);
  assert.ok(loads(triple(MAX_DEPTH - 1)));
  assert.throws(() => loads(triple(MAX_DEPTH)), /deeper than/);
  // Many references to one list among more than MAX_DEPTH containers.
  const wide = [0x80, 2, 0x5d, 0x71, 0, 0x28]; // [], BINPUT 0, MARK
  for (let i = 0; i < MAX_DEPTH + 10; i++) wide.push(0x5d, 0x68, 0);
  wide.push(0x65, STOP); // APPENDS
  const back = loads(new Uint8Array(wide)) as unknown[];
  assert.equal(back.length, 2 * (MAX_DEPTH + 10));
  assert.equal(back[1], back);
});

Deno.test("pickle fast loop: the tree walk of the depth check gives way on shared values", () => {
  // 60 levels, each holding the next twice: 2**60 paths, 61 objects. Said
  // to be a tree of at most 100 objects, the walk must notice that it is
  // not and fall back to the walk that sees each object once.
  let v: unknown[] = [];
  for (let i = 0; i < 60; i++) v = [v, v];
  checkDepth(v, 100);
  let deep: unknown[] = [];
  for (let i = 0; i < MAX_DEPTH; i++) deep = [deep, deep];
  assert.throws(() => checkDepth(deep, 100), /deeper than/);
});
