import assert from "node:assert/strict";

// A futex wait interrupted by signals (EINTR) again and again waits on: a
// profiled program gets SIGPROF every millisecond, > 1000 per 1.5 s wait.
Deno.test("shm wait: a wait under a signal storm (CPU profiler) times out normally", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "--quiet",
        "--cpu-prof",
        `--cpu-prof-dir=${dir}`,
        new URL("./_shm_wait_child.ts", import.meta.url).pathname,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.ok(out.success, new TextDecoder().decode(out.stderr));
    const r = JSON.parse(new TextDecoder().decode(out.stdout));
    assert.equal(r.woken, false);
    assert.ok(r.ms >= 1400, `returned after ${r.ms} ms`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
