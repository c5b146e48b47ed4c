/**
 * Value, Array, RawValue, RawArray: CPython's _TestValue and _TestArray,
 * every typecode, Python's 'c' semantics, and the `with v.get_lock():`
 * pattern across processes.
 */
import assert from "node:assert/strict";
import {
  Array as SharedArray,
  IndexError,
  Lock,
  Process,
  RawArray,
  RawValue,
  RLock,
  type Typecode,
  Value,
  ValueError,
} from "../../multiprocessing/mod.ts";
import { mpTest } from "./_helpers.ts";

const bytes = (s: string) => new TextEncoder().encode(s);

// CPython's codes_values: [typecode, initial, set in the child].
const CODES_VALUES: [Typecode, unknown, unknown][] = [
  ["i", 4343, 24234],
  ["d", 3.625, -4.25],
  ["h", -232, 234],
  ["q", 2n ** 33n, 2n ** 34n],
  ["c", bytes("x"), bytes("y")],
];

for (const raw of [false, true]) {
  const Cls = raw ? RawValue : Value;
  mpTest(
    `${Cls.name}: values set in a child are seen by the parent (CPython's test_value)`,
    async () => {
      const values = CODES_VALUES.map(([code, value]) =>
        // deno-lint-ignore no-explicit-any
        new (Cls as any)(code, value) as Value
      );
      for (const [i, v] of values.entries()) {
        assert.deepEqual(v.value, CODES_VALUES[i]![1]);
      }
      const p = new Process({
        target: (values: Value[], news: unknown[]) => {
          values.forEach((v, i) => (v.value = news[i] as never));
        },
        args: [values, CODES_VALUES.map((c) => c[2])],
        daemon: true,
      });
      p.start();
      await p.join();
      assert.equal(p.exitcode, 0);
      for (const [i, v] of values.entries()) {
        assert.deepEqual(v.value, CODES_VALUES[i]![2]);
      }
    },
  );
}

mpTest(
  "Value: every typecode: zero by default, sizes and wrap-around as ctypes",
  () => {
    const cases: [Typecode, unknown, unknown][] = [
      ["b", 200, -56],
      ["B", 300, 44],
      ["h", 40000, -25536],
      ["H", -1, 65535],
      ["i", 2 ** 31, -(2 ** 31)],
      ["I", -1, 2 ** 32 - 1],
      ["l", -(2n ** 63n) - 1n, 2n ** 63n - 1n],
      ["L", -1n, 2n ** 64n - 1n],
      ["q", 5, 5n],
      ["Q", 2n ** 64n, 0n],
      ["f", 0.1, Math.fround(0.1)],
      ["d", 0.1, 0.1],
      ["c", 65, bytes("A")],
    ];
    for (const [code, set, expect] of cases) {
      const v = new Value(code);
      const zero = code === "c"
        ? bytes("\0")
        : ["l", "L", "q", "Q"].includes(code)
        ? 0n
        : 0;
      assert.deepEqual(v.value, zero, code);
      v.value = set as never;
      assert.deepEqual(v.value, expect, code);
      assert.equal(v.typecode, code);
      assert.equal(v.raw.length, 1);
    }
  },
);

mpTest("Value: bad typecodes, values and locks throw TypeError", () => {
  assert.throws(() => new Value("x" as Typecode), TypeError);
  assert.throws(() => new Value("i", 1.5), /int expected instead of number/);
  assert.throws(() => new Value("q", 1.5 as unknown as bigint), TypeError);
  assert.throws(() => new Value("d", "1" as unknown as number), TypeError);
  assert.throws(() => new Value("c", bytes("ab")), TypeError);
  assert.throws(
    () => new Value("i", 0, { lock: "notalock" as unknown as boolean }),
    TypeError,
  );
  const v = new Value("i", 1);
  assert.throws(() => (v.value = 2.5), TypeError);
  assert.equal(v.value, 1, "a refused value leaves the old one");
});

mpTest(
  "Value: getLock() is a new RLock by default, the given lock, or absent with lock: false",
  () => {
    const v1 = new Value("i", 5);
    assert.ok(v1.getLock() instanceof RLock);
    const v2 = new Value("i", 5, { lock: null });
    assert.ok(v2.getLock() instanceof RLock);
    const lock = new Lock();
    const v3 = new Value("i", 5, { lock });
    assert.equal(v3.getLock(), lock);
    const v4 = new Value("i", 5, { lock: false });
    assert.throws(() => v4.getLock(), TypeError);
    assert.equal(v4.value, 5);
    assert.equal(String(v1), "<Synchronized wrapper for c_int(5)>");
    assert.equal(String(new RawValue("c", bytes("x"))), "c_char(b'x')");
  },
);

mpTest(
  "Value: `with v.get_lock(): v.value += 1` in three processes loses no update",
  async () => {
    const v = new Value("i", 0);
    const procs = [0, 1, 2].map(() =>
      new Process({
        target: (v: Value<"i">) => {
          for (let i = 0; i < 10_000; i++) {
            using _ = v.getLock().holdSync();
            v.value += 1;
          }
        },
        args: [v],
      })
    );
    for (const p of procs) p.start();
    for (let i = 0; i < 10_000; i++) {
      using _ = await v.getLock().hold();
      v.value += 1;
    }
    for (const p of procs) await p.join();
    assert.equal(v.value, 40_000);
  },
);

