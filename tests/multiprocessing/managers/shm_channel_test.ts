/**
 * The same-host channel of manager connections (_shm_layout.ts, _shm_client.ts, _shm_hub.ts): who
 * upgrades and who stays on the socket, faults on either side, load,
 * values larger than the rings, and what is freed.
 */
import assert from "node:assert/strict";
import {
  EOFError,
  Manager,
  Process,
  type Process as ProcessT,
} from "../../../multiprocessing/mod.ts";
import { shmCounters } from "../../../multiprocessing/managers/_shm_layout.ts";
import { programHeap } from "../../../_internal/process/program_heap.ts";
import { spareReady } from "../../../_internal/process/launch.ts";
import { mpTest, runScript } from "../_helpers.ts";
import { StatsManager } from "./_shm_fixtures.ts";

type Stats = { callMethod(name: string): Promise<unknown> };

type Counters = {
  client: number;
  server: number;
  upgraded: number;
  freed: number;
};

async function serverCounters(m: StatsManager): Promise<Counters> {
  const s = await (m as unknown as { stats(): Promise<Stats> }).stats();
  return await s.callMethod("counters") as Counters;
}

async function started(): Promise<StatsManager> {
  const m = new StatsManager();
  await m.start();
  return m;
}

/** Blocks in use in the program's heap (it verifies the heap too). */
function usedBlocks(): number {
  const v = programHeap().verify();
  return v.blocks - v.freeLarge - v.freeSmall;
}

/** Waits (bounded) until `cond()` holds, asking again each round trip. */
async function until(cond: () => Promise<boolean>, what: string) {
  const end = performance.now() + 10_000;
  while (!(await cond())) {
    if (performance.now() > end) assert.fail(`never: ${what}`);
  }
}

mpTest(
  "A client of its own family's server moves to shared memory; calls, errors and Sync forms work there",
  async () => {
    const before = shmCounters.upgraded;
    await using m = await Manager();
    const d = await m.dict<string, unknown>();
    await d.setItem("a", 1);
    d.setItemSync("b", [1, "two"]);
    assert.equal(await d.getItem("a"), 1);
    assert.deepEqual(d.getItemSync("b"), [1, "two"]);
    await assert.rejects(d.getItem("zz"), (e: Error) => e.name === "KeyError");
    assert.throws(
      () => d.getItemSync("zz"),
      (e: Error) => e.name === "KeyError",
    );
    assert.ok(shmCounters.upgraded > before, "the connection upgraded");
    assert.ok(shmCounters.client >= 1);
  },
);

mpTest(
  "Over shared memory, methods that return at once and methods that wait are both answered, with their errors",
  async () => {
    const before = shmCounters.upgraded;
    await using m = await Manager();
    const q = await m.Queue<string>();
    const d = await m.dict<string, number>();
    // A get that waits in the server (its reply comes later); calls on
    // other connections are answered at once meanwhile.
    const got = q.get();
    await d.setItem("a", 1);
    assert.equal(d.getItemSync("a"), 1);
    assert.equal(await d.length(), 1);
    await q.put("x");
    assert.equal(await got, "x");
    // An error raised at once, and one after a wait, keep their class.
    assert.throws(
      () => d.getItemSync("zz"),
      (e: Error) => e.name === "KeyError",
    );
    await assert.rejects(q.get(true, 0.01), (e: Error) => e.name === "Empty");
    // A method answered at once returning nothing, then values again.
    await d.setItem("b", 2);
    assert.deepEqual((await d.keys()).sort(), ["a", "b"]);
    assert.ok(shmCounters.upgraded > before, "the connections upgraded");
  },
);

mpTest(
  "Values larger than the rings travel both ways (async and Sync)",
  async () => {
    await using m = await Manager();
    const d = await m.dict<string, unknown>();
    const big = "x".repeat(300_000) + "end";
    const bytes = new Uint8Array(200_000).map((_, i) => i & 0xff);
    await d.setItem("s", big);
    d.setItemSync("b", bytes);
    assert.equal(d.getItemSync("s"), big);
    assert.deepEqual(await d.getItem("b"), bytes);
    for (let i = 0; i < 5; i++) {
      // Big and small in turn: one big message in flight at a time.
      await d.setItem("s", big + i);
      assert.equal(await d.getItem("s"), big + i);
      assert.equal(d.lengthSync(), 2);
    }
  },
);

mpTest(
  "Channels are freed when the clients close and when the server shuts down",
  async () => {
    const m = await started();
    // Starting the server took the spare process and launches the next one,
    // whose record is a heap block: count from after it is in place.
    await spareReady();
    const used0 = usedBlocks();
    const before = await serverCounters(m);
    const freed0 = shmCounters.freed;
    const d = await m.dict<string, number>();
    await d.setItem("k", 1);
    // Sixteen calls in flight: sixteen connections, all upgraded.
    await Promise.all(
      Array.from({ length: 16 }, (_, i) => d.setItem(`k${i}`, i)),
    );
    const during = await serverCounters(m);
    assert.ok(during.server >= 16, JSON.stringify([before, during]));
    const clients = shmCounters.client;
    assert.ok(clients >= 16);
    const proc = m.process!;
    await m.shutdown();
    assert.equal(proc.exitcode, 0);
    assert.equal(shmCounters.client, 0);
    // The server finished every channel before its sockets closed; the
    // clients, closing after, freed them.
    // Every channel (3 blocks each) and the server's doorbell went back to
    // the heap (what earlier tests left may have gone too: at most).
    assert.ok(usedBlocks() <= used0, `${usedBlocks()} > ${used0}`);
    assert.ok(shmCounters.freed > freed0);
  },
);

