/**
 * pickle: malformed, truncated and hostile input. Every truncation and a
 * bounded number of seeded random mutations of valid pickles (ours of every
 * protocol, and hand-written protocol 0-1 ones) either load to a value or
 * throw UnpicklingError: never another error, a crash or a hang. Then the
 * targeted attacks: huge claimed lengths, deep nesting, stack and memo
 * bombs, constructors asked to copy more than the input justifies.
 */
import assert from "node:assert/strict";
import {
  dumps,
  loads,
  PyObject,
  tuple,
  UnpicklingError,
} from "../../pickle/mod.ts";
import { ValueError } from "../../_internal/errors.ts";

function b(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

/** A small deterministic PRNG (mulberry32), so failures reproduce. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function loadsOrUnpicklingError(data: Uint8Array, what: string): void {
  try {
    loads(data);
  } catch (e) {
    if (!(e instanceof UnpicklingError)) {
      throw new Error(
        `${what}: ${e} for ${JSON.stringify(Array.from(data))}`,
        { cause: e },
      );
    }
  }
}

function seeds(): Uint8Array[] {
  const shared = [1, "s"];
  const rec: unknown[] = [];
  rec.push(rec);
  const values: unknown[] = [
    tuple(null, "dummy", tuple(1, "x"), {}),
    [1, -1, 300, 70000, 2 ** 40, 2n ** 100n, -(2n ** 70n), 1.5, true, false],
    {
      a: "h\u00e9llo \u{1F600}",
      b: new Uint8Array([1, 2, 3]),
      c: [shared, shared],
    },
    new Map<unknown, unknown>([[1, "a"], [tuple(1, 2), new Set([1, "x"])]]),
    new Set([new Set([1])]),
    rec,
    new ValueError("bad"),
    new PyObject("mod", "K", [], { x: 1 }, {
      newobj: true,
      listItems: [1],
      dictItems: [["k", 2]],
    }),
    new PyObject("mod", "F", [1], undefined, { kwargs: { a: 1 } }),
    new Uint8Array(300).fill(65),
    "x".repeat(300),
  ];
  const out: Uint8Array[] = [];
  for (const v of values) {
    for (let protocol = 0; protocol <= 5; protocol++) {
      out.push(dumps(v, { protocol }));
    }
  }
  // Hand-written CPython protocol 0/1 forms our dumps does not use.
  for (
    const p of [
      "(lp0\nL0L\naF2.0\naS'abc'\np1\nag1\nac__builtin__\ncomplex\np2\n(F3.0\nF0.0\ntp3\nRp4\na.",
      "(i__main__\nC\np0\n(dp1\nVx\np2\nI1\nsb.",
      "(c__main__\nC\nq\x00oq\x01}q\x02b.",
      "ccopy_reg\n_reconstructor\np0\n(c__main__\nP\np1\nc__builtin__\nobject\np2\nNtp3\nRp4\n(dp5\nVx\np6\nI1\nsb.",
      "\x80\x02c__builtin__\nset\nq\x00]q\x01(K\x01K\x02e\x85q\x02Rq\x03.",
      "((lp100000\ng100000\nt.",
    ]
  ) out.push(b(p));
  return out;
}

Deno.test("pickle hostile: every truncation of valid pickles is refused or loads", () => {
  for (const data of seeds()) {
    for (let n = 0; n < data.length; n++) {
      loadsOrUnpicklingError(data.subarray(0, n), "truncation");
    }
    assert.doesNotThrow(() => loads(data));
  }
});

Deno.test("pickle hostile: seeded random mutations are refused or load", () => {
  const random = rng(12);
  const all = seeds();
  const interesting = [0x00, 0xff, 0x7f, 0x80, 0x28, 0x2e, 0x94, 0x95, 0x0a];
  for (let i = 0; i < 6000; i++) {
    const src = all[Math.floor(random() * all.length)]!;
    const data = Array.from(src);
    const edits = 1 + Math.floor(random() * 3);
    for (let k = 0; k < edits; k++) {
      const at = Math.floor(random() * (data.length + 1));
      const byte = random() < 0.5
        ? interesting[Math.floor(random() * interesting.length)]!
        : Math.floor(random() * 256);
      const kind = random();
      if (kind < 0.6) data[Math.min(at, data.length - 1)] = byte;
      else if (kind < 0.8) data.splice(at, 0, byte);
      else data.splice(at, 1);
    }
    loadsOrUnpicklingError(new Uint8Array(data), `mutation ${i}`);
  }
});

Deno.test("pickle hostile: lengths claiming gigabytes that are not there", () => {
  const attacks = [
    "\x80\x04\x8e\xff\xff\xff\xff\xff\xff\x1f\x00abc.", // BINBYTES8 ~ 2**61
    "\x80\x04\x8d\x00\x00\x00\x00\x01\x00\x00\x00abc.", // BINUNICODE8 4 GiB
    "\x80\x05\x96\x00\x00\x00\x80\x00\x00\x00\x00abc.", // BYTEARRAY8 2 GiB
    "\x80\x04\x95\x00\x00\x00\x00\x00\x10\x00\x00N.", // FRAME 2**44
    "\x80\x03B\xff\xff\xff\x7fabc.", // BINBYTES 2 GiB
    "\x80\x03X\xff\xff\xff\x7fabc.", // BINUNICODE 2 GiB
    "\x80\x02\x8b\xff\xff\xff\x7fabc.", // LONG4 2 GiB
    "T\xff\xff\xff\x7fabc.", // BINSTRING 2 GiB
  ];
  for (const a of attacks) {
    assert.throws(() => loads(b(a)), /truncated|exhausted/);
  }
});

Deno.test("pickle hostile: deep nesting is refused without overflowing the stack", () => {
  const depth = 200_000;
  // Protocol 2: EMPTY_LIST depth times, then APPEND depth-1 times.
  const lists = new Uint8Array(2 + depth + (depth - 1) + 1);
  lists.set([0x80, 2]);
  lists.fill(0x5d, 2, 2 + depth);
  lists.fill(0x61, 2 + depth, 2 + depth + depth - 1);
  lists[lists.length - 1] = 0x2e;
  assert.throws(() => loads(lists), (e: unknown) => {
    assert.ok(e instanceof UnpicklingError);
    assert.match((e as Error).message, /deeper than/);
    return true;
  });
  // Tuples through MARKs: (((( ... N t t t ... .
  const marks = "(".repeat(depth) + "N" + "t".repeat(depth) + ".";
  assert.throws(() => loads(b(marks)), /deeper than/);
  // Dicts nested through SETITEM.
  const dicts = "\x80\x02" + "}K\x01".repeat(depth) + "N" + "s".repeat(depth) +
    ".";
  assert.throws(() => loads(b(dicts)), /deeper than/);
  // Only MARKs: a stack of marks and nothing to close them.
  assert.throws(() => loads(b("(".repeat(depth) + ".")), UnpicklingError);
});

Deno.test("pickle hostile: stack, DUP and memo bombs cost only what the input holds", () => {
  const dup = "N" + "2".repeat(500_000) + ".";
  assert.equal(loads(b(dup)), null);
  const memo = "\x80\x02Nr\xff\xff\xff\xffj\xff\xff\xff\xff.";
  assert.equal(loads(b(memo)), null);
  const sparse = "\x80\x02Nr\x00\x00\x00\x40q\x05h\x05.";
  assert.equal(loads(b(sparse)), null);
  assert.throws(
    () => loads(b("\x80\x02Nr\x00\x00\x00\x40j\x00\x00\x00\x3f.")),
    /Memo value not found/,
  );
});

Deno.test("pickle hostile: safe constructors cannot be made to copy more than the input justifies", () => {
  // builtins.list applied over and over to the same 10000-item list.
  const parts: number[] = [0x80, 2, ...b("c__builtin__\nlist\nq\x00]q\x01(")];
  for (let i = 0; i < 10000; i++) parts.push(0x4b, 1);
  parts.push(0x65); // APPENDS
  for (let i = 0; i < 20000; i++) {
    parts.push(0x68, 0, 0x68, 1, 0x85, 0x52, 0x30);
  }
  parts.push(0x2e);
  assert.throws(() => loads(new Uint8Array(parts)), /more work than its size/);
  // bytes(n) is never evaluated (it would allocate n bytes).
  const o = loads(
    b("\x80\x02c__builtin__\nbytes\nJ\x00\x00\x00\x7f\x85R."),
  ) as PyObject;
  assert.ok(o instanceof PyObject);
  // A huge decimal INT/LONG costs linear time, and loads.
  const bigText = "L" + "9".repeat(20000) + "L\n.";
  assert.equal(typeof loads(b(bigText)), "bigint");
});

Deno.test("pickle hostile: a failed load leaves the module usable", () => {
  assert.throws(() => loads(b("(((")), UnpicklingError);
  assert.deepEqual(loads(dumps([1, tuple(2)])), [1, tuple(2)]);
});
