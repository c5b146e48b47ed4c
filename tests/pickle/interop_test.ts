/**
 * pickle ↔ CPython 3.11 (`python3`): pickles CPython writes with every
 * protocol load to the mapped values here, what `loads` returns dumps back
 * to objects CPython finds equal to the originals, and what `dumps` writes
 * from JS values loads in CPython as the expected Python objects.
 */
import assert from "node:assert/strict";
import { dumps, isTuple, loads, PyObject, tuple } from "../../pickle/mod.ts";
import {
  FileNotFoundError,
  KeyError,
  TimeoutError,
  ValueError,
} from "../../_internal/errors.ts";
import { decodeBase64, encodeBase64 } from "./_base64.ts";

const SCRIPT = new URL("./_scripts/interop.py", import.meta.url).pathname;
const PROTOCOLS = [0, 1, 2, 3, 4, 5];

async function python(mode: string, input?: unknown): Promise<unknown> {
  const child = new Deno.Command("python3", {
    args: [SCRIPT, mode],
    stdin: input === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (input !== undefined) {
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(JSON.stringify(input)));
    await w.close();
  }
  const out = await child.output();
  const err = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, `python3 failed: ${err}`);
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

/** What each CPython value maps to (names not listed are checked in CPython only). */
const EXPECTED: Record<string, unknown> = {
  none: null,
  true: true,
  false: false,
  ints: [
    0,
    1,
    -1,
    255,
    256,
    -256,
    65535,
    65536,
    2 ** 31 - 1,
    -(2 ** 31),
    2 ** 31,
    -(2 ** 31) - 1,
    2 ** 53 - 1,
    -(2 ** 53 - 1),
  ],
  big_ints: [
    2n ** 53n,
    -(2n ** 53n),
    2n ** 63n - 1n,
    -(2n ** 63n),
    2n ** 64n,
    10n ** 100n,
    -(10n ** 100n),
    2n ** 1000n + 1n,
  ],
  floats: [
    0.5,
    -2.25,
    1e-300,
    0.1,
    5e-324,
    Infinity,
    -Infinity,
    1.7976931348623157e308,
  ],
  integral_float: 3,
  neg_zero: -0,
  strs: [
    "",
    "abc",
    "h\u00e9llo",
    "\u20ac",
    "\u{1F600}",
    "a\nb\\c\r\0\x1a",
    "x".repeat(300),
    "\u00e9".repeat(200),
    "'\"",
  ],
  lone_surrogate: "a\ud800b",
  bytes: [
    new Uint8Array(0),
    new Uint8Array([0, 255]),
    new Uint8Array(512).map((_, i) => i & 0xff),
  ],
  bytearray: new Uint8Array([0x61, 0x62, 0]),
  list: [1, [2, "x"], []],
  tuples: [tuple(), tuple(1), tuple(1, 2), tuple(1, 2, 3), tuple(1, 2, 3, 4)],
  dict: { a: 1, b: [2, null] },
  dict_int_keys: new Map<unknown, unknown>([[1, "a"], ["b", 2]]),
  set: new Set([1, 2, "x"]),
  frozenset: new Set([1, 2]),
  frozenset_in_set: new Set([new Set([1])]),
  empty_set: new Set(),
  request: tuple(null, "dummy", tuple(1, "x"), {}),
  long_list: Array.from({ length: 2500 }, (_, i) => i),
  long_dict: Object.fromEntries(
    Array.from({ length: 2500 }, (_, i) => [`k${i}`, i]),
  ),
};

function errArgs(e: unknown): unknown {
  return (e as { args?: unknown }).args;
}

Deno.test("pickle interop: CPython's pickles of every protocol load to the mapped values", async () => {
  const made = await python("make") as Record<string, string[]>;
  for (const [name, pickles] of Object.entries(made)) {
    for (const p of PROTOCOLS) {
      const v = loads(decodeBase64(pickles[p]!));
      const where = `${name}, protocol ${p}`;
      if (name in EXPECTED) {
        const want = EXPECTED[name];
        if (name === "neg_zero") assert.ok(Object.is(v, -0), where);
        else if (name === "set" || name === "frozenset") {
          assert.deepEqual(new Set(v as Set<unknown>), want, where);
        } else if (name === "frozenset_in_set") {
          const [inner] = [...(v as Set<Set<unknown>>)];
          assert.deepEqual(inner, new Set([1]), where);
        } else assert.deepEqual(v, want, where);
        continue;
      }
      switch (name) {
        case "dict_tuple_key": {
          const entries = [...(v as Map<unknown, unknown>)];
          assert.equal(entries.length, 1, where);
          assert.ok(isTuple(entries[0]![0]), where);
          assert.deepEqual(entries[0], [tuple(1, 2), 3], where);
          break;
        }
        case "value_error":
          assert.ok(v instanceof ValueError, where);
          assert.equal(v.message, "bad");
          assert.deepEqual(errArgs(v), ["bad"]);
          break;
        case "key_error":
          assert.ok(v instanceof KeyError, where);
          assert.equal(v.message, "'k'");
          assert.deepEqual(errArgs(v), ["k"]);
          break;
        case "os_error":
          assert.ok(v instanceof FileNotFoundError, where);
          assert.equal(v.errno, 2);
          assert.equal(v.filename, "f.txt");
          break;
        case "timeout_error":
          // Protocols 0-2 name it exceptions.OSError (Python 2 has none).
          if (p >= 3) assert.ok(v instanceof TimeoutError, where);
          break;
        case "exception":
          assert.equal(Object.getPrototypeOf(v), Error.prototype, where);
          assert.deepEqual(errArgs(v), ["e", 1]);
          assert.equal((v as Error).message, "('e', 1)");
          break;
        case "zero_division":
          assert.ok(v instanceof Error, where);
          assert.equal((v as Error).name, "ZeroDivisionError");
          assert.equal((v as Error).message, "division by zero");
          break;
        case "rec_list":
          assert.equal((v as unknown[])[0], v, where);
          break;
        case "rec_dict":
          assert.equal((v as Record<string, unknown>).self, v, where);
          break;
        case "rec_tuple":
          assert.ok(isTuple(v), where);
          assert.equal(((v as unknown[])[0] as unknown[])[0], v, where);
          break;
        case "shared": {
          const [a, b] = v as unknown[];
          assert.equal(a, b, where);
          assert.deepEqual(a, [1, "s"]);
          break;
        }
        case "token": {
          const o = v as PyObject;
          assert.ok(o instanceof PyObject, where);
          assert.equal(o.qualname, "multiprocessing.managers.Token");
          assert.ok(o.newobj, where);
          assert.deepEqual(
            o.state,
            tuple("Queue", tuple("127.0.0.1", 5000), "7f3e"),
          );
          break;
        }
        case "date": {
          const o = v as PyObject;
          assert.equal(o.qualname, "datetime.date", where);
          assert.deepEqual(o.args, [new Uint8Array([0x07, 0xea, 12, 7])]);
          break;
        }
        case "complex":
          assert.equal((v as PyObject).qualname, "builtins.complex", where);
          assert.deepEqual((v as PyObject).args, [1, 2]);
          break;
        case "ordered_dict":
          assert.equal(
            (v as PyObject).qualname,
            "collections.OrderedDict",
            where,
          );
          assert.deepEqual((v as PyObject).dictItems, [["a", 1], ["b", 2]]);
          break;
        case "range":
          assert.equal((v as PyObject).qualname, "builtins.range", where);
          assert.deepEqual((v as PyObject).args, [1, 7, 2]);
          break;
        case "point": {
          const o = v as PyObject;
          assert.equal(o.qualname, "__main__.Point", where);
          assert.deepEqual(o.state, { x: 1, y: [2, 3] }, where);
          break;
        }
        case "point_class":
        case "int_type": {
          const o = v as PyObject;
          assert.ok(o instanceof PyObject && o.args === null, where);
          break;
        }
        default:
          assert.fail(`no expectation for ${name}`);
      }
    }
  }
});

Deno.test("pickle interop: what loads returns dumps back to objects CPython finds equal", async () => {
  const made = await python("make") as Record<string, string[]>;
  const cases: {
    name: string;
    protocol: number;
    from: number;
    data: string;
  }[] = [];
  for (const [name, pickles] of Object.entries(made)) {
    for (const from of PROTOCOLS) {
      const v = loads(decodeBase64(pickles[from]!));
      for (const protocol of PROTOCOLS) {
        // Python 2 names have no TimeoutError; the loss is CPython's own.
        if (name === "timeout_error" && (from < 3 || protocol < 3)) continue;
        cases.push({
          name,
          protocol,
          from,
          data: encodeBase64(dumps(v, { protocol })),
        });
      }
    }
  }
  const failures = await python("check", cases);
  assert.deepEqual(failures, []);
});

Deno.test("pickle interop: JS values dump to the expected Python objects", async () => {
  const values: [unknown, string][] = [
    [null, "None"],
    [undefined, "None"],
    [true, "True"],
    [0, "0"],
    [-1, "-1"],
    [2 ** 40, "2**40"],
    [2 ** 70, "2**70"],
    [1n << 200n, "2**200"],
    [-(1n << 200n) + 1n, "-(2**200) + 1"],
    [1.5, "1.5"],
    [-0, "-0.0"],
    [Infinity, "float('inf')"],
    ["h\u00e9\u20ac\u{1F600}\n\\", "'h\u00e9\u20ac\\U0001F600\\n\\\\'"],
    ["\ud800", "'\\ud800'"],
    [new Uint8Array([0, 1, 255]), "b'\\x00\\x01\\xff'"],
    [new Uint8Array(0), "b''"],
    [[1, "a", [null]], "[1, 'a', [None]]"],
    [tuple(), "()"],
    [tuple(1, tuple(2, 3)), "(1, (2, 3))"],
    [{ a: 1, "b c": [2] }, "{'a': 1, 'b c': [2]}"],
    [
      new Map<unknown, unknown>([[1, "x"], [tuple(1, 2), null]]),
      "{1: 'x', (1, 2): None}",
    ],
    [new Set([1, "x"]), "{1, 'x'}"],
    [new Map([[new Set([1]), 2]]), "{frozenset({1}): 2}"],
    [new Set([new Set([1])]), "{frozenset({1})}"],
    [tuple(null, "dummy", tuple(1, "x"), {}), "(None, 'dummy', (1, 'x'), {})"],
    [Array.from({ length: 1500 }, (_, i) => i), "list(range(1500))"],
    [new ValueError("bad"), "ValueError('bad')"],
    [
      new PyObject("datetime", "date", [2026, 12, 7]),
      "__import__('datetime').date(2026, 12, 7)",
    ],
    [new PyObject("builtins", "complex", [1, 2]), "complex(1, 2)"],
    [
      new PyObject("collections", "OrderedDict", [], undefined, {
        dictItems: [["a", 1]],
      }),
      "__import__('collections').OrderedDict(a=1)",
    ],
    [
      new PyObject("__main__", "Point", [], { x: 1, y: 2 }, { newobj: true }),
      "Point(1, 2)",
    ],
    [
      new PyObject(
        "multiprocessing.managers",
        "Token",
        [],
        tuple("Queue", tuple("127.0.0.1", 5000), "7f"),
        { newobj: true },
      ),
      "Token('Queue', ('127.0.0.1', 5000), '7f')",
    ],
    [new PyObject("builtins", "int"), "int"],
    [new PyObject("builtins", "range", [5]), "range(5)"],
    [
      new PyObject("__main__", "Point", [], { x: 1, y: 2 }, { kwargs: {} }),
      "Point(1, 2)",
    ],
  ];
  const cases: { expr: string; protocol: number; data: string }[] = [];
  for (const [v, expr] of values) {
    for (const protocol of PROTOCOLS) {
      cases.push({
        expr,
        protocol,
        data: encodeBase64(dumps(v, { protocol })),
      });
    }
  }
  const failures = await python("check", cases);
  assert.deepEqual(failures, []);
});
