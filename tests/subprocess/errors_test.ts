import assert from "node:assert/strict";
import { decode } from "../../_internal/codec/decode.ts";
import { encode } from "../../_internal/codec/encode.ts";
import {
  CalledProcessError,
  SubprocessError,
  TimeoutExpired,
} from "../../subprocess/mod.ts";

Deno.test("CalledProcessError has Python's positional constructor and messages", () => {
  const e = new CalledProcessError(1, ["false"]);
  assert.ok(e instanceof SubprocessError && e instanceof Error);
  assert.equal(e.name, "CalledProcessError");
  assert.equal(
    e.message,
    "Command '['false']' returned non-zero exit status 1.",
  );
  assert.equal(e.output, null);
  assert.equal(e.stderr, null);
  const s = new CalledProcessError(2, "ls x", "out", "err");
  assert.equal(s.message, "Command 'ls x' returned non-zero exit status 2.");
  assert.equal(s.stdout, "out");
  s.stdout = "changed";
  assert.equal(s.output, "changed");
});

Deno.test("CalledProcessError messages for signals, known and unknown", () => {
  assert.equal(
    new CalledProcessError(-2, "fake cmd").message,
    "Command 'fake cmd' died with <Signals.SIGINT: 2>.",
  );
  assert.equal(
    new CalledProcessError(-9876, "fake cmd").message,
    "Command 'fake cmd' died with unknown signal 9876.",
  );
});

Deno.test("command lists are shown with Python's repr", () => {
  assert.equal(
    new CalledProcessError(1, ["echo", "it's", 'say "x"', "a\\b"]).message,
    `Command '['echo', "it's", 'say "x"', 'a\\\\b']' returned non-zero exit status 1.`,
  );
});

Deno.test("TimeoutExpired has Python's positional constructor and message", () => {
  const e = new TimeoutExpired(["sleep", "10"], 0.5, new Uint8Array([1]));
  assert.ok(e instanceof SubprocessError);
  assert.equal(e.name, "TimeoutExpired");
  assert.equal(
    e.message,
    "Command '['sleep', '10']' timed out after 0.5 seconds",
  );
  assert.deepEqual(e.stdout, new Uint8Array([1]));
  assert.equal(e.stderr, null);
  assert.equal(e.timeout, 0.5);
});

Deno.test("subprocess errors cross threads with their class and fields", () => {
  const { bytes, sabs } = encode(new CalledProcessError(3, ["x"], "o", "e"));
  const back = decode(bytes.slice(), sabs);
  assert.ok(back instanceof CalledProcessError);
  assert.equal(back.returncode, 3);
  assert.deepEqual(back.cmd, ["x"]);
  assert.equal(back.stdout, "o");
  assert.equal(back.stderr, "e");
  assert.equal(
    back.message,
    "Command '['x']' returned non-zero exit status 3.",
  );
  const t = encode(new TimeoutExpired("sleep 9", 2, new Uint8Array([7])));
  const tb = decode(t.bytes.slice(), t.sabs);
  assert.ok(tb instanceof TimeoutExpired);
  assert.equal(tb.timeout, 2);
  assert.deepEqual(tb.output, new Uint8Array([7]));
  const s = encode(new SubprocessError("base"));
  assert.ok(decode(s.bytes.slice(), s.sabs) instanceof SubprocessError);
});

Deno.test("CompletedProcess and Popen print as Python's repr", async () => {
  const { CompletedProcess, Popen } = await import("../../subprocess/mod.ts");
  assert.equal(
    String(new CompletedProcess(["true"], 0)),
    "CompletedProcess(args=['true'], returncode=0)",
  );
  assert.equal(
    String(
      new CompletedProcess<Uint8Array | string>(
        "x",
        1,
        new Uint8Array([104, 10, 255, 39]),
        "e\n",
      ),
    ),
    `CompletedProcess(args='x', returncode=1, stdout=b"h\\n\\xff'", stderr='e\\n')`,
  );
  const p = new Popen(["echo", "a".repeat(100)], { stdout: -3 });
  assert.equal(
    String(p),
    "<Popen: returncode: None args: ['echo', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...>",
  );
  assert.equal(await p.wait(), 0);
  assert.match(String(p), /^<Popen: returncode: 0 args: /);
});
