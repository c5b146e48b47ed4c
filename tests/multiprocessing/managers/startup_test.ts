/**
 * Manager start-up: the server reports on a shared-memory pipe, runs on
 * the warm spare child, which loaded its code ahead (and ran its start-up
 * paths once), and loads a Pool's code only when one is made.
 */
import assert from "node:assert/strict";
import { Manager } from "../../../multiprocessing/mod.ts";
import {
  spareProcessId,
  spareReady,
} from "../../../_internal/process/launch.ts";
import { loadAhead } from "../../../_internal/process/module_preload.ts";
import { mpTest } from "../_helpers.ts";

const SERVER_MAIN = new URL(
  "../../../multiprocessing/managers/_server_main.ts",
  import.meta.url,
).href;

function openFds(): number {
  return [...Deno.readDirSync("/proc/self/fd")].length;
}

Deno.test(
  "loadAhead() imports a manager's server module and warms it up, leaving no descriptor or socket file",
  async () => {
    const tmp = new Set([...Deno.readDirSync(Deno.env.get("TMPDIR") ?? "/tmp")]
      .map((e) => e.name));
    const fds = openFds();
    await loadAhead([SERVER_MAIN]);
    const { warmUp } = await import(SERVER_MAIN);
    await warmUp(); // again: nothing accumulates
    assert.equal(openFds(), fds);
    const added = [...Deno.readDirSync(Deno.env.get("TMPDIR") ?? "/tmp")]
      .map((e) => e.name).filter((n) =>
        !tmp.has(n) && n.startsWith(`pyconc-listener-${Deno.pid}-`)
      );
    assert.deepEqual(added, []);
  },
);

mpTest(
  "After a first Manager(), the next one starts on the warm spare child; its Pool and Barrier action work",
  async () => {
    await (await Manager()).shutdown(); // the next spare loads the server
    assert.ok(await spareReady());
    const spare = spareProcessId();
    await using m = await Manager();
    assert.equal(m.process!.pid, spare);
    const d = await m.dict<string, number>({ a: 1 });
    assert.equal(await d.getItem("a"), 1);
    const barrier = await m.Barrier(2, () => {});
    assert.deepEqual(
      (await Promise.all([barrier.wait(), barrier.wait()])).sort(),
      [0, 1],
    );
    const pool = await m.Pool(1);
    assert.equal(
      await pool.apply((x: number) => x * 2, [21]),
      42,
    );
    await pool.terminate();
  },
);
