// spawn*, waitpid and waitstatusToExitcode; ports of CPython's
// Lib/test/test_os.py SpawnTests and PidTests (3.11).

import assert from "node:assert/strict";
import * as os from "../../os_process/mod.ts";
import { assertNoLeaks, childPids } from "../_resources.ts";

const EXITCODE = 17;
/** A program that exits 17, or 17 only if $MAGIC is set (for the `e` forms). */
const exits = ["sh", "-c", `exit ${EXITCODE}`];
const exitsIfMagic = [
  "sh",
  "-c",
  `test -n "$MAGIC" && exit ${EXITCODE}; exit 1`,
];
const env = () => ({ ...os.environ.copy(), MAGIC: crypto.randomUUID() });

Deno.test("spawnl/spawnlSync return the exit code (test_spawnl)", async () => {
  assert.equal(await os.spawnl(os.P_WAIT, "/bin/sh", ...exits), EXITCODE);
  assert.equal(os.spawnlSync(os.P_WAIT, "/bin/sh", ...exits), EXITCODE);
});

Deno.test("spawnle/spawnleSync pass the environment (test_spawnle)", async () => {
  assert.equal(
    await os.spawnle(os.P_WAIT, "/bin/sh", ...exitsIfMagic, env()),
    EXITCODE,
  );
  assert.equal(
    os.spawnleSync(os.P_WAIT, "/bin/sh", ...exitsIfMagic, env()),
    EXITCODE,
  );
  assert.equal(os.spawnleSync(os.P_WAIT, "/bin/sh", ...exitsIfMagic, {}), 1);
});

Deno.test("spawnlp/spawnlpSync search PATH (test_spawnlp)", async () => {
  assert.equal(await os.spawnlp(os.P_WAIT, "sh", ...exits), EXITCODE);
  assert.equal(os.spawnlpSync(os.P_WAIT, "sh", ...exits), EXITCODE);
});

Deno.test("spawnlpe/spawnlpeSync search the env's PATH (test_spawnlpe)", async () => {
  assert.equal(
    await os.spawnlpe(os.P_WAIT, "sh", ...exitsIfMagic, env()),
    EXITCODE,
  );
  assert.equal(
    os.spawnlpeSync(os.P_WAIT, "sh", ...exitsIfMagic, env()),
    EXITCODE,
  );
});

Deno.test("spawnv/spawnvSync return the exit code (test_spawnv)", async () => {
  assert.equal(await os.spawnv(os.P_WAIT, "/bin/sh", exits), EXITCODE);
  assert.equal(os.spawnvSync(os.P_WAIT, "/bin/sh", exits), EXITCODE);
});

Deno.test("spawnve/spawnveSync pass the environment (test_spawnve)", async () => {
  assert.equal(
    await os.spawnve(os.P_WAIT, "/bin/sh", exitsIfMagic, env()),
    EXITCODE,
  );
  assert.equal(
    os.spawnveSync(
      os.P_WAIT,
      "/bin/sh",
      exitsIfMagic,
      new Map(Object.entries(env())),
    ),
    EXITCODE,
  );
  assert.equal(
    os.spawnveSync(os.P_WAIT, "/bin/sh", exitsIfMagic, os.environ),
    1,
  );
});

Deno.test("spawnvp/spawnvpSync search PATH (test_spawnvp)", async () => {
  assert.equal(await os.spawnvp(os.P_WAIT, "sh", exits), EXITCODE);
  assert.equal(os.spawnvpSync(os.P_WAIT, "sh", exits), EXITCODE);
});

Deno.test("spawnvpe/spawnvpeSync search the env's PATH (test_spawnvpe)", async () => {
  assert.equal(
    await os.spawnvpe(os.P_WAIT, "sh", exitsIfMagic, env()),
    EXITCODE,
  );
  assert.equal(os.spawnvpeSync(os.P_WAIT, "sh", exitsIfMagic, env()), EXITCODE);
});

Deno.test("spawnv(P_NOWAIT) returns the pid; waitpid reaps it (test_nowait, test_waitpid)", async () => {
  const pid = await os.spawnv(os.P_NOWAIT, "/bin/sh", exits);
  assert.ok(pid > 0 && pid !== Deno.pid);
  const [pid2, status] = await os.waitpid(pid, 0);
  assert.equal(pid2, pid);
  assert.equal(os.waitstatusToExitcode(status), EXITCODE);
  const pid3 = os.spawnvSync(os.P_NOWAIT, "/bin/true", ["true"]);
  assert.deepEqual(os.waitpidSync(pid3, 0), [pid3, 0]);
});

