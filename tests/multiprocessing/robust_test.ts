/**
 * Robust internal locks: a process killed at any instant of a queue, pipe
 * or heap operation never wedges the structure and never duplicates an
 * item; at most the item it was moving is lost. Deterministic cases (a
 * holder that never lets go, alive or killed) and hundreds of kills at
 * random instants. User-visible locks keep Python's semantics (a lock
 * held by a dead process stays held).
 */
import assert from "node:assert/strict";
import {
  Empty,
  Event,
  Full,
  Lock,
  Pipe,
  Process,
  Queue,
} from "../../multiprocessing/mod.ts";
import { heap } from "../../_internal/sync/heap.ts";
import { HEADER, QueueLayout, Tag } from "../../_internal/sync/layout.ts";
import { RING_WORDS } from "../../_internal/sync/byte_ring.ts";
import { Order, QueueCore } from "../../_internal/queue/queue_core.ts";
import { programHeap } from "../../_internal/process/program_heap.ts";
import { mpTest, sleepingInKernel } from "./_helpers.ts";
import { SHARE } from "../../_internal/codec/shareable.ts";
import { ownerGone } from "../../_internal/sync/owner.ts";
import {
  coreOf,
  itemIntact,
  makeMessage,
  messageId,
} from "./_robust_fixtures.ts";

const fixture = (name: string) =>
  new URL(`./_robust_fixtures.ts#${name}`, import.meta.url);

/** Runs `fn` and says whether it threw `cls` (after it returned, however long it took). */
function throwsSync(fn: () => unknown, cls: new () => Error): boolean {
  try {
    fn();
  } catch (e) {
    if (e instanceof cls) return true;
    throw e;
  }
  return false;
}

async function throwsAsync(
  p: Promise<unknown>,
  cls: new () => Error,
): Promise<boolean> {
  try {
    await p;
  } catch (e) {
    if (e instanceof cls) return true;
    throw e;
  }
  return false;
}

const randomMs = (max: number) => Math.floor(Math.random() * max);
const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

Deno.test("QueueCore: get and put with a timeout return after it while the lock stays held", async () => {
  const h = heap();
  const ptr = h.allocObject(Tag.QUEUE, QueueLayout.WORDS);
  QueueCore.init(h, ptr, QueueLayout.CORE, Order.FIFO, 1, true);
  const core = new QueueCore(h, ptr, QueueLayout.CORE);
  try {
    core.putSync(1, true, null);
    core.lock.enter(); // a holder that never releases (this very thread)
    assert.ok(throwsSync(() => core.getSync(true, 0.2), Empty));
    assert.ok(throwsSync(() => core.putSync(2, true, 0.2), Full));
    assert.ok(await throwsAsync(core.get(true, 0.2), Empty));
    assert.ok(await throwsAsync(core.put(2, true, 0.2), Full));
    assert.ok(throwsSync(() => core.getSync(true, 0), Empty));
    core.lock.release();
    assert.equal(core.getSync(true, 0.2), 1, "the item stayed");
    core.putSync(3, true, 0.2);
    assert.equal(await core.get(true, 0.2), 3);
  } finally {
    h.release(ptr);
  }
});

mpTest(
  "Queue: get(true, 0.2) returns while a live process holds the queue's lock, and the queue recovers when that process is killed",
  async () => {
    const q = new Queue<number>();
    q.putSync(7);
    const held = new Event();
    const holder = new Process({
      target: fixture("holdQueueLock"),
      args: [q, held],
    });
    holder.start();
    try {
      assert.ok(await held.wait(30));
      // Alive: never taken over; the timeout holds.
      assert.ok(throwsSync(() => q.getSync(true, 0.2), Empty));
      assert.ok(await throwsAsync(q.get(true, 0.2), Empty));
      assert.equal(coreOf(q).lock.owner(), holder.pid);
    } finally {
      holder.kill();
    }
    // Killed (not reaped yet: a zombie): the next get takes the lock over.
    assert.equal(q.getSync(true, 30), 7);
    await holder.join();
    assert.equal(holder.exitcode, -9);
    q.putSync(8);
    assert.equal(await q.get(true, 30), 8);
  },
);

