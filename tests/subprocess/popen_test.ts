import assert from "node:assert/strict";
import {
  BrokenPipeError,
  FileNotFoundError,
  PIPE,
  Popen,
  STDOUT,
  TimeoutExpired,
  ValueError,
} from "../../subprocess/mod.ts";
import { bytes, spTest, str } from "./_helpers.ts";

/** Spins (without yielding to the event loop) until `poll()` answers. */
function pollUntilDone(p: Popen, seconds = 30): number {
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    const rc = p.poll();
    if (rc !== null) return rc;
  }
  throw new Error("the child did not end");
}

spTest("Popen has the child's pid and args", async () => {
  await using p = new Popen(["sh", "-c", "echo $$"], { stdout: PIPE });
  const [out] = await p.communicate();
  assert.equal(Number(str(out)), p.pid);
  assert.deepEqual(p.args, ["sh", "-c", "echo $$"]);
  assert.equal(p.stdin, null);
  assert.equal(p.stderr, null);
});

spTest(
  "Popen.poll() is null while the child runs and truthful without awaiting",
  () => {
    using p = new Popen(["sh", "-c", "exit 5"]);
    // No await between the start and the answer: poll() alone sees the end.
    assert.equal(pollUntilDone(p), 5);
    assert.equal(p.returncode, 5);
    assert.equal(p.poll(), 5);
    using q = new Popen(["sleep", "30"]);
    assert.equal(q.poll(), null);
    assert.equal(q.returncode, null);
    q.kill();
    assert.equal(pollUntilDone(q), -9);
  },
);

spTest(
  "Popen.poll() reaps while a wait() is pending; the wait gets the code",
  async () => {
    const p = new Popen(["sh", "-c", "exit 9"]);
    const waiting = p.wait();
    assert.equal(pollUntilDone(p), 9);
    assert.equal(await waiting, 9);
  },
);

spTest(
  "Popen.wait() returns the return code, and again when called twice",
  async () => {
    const p = new Popen(["sh", "-c", "exit 7"]);
    assert.equal(await p.wait(), 7);
    assert.equal(await p.wait(), 7);
    assert.equal(p.waitSync(), 7);
    const q = new Popen(["sh", "-c", "exit 3"]);
    assert.equal(q.waitSync(), 3);
  },
);

spTest(
  "Popen.wait(timeout) throws TimeoutExpired and leaves the child running",
  async () => {
    const p = new Popen(["sleep", "30"]);
    try {
      await assert.rejects(p.wait(0.1), (e) => {
        assert.ok(e instanceof TimeoutExpired);
        assert.deepEqual(e.cmd, ["sleep", "30"]);
        assert.equal(e.timeout, 0.1);
        return true;
      });
      assert.throws(() => p.waitSync(0.05), TimeoutExpired);
      assert.throws(() => p.waitSync(0), TimeoutExpired);
      assert.equal(p.poll(), null);
    } finally {
      p.kill();
      assert.equal(await p.wait(), -9);
    }
  },
);

spTest("concurrent Popen.wait() calls all get the return code", async () => {
  const p = new Popen(["sh", "-c", "sleep 0.2; exit 4"]);
  assert.deepEqual(await Promise.all([p.wait(), p.wait(), p.wait()]), [
    4,
    4,
    4,
  ]);
});

spTest(
  "more children waited for at once than wait on threads all get their code",
  async () => {
    // Past 16 pending untimed waits, the others poll their pidfds through
    // the reactor: both kinds must answer.
    const ps = Array.from(
      { length: 40 },
      (_, i) => new Popen(["sh", "-c", `sleep 0.1; exit ${i}`]),
    );
    const codes = await Promise.all(ps.map((p) => p.wait()));
    assert.deepEqual(codes, ps.map((_, i) => i));
  },
);

spTest(
  "waitSync() reaps while an untimed wait() is pending; the wait gets the code",
  async () => {
    const p = new Popen(["sleep", "30"]);
    const waiting = p.wait(); // its thread waits on the child's pidfd
    const timed = p.wait(30);
    p.kill();
    assert.equal(p.waitSync(), -9);
    assert.deepEqual(await Promise.all([waiting, timed]), [-9, -9]);
  },
);

