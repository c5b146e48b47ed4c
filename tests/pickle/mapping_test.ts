/**
 * pickle: the JS ↔ Python mapping of API.md, each protocol, round trips,
 * shared references and cycles, PyObject records, exceptions, and what
 * `dumps` refuses.
 */
import assert from "node:assert/strict";
import {
  dumps,
  HIGHEST_PROTOCOL,
  isTuple,
  loads,
  PickleError,
  PicklingError,
  PyObject,
  tuple,
  UnpicklingError,
} from "../../pickle/mod.ts";
import {
  FileNotFoundError,
  KeyError,
  OSError,
  RuntimeError,
  TimeoutError,
  ValueError,
} from "../../_internal/errors.ts";

const PROTOCOLS = [0, 1, 2, 3, 4, 5];

function roundTrip(v: unknown, protocol: number): unknown {
  return loads(dumps(v, { protocol }));
}

Deno.test("pickle: scalars round-trip in every protocol", () => {
  const values: unknown[] = [
    null,
    true,
    false,
    0,
    1,
    -1,
    255,
    256,
    -256,
    65535,
    65536,
    -65536,
    0x7fffffff,
    -0x80000000,
    0x80000000,
    -0x80000001,
    2 ** 53 - 1,
    -(2 ** 53 - 1),
    1.5,
    -2.25,
    1.5e-300,
    0.1,
    2.2250738585072014e-308,
    5e-324,
    Infinity,
    -Infinity,
    "",
    "abc",
    "h\u00e9llo",
    "\u20ac",
    "\u{1F600}",
    "a\nb\\c\r\0\x1a",
    "x".repeat(300),
    "\u00e9".repeat(200),
  ];
  for (const p of PROTOCOLS) {
    for (const v of values) {
      assert.deepEqual(roundTrip(v, p), v, `protocol ${p}: ${String(v)}`);
    }
    assert.ok(Number.isNaN(roundTrip(NaN, p)));
    assert.ok(Object.is(roundTrip(-0, p), -0), `protocol ${p}: -0`);
  }
});

Deno.test("pickle: an integer-valued number dumps as int, even past 2**53", () => {
  for (const p of PROTOCOLS) {
    assert.equal(roundTrip(1e300, p), BigInt(1e300));
    assert.equal(roundTrip(-(2 ** 64), p), -(2n ** 64n));
  }
});

Deno.test("pickle: undefined dumps as None", () => {
  assert.equal(loads(dumps(undefined)), null);
  assert.deepEqual(loads(dumps([undefined])), [null]);
});

Deno.test("pickle: ints outside the safe range are bigints, inside are numbers", () => {
  for (const p of PROTOCOLS) {
    assert.equal(roundTrip(2n ** 53n, p), 2n ** 53n);
    assert.equal(roundTrip(-(2n ** 53n), p), -(2n ** 53n));
    assert.equal(roundTrip(5n, p), 5);
    assert.equal(roundTrip(2n ** 53n - 1n, p), 2 ** 53 - 1);
    assert.equal(roundTrip(2 ** 60, p), 2n ** 60n);
    for (let n = 0; n < 300; n += 7) {
      for (const d of [-1n, 0n, 1n]) {
        const x = (1n << BigInt(n)) + d;
        for (const v of [x, -x]) {
          const back = roundTrip(v, p);
          assert.equal(BigInt(back as number | bigint), v, `2**${n}${d}`);
        }
      }
    }
  }
});

Deno.test("pickle: huge longs (LONG4) round-trip", () => {
  const x = (1n << 5000n) - 12345n;
  assert.equal(roundTrip(x, 2), x);
  assert.equal(roundTrip(-x, 4), -x);
  const bytes = dumps(x, { protocol: 2 });
  assert.equal(bytes[2], 0x8b); // LONG4
});

Deno.test("pickle: bytes and bytearray", () => {
  const samples = [
    new Uint8Array(0),
    new Uint8Array([0, 1, 2, 255]),
    new Uint8Array(300).map((_, i) => i & 0xff),
  ];
  for (const p of PROTOCOLS) {
    for (const b of samples) {
      const back = roundTrip(b, p);
      assert.ok(back instanceof Uint8Array);
      assert.deepEqual(back, b);
    }
  }
});

