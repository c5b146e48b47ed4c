import assert from "node:assert/strict";
import { PriorityQueue } from "../../queue/mod.ts";
import { Lock, Thread } from "../../threading/mod.ts";
import { threadTest } from "../_helpers.ts";
import { rng } from "./_random.ts";

Deno.test("PriorityQueue returns the lowest item first", () => {
  const q = new PriorityQueue<number>();
  const xs = [5, 3, 9, 1, 7, 3, -2, 0.5, 1e10, -Infinity, Infinity];
  for (const x of xs) q.putSync(x);
  const out: number[] = [];
  while (!q.empty()) out.push(q.getSync());
  assert.deepEqual(out, [...xs].sort((a, b) => a - b));
});

Deno.test("PriorityQueue orders [priority, payload] pairs, comparing payloads on equal priorities", () => {
  const q = new PriorityQueue<[number, string]>();
  const items: [number, string][] = [
    [2, "write"],
    [1, "read"],
    [2, "close"],
    [1, "open"],
    [0, "zzz"],
    [2, "close"],
  ];
  for (const it of items) q.putSync(it);
  const out: [number, string][] = [];
  while (!q.empty()) out.push(q.getSync());
  assert.deepEqual(out, [
    [0, "zzz"],
    [1, "open"],
    [1, "read"],
    [2, "close"],
    [2, "close"],
    [2, "write"],
  ]);
});

Deno.test("PriorityQueue compares strings by code point, as Python", () => {
  const q = new PriorityQueue<string>();
  // UTF-16 order puts "\u{10000}" (a surrogate pair) before "\uffff";
  // code point order does the opposite. A lone surrogate crosses as U+FFFD
  // (the codec's UTF-8) and is ordered as such.
  for (const s of ["\u{10000}", "\uffff", "a", "", "ab", "B", "é", "\ud800"]) {
    q.putSync(s);
  }
  const out: string[] = [];
  while (!q.empty()) out.push(q.getSync());
  assert.deepEqual(out, [
    "",
    "B",
    "a",
    "ab",
    "é",
    "\ufffd",
    "\uffff",
    "\u{10000}",
  ]);
});

Deno.test("PriorityQueue compares numbers, bigints and booleans exactly", () => {
  const q = new PriorityQueue<number | bigint | boolean>();
  const big = 2n ** 60n;
  const items = [
    big + 1n,
    Number(big),
    big - 1n,
    3,
    true,
    2.5,
    -(2n ** 70n),
    0,
    false,
    10n ** 400n,
    Infinity,
  ];
  for (const x of items) q.putSync(x);
  const out: unknown[] = [];
  while (!q.empty()) out.push(q.getSync());
  assert.equal(out[0], -(2n ** 70n));
  assert.deepEqual(new Set(out.slice(1, 3)), new Set([0, false]));
  assert.deepEqual(out.slice(3), [
    true,
    2.5,
    3,
    big - 1n,
    Number(big),
    big + 1n,
    10n ** 400n,
    Infinity,
  ]);
});

Deno.test("PriorityQueue compares arrays element by element, shorter first on a common prefix", () => {
  const q = new PriorityQueue<unknown[]>();
  // [1, [2]] and [1, 2] differ in kind at index 1: keep them apart.
  for (const it of [[1, 2, 3], [1, 2], [1], [], [0, 99]]) q.putSync(it);
  const out: unknown[][] = [];
  while (!q.empty()) out.push(q.getSync());
  assert.deepEqual(out, [[], [0, 99], [1], [1, 2], [1, 2, 3]]);
  for (const it of [[1, [2, 3]], [1, [2]], [1, []], [1]]) q.putSync(it);
  const nested: unknown[][] = [];
  while (!q.empty()) nested.push(q.getSync());
  assert.deepEqual(nested, [[1], [1, []], [1, [2]], [1, [2, 3]]]);
});

Deno.test("PriorityQueue orders Dates by time", () => {
  const q = new PriorityQueue<Date>();
  for (const t of [5, 1, 3]) q.putSync(new Date(t));
  assert.deepEqual(
    [q.getSync(), q.getSync(), q.getSync()].map((d) => d.getTime()),
    [1, 3, 5],
  );
});

Deno.test("PriorityQueue: an incomparable item throws TypeError at put and the queue is unchanged", async () => {
  const q = new PriorityQueue<unknown>(10);
  q.putSync([1, "a"]);
  q.putSync([2, "b"]);
  const message =
    /'<' not supported between instances of 'string' and 'number'/;
  assert.throws(() => q.putSync("x"), TypeError);
  assert.throws(() => q.putSync(["0", "x"]), message);
  await assert.rejects(q.put(["0", "x"]), TypeError);
  assert.throws(() => q.putNowait(null), TypeError);
  assert.throws(() => q.putSync([1, { a: 1 }]), /'object' and 'string'/);
  assert.equal(q.qsize(), 2);
  assert.equal(q.unfinishedTasks, 2);
  q.putSync([0, "z"]);
  assert.deepEqual([q.getSync(), q.getSync(), q.getSync()], [
    [0, "z"],
    [1, "a"],
    [2, "b"],
  ]);
});