spTest(
  "async waits install no SIGCHLD handler (a later child's end costs nothing)",
  async () => {
    const caught = () => {
      const line = /^SigCgt:\s*([0-9a-f]+)$/m.exec(
        Deno.readTextFileSync("/proc/self/status"),
      )![1]!;
      return (BigInt(`0x${line}`) >> 16n) & 1n; // bit 17 - 1: SIGCHLD
    };
    const p = new Popen(["sh", "-c", "exit 2"]);
    assert.equal(await p.wait(), 2);
    const q = new Popen(["sleep", "30"]);
    await assert.rejects(q.wait(0.05), TimeoutExpired);
    q.kill();
    assert.equal(await q.wait(), -9);
    assert.equal(caught(), 0n);
  },
);

spTest(
  "Popen.terminate() and kill() end the child with -SIGTERM and -SIGKILL",
  async () => {
    const p = new Popen(["sleep", "30"]);
    p.terminate();
    assert.equal(await p.wait(), -15);
    const q = new Popen(["sleep", "30"]);
    q.kill();
    assert.equal(q.waitSync(), -9);
  },
);

spTest("Popen.sendSignal() takes numbers and Deno.Signal names", async () => {
  await using p = new Popen(
    [
      "sh",
      "-c",
      'trap "exit 42" USR1; echo ready; while :; do sleep 0.01; done',
    ],
    { stdout: PIPE, text: true },
  );
  assert.equal(await p.stdout!.readline(), "ready\n");
  p.sendSignal("SIGUSR1");
  assert.equal(await p.wait(), 42);
  const q = new Popen(["sleep", "30"]);
  q.sendSignal(2);
  assert.equal(await q.wait(), -2);
  assert.throws(() => q.sendSignal("SIGNOPE" as Deno.Signal), ValueError);
});

spTest("signalling a child that has ended does nothing", async () => {
  const p = new Popen(["true"]);
  assert.equal(await p.wait(), 0);
  p.sendSignal("SIGTERM");
  p.terminate();
  p.kill();
  assert.equal(p.returncode, 0);
});

spTest(
  "Popen.communicate() sends input and returns stdout and stderr",
  async () => {
    await using p = new Popen(
      ["sh", "-c", "cat; echo err >&2"],
      { stdin: PIPE, stdout: PIPE, stderr: PIPE },
    );
    const [out, err] = await p.communicate(bytes("banana"));
    assert.deepEqual(out, bytes("banana"));
    assert.deepEqual(err, bytes("err\n"));
    assert.equal(p.returncode, 0);
    assert.ok(p.stdin!.closed && p.stdout!.closed && p.stderr!.closed);
  },
);

spTest("Popen.communicateSync() in text mode returns strings", () => {
  using p = new Popen<string>(["sh", "-c", "cat; printf 'e\\r\\n' >&2"], {
    stdin: PIPE,
    stdout: PIPE,
    stderr: PIPE,
    text: true,
  });
  const [out, err] = p.communicateSync("pear\r\n");
  assert.equal(out, "pear\n");
  assert.equal(err, "e\n");
});

spTest(
  "Popen.communicate() returns null for streams that are not PIPE",
  async () => {
    await using p = new Popen(["sh", "-c", "echo x"], { stdout: PIPE });
    assert.deepEqual(await p.communicate(), [bytes("x\n"), null]);
    await using q = new Popen(["true"]);
    assert.deepEqual(await q.communicate(), [null, null]);
  },
);

/**
 * Calls communicate(timeout) until the TimeoutExpired carries `expected`:
 * the child has then written it, whatever the machine's load.
 */
async function timeoutWith(p: Popen, expected: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      await p.communicate(undefined, 0.1);
    } catch (e) {
      assert.ok(e instanceof TimeoutExpired);
      assert.equal(e.stderr, null); // nothing observed on stderr
      if (str(e.output as Uint8Array | null).includes(expected)) return;
      continue;
    }
    assert.fail("communicate() ended before the timeout");
  }
  assert.fail(`the child never wrote ${expected}`);
}

