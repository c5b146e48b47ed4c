/**
 * The poller behind the async forms (`_internal/net/poller.ts`): many
 * waits at once, timeouts beside other waits, close while waiting, the
 * event loop's turn while waits are answered on the thread, and no
 * eventfd or blocking-task poll left behind.
 *
 * @module
 */

import assert from "node:assert/strict";
import { OSError } from "../../../_internal/errors.ts";
import { Listener } from "../../../multiprocessing/connection/mod.ts";
import { openFds } from "../../_resources.ts";
import { b, leakTest, pair } from "./_helpers.ts";

const MOD = new URL(
  "../../../multiprocessing/connection/mod.ts",
  import.meta.url,
).href;

function eventfds(): number {
  return [...openFds().values()].filter((t) => t.includes("eventfd")).length;
}

leakTest(
  "poller: 12 connections wait at once; each gets its own message",
  async () => {
    const before = eventfds();
    const pairs = await Promise.all(Array.from({ length: 12 }, () => pair()));
    try {
      const got = pairs.map(([server]) => server.recv());
      // Answered in reverse order, some while others are still waiting.
      for (let i = pairs.length - 1; i >= 0; i--) {
        await pairs[i]![1].send(["m", i]);
        if (i % 3 === 0) assert.deepEqual(await got[i], ["m", i]);
      }
      assert.deepEqual(await Promise.all(got), pairs.map((_, i) => ["m", i]));
    } finally {
      for (const [s, c] of pairs) {
        s.close();
        c.close();
      }
    }
    // Nothing waits any more: the poller's eventfd is closed.
    assert.equal(eventfds(), before);
  },
);

leakTest(
  "poller: poll(timeout) times out beside a pending receive, which still gets its message",
  async () => {
    const [a1, a2] = await pair();
    const [b1, b2] = await pair();
    try {
      const pending = b1.recvBytes();
      assert.equal(await a1.poll(0.05), false);
      await b2.sendBytes(b("late"));
      assert.deepEqual(await pending, b("late"));
      await a2.sendBytes(b("x"));
      assert.equal(await a1.poll(null), true);
      assert.deepEqual(await a1.recvBytes(), b("x"));
    } finally {
      for (const c of [a1, a2, b1, b2]) c.close();
    }
  },
);

leakTest(
  "poller: closing one of several waiting connections fails only its receive",
  async () => {
    const pairs = await Promise.all(Array.from({ length: 3 }, () => pair()));
    try {
      const got = pairs.map(([server]) => server.recv());
      pairs[1]![0].close();
      await assert.rejects(got[1]!, OSError);
      await pairs[0]![1].send(0);
      await pairs[2]![1].send(2);
      assert.equal(await got[0], 0);
      assert.equal(await got[2], 2);
    } finally {
      for (const [s, c] of pairs) {
        s.close();
        c.close();
      }
    }
  },
);

leakTest("poller: an async receive that waits lets timers run", async () => {
  const [a, c] = await pair();
  try {
    const p = a.recv();
    // The message is sent by a timer: the wait must not hold the event loop.
    setTimeout(() => c.sendSync("from a timer"), 0);
    assert.equal(await p, "from a timer");
  } finally {
    a.close();
    c.close();
  }
});

Deno.test("poller: a busy request/reply loop still lets timers run", async () => {
  const { Thread } = await import("../../../threading/mod.ts");
  using l = new Listener();
  const t = new Thread({
    target: async (mod: string, address: string) => {
      const { ClientSync } = await import(mod);
      using conn = ClientSync(address);
      for (;;) {
        const m = conn.recvSync();
        conn.sendSync(m);
        if (m === null) break;
      }
    },
    args: [MOD, l.address as string],
  });
  t.start();
  using conn = await l.accept();
  // A bound far above any reply time makes every wait end on the thread
  // (else a slow reply on a loaded machine would hand the wait to the
  // event loop and hide a poller that never yields).
  conn.waitBudgetUs = 1_000_000;
  for (let i = 0; i < 3000; i++) { // warm up both sides (JIT)
    await conn.send(i);
    await conn.recv();
  }
  // Replies answered by the poller's bounded wait resolve in one chain of
  // microtasks; the chain must still give way to the timer.
  let fired = false;
  const timer = setTimeout(() => fired = true, 1);
  let n = 0;
  try {
    while (!fired && n < 20_000) {
      await conn.send(n);
      assert.equal(await conn.recv(), n);
      n++;
    }
  } finally {
    clearTimeout(timer);
    await conn.send(null);
    await conn.recv();
    await t.join();
  }
  assert.ok(fired, `the timer never ran during ${n} round trips`);
});