Deno.test("pickle: lists, tuples, dicts, sets", () => {
  const values: unknown[] = [
    [],
    [1, [2, [3]]],
    tuple(),
    tuple(1),
    tuple(1, 2),
    tuple(1, 2, 3),
    tuple(1, 2, 3, 4),
    {},
    { a: 1, b: [2, "c"], "": null },
    new Map<unknown, unknown>([[1, "a"], [2.5, "b"], [null, "c"], [true, 1]]),
    new Set([1, "a", tuple(1, 2)]),
    new Set(),
    Array.from({ length: 2500 }, (_, i) => i),
    Object.fromEntries(Array.from({ length: 2500 }, (_, i) => [`k${i}`, i])),
    new Set(Array.from({ length: 2500 }, (_, i) => i)),
  ];
  for (const p of PROTOCOLS) {
    for (const v of values) {
      assert.deepEqual(roundTrip(v, p), v, `protocol ${p}: ${Deno.inspect(v)}`);
    }
  }
});

Deno.test("pickle: tuples load frozen, lists do not", () => {
  for (const p of PROTOCOLS) {
    const back = roundTrip([tuple(1, [2]), [3]], p) as unknown[];
    assert.ok(isTuple(back[0]));
    assert.ok(!isTuple((back[0] as unknown[])[1]));
    assert.ok(!Object.isFrozen(back));
    assert.ok(!isTuple(back[1]));
  }
});

Deno.test("pickle: a dict whose keys are not all str loads as a Map", () => {
  for (const p of PROTOCOLS) {
    const m = new Map<unknown, unknown>([["a", 1], [2, "b"]]);
    const back = roundTrip({ x: m, y: [m] }, p) as Record<string, unknown>;
    assert.ok(back.x instanceof Map);
    assert.equal(back.x, (back.y as unknown[])[0]);
    assert.deepEqual([...(back.x as Map<unknown, unknown>)], [["a", 1], [
      2,
      "b",
    ]]);
    // A str-keyed Map dumps as a dict and loads as a plain object.
    assert.deepEqual(roundTrip(new Map([["k", 1]]), p), { k: 1 });
  }
});

Deno.test("pickle: tuple keys and frozenset keys", () => {
  for (const p of PROTOCOLS) {
    const key = tuple(1, "a");
    const back = roundTrip(new Map([[key, 1]]), p) as Map<unknown, unknown>;
    const [k] = [...back.keys()];
    assert.ok(isTuple(k));
    assert.deepEqual(k, key);
    // A Set as a key is written as a frozenset (hashable in Python).
    const fs = roundTrip(new Map([[new Set([1, 2]), "v"]]), p) as Map<
      unknown,
      unknown
    >;
    assert.deepEqual([...fs.keys()], [new Set([1, 2])]);
    const nested = roundTrip(new Set([new Set([1])]), p) as Set<unknown>;
    assert.deepEqual(nested, new Set([new Set([1])]));
  }
});

Deno.test("pickle: a __proto__ key stays a plain key", () => {
  const obj = JSON.parse('{"__proto__": {"polluted": 1}, "a": 2}');
  for (const p of PROTOCOLS) {
    const back = roundTrip(obj, p) as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(back), Object.prototype);
    assert.ok(Object.hasOwn(back, "__proto__"));
    assert.deepEqual(back["__proto__"], { polluted: 1 });
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  }
});

Deno.test("pickle: shared references stay shared", () => {
  const shared = [1, 2];
  const obj = { a: shared, b: shared };
  const m = new Map([[1, shared]]);
  for (const p of PROTOCOLS) {
    const back = roundTrip([obj, obj, m, shared], p) as unknown[];
    const o = back[0] as { a: unknown; b: unknown };
    assert.equal(back[0], back[1]);
    assert.equal(o.a, o.b);
    assert.equal(o.a, back[3]);
    assert.equal((back[2] as Map<unknown, unknown>).get(1), back[3]);
  }
});

