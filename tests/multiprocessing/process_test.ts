import { BackgroundReaper } from "../../_internal/process/reaper.ts";
import assert from "node:assert/strict";
import {
  activeChildren,
  currentProcess,
  parentProcess,
  Process,
  RuntimeError,
  ValueError,
} from "../../multiprocessing/mod.ts";
import { Lock as ThreadingLock } from "../../threading/mod.ts";
import { AsyncExiter, Exiter } from "./_fixtures.ts";
import { alive, childPids, mpTest, runScript, waitGone } from "./_helpers.ts";

/** A target that blocks forever (until a signal ends the process). */
const blockForever = () => {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
};

mpTest(
  "Process: exit code 0 when the target returns; lifecycle of isAlive, exitcode, pid",
  async () => {
    const p = new Process({ target: () => {} });
    assert.equal(p.isAlive(), false);
    assert.equal(p.exitcode, null);
    assert.equal(p.pid, null);
    assert.ok(!activeChildren().includes(p));
    p.start();
    assert.equal(typeof p.pid, "number");
    assert.equal(p.ident, p.pid);
    assert.equal(p.nativeId, p.pid);
    assert.ok(activeChildren().includes(p));
    await p.join();
    assert.equal(p.exitcode, 0);
    assert.equal(p.isAlive(), false);
    assert.ok(!activeChildren().includes(p));
  },
);

mpTest(
  "Process: exit codes as Python's: Deno.exit(n), 1 for an uncaught error, -15 for terminate(), -9 for kill()",
  async () => {
    const exits = new Process({ target: () => Deno.exit(7) });
    exits.start();
    const terminated = new Process({ target: blockForever });
    terminated.start();
    const killed = new Process({ target: blockForever });
    killed.start();
    terminated.terminate();
    killed.kill();
    await exits.join();
    terminated.joinSync();
    await killed.join();
    assert.equal(exits.exitcode, 7);
    assert.equal(terminated.exitcode, -15);
    assert.equal(killed.exitcode, -9);
    assert.match(String(terminated), /stopped exitcode=-SIGTERM>$/);
    assert.match(String(killed), /stopped exitcode=-SIGKILL>$/);
  },
);

Deno.test("Process: an uncaught error prints 'Process NAME:' and the stack, exit code 1", async () => {
  const r = await runScript("uncaught.ts");
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out.trim(), "exitcode 1");
  assert.match(r.err, /^Process Failing-1:\nRangeError: boom\n\s+at /m);
});

mpTest(
  "Process: join(timeout) returns while the child runs; terminate() after it",
  async () => {
    const p = new Process({ target: blockForever });
    p.start();
    const t0 = performance.now();
    await p.join(0.2);
    assert.ok(performance.now() - t0 >= 150);
    assert.equal(p.isAlive(), true);
    assert.equal(p.exitcode, null);
    p.joinSync(0.05);
    assert.equal(p.isAlive(), true);
    p.terminate();
    await p.join();
    assert.equal(p.exitcode, -15);
    p.terminate(); // ended: nothing happens
    p.kill();
  },
);

mpTest(
  "Process: a target with args and kwargs, and a module-reference target",
  async () => {
    const p = new Process({
      target: (a: number, b: number, kw: { c: number }) =>
        Deno.exit(a * b + kw.c),
      args: [3, 4],
      kwargs: { c: 5 },
    });
    const q = new Process({
      target: new URL("./_fixtures.ts#exitWithSum", import.meta.url),
      args: [20, 22],
    });
    p.start();
    q.start();
    await p.join();
    await q.join();
    assert.equal(p.exitcode, 17);
    assert.equal(q.exitcode, 42);
  },
);

mpTest(
  "Process: an async target is awaited before the child exits",
  async () => {
    const p = new Process({
      target: async () => {
        await new Promise((r) => setTimeout(r, 20));
        Deno.exit(3);
      },
    });
    p.start();
    await p.join();
    assert.equal(p.exitcode, 3);
  },
);

mpTest(
  "Process: an exported subclass runs its run() in the child with its own fields",
  async () => {
    const p = new Exiter(11);
    assert.match(p.name, /^Exiter-\d+$/);
    p.start();
    await p.join();
    assert.equal(p.exitcode, 11);
    const q = new AsyncExiter();
    q.start();
    await q.join();
    assert.equal(q.exitcode, 5);
  },
);

