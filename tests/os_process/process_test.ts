// getpid, getppid, kill, cpuCount, open/close; ports of CPython's
// Lib/test/test_os.py PidTests and KillTests (3.11) where they apply; and
// the permissions each function asks for.

import assert from "node:assert/strict";
import * as os from "../../os_process/mod.ts";
import { mmap } from "../../mmap/mod.ts";
import { assertNoLeaks, openFds } from "../_resources.ts";

const fixture = (name: string) =>
  new URL(`./fixtures/${name}`, import.meta.url).pathname;

Deno.test("getpid() is this process; a child's getppid() is us (test_getppid)", async () => {
  assert.equal(os.getpid(), Deno.pid);
  await using f = os.popen("echo $PPID");
  assert.equal(Number((await f.read()).trim()), os.getpid());
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "eval",
      `import * as os from "${new URL(
        "../../os_process/mod.ts",
        import.meta.url,
      )}"; console.log(os.getppid())`,
    ],
    stdout: "piped",
  }).output();
  assert.equal(Number(new TextDecoder().decode(out.stdout).trim()), Deno.pid);
});

Deno.test("cpuCount() is Python's os.cpu_count()", async () => {
  const out = await new Deno.Command("python3", {
    args: ["-c", "import os; print(os.cpu_count())"],
    stdout: "piped",
  }).output();
  assert.equal(
    os.cpuCount(),
    Number(new TextDecoder().decode(out.stdout).trim()),
  );
});

Deno.test("kill() sends signals by number or name (test_kill_sigterm)", async () => {
  for (const sig of [15, "SIGTERM", "SIGKILL", 9, "SIGUSR1"] as const) {
    const pid = os.spawnvSync(os.P_NOWAIT, "/bin/sh", [
      "sh",
      "-c",
      "exec sleep 1000",
    ]);
    os.kill(pid, 0); // it exists
    os.kill(pid, sig);
    const [, status] = await os.waitpid(pid, 0);
    const num = typeof sig === "number"
      ? sig
      : { SIGTERM: 15, SIGKILL: 9, SIGUSR1: 10 }[sig];
    assert.equal(os.waitstatusToExitcode(status), -num!, String(sig));
  }
});

Deno.test("kill() errors: no such process, bad signals, bad types", () => {
  // A reaped child's pid is free (and not reused this fast).
  const pid = os.spawnvSync(os.P_NOWAIT, "/bin/true", ["true"]);
  os.waitpidSync(pid, 0);
  assert.throws(
    () => os.kill(pid, 0),
    (e: unknown) => e instanceof os.ProcessLookupError && e.errno === 3,
  );
  assert.throws(() => os.kill(Deno.pid, 99), /Invalid signal number: 99/);
  assert.throws(() => os.kill(Deno.pid, -1), os.ValueError);
  assert.throws(
    () => os.kill(Deno.pid, "SIGNOPE" as Deno.Signal),
    /Unknown signal name/,
  );
  // deno-lint-ignore no-explicit-any
  assert.throws(() => os.kill("1" as any, 0), TypeError);
  // deno-lint-ignore no-explicit-any
  assert.throws(() => os.kill(Deno.pid, 1.5 as any), TypeError);
});

Deno.test("kill(), waitpid() and open() refuse numbers beyond a C int with OverflowError", async () => {
  // They reached the FFI layer, which threw a bare TypeError.
  const above = {
    name: "OverflowError",
    message: "signed integer is greater than maximum",
  };
  const below = {
    name: "OverflowError",
    message: "signed integer is less than minimum",
  };
  for (const pid of [2 ** 31, 2 ** 32, 2 ** 40]) {
    assert.throws(() => os.kill(pid, 0), above);
    assert.throws(() => os.waitpidSync(pid, 0), above);
    await assert.rejects(os.waitpid(pid, 0), above);
  }
  assert.throws(() => os.kill(-(2 ** 31) - 1, 0), below);
  assert.throws(() => os.waitpidSync(-(2 ** 31) - 1, 0), below);
  assert.throws(() => os.waitpidSync(-1, 2 ** 31), above);
  assert.throws(() => os.close(2 ** 31), above);
  assert.throws(() => os.open("/dev/null", 2 ** 31), above);
  // In range, the system answers: no such process (ESRCH), no child (ECHILD).
  assert.throws(() => os.kill(2 ** 31 - 1, 0), os.ProcessLookupError);
  assert.throws(() => os.waitpidSync(2 ** 31 - 1, 0), os.ChildProcessError);
});