mpTest(
  "A client process killed mid-call: the server frees its channel and serves on",
  async () => {
    await using m = await started();
    const ev = await m.Event();
    const d = await m.dict<string, number>();
    const p = new Process({
      target: (
        ev: { waitSync(): boolean },
        d: { setItemSync(k: string, v: number): void },
      ) => {
        d.setItemSync("child", 1); // upgraded, then parked in the server
        ev.waitSync();
      },
      args: [ev, d],
    });
    const freed0 = (await serverCounters(m)).freed;
    const used0 = usedBlocks();
    p.start();
    await until(async () => (await d.get("child")) === 1, "child upgraded");
    // The child is parked in ev.wait on its shm channel now.
    p.kill();
    await p.join();
    await until(
      async () => (await serverCounters(m)).freed > freed0,
      "the server freed the dead client's channel",
    );
    await d.setItem("after", 2);
    assert.equal(await d.getItem("after"), 2);
    assert.ok(usedBlocks() <= used0, `${usedBlocks()} > ${used0}`);
    await ev.set();
  },
);

mpTest(
  "A server killed mid-call fails a Sync call parked on shared memory (no hang) and frees the channel",
  async () => {
    const m = await Manager();
    const ev = await m.Event();
    const d = await m.dict<string, number>();
    const p: ProcessT = new Process({
      target: (
        ev: { waitSync(): boolean },
        d: { setItemSync(k: string, v: number): void },
      ) => {
        d.setItemSync("child", 1);
        try {
          ev.waitSync(); // the server dies meanwhile
        } catch (e) {
          Deno.exit((e as Error).name === "EOFError" ? 7 : 8);
        }
        Deno.exit(9);
      },
      args: [ev, d],
    });
    p.start();
    await until(async () => (await d.get("child")) === 1, "child upgraded");
    const freed0 = shmCounters.freed;
    // Our own async call parked too.
    const pending = ev.wait().then(() => null, (e: Error) => e);
    m.process!.kill();
    await m.process!.join();
    await p.join();
    assert.equal(p.exitcode, 7);
    const e = await pending;
    assert.ok(e instanceof EOFError, String(e));
    assert.match(e.message, /Lost the connection/);
    assert.throws(() => d.getItemSync("x"));
    await assert.rejects(d.getItem("x"));
    assert.ok(shmCounters.freed > freed0, "the client freed its channel");
    await m.shutdown();
  },
);

mpTest(
  "Concurrent calls from threads and processes over shared memory",
  async () => {
    const { Thread } = await import("../../../threading/mod.ts");
    await using m = await Manager();
    const d = await m.dict<string, number>();
    const lock = await m.Lock();
    await d.setItem("n", 0);
    const bump = (
      d: {
        getItemSync(k: string): number;
        setItemSync(k: string, v: number): void;
      },
      lock: { acquireSync(): boolean; releaseSync(): void },
      tag: string,
    ) => {
      for (let i = 0; i < 50; i++) {
        d.setItemSync(`${tag}-${i}`, i);
        lock.acquireSync();
        try {
          d.setItemSync("n", d.getItemSync("n") + 1);
        } finally {
          lock.releaseSync();
        }
      }
    };
    const procs = [0, 1, 2].map((i) =>
      new Process({ target: bump, args: [d, lock, `p${i}`] })
    );
    const threads = [0, 1].map((i) =>
      new Thread({ target: bump, args: [d, lock, `t${i}`] })
    );
    for (const p of procs) p.start();
    for (const t of threads) t.start();
    await Promise.all(
      Array.from({ length: 8 }, async (_, w) => {
        for (let i = 0; i < 25; i++) await d.setItem(`a${w}-${i}`, i);
      }),
    );
    for (const p of procs) await p.join();
    for (const t of threads) await t.join();
    for (const p of procs) assert.equal(p.exitcode, 0);
    assert.equal(await d.getItem("n"), 5 * 50);
    assert.equal(await d.length(), 1 + 5 * 50 + 8 * 25);
  },
);

mpTest(
  "A client on the thread of its server stays on the socket (its waits would hold the server's thread)",
  async () => {
    const { SyncManager } = await import("../../../multiprocessing/mod.ts");
    const key = new TextEncoder().encode("same-thread");
    const server = new SyncManager({ address: ["127.0.0.1", 0], authkey: key })
      .getServer();
    const serving = server.serveForever();
    const before = shmCounters.upgraded;
    const client = new SyncManager({ address: server.address, authkey: key });
    await client.connect();
    const d = await client.dict<string, number>();
    await d.setItem("a", 1);
    assert.equal(await d.getItem("a"), 1);
    assert.equal(shmCounters.upgraded, before);
    await client.shutdown();
    server.shutdown();
    await serving;
  },
);

mpTest(
  "A deno program of another family (not started by Process) stays on the socket",
  async () => {
    const m = await started();
    const hex = Array.from(m.authkey, (b) => b.toString(16).padStart(2, "0"))
      .join("");
    const r = await runScript("shm_unrelated_client.ts", {
      args: [m.address as string, hex],
    });
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(JSON.parse(r.out.trim()), { value: 42, upgraded: 0 });
    await m.shutdown();
  },
);