mpTest(
  "Process: default names are Process-N, numbered in order; name and daemon are settable",
  () => {
    const a = new Process();
    const b = new Process();
    const m = /^Process-(\d+)$/.exec(a.name);
    assert.ok(m, a.name);
    assert.equal(b.name, `Process-${Number(m[1]) + 1}`);
    assert.equal(new Process({ name: "worker" }).name, "worker");
    // By default, the current process's daemon flag.
    assert.equal(a.daemon, currentProcess().daemon);
    assert.equal(new Process({ daemon: true }).daemon, true);
    assert.equal(new Process({ daemon: false }).daemon, false);
    a.daemon = true;
    a.name = "renamed";
    assert.equal(a.daemon, true);
    assert.equal(a.name, "renamed");
    assert.equal(
      String(a),
      `<Process name='renamed' parent=${Deno.pid} initial daemon>`,
    );
  },
);

mpTest("Process: authkey is inherited from the current process", () => {
  const p = new Process();
  assert.deepEqual(p.authkey, currentProcess().authkey);
  p.authkey = new Uint8Array([1, 2, 3]);
  assert.deepEqual(p.authkey, new Uint8Array([1, 2, 3]));
  assert.throws(() => (p.authkey = "x" as unknown as Uint8Array), TypeError);
});

mpTest(
  "Process: start twice, join before start, and daemon change after start throw",
  async () => {
    const p = new Process({ target: () => {} });
    assert.throws(() => p.joinSync(), RuntimeError);
    await assert.rejects(() => p.join(), RuntimeError);
    assert.throws(() => p.terminate(), ValueError);
    assert.throws(() => p.sentinel, ValueError);
    p.start();
    assert.throws(() => p.start(), RuntimeError);
    assert.throws(() => (p.daemon = true), RuntimeError);
    await p.join();
  },
);

mpTest(
  "Process: close() throws while running; afterwards members throw ValueError",
  async () => {
    const p = new Process({ target: blockForever });
    p.close(); // not started: fine
    assert.throws(() => p.start(), ValueError);
    const q = new Process({ target: blockForever });
    q.start();
    assert.throws(() => q.close(), ValueError);
    q.kill();
    await q.join();
    q.close();
    q.close(); // twice is fine
    assert.throws(() => q.pid, ValueError);
    assert.throws(() => q.exitcode, ValueError);
    assert.throws(() => q.isAlive(), ValueError);
    assert.throws(() => q.sentinel, ValueError);
    assert.match(String(q), / closed>$/);
  },
);

mpTest(
  "Process: sentinel settles with the exit code when the process ends",
  async () => {
    const p = new Process({ target: () => Deno.exit(4) });
    p.start();
    assert.equal(await p.sentinel, 4);
    assert.equal(p.sentinel, p.sentinel);
    assert.equal(p.exitcode, 4);
  },
);

mpTest(
  "Process: arguments that live in this process only are refused, nothing starts",
  () => {
    const p = new Process({ target: () => {}, args: [new ThreadingLock()] });
    const before = childPids().length;
    assert.throws(
      () => p.start(),
      (e: Error) =>
        e instanceof TypeError &&
        /Cannot send a threading\.Lock at \.args\[0\]: it lives in this process's memory/
          .test(e.message),
    );
    assert.equal(p.pid, null);
    assert.equal(childPids().length, before);
    const f = new Process({ target: () => {}, args: [() => 1] });
    assert.throws(() => f.start(), /Cannot send a function/);
  },
);

mpTest("currentProcess(), parentProcess() in the main process", () => {
  const me = currentProcess();
  assert.equal(me, currentProcess());
  assert.equal(me.name, "MainProcess");
  assert.equal(me.pid, Deno.pid);
  assert.equal(me.ident, Deno.pid);
  assert.equal(me.isAlive(), true);
  assert.equal(me.daemon, false);
  assert.equal(me.exitcode, null);
  assert.equal(me.authkey.length, 32);
  assert.throws(() => me.joinSync(), RuntimeError);
  assert.equal(
    String(me),
    `<_MainProcess name='MainProcess' parent=None started>`,
  );
  assert.equal(parentProcess(), null);
});

Deno.test("currentProcess(), parentProcess() in a child; its children are named Parent-N:M", async () => {
  const r = await runScript("identity.ts");
  assert.equal(r.code, 0, r.err);
  const lines = r.out.trim().split("\n");
  const main = JSON.parse(lines[0]!);
  const child = JSON.parse(lines[1]!);
  assert.equal(child.name, "Process-1");
  assert.equal(child.pid, child.ownPid);
  assert.equal(child.authkey, main.authkey, "a child inherits the authkey");
  assert.equal(child.parentPid, main.pid);
  assert.equal(child.parentName, "MainProcess");
  assert.equal(child.parentAlive, true);
  assert.equal(child.grandchildName, "Process-1:1");
  assert.equal(child.grandchildExit, 0);
  assert.equal(
    child.repr,
    `<Process name='Process-1' parent=${main.pid} started>`,
  );
});