Deno.test("PriorityQueue: payloads that cannot be ordered are only compared when priorities tie", () => {
  const q = new PriorityQueue<[number, unknown]>();
  q.putSync([2, { task: "b" }]);
  q.putSync([1, { task: "a" }]);
  q.putSync([3, null]);
  q.putSync([1, { task: "a" }]); // equal payloads are fine (Python's ==)
  q.putSync([4, new Map([[1, 2]])]);
  q.putSync([4, new Map([[1, 2]])]);
  assert.throws(() => q.putSync([1, { task: "c" }]), /'object' and 'object'/);
  assert.throws(
    () => q.putSync([3, undefined]),
    /'undefined' and 'null'|'null' and 'undefined'/,
  );
  assert.equal(q.qsize(), 6);
  const out: unknown[] = [];
  while (!q.empty()) out.push(q.getSync());
  assert.deepEqual(out, [
    [1, { task: "a" }],
    [1, { task: "a" }],
    [2, { task: "b" }],
    [3, null],
    [4, new Map([[1, 2]])],
    [4, new Map([[1, 2]])],
  ]);
  // Key order does not matter to equality, as for Python's dicts.
  q.putSync([1, { a: 1, b: 2 }]);
  q.putSync([1, { b: 2, a: 1 }]);
  assert.equal(q.qsize(), 2);
  // A shareable object equals only itself.
  const lock = new Lock();
  q.putSync([0, lock]);
  q.putSync([0, lock]);
  assert.throws(() => q.putSync([0, new Lock()]), /'shared object'/);
  assert.equal(q.qsize(), 4);
  assert.equal(q.getSync()[1], lock);
});

Deno.test("PriorityQueue: a get whose comparison fails throws TypeError and leaves the queue intact", () => {
  const q = new PriorityQueue<unknown[]>();
  // Never compared with each other at put, compared at get.
  q.putSync([0]);
  q.putSync([1, { a: 1 }]);
  q.putSync([1, { a: 2 }]);
  assert.throws(() => q.getSync(), TypeError);
  assert.equal(q.qsize(), 3);
  assert.throws(() => q.getSync(), TypeError);
  assert.equal(q.qsize(), 3);
});

Deno.test("PriorityQueue: many items with ties come out sorted", () => {
  const random = rng(7);
  const q = new PriorityQueue<[number, number, string]>();
  const items: [number, number, string][] = [];
  for (let i = 0; i < 5000; i++) {
    items.push([
      Math.floor(random() * 10),
      Math.floor(random() * 10),
      String.fromCharCode(97 + Math.floor(random() * 26)),
    ]);
  }
  for (const it of items) q.putSync(it);
  const out: [number, number, string][] = [];
  while (!q.empty()) out.push(q.getSync());
  const sorted = [...items].sort((a, b) =>
    a[0] - b[0] || a[1] - b[1] || (a[2] < b[2] ? -1 : a[2] > b[2] ? 1 : 0)
  );
  assert.deepEqual(out, sorted);
});

// ---------------------------------------------------------------------------
// Against CPython: the same pushes into heapq and into a PriorityQueue.

type Json = number | string | boolean | Json[] | { $big: string };

const PYTHON = `
import json, sys, heapq
def conv(v):
    if isinstance(v, dict): return int(v["$big"])
    if isinstance(v, list): return [conv(x) for x in v]
    return v
def canon(v):
    if isinstance(v, bool): return {"b": v}
    if isinstance(v, int): return {"i": str(v)}
    if isinstance(v, float): return {"f": repr(v)}
    if isinstance(v, str): return {"s": v}
    return [canon(x) for x in v]
out = []
for items in json.load(sys.stdin):
    h = []
    res = None
    for i, it in enumerate(items):
        try:
            heapq.heappush(h, conv(it))
        except TypeError:
            res = {"pushError": i}
            break
    if res is None:
        popped = []
        try:
            while h:
                popped.append(canon(heapq.heappop(h)))
            res = {"order": popped}
        except TypeError:
            res = {"popError": len(popped)}
    out.append(res)
print(json.dumps(out))
`;

function toJson(v: unknown): Json {
  if (typeof v === "bigint") return { $big: v.toString() };
  // JSON would round a large integer's digits: send it exactly.
  if (typeof v === "number" && Number.isInteger(v) && Math.abs(v) > 2 ** 53) {
    return { $big: BigInt(v).toString() };
  }
  if (Array.isArray(v)) return v.map(toJson);
  return v as Json;
}

function canon(v: unknown): unknown {
  if (typeof v === "boolean") return { b: v };
  if (typeof v === "bigint") return { i: v.toString() };
  if (typeof v === "number") {
    return Number.isInteger(v) && !Object.is(v, -0)
      ? { i: BigInt(v).toString() }
      : { f: v };
  }
  if (typeof v === "string") return { s: v };
  return (v as unknown[]).map(canon);
}