for (const raw of [false, true]) {
  const Cls = raw ? RawArray : SharedArray;
  mpTest(
    `${Cls.name}: CPython's test_array: indices, slices, slice assignment, a child's prefix sums`,
    async () => {
      const seq = [680, 626, 934, 821, 150, 233, 548, 982, 714, 831];
      const arr = new Cls("i", seq);
      assert.equal(arr.length, seq.length);
      assert.equal(arr.get(3), seq[3]);
      assert.equal(arr.get(-1), 831);
      assert.deepEqual(arr.slice(2, 7), seq.slice(2, 7));
      arr.setSlice(4, [1, 2, 3, 4]);
      seq.splice(4, 4, 1, 2, 3, 4);
      assert.deepEqual(arr.slice(), seq);
      for (let i = 1; i < seq.length; i++) seq[i]! += seq[i - 1]!;
      const p = new Process({
        target: (a: RawArray<"i">) => {
          for (let i = 1; i < a.length; i++) a.set(i, a.get(i) + a.get(i - 1));
        },
        args: [arr],
        daemon: true,
      });
      p.start();
      await p.join();
      assert.equal(p.exitcode, 0);
      assert.deepEqual([...arr], seq);
    },
  );
}

mpTest(
  "Array: from a size is zero-filled, even when the heap reuses memory",
  () => {
    for (let round = 0; round < 3; round++) {
      const arr = new SharedArray("i", 10);
      assert.deepEqual([...arr], new Array(10).fill(0));
      arr.setSlice(0, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      assert.deepEqual([...arr], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    }
  },
);

mpTest("Array: index and slice rules as Python's", () => {
  const a = new SharedArray("d", [1, 2, 3, 4]);
  assert.throws(() => a.get(4), IndexError);
  assert.throws(() => a.get(-5), IndexError);
  assert.throws(() => a.set(9, 1), IndexError);
  assert.throws(() => a.get(1.5), TypeError);
  assert.deepEqual(a.slice(-2), [3, 4]);
  assert.deepEqual(a.slice(1, -1), [2, 3]);
  assert.deepEqual(a.slice(3, 1), []);
  assert.deepEqual(a.slice(-100, 100), [1, 2, 3, 4]);
  assert.throws(() => a.setSlice(2, [1, 2, 3]), ValueError);
  assert.throws(() => a.setSlice(0, [1, "x" as unknown as number]), TypeError);
  assert.deepEqual([...a], [1, 2, 3, 4], "a failed assignment changes nothing");
  assert.throws(() => new SharedArray("i", -1), ValueError);
  assert.equal(
    String(a),
    "<SynchronizedArray wrapper for <c_double_Array_4 object>>",
  );
  assert.equal(String(new RawArray("b", 2)), "<c_byte_Array_2 object>");
});

mpTest(
  "Array('c'): value reads up to the first NUL, writes a NUL after shorter bytes; raw is every byte",
  () => {
    const a = new SharedArray("c", bytes("hello"));
    assert.deepEqual(a.value, bytes("hello"));
    assert.deepEqual(a.get(1), bytes("e"));
    assert.deepEqual(a.slice(1, 3), bytes("el"));
    a.value = bytes("hi");
    assert.deepEqual(a.value, bytes("hi"));
    assert.deepEqual(a.raw, bytes("hi\0lo"));
    assert.throws(() => (a.value = bytes("toolong")), ValueError);
    a.value = bytes("12345"); // exactly full: no room, and no need, for a NUL
    assert.deepEqual(a.value, bytes("12345"));
    a.setSlice(0, bytes("ab"));
    assert.deepEqual(a.value, bytes("ab345"));
    assert.throws(() => new SharedArray("i", 3).value, TypeError);
    const sized = new RawArray("c", 4);
    assert.deepEqual(sized.value, bytes(""));
  },
);

mpTest(
  "Array: 64-bit typecodes hold bigints; raw is a zero-copy view shared with children",
  async () => {
    const a = new RawArray("Q", [1n, 2n ** 63n]);
    assert.deepEqual([...a], [1n, 2n ** 63n]);
    assert.ok(a.raw instanceof BigUint64Array);
    const p = new Process({
      target: (a: RawArray<"Q">) => {
        a.raw[0] = 2n ** 64n - 1n;
      },
      args: [a],
    });
    p.start();
    await p.join();
    assert.equal(a.get(0), 2n ** 64n - 1n);
  },
);

mpTest("Array: getLock(), lock: false, and a given lock", () => {
  const lock = new RLock();
  assert.equal(new SharedArray("i", 3, { lock }).getLock(), lock);
  assert.throws(
    () => new SharedArray("i", 3, { lock: false }).getLock(),
    TypeError,
  );
  const a = new SharedArray("i", 3);
  {
    using _ = a.getLock().holdSync();
    a.set(0, a.get(0) + 1); // the RLock is reentrant
  }
  assert.equal(a.get(0), 1);
});