Deno.test("open() returns a descriptor that mmap can map; close() closes it", () => {
  const path = Deno.makeTempFileSync();
  Deno.writeTextFileSync(path, "0123456789");
  const fd = os.open(path, os.O_RDWR);
  assert.equal(openFds().get(fd), path);
  {
    using m = new mmap(fd, 0);
    m.set(0, 65);
  }
  os.close(fd);
  assert.equal(openFds().has(fd), false);
  assert.equal(Deno.readTextFileSync(path), "A123456789");
  Deno.removeSync(path);
});

Deno.test("open() flags: O_CREAT with mode, O_EXCL, O_TRUNC; errors name the file", () => {
  const dir = Deno.makeTempDirSync();
  const path = `${dir}/new`;
  const fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640);
  os.close(fd);
  assert.equal(Deno.statSync(path).mode! & 0o777, 0o640 & ~Deno.umask());
  assert.throws(
    () => os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL),
    (e: unknown) => e instanceof os.FileExistsError && e.filename === path,
  );
  Deno.writeTextFileSync(path, "data");
  os.close(os.open(path, os.O_WRONLY | os.O_TRUNC));
  assert.equal(Deno.readTextFileSync(path), "");
  assert.throws(
    () => os.open(`${dir}/missing`, os.O_RDONLY),
    (e: unknown) =>
      e instanceof os.FileNotFoundError && e.filename === `${dir}/missing`,
  );
  assert.throws(
    () => os.open(dir, os.O_WRONLY),
    (e: unknown) => e instanceof os.OSError && e.errno === 21,
  );
  assert.throws(() => os.open("a\0b", os.O_RDONLY), /null byte/);
  // deno-lint-ignore no-explicit-any
  assert.throws(() => os.open(path, "r" as any), TypeError);
  os.close(os.open(new URL(`file://${path}`), os.O_RDONLY));
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("close() of a closed descriptor is an OSError (EBADF)", () => {
  const fd = os.open("/dev/null", os.O_RDONLY);
  os.close(fd);
  assert.throws(
    () => os.close(fd),
    (e: unknown) => e instanceof os.OSError && e.errno === 9,
  );
  // deno-lint-ignore no-explicit-any
  assert.throws(() => os.close("3" as any), TypeError);
});

Deno.test("open() descriptors are not inherited by children (O_CLOEXEC, as Python's os.open)", async () => {
  const fd = os.open("/dev/null", os.O_RDONLY);
  try {
    assert.equal(
      await os.spawnl(
        os.P_WAIT,
        "/bin/sh",
        "sh",
        "-c",
        `test ! -e /proc/self/fd/${fd}`,
      ),
      0,
    );
  } finally {
    os.close(fd);
  }
});

Deno.test("each function asks for Deno's permission for its action, naming the flag", async () => {
  const run = async (flags: string[], call: string, ...args: string[]) => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--quiet",
        ...flags,
        fixture("permissions.ts"),
        call,
        ...args,
      ],
      stdout: "piped",
    }).output();
    return new TextDecoder().decode(out.stdout).trim();
  };
  const file = Deno.makeTempFileSync();
  const ffi = ["--allow-ffi"];
  assert.match(await run(ffi, "environ"), /PermissionError: .*--allow-env/);
  assert.match(await run(ffi, "putenv"), /--allow-env/);
  assert.match(await run(ffi, "system"), /PermissionError: .*--allow-run/);
  assert.match(await run(ffi, "spawnv"), /--allow-run/);
  assert.match(await run(ffi, "popen"), /--allow-run/);
  assert.match(await run(ffi, "kill"), /--allow-run/);
  assert.match(await run(ffi, "execv"), /--allow-run/);
  assert.match(await run(ffi, "open", file), /--allow-read/);
  assert.match(
    await run([...ffi, `--allow-read=${file}`], "openWrite", file),
    /--allow-write/,
  );
  assert.match(
    await run(["--allow-run"], "spawnv"),
    /PermissionError: .*--allow-ffi/,
  );
  assert.match(await run([], "waitpid"), /--allow-ffi/);
  assert.equal(await run([...ffi, "--allow-run"], "system"), "ok");
  assert.equal(await run([...ffi, "--allow-run=/bin/true"], "spawnv"), "ok");
  assert.equal(await run(["--allow-run=/bin/sh"], "popen"), "ok");
  assert.equal(await run([...ffi, `--allow-read=${file}`], "open", file), "ok");
  assert.equal(await run([], "cpuCount"), "ok");
  assert.equal(await run([], "getpid"), "ok");
  Deno.removeSync(file);
});

Deno.test("open/close leak nothing, also when they fail", async () => {
  await assertNoLeaks(() => {
    for (let i = 0; i < 100; i++) {
      os.close(os.open("/dev/null", os.O_RDWR));
      assert.throws(() => os.open("/nonexistent/x", os.O_RDONLY));
    }
  }, []);
});