function pythonFloat(f: string): number {
  return Number(f.replace("inf", "Infinity"));
}

function randomString(random: () => number): string {
  const pool = [
    "a",
    "b",
    "é",
    "\uffff",
    "\u{10000}",
    "\u{1F600}",
    "Z",
    "",
  ];
  let s = "";
  const n = Math.floor(random() * 3);
  for (let i = 0; i < n; i++) s += pool[Math.floor(random() * pool.length)];
  return s;
}

function randomNumber(random: () => number): unknown {
  const r = random();
  if (r < 0.3) return Math.floor(random() * 4);
  if (r < 0.45) return Math.floor(random() * 4) + 0.5;
  if (r < 0.6) return BigInt(Math.floor(random() * 4));
  if (r < 0.75) return 2n ** 60n + BigInt(Math.floor(random() * 3) - 1);
  if (r < 0.85) return 2 ** 60;
  if (r < 0.9) return random() < 0.5;
  return -(2n ** 80n) + BigInt(Math.floor(random() * 2));
}

/** Items of one of four shapes; the "mixed" shape makes most pushes fail. */
function randomItem(random: () => number, shape: number): unknown {
  const n = () => randomNumber(random);
  switch (shape) {
    case 0: // numbers of every kind
      return n();
    case 1: // [priority, payload] pairs with many ties
      return [n(), randomString(random)];
    case 2: { // arrays of numbers of several lengths, some nested
      const a: unknown[] = [n()];
      const len = Math.floor(random() * 3);
      for (let i = 0; i < len; i++) a.push(n());
      if (random() < 0.3) a.push([n(), randomString(random)]);
      return a;
    }
    default: { // anything: numbers, strings and arrays together
      const r = random();
      if (r < 0.3) return n();
      if (r < 0.6) return randomString(random);
      return [
        randomItem(random, 0),
        random() < 0.5 ? n() : randomString(random),
      ];
    }
  }
}

Deno.test("PriorityQueue pops in the order CPython's heapq does, and fails at the same push", async () => {
  const random = rng(42);
  const cases: unknown[][] = [];
  for (let c = 0; c < 300; c++) {
    const n = 1 + Math.floor(random() * 40);
    const items: unknown[] = [];
    for (let i = 0; i < n; i++) items.push(randomItem(random, c % 4));
    cases.push(items);
  }
  const child = new Deno.Command("python3", {
    args: ["-c", PYTHON],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(
    new TextEncoder().encode(
      JSON.stringify(cases.map((items) => items.map(toJson))),
    ),
  );
  await writer.close();
  const result = await child.output();
  assert.ok(result.success, new TextDecoder().decode(result.stderr));
  const expected = JSON.parse(new TextDecoder().decode(result.stdout)) as {
    order?: unknown[];
    pushError?: number;
    popError?: number;
  }[];
  let errors = 0, orders = 0;
  for (let c = 0; c < cases.length; c++) {
    const q = new PriorityQueue<unknown>();
    const want = expected[c]!;
    let got: typeof want | undefined;
    for (let i = 0; i < cases[c]!.length && got === undefined; i++) {
      try {
        q.putSync(cases[c]![i]);
      } catch (e) {
        assert.ok(e instanceof TypeError);
        got = { pushError: i };
      }
    }
    if (got === undefined) {
      const popped: unknown[] = [];
      try {
        while (!q.empty()) popped.push(canon(q.getSync()));
        got = { order: popped };
      } catch (e) {
        assert.ok(e instanceof TypeError);
        got = { popError: popped.length };
      }
    }
    if (want.order) {
      want.order = JSON.parse(
        JSON.stringify(want.order),
        (k, v) => k === "f" ? pythonFloat(String(v)) : v,
      );
      orders++;
    } else {
      errors++;
    }
    assert.deepEqual(
      got,
      want,
      `case ${c}: ${JSON.stringify(cases[c]!.map(toJson))}`,
    );
  }
  assert.ok(
    orders > 100 && errors > 20,
    `both outcomes exercised (${orders} orders, ${errors} errors)`,
  );
});

threadTest(
  "PriorityQueue shared by producer threads hands out items in priority order",
  async () => {
    const q = new PriorityQueue<[number, number]>();
    const producers = [0, 1, 2].map((p) =>
      new Thread({
        target: (q: PriorityQueue<[number, number]>, p: number) => {
          for (let i = 0; i < 2000; i++) {
            q.putSync([(i * 7919 + p * 104729) % 1000, p * 2000 + i]);
          }
        },
        args: [q, p],
      })
    );
    for (const t of producers) t.start();
    for (const t of producers) await t.join();
    assert.equal(q.qsize(), 6000);
    const out: [number, number][] = [];
    while (!q.empty()) out.push(q.getSync());
    for (let i = 1; i < out.length; i++) {
      const [a, b] = [out[i - 1]!, out[i]!];
      assert.ok(
        a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]),
        `${a} before ${b}`,
      );
    }
    assert.equal(new Set(out.map(([, id]) => id)).size, 6000);
  },
);