mpTest(
  "Heap: a process killed holding the allocator's lock leaves the heap usable",
  async () => {
    const held = new Event();
    const holder = new Process({
      target: fixture("holdHeapLock"),
      args: [held],
    });
    holder.start();
    try {
      assert.ok(await held.wait(30));
    } finally {
      holder.kill();
    }
    await holder.join();
    const h = programHeap();
    const p = h.alloc(100);
    h.free(p);
    h.verify();
    const q = new Queue<number>(); // allocates in the same heap
    q.putSync(1);
    assert.equal(q.getSync(), 1);
  },
);

mpTest(
  "Pipe: a writer killed while blocked in send (pipe full) loses only that message; the pipe stays usable",
  async () => {
    const [r, w] = Pipe(false);
    const started = new Event();
    const writer = new Process({
      target: fixture("fillPipe"),
      args: [w, started],
    });
    writer.start();
    try {
      assert.ok(await started.wait(30));
      await sleepingInKernel(writer.pid!); // blocked: the ring is full
    } finally {
      writer.kill();
    }
    await writer.join();
    // Only whole messages: 0, 1, … in order, each of 64 KiB.
    let n = 0;
    while (r.pollSync(0)) {
      const m = r.recvBytesSync();
      assert.equal(m.length, 65536);
      assert.equal(m[0], n & 0xff);
      n++;
    }
    assert.ok(n >= 15, `${n} messages`);
    // The dead writer's lock is taken over by the next send.
    w.sendBytesSync(Uint8Array.of(1, 2, 3));
    assert.deepEqual(r.recvBytesSync(), Uint8Array.of(1, 2, 3));
    r.close();
    w.close();
  },
);

mpTest(
  "Pipe: a reader killed while blocked in recv leaves the read lock to the next reader",
  async () => {
    const [r, w] = Pipe(false);
    const started = new Event();
    const reader = new Process({
      target: fixture("recvForever"),
      args: [r, started],
    });
    reader.start();
    try {
      assert.ok(await started.wait(30));
      await sleepingInKernel(reader.pid!);
    } finally {
      reader.kill();
    }
    await reader.join();
    await w.sendBytes(Uint8Array.of(9));
    assert.deepEqual(await r.recvBytes(), Uint8Array.of(9));
    r.close();
    w.close();
  },
);

mpTest(
  "Lock: a user-visible lock held by a killed process stays held (Python's semantics)",
  async () => {
    const lock = new Lock();
    const held = new Event();
    const holder = new Process({
      target: fixture("holdLock"),
      args: [lock, held],
    });
    holder.start();
    try {
      assert.ok(await held.wait(30));
    } finally {
      holder.kill();
    }
    await holder.join();
    assert.equal(await lock.acquire(true, 0.2), false);
    lock.release(); // any process may release it
    assert.equal(await lock.acquire(true, 0.2), true);
    lock.release();
  },
);

/** Ids received per generation: no duplicate allowed; returns the losses. */
class Received {
  readonly #seen = new Map<number, Set<number>>();

  add(gen: number, i: number): void {
    let s = this.#seen.get(gen);
    if (s === undefined) this.#seen.set(gen, s = new Set());
    assert.ok(!s.has(i), `item (${gen}, ${i}) received twice`);
    s.add(i);
  }