Deno.test("spawn* with no arguments or an empty args[0] is a ValueError (test_spawn*_noargs)", () => {
  // deno-lint-ignore no-explicit-any
  const o = os as any;
  assert.throws(() => o.spawnlSync(os.P_NOWAIT, "/bin/true"), os.ValueError);
  assert.throws(
    () => o.spawnlSync(os.P_NOWAIT, "/bin/true", ""),
    os.ValueError,
  );
  assert.throws(
    () => o.spawnleSync(os.P_NOWAIT, "/bin/true", {}),
    os.ValueError,
  );
  assert.throws(
    () => o.spawnleSync(os.P_NOWAIT, "/bin/true", "", {}),
    os.ValueError,
  );
  assert.throws(
    () => os.spawnvSync(os.P_NOWAIT, "/bin/true", []),
    /must not be empty/,
  );
  assert.throws(
    () => os.spawnvSync(os.P_NOWAIT, "/bin/true", [""]),
    /cannot be empty/,
  );
  assert.throws(
    () => os.spawnveSync(os.P_NOWAIT, "/bin/true", [], {}),
    os.ValueError,
  );
  assert.throws(
    () => os.spawnveSync(os.P_NOWAIT, "/bin/true", [""], {}),
    os.ValueError,
  );
  assert.rejects(() => os.spawnv(os.P_WAIT, "/bin/true", []), os.ValueError);
});

Deno.test("spawnve/spawnvpe reject an invalid environment (test_spawnve_invalid_env)", () => {
  for (const fn of [os.spawnveSync, os.spawnvpeSync]) {
    const program = fn === os.spawnveSync ? "/bin/sh" : "sh";
    assert.throws(
      () =>
        fn(os.P_WAIT, program, ["sh", "-c", "true"], {
          "FRUIT\0VEGETABLE": "cabbage",
        }),
      /null byte/,
    );
    assert.throws(
      () =>
        fn(os.P_WAIT, program, ["sh", "-c", "true"], {
          FRUIT: "orange\0VEGETABLE=cabbage",
        }),
      /null byte/,
    );
    assert.throws(
      () =>
        fn(os.P_WAIT, program, ["sh", "-c", "true"], {
          "FRUIT=ORANGE": "lemon",
        }),
      /Illegal environment variable name/,
    );
    assert.throws(
      () => fn(os.P_WAIT, program, ["sh", "-c", "true"], { "": "x" }),
      os.ValueError,
    );
    // "=" in a value is fine.
    assert.equal(
      fn(os.P_WAIT, program, ["sh", "-c", 'test "$FRUIT" = orange=lemon'], {
        FRUIT: "orange=lemon",
        PATH: "/bin:/usr/bin",
      }),
      0,
    );
  }
});

Deno.test("spawn* with bad types or modes gives clear errors and starts nothing", async () => {
  const before = childPids();
  // deno-lint-ignore no-explicit-any
  const o = os as any;
  assert.throws(
    () => o.spawnvSync(os.P_WAIT, "/bin/true", "true"),
    /must be an array of strings/,
  );
  assert.throws(
    () => o.spawnvSync(os.P_WAIT, "/bin/true", ["true", 1]),
    /args\[1\] must be a string/,
  );
  assert.throws(() => o.spawnvSync(os.P_WAIT, 42, ["true"]), TypeError);
  assert.throws(
    () => o.spawnvSync("0", "/bin/true", ["true"]),
    /mode must be an integer/,
  );
  assert.throws(
    () => o.spawnvSync(7, "/bin/true", ["true"]),
    /P_WAIT .* or P_NOWAIT/,
  );
  assert.throws(
    () => o.spawnveSync(os.P_WAIT, "/bin/true", ["true"], null),
    TypeError,
  );
  assert.throws(
    () => o.spawnveSync(os.P_WAIT, "/bin/true", ["true"], { A: 1 }),
    TypeError,
  );
  assert.throws(
    () => o.spawnleSync(os.P_WAIT, "/bin/true"),
    /needs an environment/,
  );
  assert.throws(
    () => os.spawnvSync(os.P_WAIT, "/bin/tr\0ue", ["true"]),
    /null byte/,
  );
  await assert.rejects(() => o.spawnv(os.P_WAIT, "/bin/true", [1]), TypeError);
  assert.deepEqual(childPids(), before);
});