spTest(
  "Popen.communicate() after a timeout: the child runs on, a second call gets all",
  async () => {
    const flag = Deno.makeTempFileSync();
    Deno.removeSync(flag);
    try {
      await using p = new Popen(
        [
          "sh",
          "-c",
          'echo first; while [ ! -e "$0" ]; do sleep 0.01; done; echo second',
          flag,
        ],
        { stdout: PIPE, stderr: PIPE, text: true },
      );
      await timeoutWith(p, "first\n");
      assert.equal(p.returncode, null);
      Deno.writeTextFileSync(flag, "");
      const [out, err] = await p.communicate();
      assert.equal(out, "first\nsecond\n");
      assert.equal(err, "");
      assert.equal(p.returncode, 0);
    } finally {
      Deno.removeSync(flag);
    }
  },
);

spTest(
  "Popen.communicateSync() after a timeout, then kill, gets what was written",
  () => {
    using p = new Popen(["sh", "-c", "echo first; exec sleep 30"], {
      stdout: PIPE,
    });
    assert.throws(() => p.communicateSync(null, 0.1), TimeoutExpired);
    // Wait (blocking) until the child has written, then kill it.
    while (true) {
      try {
        p.communicateSync(null, 0.1);
      } catch (e) {
        if (
          str((e as TimeoutExpired).output as Uint8Array | null) !== "<null>"
        ) break;
      }
    }
    p.kill();
    const [out] = p.communicateSync();
    assert.deepEqual(out, bytes("first\n"));
    assert.equal(p.returncode, -9);
  },
);

spTest(
  "Popen.communicate() refuses new input once communication started",
  async () => {
    await using p = new Popen(["sh", "-c", "cat; exec sleep 30"], {
      stdin: PIPE,
      stdout: PIPE,
    });
    await assert.rejects(p.communicate("x", 0.1), TimeoutExpired);
    await assert.rejects(p.communicate("y"), {
      name: "ValueError",
      message: "Cannot send input after starting communication",
    });
    await timeoutWith(p, "x"); // cat has echoed the input
    p.kill();
    const [out] = await p.communicate();
    assert.deepEqual(out, bytes("x"));
  },
);

spTest(
  "Popen.communicate() ignores a child that closes stdin early (EPIPE)",
  async () => {
    await using p = new Popen(["sh", "-c", "exec 0<&-; echo done"], {
      stdin: PIPE,
      stdout: PIPE,
    });
    const [out] = await p.communicate(new Uint8Array(4 * 1024 * 1024));
    assert.deepEqual(out, bytes("done\n"));
  },
);

spTest(
  "PipeWriter.write() to a child that has ended throws BrokenPipeError",
  async () => {
    await using p = new Popen(["true"], { stdin: PIPE });
    await p.wait();
    await assert.rejects(
      p.stdin!.write(new Uint8Array(1 << 20)),
      BrokenPipeError,
    );
    assert.throws(() => p.stdin!.writeSync("x"), BrokenPipeError);
  },
);

spTest("PipeWriter and PipeReader talk to a child line by line", async () => {
  await using p = new Popen<string>(["cat"], {
    stdin: PIPE,
    stdout: PIPE,
    text: true,
  });
  for (const word of ["one", "two", "three"]) {
    assert.equal(await p.stdin!.write(`${word}\n`), word.length + 1);
    p.stdin!.flush();
    assert.equal(await p.stdout!.readline(), `${word}\n`);
  }
  p.stdin!.writeSync("four\n");
  assert.equal(p.stdout!.readlineSync(), "four\n");
  p.stdin!.close();
  assert.ok(p.stdin!.closed);
  assert.equal(await p.stdout!.readline(), "");
  assert.equal(await p.wait(), 0);
});

spTest(
  "PipeReader.read(n) returns n units, fewer only at end of file",
  async () => {
    await using p = new Popen(["printf", "abcdefg"], { stdout: PIPE });
    assert.deepEqual(await p.stdout!.read(3), bytes("abc"));
    assert.deepEqual(p.stdout!.readSync(2), bytes("de"));
    assert.deepEqual(await p.stdout!.read(10), bytes("fg"));
    assert.deepEqual(await p.stdout!.read(), new Uint8Array(0));
  },
);

