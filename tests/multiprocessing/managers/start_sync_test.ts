/**
 * The Sync ways to start a manager: `BaseManager.startSync()` and
 * `ManagerSync()` (the `Sync` twin of `Manager()`), in the main thread and
 * in a Thread; failures and leaks.
 */
import assert from "node:assert/strict";
import {
  type AutoProxy,
  BaseManager,
  ManagerSync,
  Process,
  ProcessError,
  SyncManager,
} from "../../../multiprocessing/mod.ts";
import { Thread } from "../../../threading/mod.ts";
import { Queue } from "../../../queue/mod.ts";
import { alive, mpTest, shmEntries } from "../_helpers.ts";

const fixtures = new URL("./_fixtures.ts", import.meta.url);
const MP = new URL("../../../multiprocessing/mod.ts", import.meta.url).href;

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

mpTest(
  "ManagerSync() returns a started SyncManager; shutdownSync() ends its process and removes its socket file",
  () => {
    ManagerSync().shutdownSync(); // the program's heap segment exists now
    const shm = shmEntries();
    const m = ManagerSync();
    assert.ok(m instanceof SyncManager);
    const proc = m.process!;
    assert.ok(alive(proc.pid!));
    const address = m.address as string;
    assert.equal(typeof address, "string");
    assert.ok(exists(address));
    const d = m.dictSync<string, number>({ a: 1 });
    d.setItemSync("b", 2);
    assert.deepEqual(d.copySync(), { a: 1, b: 2 });
    m.shutdownSync();
    assert.equal(m.process, null);
    assert.equal(proc.exitcode, 0);
    assert.ok(!exists(address));
    assert.throws(() => m.dictSync(), ProcessError);
    // (Other programs on this machine make entries too: only ours count.)
    const ours = [`pyconc-${Deno.pid}-`, `pyconc-${proc.pid}-`];
    assert.deepEqual(
      [...shmEntries()].filter((e) =>
        !shm.has(e) && ours.some((prefix) => e.startsWith(prefix))
      ),
      [],
    );
  },
);

mpTest("using ManagerSync() shuts it down at the end of the block", () => {
  let proc: Process;
  {
    using m = ManagerSync({ address: ["127.0.0.1", 0] });
    proc = m.process!;
    const [host, port] = m.address as [string, number];
    assert.equal(host, "127.0.0.1");
    assert.ok(port > 0);
    const l = m.listSync([1]);
    l.appendSync(2);
    assert.deepEqual(l.copySync(), [1, 2]);
  }
  assert.equal(proc.exitcode, 0);
});

mpTest(
  "startSync(): the initializer runs first; a second start is a ProcessError; proxies reach a child process",
  async () => {
    class Tagged extends BaseManager {}
    Tagged.register("Tagged", new URL("#Tagged", fixtures));
    using m = new Tagged();
    m.startSync(new URL("#markServer", fixtures), ["initialised"]);
    assert.throws(() => m.startSync(), ProcessError);
    await assert.rejects(m.start(), ProcessError);
    const t = m.createSync<AutoProxy>("Tagged");
    assert.equal(t.tagSync(), "initialised");
    const p = new Process({
      target: (t: AutoProxy) => {
        if (t.tagSync() !== "initialised") throw new Error("wrong server");
      },
      args: [t],
    });
    p.start();
    await p.join();
    assert.equal(p.exitcode, 0);
  },
);

mpTest(
  "startSync(): a server process that fails (initializer throws) is a ProcessError, not a hang",
  () => {
    class Broken extends BaseManager {}
    const m = new Broken();
    assert.throws(
      () =>
        m.startSync(() => {
          throw new Error("initializer failed");
        }),
      (e: Error) => e instanceof ProcessError && /exit code 1/.test(e.message),
    );
    assert.equal(m.process, null);
    // Not started: a later start works.
    m.startSync();
    m.shutdownSync();
  },
);

mpTest(
  "startSync(): a server process killed by a signal before it listens is a ProcessError, not a hang",
  () => {
    const m = new BaseManager();
    assert.throws(
      () => m.startSync(() => Deno.kill(Deno.pid, "SIGKILL")),
      (e: Error) => e instanceof ProcessError && /exit code -9/.test(e.message),
    );
    m.shutdownSync();
  },
);

mpTest(
  "start(): a server process killed by a signal before it listens is a ProcessError",
  async () => {
    const m = new BaseManager();
    await assert.rejects(
      m.start(() => Deno.kill(Deno.pid, "SIGKILL")),
      (e: Error) => e instanceof ProcessError && /exit code -9/.test(e.message),
    );
    await m.shutdown();
  },
);

mpTest("ManagerSync() in a Thread target", async () => {
  const out = new Queue<string>();
  const t = new Thread({
    target: async (mp: string, out: Queue<string>) => {
      const { ManagerSync } = await import(mp);
      using m = ManagerSync();
      const q = m.QueueSync();
      q.putSync("from a thread");
      out.putSync(q.getSync());
    },
    args: [MP, out],
  });
  t.start();
  await t.join();
  assert.equal(out.getNowait(), "from a thread");
});
