import assert from "node:assert/strict";
import * as fs from "node:fs";
import { PIPE, Popen, run, runSync, STDOUT } from "../../subprocess/mod.ts";
import { libc } from "../../_internal/ffi/libc.ts";
import { bytes, spTest, str } from "./_helpers.ts";

const BIG = 64 * 1024 * 1024;
/** A child writing BIG bytes to both stdout and stderr at once. */
const BOTH = [
  "sh",
  "-c",
  `head -c ${BIG} /dev/zero | tr '\\0' o & head -c ${BIG} /dev/zero | tr '\\0' e >&2; wait`,
];

function allBytes(
  data: Uint8Array | null,
  value: number,
  length: number,
): void {
  assert.ok(data !== null);
  assert.equal(data.length, length);
  assert.equal(data.indexOf(value === 0x6f ? 0x65 : 0x6f), -1);
  assert.equal(data[0], value);
  assert.equal(data[length - 1], value);
}

spTest(
  "communicate() reads 64 MiB on both streams without deadlock",
  async () => {
    await using p = new Popen<Uint8Array>(BOTH, { stdout: PIPE, stderr: PIPE });
    const [out, err] = await p.communicate();
    allBytes(out, 0x6f, BIG);
    allBytes(err, 0x65, BIG);
    assert.equal(p.returncode, 0);
  },
);

spTest(
  "communicateSync() reads 64 MiB on both streams without deadlock",
  () => {
    using p = new Popen<Uint8Array>(BOTH, { stdout: PIPE, stderr: PIPE });
    const [out, err] = p.communicateSync();
    allBytes(out, 0x6f, BIG);
    allBytes(err, 0x65, BIG);
  },
);

spTest(
  "communicate() writes 64 MiB to a child while it writes 64 MiB back",
  async () => {
    const input = new Uint8Array(BIG).fill(0x6f);
    await using p = new Popen<Uint8Array>([
      "sh",
      "-c",
      "cat; cat /dev/null >&2",
    ], {
      stdin: PIPE,
      stdout: PIPE,
      stderr: PIPE,
    });
    const [out] = await p.communicate(input);
    allBytes(out, 0x6f, BIG);
    const r = runSync(["cat"], { input, stdout: PIPE });
    allBytes(r.stdout, 0x6f, BIG);
  },
);

spTest("a child that fills stderr first never deadlocks run()", async () => {
  const r = await run(
    ["sh", "-c", `head -c ${BIG} /dev/zero >&2; echo done`],
    { captureOutput: true },
  );
  assert.equal(r.stderr!.length, BIG);
  assert.deepEqual(r.stdout, bytes("done\n"));
});

spTest(
  "stderr STDOUT merges 64 MiB of interleaved writes in order",
  async () => {
    // Each line is written by one write(2): its stream and number must follow
    // the previous line's.
    const n = 20_000;
    const script =
      `i=0; while [ $i -lt ${n} ]; do echo o$i; echo e$i >&2; i=$((i+1)); done`;
    const r = await run(["sh", "-c", script], {
      stdout: PIPE,
      stderr: STDOUT,
      text: true,
    });
    const lines = r.stdout!.split("\n");
    assert.equal(lines.length, 2 * n + 1);
    for (let i = 0; i < n; i++) {
      assert.equal(lines[2 * i], `o${i}`);
      assert.equal(lines[2 * i + 1], `e${i}`);
    }
  },
);

spTest("a pipeline: one Popen's stdout is another's stdin", async () => {
  const p1 = new Popen(["printf", "apple\\nbanana\\ncherry\\n"], {
    stdout: PIPE,
  });
  const p2 = new Popen<string>(["grep", "an"], {
    stdin: p1.stdout,
    stdout: PIPE,
    text: true,
  });
  p1.stdout!.close();
  const [out] = await p2.communicate();
  assert.equal(out, "banana\n");
  assert.equal(await p1.wait(), 0);
  assert.equal(p2.returncode, 0);
});

spTest(
  "a pipeline moves 64 MiB between children and counts it right",
  async () => {
    const p1 = new Popen(["head", "-c", String(BIG), "/dev/zero"], {
      stdout: PIPE,
    });
    const p2 = new Popen(["wc", "-c"], { stdin: p1.stdout, stdout: PIPE });
    p1.stdout!.close();
    const [out] = p2.communicateSync();
    assert.equal(Number(str(out).trim()), BIG);
    assert.equal(await p1.wait(), 0);
  },
);

spTest(
  "a pipeline's first child gets SIGPIPE when the second stops reading",
  async () => {
    const p1 = new Popen(["yes"], { stdout: PIPE });
    const p2 = new Popen(["head", "-n", "1"], {
      stdin: p1.stdout,
      stdout: PIPE,
    });
    p1.stdout!.close();
    const [out] = await p2.communicate();
    assert.deepEqual(out, bytes("y\n"));
    assert.equal(await p1.wait(), -13);
  },
);

spTest(
  "a pipeline child reads a blocking stdin (not our O_NONBLOCK end)",
  async () => {
    // dd reports EAGAIN if its stdin is non-blocking and empty.
    const p1 = new Popen(["sh", "-c", "sleep 0.2; echo late"], {
      stdout: PIPE,
    });
    const p2 = new Popen(["dd", "status=none"], {
      stdin: p1.stdout,
      stdout: PIPE,
      stderr: PIPE,
    });
    p1.stdout!.close();
    const [out, err] = await p2.communicate();
    assert.equal(str(err), "");
    assert.deepEqual(out, bytes("late\n"));
    await p1.wait();
  },
);