Deno.test("pickle: recursive lists, dicts, sets and PyObjects", () => {
  for (const p of PROTOCOLS) {
    const l: unknown[] = [];
    l.push(l);
    const lb = roundTrip(l, p) as unknown[];
    assert.equal(lb.length, 1);
    assert.equal(lb[0], lb);

    const d: Record<string, unknown> = {};
    d.self = d;
    const db = roundTrip(d, p) as Record<string, unknown>;
    assert.equal(db.self, db);

    const m = new Map<unknown, unknown>();
    m.set(1, m);
    const mb = roundTrip(m, p) as Map<unknown, unknown>;
    assert.equal(mb.get(1), mb);

    // A tuple reached again through a list inside it.
    const inner: unknown[] = [];
    const t = tuple(inner);
    inner.push(t);
    const tb = roundTrip(t, p) as readonly unknown[];
    assert.ok(isTuple(tb));
    assert.equal((tb[0] as unknown[])[0], tb);

    // A PyObject whose state refers to itself.
    const o = new PyObject("mod", "K", [], undefined, { newobj: true });
    o.state = { me: o };
    const ob = roundTrip(o, p) as PyObject;
    assert.equal((ob.state as { me: unknown }).me, ob);

    // A dict with an int key that refers to itself through a tuple.
    const dm = new Map<unknown, unknown>();
    dm.set(1, tuple(dm));
    const dmb = roundTrip(dm, p) as Map<unknown, unknown>;
    assert.ok(dmb instanceof Map);
    assert.equal((dmb.get(1) as unknown[])[0], dmb);
    assert.ok(isTuple(dmb.get(1)));
  }
});

Deno.test("pickle: PyObject records round-trip in every protocol", () => {
  const token = new PyObject(
    "multiprocessing.managers",
    "Token",
    [],
    tuple("Queue", tuple("127.0.0.1", 50000), "7f3e"),
    { newobj: true },
  );
  const reduced = new PyObject("datetime", "date", [
    new Uint8Array([7, 234, 12, 7]),
  ]);
  const cls = new PyObject("collections", "OrderedDict");
  const withKw = new PyObject("mod", "K", [1], { a: 1 }, { kwargs: { x: 2 } });
  const listy = new PyObject("mod", "L", [], undefined, {
    newobj: true,
    listItems: [1, 2],
    dictItems: [["k", 3]],
  });
  for (const p of PROTOCOLS) {
    for (const o of [token, reduced, cls, withKw, listy]) {
      const back = roundTrip(o, p) as PyObject;
      assert.ok(back instanceof PyObject, `protocol ${p}: ${o}`);
      assert.equal(back.qualname, o.qualname);
      assert.deepEqual(back.args, o.args);
      assert.deepEqual(back.state, o.state);
      assert.deepEqual(back.kwargs, o.kwargs);
      assert.deepEqual(back.listItems, o.listItems);
      assert.deepEqual(back.dictItems, o.dictItems);
      assert.equal(back.newobj, o.newobj, `protocol ${p}: ${o}`);
    }
  }
  assert.equal(String(token), "<multiprocessing.managers.Token object>");
  assert.equal(String(cls), "<collections.OrderedDict>");
  assert.throws(() => new PyObject(1 as unknown as string, "x"), TypeError);
});

Deno.test("pickle: the same class twice is written once (memo)", () => {
  const a = new PyObject("mod", "K", [1]);
  const b = new PyObject("mod", "K", [2]);
  const bytes = dumps([a, b]);
  const text = new TextDecoder().decode(bytes);
  assert.equal(text.split("mod").length, 2);
  const back = loads(bytes) as PyObject[];
  assert.deepEqual(back.map((o) => o.args), [[1], [2]]);
});