  get count(): number {
    let n = 0;
    for (const s of this.#seen.values()) n += s.size;
    return n;
  }

  /**
   * Items missing below the highest received of each generation (a
   * producer's sequential puts: only its last, in flight at the kill, may
   * be missing at the end, unseen).
   */
  gaps(): number {
    let n = 0;
    for (const s of this.#seen.values()) n += Math.max(...s) + 1 - s.size;
    return n;
  }
}

/**
 * Starts `target` as a child, waits for it to say it runs, lets it run a
 * random few milliseconds, and kills it.
 */
async function runAndKill(
  target: string,
  args: (started: Event) => unknown[],
  maxMs: number,
  diag: () => string = () => "",
): Promise<Process> {
  const started = new Event();
  const p = new Process({ target: fixture(target), args: args(started) });
  p.start();
  // A structure wedged by an earlier kill would keep the child from
  // starting its loop: that is the wedge this fails on.
  if (!await started.wait(60)) {
    const running = p.isAlive();
    const info = diag() +
      ` wchan ${Deno.readTextFileSync(`/proc/${p.pid}/wchan`)} ` +
      `stat ${Deno.readTextFileSync(`/proc/${p.pid}/stat`).slice(0, 60)}`;
    p.kill();
    await p.join();
    throw new Error(
      `${target}: never got going (wedged?): ${
        running ? "still running" : `exit code ${p.exitcode}`
      } ${info}`,
    );
  }
  await delay(randomMs(maxMs));
  p.kill();
  return p;
}

mpTest(
  "Queue: 240 producers and consumers killed at random instants: no wedge, no duplicate, losses ≤ kills",
  async () => {
    const a = new Queue<[number, number, unknown]>();
    const b = new Queue<[number, number, unknown]>();
    const got = new Received();
    let consumerKills = 0;
    const drain = (q: Queue<[number, number, unknown]>, ms: number) => {
      for (;;) {
        let item: [number, number, unknown];
        try {
          item = q.getSync(true, ms / 1000);
        } catch (e) {
          if (e instanceof Empty) return;
          throw e;
        }
        assert.ok(itemIntact(item), `item (${item[0]}, ${item[1]}) damaged`);
        got.add(item[0], item[1]);
      }
    };
    const ROUNDS = Number(Deno.env.get("ROUNDS") ?? 120);
    for (let gen = 1; gen <= ROUNDS; gen++) {
      const [producer, consumer] = await Promise.all([
        runAndKill("produce", (s) => [a, gen, s], 30),
        runAndKill("consume", (s) => [a, b, s], 30),
      ]);
      consumerKills++;
      await Promise.all([producer.join(), consumer.join()]);
      assert.equal(producer.exitcode, -9);
      assert.equal(consumer.exitcode, -9);
      drain(b, 0);
    }
    // Everything left is still there, and the queues work.
    drain(b, 50);
    drain(a, 50);
    a.putSync([0, 0, 0], true, 30);
    assert.deepEqual(a.getSync(true, 30), [0, 0, 0]);
    assert.ok(got.count > ROUNDS, `${got.count} items moved`);
    assert.ok(
      got.gaps() <= consumerKills,
      `${got.gaps()} items lost, ${consumerKills} consumers killed`,
    );
    programHeap().verify();
  },
);

mpTest(
  "Pipe: 200 writers and readers killed at random instants: no wedge, no duplicate, losses ≤ kills",
  async () => {
    const [r, w] = Pipe(false);
    const out = new Queue<Uint8Array>();
    const got = new Received();
    let readerKills = 0;
    const pipeState = () => {
      // The ring's words (see byte_ring.ts) and the owners of its locks.
      const h = programHeap();
      const end = (w as unknown as { [SHARE](): { data: number } })[SHARE]()
        .data;
      const pipe = h.int32(end, HEADER + 1)[HEADER]!; // the end's pipe
      const ring = [
        ...h.int32(pipe, HEADER + 2 + RING_WORDS).slice(HEADER + 2),
      ];
      const who = (v: number, stamp: number) => {
        const pid = v & 0x3fffff;
        let st = "none";
        try {
          const t = Deno.readTextFileSync(`/proc/${pid}/stat`);
          st = t.slice(t.lastIndexOf(")") + 2).split(" ")[0]!;
        } catch { /* gone */ }
        return `[${pid} stamp ${stamp} gone ${ownerGone(pid, stamp)} ${st}]`;
      };
      return `ring ${ring.join(",")} W ${who(ring[6]!, ring[11]!)} R ${
        who(ring[7]!, ring[12]!)
      }`;
    };
    const take = (m: Uint8Array) => {
      const id = messageId(m);
      assert.ok(id !== undefined, `a damaged message of ${m.length} bytes`);
      got.add(id[0], id[1]);
    };
    const drain = (ms: number) => {
      for (;;) {
        let m: Uint8Array;
        try {
          m = out.getSync(true, ms / 1000);
        } catch (e) {
          if (e instanceof Empty) return;
          throw e;
        }
        take(m);
      }
    };
    const ROUNDS = Number(Deno.env.get("ROUNDS") ?? 100);
    for (let gen = 1; gen <= ROUNDS; gen++) {
      const [writer, reader] = await Promise.all([
        runAndKill("write", (s) => [w, gen, s], 30, pipeState),
        runAndKill("read", (s) => [r, out, s], 30, pipeState),
      ]);
      readerKills++;
      await Promise.all([writer.join(), reader.join()]);
      drain(0);
      // Empty the pipe too: the next writer's first message must fit
      // whether or not the next reader is quick to start.
      while (r.pollSync(0)) take(r.recvBytesSync());
    }
    drain(50);
    while (r.pollSync(0.05)) take(r.recvBytesSync());
    // The pipe still carries messages, small and larger than its ring.
    for (const m of [makeMessage(0, 1), makeMessage(0, 0)]) {
      const sent = w.sendBytes(m);
      const back = await r.recvBytes();
      await sent;
      assert.deepEqual(messageId(back), messageId(m));
    }
    assert.ok(got.count > ROUNDS, `${got.count} messages moved`);
    assert.ok(
      got.gaps() <= readerKills,
      `${got.gaps()} messages lost, ${readerKills} readers killed`,
    );
    r.close();
    w.close();
    out.close();
    programHeap().verify();
  },
);

mpTest(
  "Heap: 200 allocating processes killed at random instants leave a consistent heap",
  async () => {
    const h = programHeap();
    const ROUNDS = Number(Deno.env.get("ROUNDS") ?? 100);
    for (let k = 0; k < ROUNDS; k++) {
      const ps = await Promise.all([
        runAndKill("churnHeap", (s) => [2 * k + 1, s], 20),
        runAndKill("churnHeap", (s) => [2 * k + 2, s], 20),
      ]);
      // This process allocates and frees meanwhile too.
      const mine = Array.from({ length: 50 }, (_, i) => h.alloc(16 * i + 1));
      for (const p of mine) h.free(p);
      await Promise.all(ps.map((p) => p.join()));
      for (const p of ps) assert.equal(p.exitcode, -9);
    }
    h.verify();
    const blocks = Array.from({ length: 200 }, (_, i) => h.alloc(i * 97 + 1));
    for (const p of blocks) h.free(p);
    h.verify();
  },
);

/**
 * Kills a process at every step of one queue operation's journals (the
 * item's heap block, the queue's fields, a storage reallocation): after
 * each kill the queue holds exactly what it held before, or what the
 * finished operation leaves, and the heap is consistent.
 */
async function killAtEveryStep(op: "put" | "get"): Promise<number> {
  for (let step = 1;; step++) {
    const q = new Queue<[number, number, unknown]>();
    const ids: string[] = [];
    for (let i = 0; i < (op === "put" ? 16 : 17); i++) {
      q.putSync([1, i, i]); // a put that fills the storage's 16 slots …
      ids.push(`1,${i}`);
    }
    if (op === "get") {
      // … then 9 gets: the next one shrinks the storage back.
      for (let i = 0; i < 9; i++) q.getSync();
      ids.splice(0, 9);
    }
    const p = new Process({
      target: fixture("dieDuring"),
      args: [q, op, step],
    });
    p.start();
    await p.join();
    const done = p.exitcode === 0;
    if (!done) assert.equal(p.exitcode, -9, `step ${step}`);
    // Unfinished tasks: one per item put (a get leaves it as it is).
    assert.equal(
      coreOf(q).unfinishedTasks,
      op === "put" ? q.qsize() : 17,
      `step ${step}`,
    );
    const left: string[] = [];
    for (;;) {
      try {
        const item = q.getSync(true, 0.05);
        left.push(`${item[0]},${item[1]}`);
      } catch (e) {
        if (e instanceof Empty) break;
        throw e;
      }
    }
    const after = op === "put" ? [...ids, "9,999"] : ids.slice(1);
    if (done) assert.deepEqual(left, after, `step ${step}: finished`);
    else {
      assert.ok(
        JSON.stringify(left) === JSON.stringify(ids) ||
          JSON.stringify(left) === JSON.stringify(after),
        `killed at step ${step}: ${left.join(" ")}`,
      );
    }
    programHeap().verify();
    q.close();
    if (done) return step;
  }
}

mpTest(
  "Queue: a put killed at every step of its update leaves the queue as before or as after",
  async () => {
    const steps = await killAtEveryStep("put");
    assert.ok(steps > 20, `${steps} steps`);
  },
);

mpTest(
  "Queue: a get killed at every step of its update leaves the queue as before or as after",
  async () => {
    const steps = await killAtEveryStep("get");
    assert.ok(steps > 20, `${steps} steps`);
  },
);

mpTest(
  "Process: a child killed inside an update of its handle list is still reaped, its update undone",
  async () => {
    const held = new Event();
    const p = new Process({ target: fixture("holdHoldings"), args: [held] });
    p.start();
    try {
      assert.ok(await held.wait(30));
    } finally {
      p.kill();
    }
    await p.join(); // the reap takes the dead child's lock over
    assert.equal(p.exitcode, -9);
    held.set(); // still a valid object: no reference was released twice
    assert.ok(held.isSet());
    programHeap().verify();
  },
);
