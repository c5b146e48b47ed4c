// system/systemSync and popen, with Python's return values.

import assert from "node:assert/strict";
import * as os from "../../os_process/mod.ts";
import { assertNoLeaks } from "../_resources.ts";

Deno.test("system() returns the wait status: exitcode << 8, or the signal", async () => {
  assert.equal(await os.system("true"), 0);
  assert.equal(await os.system("exit 3"), 768);
  assert.equal(await os.system("exit 255"), 255 << 8);
  assert.equal(await os.system("kill -9 $$"), 9);
  assert.equal(await os.system("kill -TERM $$"), 15);
  assert.equal(os.waitstatusToExitcode(await os.system("exit 42")), 42);
});

Deno.test("systemSync() returns the same statuses", () => {
  assert.equal(os.systemSync("true"), 0);
  assert.equal(os.systemSync("exit 3"), 768);
  assert.equal(os.systemSync("kill -9 $$"), 9);
  assert.equal(os.systemSync("no_such_command_pyconc 2>/dev/null"), 127 << 8);
});

Deno.test("system() runs in a shell with this process's environment and files", async () => {
  const path = await Deno.makeTempFile();
  os.environ.set("PYCONC_SYSTEM_VAR", "value with spaces");
  try {
    assert.equal(
      await os.system(`printf '%s' "$PYCONC_SYSTEM_VAR" > '${path}'`),
      0,
    );
    assert.equal(await Deno.readTextFile(path), "value with spaces");
  } finally {
    os.environ.delete("PYCONC_SYSTEM_VAR");
    await Deno.remove(path);
  }
});

Deno.test("system() with a bad command gives a clear error", async () => {
  await assert.rejects(() => os.system("echo \0"), /null byte/);
  // deno-lint-ignore no-explicit-any
  assert.throws(() => os.systemSync(42 as any), /command must be a string/);
});

Deno.test("popen('r') reads the command's output: read, readline, iteration (test_os_popen_iter)", async () => {
  {
    await using f = os.popen("/bin/sh -c 'echo \"line1\nline2\nline3\"'");
    const it = f[Symbol.asyncIterator]();
    assert.deepEqual(await it.next(), { value: "line1\n", done: false });
    assert.deepEqual(await it.next(), { value: "line2\n", done: false });
    assert.deepEqual(await it.next(), { value: "line3\n", done: false });
    assert.equal((await it.next()).done, true);
  }
  await using g = os.popen("printf 'abc\\ndef'");
  assert.equal(g.mode, "r");
  assert.equal(await g.read(2), "ab");
  assert.equal(await g.readline(), "c\n");
  assert.equal(await g.readline(), "def");
  assert.equal(await g.readline(), "");
  assert.equal(await g.read(), "");
  assert.equal(await g.close(), null);
  assert.equal(await g.close(), null, "close() again gives the same");
  assert.ok(g.closed);
});

Deno.test("popen() reads text: UTF-8 across chunks and universal newlines", async () => {
  await using f = os.popen("printf 'caf\\303\\251\\r\\nx\\ry\\n'");
  assert.deepEqual(await f.readlines(), ["café\n", "x\n", "y\n"]);
  // 200 kB: many pipe reads, characters split between them.
  await using g = os.popen("yes é | head -n 100000 | tr -d '\\n'");
  assert.equal(await g.read(), "é".repeat(100_000));
});

Deno.test("popen().close() returns null, exitcode << 8, or -signal << 8 as Python's os.popen", async () => {
  assert.equal(await os.popen("exit 0").close(), null);
  assert.equal(await os.popen("exit 3").close(), 768);
  assert.equal(await os.popen("kill -9 $$").close(), -2304);
  // A command still writing when the pipe closes dies of SIGPIPE, as in Python.
  const f = os.popen("exec yes");
  assert.equal(await f.readline(), "y\n");
  assert.equal(await f.close(), -13 << 8);
});

Deno.test("popen('w') writes the command's input", async () => {
  const path = await Deno.makeTempFile();
  const f = os.popen(`cat > '${path}'`, "w");
  assert.equal(f.mode, "w");
  assert.equal(await f.write("hello\n"), 6);
  assert.equal(await f.write("wörld\n"), 6);
  await f.flush();
  assert.equal(await f.close(), null);
  assert.equal(await Deno.readTextFile(path), "hello\nwörld\n");
  await Deno.remove(path);
  await using g = os.popen("grep -q needle", "w");
  await g.write("haystack\n");
  assert.equal(await g.close(), 1 << 8);
});

Deno.test("popen() file misuse and bad arguments give clear errors", async () => {
  assert.throws(() => os.popen("true", "rb" as "r"), /Invalid mode "rb"/);
  assert.throws(() => os.popen("true", "r", 0), /unbuffered/);
  // deno-lint-ignore no-explicit-any
  assert.throws(() => os.popen(["true"] as any), TypeError);
  const r = os.popen("echo x");
  await assert.rejects(() => r.write("x"), /Not writable/);
  assert.equal(await r.read(), "x\n");
  assert.equal(await r.close(), null);
  await assert.rejects(() => r.read(), /closed file/);
  await assert.rejects(() => r.readline(), /closed file/);
  const w = os.popen("cat >/dev/null", "w");
  await assert.rejects(() => w.read(), /Not readable/);
  // deno-lint-ignore no-explicit-any
  await assert.rejects(() => w.write(5 as any), TypeError);
  assert.equal(await w.close(), null);
  await assert.rejects(() => w.write("x"), /closed file/);
  await assert.rejects(() => w.flush(), /closed file/);
});

Deno.test("system and popen leak no descriptor and leave no child", async () => {
  await assertNoLeaks(async () => {
    for (let i = 0; i < 10; i++) {
      assert.equal(await os.system("true"), 0);
      assert.equal(os.systemSync("exit 1"), 256);
      await using f = os.popen("echo hi");
      assert.equal(await f.read(), "hi\n");
      const w = os.popen("cat >/dev/null", "w");
      await w.write("x");
      await w.close();
      await os.popen("exec yes").close(); // unread output, SIGPIPE
    }
  }, []);
});