spTest("a Popen's stdin writer can be another child's stdout", async () => {
  const reader = new Popen<string>(["cat"], {
    stdin: PIPE,
    stdout: PIPE,
    text: true,
  });
  const writer = new Popen(["echo", "through"], { stdout: reader.stdin });
  assert.equal(await writer.wait(), 0);
  reader.stdin!.close();
  const [out] = await reader.communicate();
  assert.equal(out, "through\n");
});

spTest("stdout and stdin accept a Deno.FsFile", async () => {
  const path = Deno.makeTempFileSync();
  try {
    {
      using file = Deno.openSync(path, { write: true, truncate: true });
      const r = await run(["echo", "to file"], { stdout: file });
      assert.equal(r.returncode, 0);
    }
    assert.equal(Deno.readTextFileSync(path), "to file\n");
    {
      using file = Deno.openSync(path, { read: true });
      const r = runSync(["tr", "a-z", "A-Z"], { stdin: file, stdout: PIPE });
      assert.deepEqual(r.stdout, bytes("TO FILE\n"));
    }
  } finally {
    Deno.removeSync(path);
  }
});

spTest("stdout and stderr accept descriptor numbers", async () => {
  const path = Deno.makeTempFileSync();
  const fd = fs.openSync(path, "w");
  try {
    const r = await run(["sh", "-c", "echo out; echo err >&2"], {
      stdout: fd,
      stderr: STDOUT,
    });
    assert.equal(r.returncode, 0);
    assert.equal(Deno.readTextFileSync(path), "out\nerr\n");
  } finally {
    fs.closeSync(fd);
    Deno.removeSync(path);
  }
});

spTest(
  "passFds keeps a descriptor open in the child; others are closed",
  async () => {
    const path = Deno.makeTempFileSync();
    const fd = fs.openSync(path, "w");
    try {
      const kept = await run(["sh", "-c", `echo kept > /proc/self/fd/${fd}`], {
        passFds: [fd],
      });
      assert.equal(kept.returncode, 0);
      assert.equal(Deno.readTextFileSync(path), "kept\n");
      const closed = runSync(["sh", "-c", `echo lost > /proc/self/fd/${fd}`], {
        stderr: PIPE,
      });
      assert.notEqual(closed.returncode, 0);
    } finally {
      fs.closeSync(fd);
      Deno.removeSync(path);
    }
  },
);

spTest(
  "closeFds (default true) closes descriptors without close-on-exec; false keeps them",
  async () => {
    const path = Deno.makeTempFileSync();
    const fd = fs.openSync(path, "w");
    // dup() gives a descriptor without close-on-exec, as a C library would.
    const leaky = libc().dup(fd);
    assert.ok(leaky > 2);
    try {
      const write = ["sh", "-c", `echo x >> /proc/self/fd/${leaky}`];
      const closed = await run(write, { stderr: PIPE });
      assert.notEqual(closed.returncode, 0);
      assert.equal(Deno.readTextFileSync(path), "");
      const alsoClosed = await run(write, { stderr: PIPE, closeFds: true });
      assert.notEqual(alsoClosed.returncode, 0);
      const kept = await run(write, { closeFds: false });
      assert.equal(kept.returncode, 0);
      assert.equal(Deno.readTextFileSync(path), "x\n");
      // passFds keeps it even among closed ones, and forces closeFds on.
      const passed = await run(write, { passFds: [leaky], closeFds: false });
      assert.equal(passed.returncode, 0);
      assert.equal(Deno.readTextFileSync(path), "x\nx\n");
      // Nothing but 0, 1, 2 and the passed one reaches the child.
      const r = await run(["ls", "/proc/self/fd"], {
        stdout: PIPE,
        text: true,
        passFds: [leaky],
      });
      const fds = r.stdout!.trim().split("\n").map(Number).sort((a, b) =>
        a - b
      );
      // ls's own directory descriptor is the one extra entry.
      assert.deepEqual(fds.filter((n) => n <= 2 || n === leaky), [
        0,
        1,
        2,
        leaky,
      ]);
      assert.ok(fds.length <= 5, `child descriptors: ${fds}`);
    } finally {
      libc().close(leaky);
      fs.closeSync(fd);
      Deno.removeSync(path);
    }
  },
);

spTest(
  "the child inherits none of this process's pipes to other children",
  async () => {
    // cat ends only when every write end of its stdin is closed: a leaked copy
    // in the second child would hang this test.
    await using p = new Popen(["cat"], { stdin: PIPE, stdout: PIPE });
    await using q = new Popen(["sleep", "30"]);
    p.stdin!.close();
    assert.deepEqual(await p.communicate(), [new Uint8Array(0), null]);
    q.kill();
  },
);

spTest("PipeReader.read() returns 64 MiB whole, async and sync", async () => {
  {
    await using p = new Popen<Uint8Array>(
      ["head", "-c", String(BIG), "/dev/zero"],
      { stdout: PIPE },
    );
    const out = await p.stdout!.read();
    assert.equal(out.length, BIG);
    assert.equal((await p.stdout!.read()).length, 0);
  }
  using q = new Popen<Uint8Array>(["head", "-c", String(BIG), "/dev/zero"], {
    stdout: PIPE,
  });
  assert.equal(q.stdout!.readSync(BIG - 1).length, BIG - 1);
  assert.equal(q.stdout!.readSync().length, 1);
});

spTest(
  "concurrent PipeWriter.write() and PipeReader.read() move 64 MiB through cat",
  async () => {
    const input = new Uint8Array(BIG).fill(0x6f);
    await using p = new Popen<Uint8Array>(["cat"], {
      stdin: PIPE,
      stdout: PIPE,
    });
    const writing = p.stdin!.write(input).then((n) => {
      p.stdin!.close();
      return n;
    });
    const [written, out] = await Promise.all([writing, p.stdout!.read()]);
    assert.equal(written, BIG);
    allBytes(out, 0x6f, BIG);
  },
);
