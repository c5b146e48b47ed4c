/** CPython's _TestContainers (manager variants), ported. */
import assert from "node:assert/strict";
import {
  type DictProxy,
  ListProxy,
  Manager,
  type QueueProxy,
} from "../../../multiprocessing/mod.ts";
import { mpTest } from "../_helpers.ts";

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

mpTest("_TestContainers.test_list", async () => {
  await using m = await Manager();
  const a = await m.list(range(10));
  assert.deepEqual(await a.slice(), range(10));
  const b = await m.list<number>();
  assert.deepEqual(await b.slice(), []);
  await b.extend(range(5));
  assert.deepEqual(await b.slice(), range(5));
  assert.equal(await b.getItem(2), 2);
  assert.deepEqual(await b.slice(2, 10), [2, 3, 4]);
  await b.callMethod("__imul__", [2]); // b *= 2
  assert.deepEqual(await b.slice(), [0, 1, 2, 3, 4, 0, 1, 2, 3, 4]);
  assert.deepEqual(await b.callMethod("__add__", [[5, 6]]), [
    0,
    1,
    2,
    3,
    4,
    0,
    1,
    2,
    3,
    4,
    5,
    6,
  ]);
  assert.deepEqual(await a.slice(), range(10));
  const e = await m.list<ListProxy<number>>([a, b]);
  const elements = await Promise.all(
    range(2).map(async (i) => await (await e.getItem(i)).slice()),
  );
  assert.deepEqual(elements, [range(10), [0, 1, 2, 3, 4, 0, 1, 2, 3, 4]]);
  const f = await m.list([a]);
  await a.append("hello" as unknown as number);
  assert.deepEqual(await (await f.getItem(0)).slice(), [...range(10), "hello"]);
});

mpTest("_TestContainers.test_list_proxy_in_list", async () => {
  await using m = await Manager();
  const inner = await Promise.all(range(3).map(() => m.list(range(3))));
  const a = await m.list(inner);
  for (const p of inner) await p[Symbol.asyncDispose](); // the list keeps them
  const at = (i: number) => a.getItem(i);
  assert.deepEqual(
    await Promise.all(range(3).map(async (i) => (await at(i)).slice())),
    [[0, 1, 2], [0, 1, 2], [0, 1, 2]],
  );
  await (await at(0)).setItem(-1, 55);
  assert.deepEqual(await (await at(0)).slice(), [0, 1, 55]);
  for (const i of [1, 2]) {
    assert.deepEqual(await (await at(i)).slice(), [0, 1, 2]);
  }
  assert.equal(await (await at(1)).pop(), 2);
  assert.equal(await (await at(1)).length(), 2);
  for (const i of [0, 2]) assert.equal(await (await at(i)).length(), 3);
  const b = await m.list<unknown>();
  await b.append(b); // a list holding a proxy to itself
  assert.ok(await b.getItem(0) instanceof ListProxy);
});

mpTest("_TestContainers.test_dict: int keys", async () => {
  await using m = await Manager();
  const d = await m.dict<number, string>();
  const indices = range(5).map((i) => i + 65);
  for (const i of indices) await d.setItem(i, String.fromCharCode(i));
  assert.deepEqual(
    await d.copy(),
    new Map(indices.map((i) => [i, String.fromCharCode(i)])),
  );
  assert.deepEqual((await d.keys()).sort(), indices);
  assert.deepEqual(
    (await d.values()).sort(),
    indices.map((i) => String.fromCharCode(i)),
  );
  assert.deepEqual(
    await d.items(),
    indices.map((i) => [i, String.fromCharCode(i)]),
  );
});

mpTest("_TestContainers.test_dict_proxy_nested", async () => {
  await using m = await Manager();
  let pets = await m.dict({ ferrets: 2, hamsters: 4 });
  let supplies = await m.dict({ water: 10, feed: 3 });
  const d = await m.dict<string, DictProxy<string, number>>({ pets, supplies });
  const sub = (k: string) => d.getItem(k);
  assert.equal(await supplies.getItem("water"), 10);
  assert.equal(await (await sub("supplies")).getItem("water"), 10);
  await (await sub("supplies")).setItem("blankets", 5);
  assert.equal(await supplies.getItem("blankets"), 5);
  await (await sub("supplies")).setItem("water", 7);
  assert.equal(await supplies.getItem("water"), 7);
  await pets[Symbol.asyncDispose](); // del pets
  await supplies[Symbol.asyncDispose](); // del supplies
  assert.equal(await (await sub("pets")).getItem("ferrets"), 2);
  await (await sub("supplies")).setItem("blankets", 11);
  assert.equal(await (await sub("supplies")).getItem("blankets"), 11);
  pets = await sub("pets");
  supplies = await sub("supplies");
  await supplies.setItem("water", 7);
  assert.equal(await (await sub("supplies")).getItem("water"), 7);
  await d.clear();
  assert.equal(await d.length(), 0);
  assert.equal(await supplies.getItem("water"), 7);
  assert.equal(await pets.getItem("hamsters"), 4);
  const l = await m.list([pets, supplies]);
  await (await l.getItem(0)).setItem("marmots", 1);
  assert.equal(await pets.getItem("marmots"), 1);
  await pets[Symbol.asyncDispose]();
  await supplies[Symbol.asyncDispose]();
  assert.equal(await (await l.getItem(0)).getItem("marmots"), 1);
  const outer = await m.list<unknown>([[88, 99], l]);
  assert.ok(Array.isArray(await outer.getItem(0))); // not a ListProxy
  const last = await outer.getItem(-1) as ListProxy<DictProxy<string, number>>;
  assert.equal(await (await last.getItem(-1)).getItem("feed"), 3);
});

mpTest("_TestContainers.test_nested_queue", async () => {
  await using m = await Manager();
  const a = await m.list<QueueProxy<number>>();
  await a.append(await m.Queue());
  await (await a.getItem(0)).put(123);
  assert.equal(await (await a.getItem(0)).get(), 123);
  const b = await m.dict<number, QueueProxy<number>>();
  await b.setItem(0, await m.Queue());
  await (await b.getItem(0)).put(456);
  assert.equal(await (await b.getItem(0)).get(), 456);
});

mpTest("_TestContainers.test_namespace", async () => {
  await using m = await Manager();
  const n = await m.Namespace();
  n.name = "Bob";
  n.job = "Builder";
  n._hidden = "hidden";
  assert.deepEqual([n.name, n.job], ["Bob", "Builder"]);
  delete n.job;
  assert.equal(await n.str(), "Namespace(name='Bob')");
  assert.ok("name" in n);
  assert.ok(!("job" in n));
});
