/**
 * The primitives across processes, as CPython's _test_multiprocessing
 * tests them (_TestLock, _TestSemaphore, _TestCondition, _TestEvent,
 * _TestBarrier), synchronised through the primitives themselves.
 */
import assert from "node:assert/strict";
import {
  Barrier,
  BoundedSemaphore,
  BrokenBarrierError,
  Condition,
  Event,
  Lock,
  Process,
  RawArray,
  RawValue,
  RLock,
  Semaphore,
  ValueError,
} from "../../multiprocessing/mod.ts";
import * as threading from "../../threading/mod.ts";
import { mpTest } from "./_helpers.ts";

/** Starts `n` processes running `target(...args, index)` and joins them. */
async function runAll(
  n: number,
  target: (...args: never[]) => unknown,
  args: unknown[],
): Promise<number[]> {
  const procs = Array.from(
    { length: n },
    (_, i) => new Process({ target, args: [...args, i] }),
  );
  for (const p of procs) p.start();
  for (const p of procs) await p.join();
  return procs.map((p) => p.exitcode!);
}

mpTest(
  "Lock: three processes increment a counter under the lock, no update lost",
  async () => {
    const lock = new Lock();
    const counter = new RawValue("i", 0);
    const codes = await runAll(3, (lock: Lock, c: RawValue<"i">) => {
      for (let i = 0; i < 20_000; i++) {
        lock.acquireSync();
        c.value = c.value + 1; // a read and a write: lost without the lock
        lock.release();
      }
    }, [lock, counter]);
    assert.deepEqual(codes, [0, 0, 0]);
    assert.equal(counter.value, 60_000);
  },
);

mpTest(
  "Lock: held here, another process cannot take it; any process may release it",
  async () => {
    const lock = new Lock();
    lock.acquireSync();
    const tryIt = new Process({
      target: (lock: Lock) => Deno.exit(lock.acquireSync(true, 0.1) ? 1 : 0),
      args: [lock],
    });
    tryIt.start();
    await tryIt.join();
    assert.equal(tryIt.exitcode, 0, "the child timed out");
    const releaser = new Process({
      target: (lock: Lock) => lock.release(),
      args: [lock],
    });
    releaser.start();
    await releaser.join();
    assert.equal(releaser.exitcode, 0);
    assert.equal(lock.locked(), false);
    // CPython's SemLock class and words (threading's Lock: RuntimeError).
    assert.throws(() => lock.release(), {
      name: "ValueError",
      message: "semaphore or lock released too many times",
    });
    assert.throws(() => new threading.Lock().release(), {
      name: "RuntimeError",
      message: "release unlocked lock",
    });
  },
);

mpTest("Lock: a waiter in another process is woken by release()", async () => {
  const lock = new Lock();
  const started = new Event();
  lock.acquireSync();
  const p = new Process({
    target: (lock: Lock, started: Event) => {
      started.set();
      lock.acquireSync(); // blocks on the futex until the parent releases
      lock.release();
    },
    args: [lock, started],
  });
  p.start();
  assert.ok(await started.wait(30));
  lock.release();
  await p.join();
  assert.equal(p.exitcode, 0);
});

mpTest(
  "RLock: owned by one thread of one process: others cannot release it",
  async () => {
    const lock = new RLock();
    lock.acquireSync();
    lock.acquireSync();
    const p = new Process({
      target: (lock: RLock) => {
        try {
          lock.release();
          Deno.exit(1);
        } catch (e) {
          Deno.exit(e instanceof Error && e.name === "RuntimeError" ? 0 : 2);
        }
      },
      args: [lock],
    });
    p.start();
    await p.join();
    assert.equal(p.exitcode, 0);
    assert.match(String(lock), /^<locked RLock object owner=1 count=2>$/);
    lock.release();
    lock.release();
    const q = new Process({
      target: (lock: RLock) => {
        lock.acquireSync();
        lock.acquireSync();
        lock.release();
        lock.release();
        Deno.exit(lock.acquireSync(false) ? 0 : 1);
      },
      args: [lock],
    });
    q.start();
    await q.join();
    assert.equal(q.exitcode, 0);
  },
);

