// exec*: a Deno program replaces itself with another program. Ports of
// CPython's Lib/test/test_os.py ExecTests (3.11), plus the replacement run
// for real in a child process.

import assert from "node:assert/strict";
import * as os from "../../os_process/mod.ts";

const fixture = (name: string) =>
  new URL(`./fixtures/${name}`, import.meta.url).pathname;

async function runDeno(
  script: string,
  args: string[],
  stdin?: string,
): Promise<{ code: number; stdout: string; stderr: string; pid: number }> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      "--allow-ffi",
      "--allow-run",
      "--allow-env",
      script,
      ...args,
    ],
    stdin: stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (stdin !== undefined) {
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(stdin));
    await w.close();
  }
  const out = await child.output();
  const dec = new TextDecoder();
  return {
    code: out.code,
    stdout: dec.decode(out.stdout),
    stderr: dec.decode(out.stderr),
    pid: child.pid,
  };
}

const variants = [
  ["execv", false, false],
  ["execve", true, false],
  ["execvp", false, true],
  ["execvpe", true, true],
  ["execl", false, false],
  ["execle", true, false],
  ["execlp", false, true],
  ["execlpe", true, true],
] as const;

for (const [variant, withEnv] of variants) {
  Deno.test(`${variant}() replaces the Deno process: same pid, the new program's output and exit code`, async () => {
    const { code, stdout, stderr, pid } = await runDeno(fixture("exec.ts"), [
      variant,
    ]);
    assert.equal(code, 7, stderr);
    const lines = stdout.split("\n");
    assert.equal(lines[0], `deno pid=${pid}`);
    // Output written before the exec came out first, unterminated line included.
    assert.ok(lines[1]!.startsWith("unterminated output|"), stdout);
    const shell = lines[1]!.slice("unterminated output|".length);
    const fruit = withEnv ? "apple" : "inherited";
    assert.equal(shell, `pid=${pid} argv0=shell $0=a args=b fruit=${fruit}`);
    // SIGPIPE (bit 12) is not ignored in the new program.
    const ignored = BigInt(`0x${lines[2]!.split(/\s+/)[1]}`);
    assert.equal(ignored & 0x1000n, 0n, lines[2]);
    assert.ok(!stdout.includes("not replaced"));
  });
}

Deno.test("execvp() into cat: the new program reads the process's stdin", async () => {
  const { code, stdout } = await runDeno(
    fixture("exec_stdin.ts"),
    [],
    "line one\nline two\n",
  );
  assert.equal(code, 0);
  assert.equal(stdout, "line one\nline two\n");
});

Deno.test("exec* with an empty args or args[0] is a ValueError (test_execv_with_bad_arglist)", () => {
  assert.throws(() => os.execv("notepad", []), os.ValueError);
  assert.throws(() => os.execv("notepad", [""]), /cannot be empty/);
  assert.throws(() => os.execvpe("notepad", [], {}), os.ValueError);
  assert.throws(() => os.execvpe("notepad", [""], {}), os.ValueError);
  assert.throws(() => os.execl("/bin/true"), os.ValueError);
  assert.throws(() => os.execle("/bin/true", "", {}), os.ValueError);
  // deno-lint-ignore no-explicit-any
  assert.throws(() => (os.execv as any)("/bin/true", "true"), TypeError);
});

Deno.test("exec* of a bad program throws and the process goes on (test_execvpe_with_bad_program)", () => {
  assert.throws(
    () => os.execvpe("no such app-", ["no such app-"], {}),
    os.OSError,
  );
  assert.throws(() => os.execv("/nonexistent", ["x"]), os.FileNotFoundError);
  assert.throws(
    () => os.execvp("no-such-program-pyconc", ["x"]),
    os.FileNotFoundError,
  );
  assert.throws(
    () => os.execlp("no-such-program-pyconc", "x"),
    os.FileNotFoundError,
  );
  assert.throws(
    () => os.execlpe("true", "true", { PATH: "/nowhere" }),
    os.FileNotFoundError,
  );
  const file = Deno.makeTempFileSync();
  Deno.chmodSync(file, 0o644);
  assert.throws(() => os.execv(file, ["x"]), os.PermissionError);
  Deno.removeSync(file);
});

Deno.test("a failed exec leaves SIGPIPE ignored in this process, as before", () => {
  const sigIgn = () =>
    BigInt(
      `0x${
        Deno.readTextFileSync("/proc/self/status").match(/SigIgn:\s*(\w+)/)![1]
      }`,
    );
  const before = sigIgn();
  assert.notEqual(before & 0x1000n, 0n, "Deno ignores SIGPIPE");
  assert.throws(() => os.execv("/nonexistent", ["x"]), os.FileNotFoundError);
  assert.equal(sigIgn(), before);
});

Deno.test("execve rejects an invalid environment before anything happens (test_execve_invalid_env)", () => {
  const args = ["/bin/true"];
  assert.throws(
    () =>
      os.execve(args[0]!, args, {
        ...os.environ.copy(),
        "FRUIT\0VEGETABLE": "cabbage",
      }),
    os.ValueError,
  );
  assert.throws(
    () =>
      os.execve(args[0]!, args, {
        ...os.environ.copy(),
        FRUIT: "orange\0VEGETABLE=cabbage",
      }),
    os.ValueError,
  );
  assert.throws(
    () =>
      os.execve(args[0]!, args, {
        ...os.environ.copy(),
        "FRUIT=ORANGE": "lemon",
      }),
    os.ValueError,
  );
});
