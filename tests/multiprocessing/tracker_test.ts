/**
 * The resource tracker: whatever way a program ends, every shared memory
 * segment it created (its heap, its SharedMemory segments, its children's)
 * is unlinked once all of its processes are gone, and no process is left.
 * Tests list /dev/shm before and after (other programs may use /dev/shm at
 * the same time: only this program's names are checked).
 */
import assert from "node:assert/strict";
import { alive, shmEntries, waitGone } from "./_helpers.ts";

interface Report {
  heap: string;
  shm: string[];
  tracker: number;
  children: number[];
}

const script = new URL("./_scripts/leaks.ts", import.meta.url).pathname;

/** Reads lines from a child's stdout. */
async function* lines(stream: ReadableStream<Uint8Array>) {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  let buf = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += value;
    let nl;
    while ((nl = buf.indexOf("\n")) >= 0) {
      yield buf.slice(0, nl);
      buf = buf.slice(nl + 1);
    }
  }
  if (buf) yield buf;
}

async function runLeaks(how: string): Promise<{
  report: Report;
  code: number;
  err: string;
  exitcodes?: number[];
}> {
  const before = shmEntries();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", script, how],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const errText = new Response(child.stderr).text();
  let report: Report | undefined;
  let exitcodes: number[] | undefined;
  for await (const line of lines(child.stdout)) {
    const msg = JSON.parse(line);
    if (msg.heap) {
      report = msg;
      for (const name of [msg.heap, ...msg.shm]) {
        assert.ok(shmEntries().has(name), `${name} exists while running`);
        assert.ok(!before.has(name));
      }
      if (how === "sigkill-main") {
        child.kill("SIGKILL");
        // The daemon child dies with its parent; the other one lives on,
        // as Python's would: end it as a user would.
        assert.ok(await waitGone(msg.children[0], 30), "the daemon child died");
        assert.ok(alive(msg.children[1]));
        Deno.kill(msg.children[1], "SIGKILL");
      }
    } else if (msg.exitcodes) {
      exitcodes = msg.exitcodes;
    }
  }
  const status = await child.status;
  assert.ok(report, "the script reported");
  for (const pid of report.children) {
    assert.ok(await waitGone(pid, 30), `child ${pid} is gone`);
  }
  assert.ok(await waitGone(report.tracker, 30), "the tracker ended");
  return {
    report,
    code: status.code,
    err: await errText,
    ...(exitcodes ? { exitcodes } : {}),
  };
}

function assertUnlinked(r: Report): void {
  const now = shmEntries();
  for (const name of [r.heap, ...r.shm]) {
    assert.ok(!now.has(name), `${name} was unlinked`);
  }
}

Deno.test("tracker: after a normal end, the heap and every leaked segment are unlinked, with Python's warning", async () => {
  const r = await runLeaks("normal");
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(r.exitcodes, [0]);
  assertUnlinked(r.report);
  assert.match(
    r.err,
    /resource_tracker: There appear to be 2 leaked shared_memory objects to clean up at shutdown/,
  );
});

Deno.test("tracker: a child ended with terminate() leaks nothing", async () => {
  const r = await runLeaks("terminate");
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(r.exitcodes, [-15]);
  assertUnlinked(r.report);
});

Deno.test("tracker: a child ended with kill() leaks nothing", async () => {
  const r = await runLeaks("kill");
  assert.deepEqual(r.exitcodes, [-9]);
  assertUnlinked(r.report);
});

Deno.test("tracker: a child ended by an uncaught error leaks nothing", async () => {
  const r = await runLeaks("error");
  assert.deepEqual(r.exitcodes, [1]);
  assert.match(r.err, /Process Process-1:\nError: boom/);
  assertUnlinked(r.report);
});

Deno.test("tracker: after SIGKILL of the main process, all is unlinked once its children are gone", async () => {
  const r = await runLeaks("sigkill-main");
  assert.equal(r.code, 137);
  assertUnlinked(r.report);
});

Deno.test("tracker: segment names cannot inject commands; odd names are unlinked too", async () => {
  // A segment this program never created: an unescaped newline in a name
  // made the tracker unlink it ("x\nR shm victim").
  const victim = `pyconc_victim_${Deno.pid}_${Date.now()}`;
  Deno.writeFileSync(`/dev/shm/${victim}`, new Uint8Array(8));
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        new URL("./_scripts/tracker_names.ts", import.meta.url).pathname,
        victim,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const err = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 0, err);
    const { names, tracker } = JSON.parse(new TextDecoder().decode(out.stdout));
    assert.ok(await waitGone(tracker, 30), "the tracker ended");
    const now = shmEntries();
    for (const name of names as string[]) {
      assert.ok(!now.has(name), `${JSON.stringify(name)} was unlinked`);
    }
    assert.ok(now.has(victim), "the victim was left alone");
    assert.match(err, /There appear to be 5 leaked shared_memory objects/);
  } finally {
    try {
      Deno.removeSync(`/dev/shm/${victim}`);
    } catch { /* removed by a broken tracker: the assertion says so */ }
  }
});
