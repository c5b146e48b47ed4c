import assert from "node:assert/strict";
import {
  CalledProcessError,
  CompletedProcess,
  DEVNULL,
  FileNotFoundError,
  PermissionError,
  PIPE,
  run,
  runSync,
  STDOUT,
  TimeoutExpired,
  ValueError,
} from "../../subprocess/mod.ts";
import { bytes, spTest, str } from "./_helpers.ts";

spTest("run() returns the return code of the child", async () => {
  const r = await run(["sh", "-c", "exit 47"]);
  assert.ok(r instanceof CompletedProcess);
  assert.equal(r.returncode, 47);
  assert.deepEqual(r.args, ["sh", "-c", "exit 47"]);
  assert.equal(r.stdout, null);
  assert.equal(r.stderr, null);
  assert.equal(runSync(["true"]).returncode, 0);
});

spTest(
  "run() with check throws CalledProcessError for a non-zero code",
  async () => {
    await assert.rejects(run(["sh", "-c", "exit 47"], { check: true }), (e) => {
      assert.ok(e instanceof CalledProcessError);
      assert.equal(e.returncode, 47);
      assert.deepEqual(e.cmd, ["sh", "-c", "exit 47"]);
      return true;
    });
    assert.throws(() => runSync(["false"], { check: true }), {
      name: "CalledProcessError",
      message: "Command '['false']' returned non-zero exit status 1.",
    });
    // check with a zero code returns normally
    assert.equal((await run(["true"], { check: true })).returncode, 0);
  },
);

spTest(
  "CompletedProcess.checkReturncode() throws with the captured output",
  async () => {
    const r = await run(["sh", "-c", "echo out; echo err >&2; exit 3"], {
      captureOutput: true,
    });
    assert.throws(() => r.checkReturncode(), (e) => {
      assert.ok(e instanceof CalledProcessError);
      assert.equal(str(e.output), "out\n");
      assert.equal(str(e.stdout), "out\n");
      assert.equal(str(e.stderr), "err\n");
      return true;
    });
    (await run(["true"])).checkReturncode();
  },
);

spTest(
  "run() captures stdout and stderr separately, as bytes by default",
  async () => {
    const r = await run(["sh", "-c", "printf out; printf err >&2"], {
      captureOutput: true,
    });
    assert.ok(r.stdout instanceof Uint8Array);
    assert.deepEqual(r.stdout, bytes("out"));
    assert.deepEqual(r.stderr, bytes("err"));
    const s = runSync(["sh", "-c", "printf out; printf err >&2"], {
      stdout: PIPE,
    });
    assert.deepEqual(s.stdout, bytes("out"));
    assert.equal(s.stderr, null);
  },
);

spTest("run() input is written to stdin (string or bytes)", async () => {
  const a = await run(["cat"], {
    input: "pear",
    captureOutput: true,
    text: true,
  });
  assert.equal(a.stdout, "pear");
  const b = runSync(["cat"], { input: bytes("apple"), captureOutput: true });
  assert.deepEqual(b.stdout, bytes("apple"));
  // An empty input closes stdin at once.
  const c = await run(["cat"], { input: "", captureOutput: true, text: true });
  assert.equal(c.stdout, "");
});

spTest("run() text mode decodes and translates newlines", async () => {
  const cmd = ["printf", "line1\\nline2\\rline3\\r\\nline4\\r\\nline5"];
  const r = await run(cmd, { captureOutput: true, text: true });
  assert.equal(r.stdout, "line1\nline2\nline3\nline4\nline5");
  const u = runSync(cmd, { stdout: PIPE, universalNewlines: true });
  assert.equal(u.stdout, "line1\nline2\nline3\nline4\nline5");
  const b = runSync(cmd, { stdout: PIPE });
  assert.deepEqual(b.stdout, bytes("line1\nline2\rline3\r\nline4\r\nline5"));
});

spTest("run() encoding and errors choose how output is decoded", async () => {
  const latin = await run(["printf", "caf\\351"], {
    stdout: PIPE,
    encoding: "latin-1",
  });
  assert.equal(latin.stdout, "café");
  await assert.rejects(
    run(["printf", "\\377"], { stdout: PIPE, text: true }),
    ValueError,
  );
  const replaced = await run(["printf", "a\\377b"], {
    stdout: PIPE,
    errors: "replace",
  });
  assert.equal(replaced.stdout, "a\ufffdb");
  const fed = runSync(["cat"], {
    input: "é",
    stdout: PIPE,
    encoding: "latin-1",
  });
  assert.equal(fed.stdout, "é");
});