spTest(
  "PipeReader async iteration yields lines with their newline",
  async () => {
    await using p = new Popen<string>(["printf", "a\\nb\\r\\nc"], {
      stdout: PIPE,
      text: true,
    });
    const lines: string[] = [];
    for await (const line of p.stdout!) lines.push(line);
    assert.deepEqual(lines, ["a\n", "b\n", "c"]);
  },
);

spTest(
  "PipeReader.readline(size) stops at size; bytes lines keep \\r",
  async () => {
    await using p = new Popen(["printf", "abcdef\\r\\nxy"], { stdout: PIPE });
    assert.deepEqual(await p.stdout!.readline(4), bytes("abcd"));
    assert.deepEqual(await p.stdout!.readline(), bytes("ef\r\n"));
    assert.deepEqual(p.stdout!.readlineSync(), bytes("xy"));
    assert.deepEqual(p.stdout!.readlineSync(), new Uint8Array(0));
  },
);

spTest("concurrent PipeReader reads run in call order", async () => {
  await using p = new Popen(["printf", "1\\n2\\n3\\n"], { stdout: PIPE });
  const lines = await Promise.all([
    p.stdout!.readline(),
    p.stdout!.readline(),
    p.stdout!.readline(),
  ]);
  assert.deepEqual(lines.map(str), ["1\n", "2\n", "3\n"]);
});

spTest(
  "communicate() after readline() keeps what the reader buffered",
  async () => {
    await using p = new Popen<string>(["printf", "head\\nrest\\nmore"], {
      stdout: PIPE,
      text: true,
    });
    assert.equal(await p.stdout!.readline(), "head\n");
    const [out] = await p.communicate();
    assert.equal(out, "rest\nmore");
  },
);

spTest("closing a PipeReader ends a pending read with ValueError", async () => {
  const p = new Popen(["sleep", "30"], { stdout: PIPE });
  try {
    const pending = p.stdout!.read();
    p.stdout!.close();
    await assert.rejects(pending, ValueError);
    assert.throws(() => p.stdout!.readSync(), {
      message: "I/O operation on closed file",
    });
    assert.equal(p.stdout!.fileno(), -1);
  } finally {
    p.kill();
    await p.wait();
  }
});

spTest("Popen asyncDispose closes the pipes and waits", async () => {
  let p: Popen;
  {
    await using q = new Popen(["sh", "-c", "cat; exit 2"], {
      stdin: PIPE,
      stdout: PIPE,
      stderr: STDOUT,
    });
    p = q;
  }
  assert.equal(p.returncode, 2);
  assert.ok(p.stdin!.closed && p.stdout!.closed);
});

spTest("Popen dispose (sync) closes the pipes and waits", () => {
  let p: Popen;
  {
    using q = new Popen(["sh", "-c", "exit 6"], { stdout: PIPE });
    p = q;
  }
  assert.equal(p.returncode, 6);
});

spTest("Popen of a missing program throws at construction, as Python", () => {
  assert.throws(() => new Popen(["nope-no-such-program"], { stdout: PIPE }), {
    name: "FileNotFoundError",
    message: "[Errno 2] No such file or directory: 'nope-no-such-program'",
  });
});

spTest(
  "writes before communicate() come first (CPython test_writes_before_communicate)",
  async () => {
    await using p = new Popen(["cat"], { stdin: PIPE, stdout: PIPE });
    await p.stdin!.write("banana");
    const [out] = await p.communicate("split");
    assert.deepEqual(out, bytes("bananasplit"));
  },
);

spTest("a failed start never leaks a pipe, however often it happens", () => {
  for (let i = 0; i < 200; i++) {
    assert.throws(
      () =>
        new Popen(["nope-no-such-program"], {
          stdin: PIPE,
          stdout: PIPE,
          stderr: PIPE,
        }),
      FileNotFoundError,
    );
  }
});
