/**
 * A manager's `Barrier(parties, action, timeout)`: the action runs in the
 * server, once per generation, in the last party's call; an action that
 * throws breaks the barrier (`threading.Barrier._release`).
 */
import assert from "node:assert/strict";
import {
  type BarrierProxy,
  BrokenBarrierError,
  Process,
} from "../../../multiprocessing/mod.ts";
import { Thread } from "../../../threading/mod.ts";
import { mpTest } from "../_helpers.ts";
import { ActionLogManager } from "./_barrier_actions.ts";

const ACTIONS = new URL("./_barrier_actions.ts", import.meta.url).href;

async function actionLog(m: ActionLogManager): Promise<number[]> {
  const p = await m.create("log");
  return await p.getValue() as number[];
}

mpTest(
  "Barrier action (function by source) runs once per generation, in the server",
  async () => {
    await using m = new ActionLogManager();
    await m.start();
    const serverPid = m.process!.pid!;
    const barrier = await m.Barrier(3, () => {
      const g = globalThis as { barrierActionLog?: number[] };
      (g.barrierActionLog ??= []).push(Deno.pid);
    });
    assert.deepEqual(await actionLog(m), []);
    for (let gen = 1; gen <= 2; gen++) {
      const indices = await Promise.all([
        barrier.wait(),
        barrier.wait(),
        barrier.wait(),
      ]);
      assert.deepEqual(indices.sort(), [0, 1, 2]);
      assert.deepEqual(await actionLog(m), Array(gen).fill(serverPid));
    }
    assert.equal(barrier.broken, false);
  },
);

mpTest(
  "Barrier action by module reference; parties in a child process, a thread and this one",
  async () => {
    await using m = new ActionLogManager();
    await m.start();
    const barrier = await m.Barrier(3, `${ACTIONS}#record`, 30);
    const child = new Process({
      target: (b: BarrierProxy) => {
        if (b.waitSync() < 0) throw new Error("bad index");
      },
      args: [barrier],
    });
    child.start();
    const thread = new Thread({
      target: (b: BarrierProxy) => b.waitSync(),
      args: [barrier],
    });
    thread.start();
    await barrier.wait();
    await child.join();
    await thread.join();
    assert.equal(child.exitcode, 0);
    assert.deepEqual(await actionLog(m), [m.process!.pid]);
  },
);

mpTest(
  "An async Barrier action is awaited before the parties are released",
  async () => {
    await using m = new ActionLogManager();
    await m.start();
    const barrier = m.BarrierSync(2, `${ACTIONS}#recordLater`);
    await Promise.all([barrier.wait(), barrier.wait()]);
    // The action records only after a 100 ms timer: had the release not
    // awaited it, the log would still be empty here.
    assert.deepEqual(await actionLog(m), [m.process!.pid]);
  },
);

mpTest(
  "A Barrier action that throws breaks the barrier: its error for the last party, BrokenBarrierError for the others",
  async () => {
    await using m = new ActionLogManager();
    await m.start();
    const barrier = await m.Barrier(3, `${ACTIONS}#fail`);
    const outcomes = await Promise.allSettled([
      barrier.wait(),
      barrier.wait(),
      barrier.wait(),
    ]);
    const errors = outcomes.map((o) => {
      assert.equal(o.status, "rejected");
      return (o as PromiseRejectedResult).reason as Error;
    });
    const broken = errors.filter((e) => e instanceof BrokenBarrierError);
    const failed = errors.filter((e) => !(e instanceof BrokenBarrierError));
    assert.equal(broken.length, 2);
    assert.equal(failed.length, 1);
    assert.ok(failed[0] instanceof TypeError, String(failed[0]));
    assert.match(failed[0]!.message, /the action failed/);
    assert.equal(barrier.broken, true);
    await assert.rejects(barrier.wait(), BrokenBarrierError);
    assert.deepEqual(await actionLog(m), [m.process!.pid]);
    // reset() makes it usable again; the action runs (and fails) again.
    await barrier.reset();
    assert.equal(barrier.broken, false);
    const again = await Promise.allSettled([
      barrier.wait(),
      barrier.wait(),
      barrier.wait(),
    ]);
    assert.equal(again.filter((o) => o.status === "rejected").length, 3);
    assert.equal((await actionLog(m)).length, 2);
  },
);

mpTest(
  "A bad Barrier action is refused: TypeError at the client, a missing export when the Barrier is made; the manager stays usable",
  async () => {
    await using m = new ActionLogManager();
    await m.start();
    // deno-lint-ignore no-explicit-any
    await assert.rejects(m.Barrier(2, 42 as any), TypeError);
    await assert.rejects(m.Barrier(2, Math.max), /no source to send/);
    assert.throws(() => m.BarrierSync(2, "not a url"), TypeError);
    await assert.rejects(
      m.Barrier(2, `${ACTIONS}#noSuchExport`),
      (e: Error) => /noSuchExport/.test(e.message),
    );
    // A CPython client's action arrives as an object the server cannot run.
    await assert.rejects(
      m.createWith("Barrier", [2], { action: { not: "a target" } }),
      (e: Error) =>
        /Barrier action runs functions sent by a pyconc client/.test(e.message),
    );
    const barrier = await m.Barrier(1, () => {});
    assert.equal(await barrier.wait(), 0);
    assert.equal(await m.numberOfObjects(), 1);
  },
);