Deno.test("pickle: library errors round-trip as Python's builtin exceptions", () => {
  for (const p of PROTOCOLS) {
    const v = roundTrip(new ValueError("bad value"), p);
    assert.ok(v instanceof ValueError);
    assert.equal((v as Error).message, "bad value");
    assert.deepEqual((v as unknown as { args: unknown[] }).args, ["bad value"]);

    const r = roundTrip(new RuntimeError(""), p) as Error;
    assert.ok(r instanceof RuntimeError);
    assert.deepEqual((r as unknown as { args: unknown[] }).args, []);

    const t = roundTrip(new TypeError("nope"), p);
    assert.ok(t instanceof TypeError);

    const e = roundTrip(new Error("plain"), p);
    assert.equal(Object.getPrototypeOf(e), Error.prototype);
    assert.equal((e as Error).message, "plain");

    const os = roundTrip(new OSError(2, "No such file", "x.txt"), p);
    assert.ok(os instanceof FileNotFoundError);
    assert.equal((os as OSError).errno, 2);
    assert.equal((os as OSError).filename, "x.txt");
    assert.equal((os as Error).message, "[Errno 2] No such file: 'x.txt'");

    const k = roundTrip(new KeyError("'k'"), p);
    assert.ok(k instanceof KeyError);
  }
  // Protocols 0-2 use Python 2's names: TimeoutError is exceptions.OSError.
  const te = roundTrip(new TimeoutError(110, "timed out"), 4);
  assert.ok(te instanceof TimeoutError);
  const te2 = roundTrip(new TimeoutError(110, "timed out"), 2);
  assert.ok(te2 instanceof OSError);
});

Deno.test("pickle: errors of unregistered classes dump as their nearest registered ancestor", () => {
  class MyError extends ValueError {}
  const back = loads(dumps(new MyError("x")));
  assert.equal(Object.getPrototypeOf(back), ValueError.prototype);
  const range = loads(dumps(new RangeError("r")));
  assert.equal(Object.getPrototypeOf(range), Error.prototype);
});

Deno.test("pickle: dumps refuses values outside the mapping with PicklingError", () => {
  const bad: [unknown, RegExp][] = [
    [() => 1, /function/],
    [function named() {}, /function 'named'/],
    [Symbol("s"), /symbol/],
    [new Date(0), /'Date' object/],
    [/x/, /'RegExp' object/],
    [new Int32Array(2), /'Int32Array' object/],
    [new (class Foo {})(), /'Foo' object/],
    [[1, { f: () => 0 }], /function/],
    [new Map([[[1], 2]]), /list.*unhashable/],
    [new Map([[{}, 2]]), /plain object.*unhashable/],
    [new Set([[1]]), /list.*unhashable/],
    [new Map([[new Map(), 1]]), /Map.*unhashable/],
  ];
  for (const [v, re] of bad) {
    assert.throws(() => dumps(v), (e: unknown) => {
      assert.ok(e instanceof PicklingError, String(e));
      assert.ok(e instanceof PickleError);
      assert.match((e as Error).message, re);
      return true;
    });
  }
  // A cycle through a Map key (a Set key containing itself through a tuple).
  const s = new Set<unknown>();
  s.add(tuple(s));
  assert.throws(() => dumps(new Map([[s, 1]])), /cycle/);
  // After a refusal dumps still works (no state left behind).
  assert.deepEqual(loads(dumps([1, "a"])), [1, "a"]);
});

Deno.test("pickle: dumps refuses nesting deeper than the limit, loads of the limit works", () => {
  let ok: unknown = 1;
  for (let i = 0; i < 1900; i++) ok = [ok];
  for (const p of [0, 2, 4]) {
    let back = roundTrip(ok, p);
    let depth = 0;
    while (Array.isArray(back)) {
      back = back[0];
      depth++;
    }
    assert.equal(depth, 1900);
  }
  let deep: unknown = 1;
  for (let i = 0; i < 100_000; i++) deep = [deep];
  assert.throws(() => dumps(deep), PicklingError);
  let deepObj: Record<string, unknown> = {};
  for (let i = 0; i < 100_000; i++) deepObj = { x: deepObj };
  assert.throws(() => dumps(deepObj), PicklingError);
});

