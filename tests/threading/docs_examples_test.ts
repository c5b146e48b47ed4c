/**
 * The examples of Python's threading documentation, run as tests with the
 * same output (threads write their lines to a log in shared memory).
 */
import assert from "node:assert/strict";
import {
  Barrier,
  Condition,
  Event,
  Thread,
  Timer,
} from "../../threading/mod.ts";
import { MyLocal, readLines, readReport } from "./_fixtures.ts";
import { threadTest } from "../_helpers.ts";

/** A shared log of lines that any thread may append to. */
class Log {
  readonly bytes = new Uint8Array(new SharedArrayBuffer(1 << 16));
  lines(): string[] {
    return readLines(this.bytes);
  }
}

threadTest("docs: Timer(…, hello) prints after the interval", async () => {
  const log = new Log();
  const hello = (bytes: Uint8Array) => {
    const head = new Int32Array(bytes.buffer, 0, 1);
    const data = new TextEncoder().encode("hello, world\n");
    bytes.set(data, Atomics.add(head, 0, data.length) + 4);
  };
  const t = new Timer(0.2, hello, [log.bytes]);
  t.start(); // after 0.2 seconds, "hello, world" will be printed
  await t.join();
  assert.deepEqual(log.lines(), ["hello, world"]);
});

threadTest(
  "docs: Barrier synchronises a client and a server thread",
  async () => {
    // b = Barrier(2, timeout=5); the server starts, then both proceed.
    const log = new Log();
    const b = new Barrier(2, null, 5);
    const server = new Thread({
      target: new URL("./_fixtures.ts#barrierServer", import.meta.url),
      args: [b, log.bytes],
    });
    const client = new Thread({
      target: new URL("./_fixtures.ts#barrierClient", import.meta.url),
      args: [b, log.bytes],
    });
    client.start();
    server.start();
    await client.join();
    await server.join();
    const lines = log.lines();
    assert.equal(lines[0], "server started");
    assert.deepEqual(lines.slice(1).sort(), [
      "client connects",
      "server accepts",
    ]);
  },
);

threadTest(
  "docs: Event — threads wait until another sets the flag",
  async () => {
    const ready = new Event();
    const seen = new Int32Array(new SharedArrayBuffer(4));
    const waiters = [0, 1, 2].map(() =>
      new Thread({
        target: (ready: Event, seen: Int32Array) => {
          if (ready.waitSync(30)) Atomics.add(seen, 0, 1);
        },
        args: [ready, seen],
      })
    );
    for (const t of waiters) t.start();
    ready.set();
    for (const t of waiters) await t.join();
    assert.equal(seen[0], 3);
  },
);

threadTest(
  "docs: _threading_local's example, with a subclass run per thread",
  async () => {
    const out = new Uint8Array(new SharedArrayBuffer(4096));
    const f = new URL("./_fixtures.ts#localReport", import.meta.url);
    // mydata = local(); mydata.number = 42 … thread sees [], sets 11; we keep 42
    const { local } = await import("../../threading/mod.ts");
    const mydata = new local() as unknown as Record<string, unknown>;
    mydata.number = 42;
    assert.equal(mydata.number, 42);
    mydata.widgets = [];
    let t = new Thread({ target: f, args: [mydata, out] });
    t.start();
    await t.join();
    assert.deepEqual(readReport(out), [[], 11]);
    assert.equal(mydata.number, 42);
    // class MyLocal(local): number = 2; __init__(**kw) updates the dict.
    const my = new MyLocal({ color: "red" });
    assert.equal(my.number, 2);
    assert.equal(my.color, "red");
    delete my.color;
    assert.equal(my.squared(), 4);
    t = new Thread({ target: f, args: [my, out] });
    t.start();
    await t.join();
    // The constructor ran again in the thread: color is red there.
    assert.deepEqual(readReport(out), [[["color", "red"]], 11]);
    assert.equal(my.number, 2);
  },
);

threadTest("docs: Condition — consume one item, produce one item", async () => {
  const cv = new Condition();
  const items = new Int32Array(new SharedArrayBuffer(8)); // available, consumed
  const consumer = new Thread({
    target: (cv: Condition, items: Int32Array) => {
      // with cv: cv.wait_for(an_item_is_available); get_an_available_item()
      using _ = cv.holdSync();
      cv.waitForSync(() => items[0]! > 0);
      items[0]!--;
      items[1]!++;
    },
    args: [cv, items],
  });
  consumer.start();
  {
    // with cv: make_an_item_available(); cv.notify()
    using _ = await cv.hold();
    items[0]!++;
    cv.notify();
  }
  await consumer.join();
  assert.deepEqual([...items], [0, 1]);
});