mpTest(
  "Semaphore: values across processes; BoundedSemaphore refuses over-release",
  async () => {
    const sem = new Semaphore(2);
    const gate = new Semaphore(0);
    const inside = new RawValue("i", 0);
    const most = new RawValue("i", 0);
    const codes = await runAll(4, (
      sem: Semaphore,
      inside: RawValue<"i">,
      most: RawValue<"i">,
      gate: Semaphore,
    ) => {
      sem.acquireSync();
      const n = Atomics.add(inside.raw, 0, 1) + 1;
      for (let m = most.raw[0]!; n > m; m = most.raw[0]!) {
        Atomics.compareExchange(most.raw, 0, m, n);
      }
      gate.release();
      Atomics.sub(inside.raw, 0, 1);
      sem.release();
    }, [sem, inside, most, gate]);
    assert.deepEqual(codes, [0, 0, 0, 0]);
    assert.ok(
      most.value >= 1 && most.value <= 2,
      `at most 2 inside: ${most.value}`,
    );
    for (let i = 0; i < 4; i++) assert.ok(gate.acquireSync(false));
    assert.ok(!gate.acquireSync(false));
    const bounded = new BoundedSemaphore(1);
    const p = new Process({
      target: (s: BoundedSemaphore) => {
        try {
          s.release();
        } catch (e) {
          Deno.exit((e as Error).name === "ValueError" ? 0 : 2);
        }
        Deno.exit(1);
      },
      args: [bounded],
    });
    p.start();
    await p.join();
    assert.equal(p.exitcode, 0);
    assert.throws(() => new Semaphore(-1), ValueError);
  },
);

mpTest("Semaphore: acquire with a timeout across processes", async () => {
  const sem = new Semaphore(0);
  const p = new Process({
    target: (sem: Semaphore) => {
      const t0 = performance.now();
      const got = sem.acquireSync(true, 0.2);
      const ms = performance.now() - t0;
      Deno.exit(!got && ms >= 150 ? 0 : 1);
    },
    args: [sem],
  });
  p.start();
  await p.join();
  assert.equal(p.exitcode, 0);
});

mpTest(
  "Condition: notify(1) wakes one waiting process, notifyAll() the rest",
  async () => {
    const cond = new Condition();
    const sleeping = new Semaphore(0);
    const woken = new Semaphore(0);
    const procs = [0, 1, 2].map(() =>
      new Process({
        target: (cond: Condition, sleeping: Semaphore, woken: Semaphore) => {
          cond.acquireSync();
          sleeping.release(); // under the lock: the parent sees us only once we wait
          cond.waitSync();
          woken.release();
          cond.release();
        },
        args: [cond, sleeping, woken],
      })
    );
    for (const p of procs) p.start();
    for (let i = 0; i < 3; i++) await sleeping.acquire();
    {
      // Holding the lock proves that the three are inside wait().
      using _ = await cond.hold();
      cond.notify();
    }
    assert.ok(await woken.acquire(true, 30), "one process woke");
    assert.ok(!(await woken.acquire(true, 0.3)), "only one");
    {
      using _ = await cond.hold();
      cond.notifyAll();
    }
    for (let i = 0; i < 2; i++) assert.ok(await woken.acquire(true, 30));
    for (const p of procs) await p.join();
    assert.deepEqual(procs.map((p) => p.exitcode), [0, 0, 0]);
  },
);

mpTest(
  "Condition: waitFor with a predicate on shared state, and a timeout",
  async () => {
    const cond = new Condition(new Lock());
    const state = new RawValue("i", 0);
    const p = new Process({
      target: (cond: Condition, state: RawValue<"i">) => {
        for (let i = 1; i <= 5; i++) {
          using _ = cond.holdSync();
          state.value = i;
          cond.notifyAll();
        }
      },
      args: [cond, state],
    });
    {
      using _ = await cond.hold();
      p.start();
      assert.equal(await cond.waitFor(() => state.value === 5, 30), true);
      const t0 = performance.now();
      assert.equal(await cond.waitFor(() => state.value === 6, 0.1), false);
      assert.ok(performance.now() - t0 >= 60);
    }
    await p.join();
    assert.throws(
      () => new Condition(new threading.Lock() as unknown as Lock),
      TypeError,
    );
  },
);