Deno.test("pickle: protocol option", () => {
  assert.deepEqual([...dumps(null, { protocol: 2 })], [0x80, 2, 0x4e, 0x2e]);
  assert.deepEqual([...dumps(null)], [0x80, 4, 0x4e, 0x2e]);
  assert.deepEqual([...dumps(null, { protocol: -1 })], [
    0x80,
    HIGHEST_PROTOCOL,
    0x4e,
    0x2e,
  ]);
  assert.deepEqual([...dumps(null, { protocol: 0 })], [0x4e, 0x2e]);
  for (const protocol of [6, -2, 1.5, NaN]) {
    assert.throws(() => dumps(null, { protocol }), ValueError);
  }
  assert.throws(() => loads("x" as unknown as Uint8Array), TypeError);
});

Deno.test("pickle: protocol 4 frames the pickle as CPython does", () => {
  // pickle.dumps((None, 'dummy', (1, 'x'), {}), 4)
  const expected = [
    0x80,
    4,
    0x95,
    0x17,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0x28,
    0x4e,
    0x8c,
    5,
    ...new TextEncoder().encode("dummy"),
    0x94,
    0x4b,
    1,
    0x8c,
    1,
    0x78,
    0x94,
    0x86,
    0x94,
    0x7d,
    0x94,
    0x74,
    0x94,
    0x2e,
  ];
  assert.deepEqual(
    [...dumps(tuple(null, "dummy", tuple(1, "x"), {}))],
    expected,
  );
});

Deno.test("pickle: loads ignores bytes after STOP and copies bytes out of the input", () => {
  const data = new Uint8Array([0x80, 3, 0x43, 2, 1, 2, 0x2e, 0xff, 0xff]);
  const b = loads(data) as Uint8Array;
  assert.deepEqual(b, new Uint8Array([1, 2]));
  data[4] = 9;
  assert.equal(b[0], 1);
});

Deno.test("pickle: lone surrogates survive (surrogatepass)", () => {
  for (const p of PROTOCOLS) {
    for (
      const s of [
        "\ud800",
        "a\udfffb",
        "\udc00\ud800",
        "x".repeat(100) + "\ud83d",
      ]
    ) {
      assert.equal(roundTrip(s, p), s);
    }
  }
});

Deno.test("pickle: errors cross as UnpicklingError subclasses of PickleError", () => {
  assert.throws(() => loads(new Uint8Array([])), UnpicklingError);
  assert.ok(new UnpicklingError("x") instanceof PickleError);
  assert.equal(new PicklingError("x").name, "PicklingError");
});

Deno.test("pickle: results of successive dumps never share bytes", () => {
  const a = dumps(tuple(1, "a"));
  const copyA = a.slice();
  const b = dumps(tuple(2, "b"));
  b.fill(0);
  assert.deepEqual(a, copyA);
  assert.deepEqual(loads(a), tuple(1, "a"));
});

Deno.test("pickle: a transferred result's buffer does not break later dumps", () => {
  const a = dumps([1, 2, 3]);
  const buf = a.buffer as ArrayBuffer;
  structuredClone(buf, { transfer: [buf] });
  assert.equal(a.length, 0); // detached, as transfer does
  for (let i = 0; i < 3; i++) {
    assert.deepEqual(loads(dumps({ i, s: "x".repeat(i * 100) })), {
      i,
      s: "x".repeat(i * 100),
    });
  }
});

Deno.test("pickle: dumps called from a getter during dumps, and a throwing getter", () => {
  const inner = {
    get nested() {
      return dumps(tuple("inner", 1));
    },
  };
  const out = loads(dumps(inner)) as { nested: Uint8Array };
  assert.deepEqual(loads(out.nested), tuple("inner", 1));
  const bad = {
    get boom(): never {
      throw new Error("getter failed");
    },
  };
  assert.throws(() => dumps([1, bad]), /getter failed/);
  assert.deepEqual(loads(dumps([1, "ok"])), [1, "ok"]);
});

Deno.test("pickle: loads reads a view at any offset of a larger buffer", () => {
  const data = dumps(tuple(null, "dummy", tuple(1, "x"), {}));
  const big = new Uint8Array(data.length + 10);
  big.set(data, 7);
  assert.deepEqual(
    loads(big.subarray(7, 7 + data.length)),
    tuple(null, "dummy", tuple(1, "x"), {}),
  );
});