spTest(
  "run() with stderr STDOUT keeps the order of interleaved writes",
  async () => {
    const script =
      "i=0; while [ $i -lt 300 ]; do echo out$i; echo err$i >&2; i=$((i+1)); done";
    const expected = Array.from({ length: 300 }, (_, i) => `out${i}\nerr${i}\n`)
      .join("");
    const r = await run(["sh", "-c", script], {
      stdout: PIPE,
      stderr: STDOUT,
      text: true,
    });
    assert.equal(r.stdout, expected);
    assert.equal(r.stderr, null);
    const s = runSync(["sh", "-c", script], {
      stdout: PIPE,
      stderr: STDOUT,
      text: true,
    });
    assert.equal(s.stdout, expected);
  },
);

spTest("run() env replaces the environment", async () => {
  const r = await run(["sh", "-c", 'echo "$FRUIT:${HOME-unset}"'], {
    env: { FRUIT: "orange" },
    stdout: PIPE,
    text: true,
  });
  assert.equal(r.stdout, "orange:unset\n");
  // With an empty environment, programs are found in os.defpath.
  const empty = runSync(["env"], { env: {}, stdout: PIPE, text: true });
  assert.equal(empty.stdout, "");
});

spTest(
  "run() without env passes this process's current environment",
  async () => {
    Deno.env.set("PYCONC_SUBPROCESS_TEST", "kiwi");
    try {
      const r = await run(["sh", "-c", "echo $PYCONC_SUBPROCESS_TEST"], {
        stdout: PIPE,
        text: true,
      });
      assert.equal(r.stdout, "kiwi\n");
    } finally {
      Deno.env.delete("PYCONC_SUBPROCESS_TEST");
    }
    const r = runSync(["sh", "-c", "echo ${PYCONC_SUBPROCESS_TEST-gone}"], {
      stdout: PIPE,
      text: true,
    });
    assert.equal(r.stdout, "gone\n");
  },
);