mpTest(
  "Event: set in a child wakes the parent; set in the parent wakes waiting children",
  async () => {
    const ev = new Event();
    const back = new Event();
    const procs = [0, 1].map(() =>
      new Process({
        target: (ev: Event, back: Event) => {
          if (!ev.waitSync(30)) Deno.exit(1);
          back.set();
        },
        args: [ev, back],
      })
    );
    for (const p of procs) p.start();
    assert.equal(ev.isSet(), false);
    assert.equal(await ev.wait(0.05), false);
    ev.set();
    assert.ok(await back.wait(30));
    for (const p of procs) await p.join();
    assert.deepEqual(procs.map((p) => p.exitcode), [0, 0]);
    ev.clear();
    assert.equal(ev.isSet(), false);
    assert.equal(String(ev), "<Event object unset>");
  },
);

mpTest(
  "Barrier: four parties in four processes get distinct indices; the action runs once, in the last to arrive",
  async () => {
    const b = new Barrier(
      4,
      () => {
        (globalThis as { ranAction?: boolean }).ranAction = true;
      },
      30,
    );
    const seen = new RawArray("i", 4);
    const codes = await runAll(4, (b: Barrier, seen: RawArray<"i">) => {
      const index = b.waitSync();
      Atomics.add(seen.raw, index, 1);
      Deno.exit((globalThis as { ranAction?: boolean }).ranAction ? 10 : 0);
    }, [b, seen]);
    assert.deepEqual(codes.sort(), [0, 0, 0, 10]);
    assert.deepEqual([...seen], [1, 1, 1, 1]);
    assert.equal(b.broken, false);
    assert.equal(b.nWaiting, 0);
    assert.equal(b.parties, 4);
  },
);

mpTest(
  "Barrier: abort() in one process breaks waiters in another",
  async () => {
    const b = new Barrier(3);
    const p = new Process({
      target: (b: Barrier) => {
        try {
          b.waitSync(30);
        } catch (e) {
          Deno.exit((e as Error).name === "BrokenBarrierError" ? 0 : 2);
        }
        Deno.exit(1);
      },
      args: [b],
    });
    p.start();
    // Whether the child is waiting already or arrives later, it finds the
    // barrier broken.
    b.abort();
    await p.join();
    assert.equal(p.exitcode, 0);
    assert.equal(b.broken, true);
    assert.throws(() => b.waitSync(), BrokenBarrierError);
    b.reset();
    assert.equal(b.broken, false);
  },
);

mpTest("Semaphore: SemLock's range (a C int) and errors, verbatim", () => {
  for (const S of [Semaphore, BoundedSemaphore]) {
    for (const value of [2 ** 31, 2 ** 32, Infinity]) {
      assert.throws(() => new S(value), {
        name: "OverflowError",
        message: "Python int too large to convert to C int",
      });
    }
  }
  const tooMany = {
    name: "ValueError",
    message: "semaphore or lock released too many times",
  };
  const max = new Semaphore(2 ** 31 - 1);
  assert.throws(() => max.release(), tooMany);
  const zero = new Semaphore(0);
  assert.throws(() => zero.release(2 ** 40), tooMany);
  assert.equal(zero.acquireSync(false), false, "nothing was added");
  assert.throws(() => new BoundedSemaphore(1).release(), tooMany);
});

mpTest(
  "SemLock: acquire(false, timeout) returns at once, as CPython's; threading's refuse",
  async () => {
    // CPython's multiprocessing Lock, RLock and Semaphores accept a timeout
    // with blocking false (and ignore it); threading's raise ValueError.
    const sem = new Semaphore(0);
    assert.equal(sem.acquireSync(false, 5), false);
    assert.equal(await sem.acquire(false, 5), false);
    const bounded = new BoundedSemaphore(1);
    assert.equal(bounded.acquireSync(false, 5), true);
    assert.equal(bounded.acquireSync(false, 5), false);
    const lock = new Lock();
    assert.equal(lock.acquireSync(false, 5), true);
    assert.equal(await lock.acquire(false, 5), false);
    const rlock = new RLock();
    assert.equal(rlock.acquireSync(false, 5), true);
    rlock.release();
    // deno-lint-ignore no-explicit-any
    assert.throws(() => sem.acquireSync(false, "x" as any), TypeError);
    const refused = /can't specify (a )?timeout for (a )?non-blocking/;
    assert.throws(
      () => new threading.Semaphore(0).acquireSync(false, 5),
      refused,
    );
    assert.throws(() => new threading.Lock().acquireSync(false, 5), refused);
    assert.throws(() => new threading.RLock().acquireSync(false, 5), refused);
  },
);
