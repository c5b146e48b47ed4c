import assert from "node:assert/strict";
import { local, Thread } from "../../threading/mod.ts";
import { threadTest } from "../_helpers.ts";

type Data = local & { number?: number; widgets?: unknown[] };

threadTest(
  "local: attributes are per thread; a passed local arrives empty",
  async () => {
    // Python's _threading_local example, with the thread's view sent back.
    const mydata = new local() as Data;
    mydata.number = 42;
    assert.equal(mydata.number, 42);
    mydata.widgets = [];
    assert.deepEqual(Object.keys(mydata), ["number", "widgets"]);
    const log = new Int32Array(new SharedArrayBuffer(8));
    const f = (mydata: Data, log: Int32Array) => {
      log[0] = Object.keys(mydata).length; // []
      mydata.number = 11;
      log[1] = mydata.number;
    };
    const t = new Thread({ target: f, args: [mydata, log] });
    t.start();
    await t.join();
    assert.deepEqual([...log], [0, 11]);
    assert.equal(mydata.number, 42);
  },
);

threadTest(
  "local: a new thread on a reused Worker starts with empty attributes",
  async () => {
    const out = new Int32Array(new SharedArrayBuffer(8));
    const f = async (out: Int32Array, url: string, i: number) => {
      const { local } = await import(url);
      const g = globalThis as unknown as { __local?: { seen?: number } };
      const data = g.__local ??= new local(); // survives on a reused Worker
      out[i] = data.seen === undefined ? 1 : 2;
      data.seen = 1;
    };
    const url = new URL("../../threading/mod.ts", import.meta.url).href;
    for (const i of [0, 1]) {
      const t = new Thread({ target: f, args: [out, url, i] });
      t.start();
      await t.join();
    }
    assert.deepEqual([...out], [1, 1]);
  },
);

Deno.test("local: delete and `in` work per thread", () => {
  const d = new local() as Data;
  d.number = 1;
  assert.ok("number" in d);
  delete d.number;
  assert.ok(!("number" in d));
  assert.equal(d.number, undefined);
});