for (const mode of ["cold", "spare"]) {
  Deno.test(`currentProcess() in a child whose target is a function (${mode}): one Process object, made on first ask`, async () => {
    const r = await runScript("current_child.ts", { args: [mode] });
    assert.equal(r.code, 0, r.err);
    const [report, exit] = r.out.trim().split("\n");
    const seen = JSON.parse(report!);
    assert.deepEqual(seen, {
      same: true,
      isProcess: true,
      name: "Worker-A",
      pid: true,
      daemon: false,
      repr: `<Process name='Worker-A' parent=${
        seen.repr.match(/parent=(\d+)/)[1]
      } started>`,
      args: [7, "v"],
    });
    assert.equal(exit, "exitcode 1");
    // The uncaught error is reported under the name the target gave it.
    assert.match(r.err, /Process Renamed:\nError: after renaming/);
  });
}

Deno.test("Process: a daemonic process may not start children", async () => {
  const r = await runScript("daemon_children.ts");
  assert.equal(r.code, 0, r.err);
  assert.equal(
    r.out.trim(),
    "RuntimeError: daemonic processes are not allowed to have children\nexitcode 0",
  );
});

Deno.test("Process: non-daemon children are joined at exit, daemon children terminated", async () => {
  const r = await runScript("exit_joins.ts");
  assert.equal(r.code, 0, r.err);
  const lines = r.out.trim().split("\n");
  assert.equal(lines[0], "main done");
  assert.equal(lines[1], "child done", "the non-daemon child finished first");
  const daemonPid = Number(lines[2]!.split(" ")[1]);
  assert.ok(!alive(daemonPid), "the daemon child was terminated");
});

Deno.test("Process: Deno.exit() in the main process still joins non-daemon children", async () => {
  const r = await runScript("exit_joins.ts", { args: ["exit"] });
  assert.equal(r.code, 3, r.err);
  assert.deepEqual(r.out.trim().split("\n").slice(0, 2), [
    "main done",
    "child done",
  ]);
});

for (const from of ["main", "thread"]) {
  Deno.test(`Process: a daemonic child dies when its parent is killed with SIGKILL (started from ${from === "main" ? "the main thread" : "a threading.Thread"}, blocked in a Sync call)`, async () => {
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        new URL("./_scripts/orphan.ts", import.meta.url).pathname,
        from,
      ],
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    const reader = child.stdout.pipeThrough(new TextDecoderStream())
      .getReader();
    let text = "";
    while (!text.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
    }
    const [daemonPid, plainPid] = text.trim().split(" ").map(Number);
    assert.ok(alive(daemonPid!) && alive(plainPid!));
    child.kill("SIGKILL");
    await child.status;
    await reader.cancel();
    assert.ok(
      await waitGone(daemonPid!, 30),
      "the daemon child died with its parent",
    );
    // A non-daemon child outlives a killed parent, as in Python.
    assert.ok(alive(plainPid!));
    Deno.kill(plainPid!, "SIGKILL");
    assert.ok(await waitGone(plainPid!, 30));
  });
}

Deno.test("Process: a child gets its parent's permissions, and no more", async () => {
  const r = await runScript("permissions.ts", {
    flags: [
      "--allow-ffi",
      "--allow-run",
      "--allow-read",
      "--allow-env=HOME,PATH",
      "--deny-env=PATH",
    ],
  });
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(JSON.parse(r.out), {
    read: "granted",
    write: "prompt",
    net: "prompt",
    home: "granted",
    path: "denied",
    exitcode: 0,
  });
});

mpTest(
  "Process: a spare child is reused for the next start (fast warm start)",
  async () => {
    const first = new Process({ target: () => {} });
    first.start();
    await first.join();
    const { spareReady } = await import("../../_internal/process/launch.ts");
    assert.ok(await spareReady());
    const t0 = performance.now();
    const p = new Process({ target: () => {} });
    p.start();
    p.joinSync();
    assert.equal(p.exitcode, 0);
    assert.ok(performance.now() - t0 < 5_000);
  },
);

mpTest(
  "Process: a joined child is reaped soon, even if nothing asks about it again",
  async () => {
    const p = new Process({ target: () => {} });
    p.start();
    const pid = p.pid!;
    await p.join();
    // join() returns before the child's teardown is over; the reaping that
    // follows has no notification, so look at /proc until the pid is gone.
    const deadline = performance.now() + 10_000;
    let exists = true;
    while (exists && performance.now() < deadline) {
      try {
        Deno.statSync(`/proc/${pid}`);
        await new Promise((r) => setTimeout(r, 10));
      } catch {
        exists = false;
      }
    }
    assert.equal(exists, false, `child ${pid} left as a zombie`);
  },
);

