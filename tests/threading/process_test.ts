import assert from "node:assert/strict";
import { runScript as run } from "../_helpers.ts";

function runScript(
  name: string,
): Promise<{ code: number; out: string; err: string; ms: number }> {
  return run(new URL(`./_scripts/${name}`, import.meta.url));
}

Deno.test("A running non-daemon thread keeps the process alive until it ends", async () => {
  const r = await runScript("non_daemon.ts");
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, "main done\nthread done\n");
});

Deno.test("A daemon thread does not keep the process alive", async () => {
  const r = await runScript("daemon.ts");
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, "main done\n");
  assert.ok(r.ms < 20_000, `the process ended (${r.ms} ms)`);
});

Deno.test("The default excepthook prints 'Exception in thread NAME:' and the stack", async () => {
  // Several at once: the report raced the process's end (the count of
  // non-daemon threads dropped before the thread was marked stopped; about
  // one run in eight printed nothing).
  const runs = await Promise.all(
    Array.from({ length: 8 }, () => runScript("uncaught.ts")),
  );
  for (const r of runs) {
    assert.equal(r.code, 0, "an error in a thread does not fail the process");
    assert.match(
      r.err,
      /^Exception in thread failing:\nRangeError: boom\n\s+at /,
    );
  }
});

Deno.test("A thread that cannot start throws RuntimeError, stays unregistered, and does not keep the process alive", async () => {
  // It threw Deno's WouldBlock, stayed in enumerate() and activeCount(), and
  // the program never ended.
  const r = await run(
    new URL("./_scripts/start_fails.ts", import.meta.url),
    [],
    [],
    30,
  );
  assert.equal(r.code, 0, r.err);
  assert.equal(
    r.out,
    "RuntimeError: can't start new thread\n" +
      '{"active":1,"listed":["MainThread"],"alive":false,"ident":null}\n' +
      "restarted: 7\n",
  );
});

Deno.test("A thread that runs out of memory ends, on a fresh Worker as on a reused one", async () => {
  // On a fresh Worker it hung: isAlive() stayed true and the program never
  // ended (its first assignment ran inside promise jobs).
  const r = await run(
    new URL("./_scripts/out_of_memory.ts", import.meta.url),
    [],
    [],
    60,
  );
  assert.equal(r.code, 0, r.err);
  assert.equal(
    r.out,
    "fresh: alive=false hook=true\nreused: alive=false hook=true\n",
  );
});

Deno.test("Threads that wait on each other need no FFI permission", async () => {
  // The waits' spins yield the CPU through FFI only where it is granted:
  // a threading program run with read access only must not fail or prompt.
  const r = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--no-prompt",
      "--allow-read",
      new URL("./_scripts/no_ffi.ts", import.meta.url).pathname,
    ],
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(60_000),
  }).output();
  const err = new TextDecoder().decode(r.stderr);
  assert.equal(r.code, 0, err);
  assert.equal(
    new TextDecoder().decode(r.stdout),
    "ffi prompt, counter 4000, sum 1999000\n",
  );
});