spTest("run() env PATH is where a program name is looked up", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    Deno.writeTextFileSync(`${dir}/hello-prog`, "#!/bin/sh\necho found\n", {
      mode: 0o755,
    });
    const r = await run(["hello-prog"], {
      env: { PATH: `/nonexistent:${dir}` },
      stdout: PIPE,
      text: true,
    });
    assert.equal(r.stdout, "found\n");
    assert.throws(() => runSync(["hello-prog"]), FileNotFoundError);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

spTest(
  "run() cwd sets the working directory and finds relative programs there",
  async () => {
    const dir = Deno.realPathSync(Deno.makeTempDirSync());
    try {
      const r = await run(["pwd"], { cwd: dir, stdout: PIPE, text: true });
      assert.equal(r.stdout, `${dir}\n`);
      Deno.writeTextFileSync(`${dir}/script.sh`, "#!/bin/sh\necho relative\n", {
        mode: 0o755,
      });
      const s = runSync(["./script.sh"], {
        cwd: dir,
        stdout: PIPE,
        text: true,
      });
      assert.equal(s.stdout, "relative\n");
      const u = runSync(["pwd"], {
        cwd: new URL(`file://${dir}`),
        stdout: PIPE,
        text: true,
      });
      assert.equal(u.stdout, `${dir}\n`);
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  },
);

spTest("run() with a missing cwd throws FileNotFoundError naming it", () => {
  assert.throws(() => runSync(["pwd"], { cwd: "/nonexistent-dir-xyz" }), {
    name: "FileNotFoundError",
    message: "[Errno 2] No such file or directory: '/nonexistent-dir-xyz'",
  });
});

spTest("run() refuses a cwd with a NUL character before starting", () => {
  // libc would stop at the NUL and run the child in "/tmp".
  assert.throws(() => runSync(["pwd"], { cwd: "/tmp\0/x", stdout: PIPE }), {
    name: "ValueError",
    message: "embedded null byte",
  });
  assert.throws(() => runSync(["echo", "a\0b"]), {
    name: "ValueError",
    message: "embedded null byte",
  });
});

spTest(
  "arguments and environment reach the child byte for byte, whatever their size",
  () => {
    // argv and env are packed into buffers reused from one start to the
    // next: short ASCII by hand, the rest by TextEncoder; they grow.
    const args = [
      "",
      "a",
      "café ☃ 𝄞",
      "x".repeat(300),
      "é".repeat(300),
      "y".repeat(100_000),
      ...Array.from({ length: 200 }, (_, i) => `arg${i}`),
    ];
    for (const list of [args, ["short"], args.slice(0, 3)]) {
      const r = runSync(["sh", "-c", 'printf "%s\\n" "$@"', "sh", ...list], {
        captureOutput: true,
        text: true,
        env: { PATH: "/usr/bin:/bin", V: list.at(-1)! },
      });
      assert.equal(r.stdout, list.map((a) => `${a}\n`).join(""));
      const e = runSync(["sh", "-c", 'printf "%s" "$V"'], {
        captureOutput: true,
        text: true,
        env: { V: list.at(-1)!, W: "ü".repeat(400) },
      });
      assert.equal(e.stdout, list.at(-1));
    }
    for (
      const bad of ["a\0b", "é".repeat(300) + "\0", "x".repeat(300) + "\0"]
    ) {
      assert.throws(() => runSync(["echo", bad]), {
        name: "ValueError",
        message: "embedded null byte",
      });
      assert.throws(() => runSync(["true"], { env: { V: bad } }), {
        name: "ValueError",
        message: "embedded null byte",
      });
    }
    for (const bad of ["\ud800", "a".repeat(300) + "\udc00"]) {
      assert.throws(() => runSync(["echo", bad]), {
        name: "ValueError",
        message: /surrogates not allowed/,
      });
    }
    // Still usable after the refusals.
    assert.equal(
      runSync(["echo", "ok"], { stdout: PIPE, text: true }).stdout,
      "ok\n",
    );
  },
);

spTest("run() with a descriptor that is not open throws OSError EBADF", () => {
  // glibc refuses the dup2 action for 99999; it was dropped, and the child
  // wrote to this process's stdout.
  for (const which of ["stdin", "stdout", "stderr"] as const) {
    assert.throws(() => runSync(["true"], { [which]: 99999 }), {
      name: "OSError",
      message: "[Errno 9] Bad file descriptor",
    });
  }
  // Open-able but not open: the child's dup2 fails, as Python's.
  assert.throws(() => runSync(["true"], { stdout: 1000 }), {
    name: "OSError",
    message: /^\[Errno 9\] Bad file descriptor/,
  });
  assert.throws(() => runSync(["true"], { stdout: 2 ** 40 }), {
    name: "OverflowError",
    message: "signed integer is greater than maximum",
  });
});

spTest("run() shell runs a string through /bin/sh -c", async () => {
  const r = await run("echo $((6 * 7)) | tr 4 X", {
    shell: true,
    stdout: PIPE,
    text: true,
  });
  assert.equal(r.stdout, "X2\n");
  // Further list items are the shell's $0, $1…
  const s = runSync(['echo "$0 $1"', "zero", "one"], {
    shell: true,
    stdout: PIPE,
    text: true,
  });
  assert.equal(s.stdout, "zero one\n");
  assert.equal(runSync("exit 3", { shell: true }).returncode, 3);
});

spTest(
  "run() executable runs another program with args[0] as argv[0]",
  async () => {
    const r = await run(["fancy-name", "-c", 'echo "$0"'], {
      executable: "/bin/sh",
      stdout: PIPE,
      text: true,
    });
    assert.equal(r.stdout, "fancy-name\n");
    // executable takes precedence over args[0]
    const s = runSync(["nonexistent-program-xyz"], { executable: "true" });
    assert.equal(s.returncode, 0);
  },
);

spTest(
  "run() timeout kills the child and reports the output read so far",
  async () => {
    const t0 = performance.now();
    await assert.rejects(
      run(["sh", "-c", "echo part; printf oops >&2; exec sleep 30"], {
        captureOutput: true,
        timeout: 2,
      }),
      (e) => {
        assert.ok(e instanceof TimeoutExpired);
        assert.equal(e.timeout, 2);
        assert.equal(str(e.output), "part\n");
        assert.equal(str(e.stdout), "part\n");
        assert.equal(str(e.stderr), "oops");
        assert.equal(
          e.message,
          "Command '['sh', '-c', 'echo part; printf oops >&2; exec sleep 30']' timed out after 2 seconds",
        );
        return true;
      },
    );
    assert.ok(performance.now() - t0 < 20_000, "the child was not killed");
  },
);

spTest("runSync() honours timeout too", () => {
  assert.throws(
    () =>
      runSync(["sh", "-c", "echo part; exec sleep 30"], {
        stdout: PIPE,
        timeout: 1,
        text: true,
      }),
    (e) => {
      assert.ok(e instanceof TimeoutExpired);
      // Output in TimeoutExpired is always bytes, as in Python.
      assert.ok(e.output instanceof Uint8Array);
      assert.equal(str(e.output), "part\n");
      assert.equal(e.stderr, null);
      return true;
    },
  );
});

spTest("run() timeout with input still delivers the input", async () => {
  await assert.rejects(
    run(["sh", "-c", "cat; exec sleep 30"], {
      input: "fed",
      stdout: PIPE,
      timeout: 2,
    }),
    (e: TimeoutExpired) => str(e.output) === "fed",
  );
});

spTest(
  "run() of a program that does not exist throws FileNotFoundError",
  async () => {
    await assert.rejects(run(["nope-no-such-program"]), {
      name: "FileNotFoundError",
      message: "[Errno 2] No such file or directory: 'nope-no-such-program'",
    });
    assert.throws(() => runSync(["/no/such/path"]), (e) => {
      assert.ok(e instanceof FileNotFoundError);
      assert.equal(e.errno, 2);
      assert.equal(e.filename, "/no/such/path");
      return true;
    });
    // Also when pipes were made for it: they are closed (spTest checks).
    assert.throws(
      () =>
        runSync(["nope-no-such-program"], { captureOutput: true, input: "x" }),
      FileNotFoundError,
    );
  },
);

spTest("run() of a file that is not executable throws PermissionError", () => {
  const file = Deno.makeTempFileSync();
  try {
    assert.throws(() => runSync([file]), (e) => {
      assert.ok(e instanceof PermissionError);
      assert.equal(e.errno, 13);
      return true;
    });
  } finally {
    Deno.removeSync(file);
  }
});

spTest("run() rejects bad arguments with a clear error", async () => {
  await assert.rejects(run([]), ValueError);
  assert.throws(() => runSync(["cat"], { input: "x", stdin: PIPE }), {
    name: "ValueError",
    message: /stdin and input/,
  });
  assert.throws(
    () => runSync(["true"], { captureOutput: true, stdout: PIPE }),
    { name: "ValueError", message: /captureOutput/ },
  );
  assert.throws(
    () => runSync(["true"], { captureOutput: true, stderr: DEVNULL }),
    ValueError,
  );
  assert.throws(() => runSync(["true"], { preexecFn: () => {} }), {
    name: "ValueError",
    message: /preexecFn/,
  });
  assert.throws(() => runSync(["true"], { startupinfo: {} }), {
    message: /startupinfo/,
  });
  assert.throws(() => runSync(["true"], { creationflags: 8 }), {
    message: /creationflags/,
  });
  runSync(["true"], { creationflags: 0 });
  assert.throws(() => runSync(["true"], { stdout: STDOUT }), ValueError);
  assert.throws(() => runSync(["true"], { stdout: -7 }), ValueError);
  assert.throws(() => runSync(["echo", "a\0b"]), ValueError);
  assert.throws(() => runSync(["true"], { env: { "A=B": "x" } }), ValueError);
  // deno-lint-ignore no-explicit-any
  assert.throws(() => runSync(["echo", 3 as any]), TypeError);
});

spTest("run() returns -N when signal N ended the child", async () => {
  const r = await run(["sh", "-c", "kill -9 $$"]);
  assert.equal(r.returncode, -9);
  assert.throws(() => runSync(["sh", "-c", "kill -ABRT $$"], { check: true }), {
    message:
      "Command '['sh', '-c', 'kill -ABRT $$']' died with <Signals.SIGABRT: 6>.",
  });
});

spTest(
  "run() stdout and stderr to DEVNULL discard, stdin from DEVNULL reads nothing",
  async () => {
    const r = await run(["sh", "-c", "echo lost; echo lost >&2; cat"], {
      stdin: DEVNULL,
      stdout: DEVNULL,
      stderr: DEVNULL,
    });
    assert.equal(r.returncode, 0);
    const s = runSync(["cat"], { stdin: DEVNULL, stdout: PIPE });
    assert.deepEqual(s.stdout, new Uint8Array(0));
  },
);

spTest(
  "run() restores SIGPIPE for the child unless restoreSignals is false",
  async () => {
    const ignored = async (restoreSignals: boolean) => {
      const r = await run(["sh", "-c", "grep SigIgn /proc/$$/status"], {
        stdout: PIPE,
        text: true,
        restoreSignals,
      });
      const mask = BigInt("0x" + r.stdout!.split(/\s+/)[1]);
      return (mask & (1n << 12n)) !== 0n; // SIGPIPE is 13
    };
    assert.equal(await ignored(true), false);
    assert.equal(await ignored(false), true);
  },
);

spTest(
  "signals this process ignores stay ignored in its children (but those restoreSignals restores); handled ones are at their default",
  async () => {
    // A Deno process started with SIGHUP, SIGALRM and SIGUSR2 ignored (as
    // under nohup) starts children; then it handles SIGHUP (a listener)
    // and starts one more: the spawn's record of ignored signals, made at
    // its first start, must not keep SIGHUP ignored there.
    const mod = new URL("../../subprocess/mod.ts", import.meta.url).href;
    const code = `
      import { PIPE, runSync } from ${JSON.stringify(mod)};
      const mask = (restoreSignals) => runSync(
        ["sh", "-c", "grep SigIgn /proc/$$/status"],
        { stdout: PIPE, text: true, restoreSignals },
      ).stdout.split(/\\s+/)[1];
      const before = [mask(true), mask(false)];
      const listener = () => {};
      Deno.addSignalListener("SIGHUP", listener);
      const after = mask(false);
      Deno.removeSignalListener("SIGHUP", listener);
      console.log(JSON.stringify([...before, after]));`;
    const r = await run([
      "sh",
      "-c",
      `trap '' HUP ALRM USR2; exec "$0" eval "$1"`,
      Deno.execPath(),
      code,
    ], { stdout: PIPE, stderr: PIPE, text: true });
    assert.equal(r.returncode, 0, r.stderr!);
    const [restored, kept, handled] = (JSON.parse(r.stdout!) as string[])
      .map((m) => BigInt(`0x${m}`));
    const bit = (n: number) => 1n << BigInt(n - 1);
    const HUP = bit(1), USR2 = bit(12), PIPE_ = bit(13), ALRM = bit(14);
    const XFSZ = bit(25), USR1 = bit(10);
    const inherited = HUP | USR2 | ALRM;
    assert.equal(restored! & inherited, inherited);
    assert.equal(restored! & (PIPE_ | XFSZ | USR1), 0n);
    assert.equal(kept! & (inherited | PIPE_), inherited | PIPE_);
    assert.equal(kept! & USR1, 0n);
    assert.equal(handled! & (USR2 | ALRM | PIPE_), USR2 | ALRM | PIPE_);
    assert.equal(handled! & HUP, 0n);
  },
);

spTest(
  "run() startNewSession and processGroup put the child in a new session or group",
  async () => {
    const field = (n: number) => `cut -d' ' -f${n} /proc/$$/stat; echo $$`;
    const [sid, pid] = runSync(["sh", "-c", field(6)], {
      startNewSession: true,
      stdout: PIPE,
      text: true,
    }).stdout!.trim().split("\n");
    assert.equal(sid, pid);
    const [pgid, pid2] = (await run(["sh", "-c", field(5)], {
      processGroup: 0,
      stdout: PIPE,
      text: true,
    })).stdout!.trim().split("\n");
    assert.equal(pgid, pid2);
    const [ownSid] = runSync(["sh", "-c", field(6)], {
      stdout: PIPE,
      text: true,
    }).stdout!.trim().split("\n");
    assert.notEqual(ownSid, pid);
  },
);

spTest(
  "run() with a shell timeout returns even when a grandchild holds the pipes",
  async () => {
    // sh forks sleep (a grandchild) which keeps stdout open after sh is
    // killed: run() must not wait for end of file (CPython
    // test_run_with_shell_timeout_and_capture_output).
    const t0 = performance.now();
    let pgid = "";
    await assert.rejects(
      run("echo $$; sleep 30; echo never", {
        shell: true,
        captureOutput: true,
        timeout: 0.5,
        processGroup: 0,
      }),
      (e: TimeoutExpired) => {
        pgid = str(e.output).trim();
        return /^\d+$/.test(pgid);
      },
    );
    const seconds = (performance.now() - t0) / 1000;
    runSync(["kill", "-9", "--", `-${pgid}`]); // the orphaned sleep
    assert.ok(seconds < 20, "run() waited for the grandchild");
  },
);

spTest(
  "many concurrent run() calls, past the waits that block a thread, each get their own code and leave nothing behind",
  async () => {
    // 48 untimed waits at once: 16 block pool threads, the others poll their
    // pidfds through the reactor; some children end before their wait starts
    // (`true`), some after (`sleep`). Every one is reaped by its own run().
    const n = 48;
    const results = await Promise.all(
      Array.from(
        { length: n },
        (_, i) =>
          i % 3 === 0
            ? run(["true"])
            : run(["sh", "-c", `sleep 0.0${i % 10}; exit ${i}`]),
      ),
    );
    assert.deepEqual(
      results.map((r) => r.returncode),
      Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 0 : i)),
    );
  },
);

spTest(
  "run() with a timeout kills and reaps the child even when other runs are pending",
  async () => {
    const slow = run(["sleep", "30"], { timeout: 0.2 });
    const quick = Array.from({ length: 20 }, () => run(["true"]));
    await assert.rejects(slow, TimeoutExpired);
    for (const r of await Promise.all(quick)) assert.equal(r.returncode, 0);
  },
);