Deno.test("spawn* of a missing or non-executable program throws (Python's child would exit 127)", async () => {
  assert.throws(
    () => os.spawnvSync(os.P_WAIT, "/nonexistent/program", ["x"]),
    (e: unknown) =>
      e instanceof os.FileNotFoundError &&
      e.filename === "/nonexistent/program",
  );
  await assert.rejects(
    () => os.spawnv(os.P_NOWAIT, "/nonexistent", ["x"]),
    os.FileNotFoundError,
  );
  assert.throws(
    () => os.spawnvpSync(os.P_WAIT, "no-such-program-pyconc", ["x"]),
    os.FileNotFoundError,
  );
  const dir = await Deno.makeTempDir();
  const script = `${dir}/noexec`;
  await Deno.writeTextFile(script, "#!/bin/sh\nexit 0\n");
  await Deno.chmod(script, 0o644);
  assert.throws(
    () => os.spawnvSync(os.P_WAIT, script, ["noexec"]),
    os.PermissionError,
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("spawnvpe searches PATH entries in order as os._execvpe; a permission error wins over not-found", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.mkdir(`${dir}/a`);
  await Deno.mkdir(`${dir}/b`);
  await Deno.mkdir(`${dir}/c`);
  await Deno.writeTextFile(`${dir}/b/prog`, "#!/bin/sh\nexit 21\n");
  await Deno.chmod(`${dir}/b/prog`, 0o755);
  await Deno.writeTextFile(`${dir}/c/prog`, "#!/bin/sh\nexit 22\n");
  await Deno.chmod(`${dir}/c/prog`, 0o755);
  const path = (...dirs: string[]) => ({
    PATH: dirs.map((d) => `${dir}/${d}`).join(":"),
  });
  assert.equal(
    os.spawnvpeSync(
      os.P_WAIT,
      "prog",
      ["prog"],
      path("nowhere", "a", "b", "c"),
    ),
    21,
  );
  assert.equal(
    os.spawnvpeSync(os.P_WAIT, "prog", ["prog"], path("c", "b")),
    22,
  );
  assert.throws(
    () => os.spawnvpeSync(os.P_WAIT, "prog", ["prog"], path("a")),
    os.FileNotFoundError,
  );
  await Deno.writeTextFile(`${dir}/a/prog`, "not executable");
  assert.throws(
    () => os.spawnvpeSync(os.P_WAIT, "prog", ["prog"], path("a", "nowhere")),
    (e: unknown) =>
      e instanceof os.PermissionError && e.filename === `${dir}/a/prog`,
  );
  assert.equal(
    os.spawnvpeSync(os.P_WAIT, "prog", ["prog"], path("a", "b")),
    21,
    "moves on past EACCES",
  );
  // No PATH at all: Python's os.defpath.
  assert.equal(os.spawnvpeSync(os.P_WAIT, "sh", ["sh", "-c", "exit 5"], {}), 5);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("spawnv(P_WAIT) of a child killed by a signal returns -signal", async () => {
  assert.equal(
    await os.spawnv(os.P_WAIT, "/bin/sh", ["sh", "-c", "kill -9 $$"]),
    -9,
  );
  assert.equal(
    os.spawnvSync(os.P_WAIT, "/bin/sh", ["sh", "-c", "kill -TERM $$"]),
    -15,
  );
});

Deno.test("spawned children start with SIGPIPE at its default action (Deno ignores it)", () => {
  const code = os.spawnlSync(
    os.P_WAIT,
    "/bin/sh",
    "sh",
    "-c",
    // SIGPIPE is bit 12 of SigIgn: exit 0 if not ignored.
    "mask=$(grep SigIgn /proc/self/status | cut -f2); test $(( 0x$mask & 0x1000 )) -eq 0",
  );
  assert.equal(code, 0);
});

Deno.test("spawned children inherit the environment as changed through environ", async () => {
  os.environ.set("PYCONC_SPAWN_VAR", "from-parent");
  try {
    assert.equal(
      await os.spawnl(
        os.P_WAIT,
        "/bin/sh",
        "sh",
        "-c",
        'test "$PYCONC_SPAWN_VAR" = from-parent',
      ),
      0,
    );
  } finally {
    os.environ.delete("PYCONC_SPAWN_VAR");
  }
  assert.equal(
    await os.spawnl(
      os.P_WAIT,
      "/bin/sh",
      "sh",
      "-c",
      'test -z "$PYCONC_SPAWN_VAR"',
    ),
    0,
  );
});

Deno.test("waitpid(WNOHANG) returns [0, 0] while the child runs", async () => {
  const pid = os.spawnvSync(os.P_NOWAIT, "/bin/sh", [
    "sh",
    "-c",
    "exec sleep 1000",
  ]);
  assert.deepEqual(os.waitpidSync(pid, os.WNOHANG), [0, 0]);
  assert.deepEqual(await os.waitpid(pid, os.WNOHANG), [0, 0]);
  os.kill(pid, "SIGKILL");
  const [who, status] = await os.waitpid(pid, 0);
  assert.equal(who, pid);
  assert.ok(os.WIFSIGNALED(status));
  assert.equal(os.WTERMSIG(status), 9);
  assert.equal(os.waitstatusToExitcode(status), -9);
});

Deno.test("waitpid() does not block the event loop while it waits", async () => {
  const pid = os.spawnvSync(os.P_NOWAIT, "/bin/sh", [
    "sh",
    "-c",
    "exec sleep 1000",
  ]);
  const waited = os.waitpid(pid, 0);
  let ticks = 0;
  await new Promise<void>((resolve) => {
    const id = setInterval(() => {
      if (++ticks === 3) {
        clearInterval(id);
        resolve();
      }
    }, 1);
  });
  assert.equal(ticks, 3, "timers ran during the wait");
  os.kill(pid, "SIGTERM");
  const [, status] = await waited;
  assert.equal(os.waitstatusToExitcode(status), -15);
});

Deno.test("waitpid of no child is a ChildProcessError (ECHILD)", async () => {
  assert.throws(() => os.waitpidSync(Deno.pid, 0), os.ChildProcessError);
  await assert.rejects(() => os.waitpid(Deno.pid, 0), os.ChildProcessError);
  assert.throws(
    () => os.waitpidSync(Deno.pid, os.WNOHANG),
    (e: unknown) => e instanceof os.OSError && e.errno === 10,
  );
  // deno-lint-ignore no-explicit-any
  assert.throws(() => os.waitpidSync("1" as any, 0), TypeError);
});

Deno.test("waitpid(WUNTRACED) reports a stopped child; WCONTINUED a continued one", () => {
  const pid = os.spawnvSync(os.P_NOWAIT, "/bin/sh", [
    "sh",
    "-c",
    "kill -STOP $$; exit 3",
  ]);
  const [, stopped] = os.waitpidSync(pid, os.WUNTRACED);
  assert.ok(os.WIFSTOPPED(stopped));
  assert.equal(os.WSTOPSIG(stopped), 19);
  assert.throws(
    () => os.waitstatusToExitcode(stopped),
    /stopped by delivery of signal 19/,
  );
  os.kill(pid, "SIGCONT");
  const [, continued] = os.waitpidSync(pid, os.WCONTINUED);
  assert.ok(os.WIFCONTINUED(continued));
  const [, exited] = os.waitpidSync(pid, 0);
  assert.ok(os.WIFEXITED(exited));
  assert.equal(os.WEXITSTATUS(exited), 3);
});

Deno.test("waitstatusToExitcode() as Python's (test_waitstatus_to_exitcode)", () => {
  assert.equal(os.waitstatusToExitcode(0), 0);
  assert.equal(os.waitstatusToExitcode(23 << 8), 23);
  assert.equal(os.waitstatusToExitcode(9), -9);
  assert.equal(os.waitstatusToExitcode(0x80 | 11), -11);
  assert.throws(() => os.waitstatusToExitcode(-1), /Invalid wait status: -1/);
  assert.throws(() => os.waitstatusToExitcode(0.0 + 0.5), TypeError);
  assert.ok(os.WCOREDUMP(0x80 | 11));
  assert.ok(!os.WCOREDUMP(11));
  assert.ok(!os.WIFSIGNALED(0) && !os.WIFSIGNALED(0x137f));
});

Deno.test("spawn* and waitpid leak no descriptor and leave no child", async () => {
  await assertNoLeaks(async () => {
    for (let i = 0; i < 20; i++) {
      assert.equal(await os.spawnv(os.P_WAIT, "/bin/true", ["true"]), 0);
      assert.equal(os.spawnvpSync(os.P_WAIT, "true", ["true"]), 0);
      const pid = os.spawnvSync(os.P_NOWAIT, "/bin/true", ["true"]);
      await os.waitpid(pid, 0);
      assert.throws(() => os.spawnvSync(os.P_WAIT, "/nonexistent", ["x"]));
    }
  }, []);
});