Deno.test("the background reaper looks again until no joined child is left to reap", async () => {
  // It gave up after 9 looks (≈ 1.3 s of back-off): a child whose teardown
  // took longer (once in 200 start+join under load) stayed a zombie.
  const looks = 16; // ≈ 3 s of teardown at the capped pause
  let n = 0;
  const done = Promise.withResolvers<void>();
  const reaper = new BackgroundReaper(() => {
    if (++n < looks) return 1; // one child still in its teardown
    done.resolve();
    return 0;
  });
  reaper.soon();
  const limit = setTimeout(
    () => done.reject(new Error(`the reaper gave up after ${n} looks`)),
    30_000,
  );
  try {
    await done.promise;
  } finally {
    clearTimeout(limit);
  }
  assert.equal(n, looks);
});

/** The lines the _preload/marks*.ts modules appended (the process names). */
function marks(): string[] {
  try {
    return Deno.readTextFileSync(`/tmp/pyconc-preload-${Deno.pid}.log`)
      .split("\n").filter((l) => l !== "");
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return [];
    throw e;
  }
}

for (const file of ["marks.ts", "marks_tla.ts"]) {
  mpTest(
    `Process: a spare loads the latest target module ahead without running its top level (${file})`,
    async () => {
      const { spareReady } = await import("../../_internal/process/launch.ts");
      const target = new URL(`./_preload/${file}#noop`, import.meta.url);
      const log = `/tmp/pyconc-preload-${Deno.pid}.log`;
      await Deno.remove(log).catch(() => {});
      try {
        const names: string[] = [];
        // Module target, then a function target on the spare that loaded
        // the module ahead, then the module target again on such a spare.
        for (const t of [target, () => {}, target]) {
          assert.ok(await spareReady());
          const p = new Process({ target: t });
          p.start();
          await p.join();
          assert.equal(p.exitcode, 0);
          if (t === target) names.push(p.name);
        }
        // The top level ran once per child that ran the target, after the
        // child's identity was set; never in the other child or a spare.
        assert.deepEqual(marks(), names);
      } finally {
        await Deno.remove(log).catch(() => {});
      }
    },
  );
}

Deno.test("deferrable(): only graphs known to have no top-level await", async () => {
  const { deferrable } = await import(
    "../../_internal/process/module_preload.ts"
  );
  const dir = await Deno.makeTempDir();
  try {
    const lib = new URL("../../multiprocessing/mod.ts", import.meta.url).href;
    const files: Record<string, string> = {
      "plain.ts": `import { f } from "./dep.ts";\nimport "${lib}";\n` +
        `import * as path from "node:path";\nexport const g = f;`,
      "dep.ts": `export function f() { return 1; }`,
      "tla_dep.ts": `import "./tla.ts";\nexport const x = 1;`,
      "tla.ts": `await Promise.resolve();\nexport const x = 1;`,
      "async_fn.ts": `export async function f() { await 1; }`,
      "remote.ts": `export * from "https://example.invalid/x.ts";`,
      "hidden.ts": `import /* a */ "./tla.ts";`,
      "missing.ts": `import "./nope.ts";`,
    };
    for (const [name, text] of Object.entries(files)) {
      await Deno.writeTextFile(`${dir}/${name}`, text);
    }
    const url = (name: string) => `file://${dir}/${name}`;
    assert.equal(deferrable(url("plain.ts")), true);
    assert.equal(deferrable(url("dep.ts")), true);
    for (
      const name of [
        "tla_dep.ts",
        "tla.ts",
        "async_fn.ts",
        "remote.ts",
        "hidden.ts",
        "missing.ts",
      ]
    ) {
      assert.equal(deferrable(url(name)), false, name);
    }
    assert.equal(
      deferrable(
        new URL("../../_internal/process/bootstrap.ts", import.meta.url).href,
      ),
      false,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadAhead(): loads a module without running its top level; its import runs it once", async () => {
  const { loadAhead } = await import(
    "../../_internal/process/module_preload.ts"
  );
  const dir = await Deno.makeTempDir();
  try {
    const g = globalThis as { preloadRuns?: number };
    g.preloadRuns = 0;
    const url = `file://${dir}/side.ts`;
    await Deno.writeTextFile(
      `${dir}/side.ts`,
      `(globalThis as { preloadRuns?: number }).preloadRuns! += 1;\n` +
        `export const x = 1;`,
    );
    await loadAhead([url, `file://${dir}/missing.ts`]);
    assert.equal(g.preloadRuns, 0);
    const m = await import(url);
    assert.equal(m.x, 1);
    assert.equal(g.preloadRuns, 1);
    // Told to stop: nothing more is loaded (and still nothing runs).
    await Deno.writeTextFile(`${dir}/other.ts`, `export const y = 2;`);
    await loadAhead([`file://${dir}/other.ts`], () => true);
    assert.equal(g.preloadRuns, 1);
    delete g.preloadRuns;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
