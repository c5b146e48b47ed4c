import assert from "node:assert/strict";
import {
  call,
  CalledProcessError,
  callSync,
  checkCall,
  checkCallSync,
  checkOutput,
  checkOutputSync,
  getoutput,
  getoutputSync,
  getstatusoutput,
  getstatusoutputSync,
  STDOUT,
  TimeoutExpired,
  ValueError,
} from "../../subprocess/mod.ts";
import { bytes, spTest, str } from "./_helpers.ts";

spTest("call() returns the return code", async () => {
  assert.equal(await call(["sh", "-c", "exit 47"]), 47);
  assert.equal(callSync(["sh", "-c", "exit 47"]), 47);
  assert.equal(await call("exit 9", { shell: true }), 9);
});

spTest(
  "call() with timeout kills the child and throws TimeoutExpired",
  async () => {
    await assert.rejects(
      call(["sleep", "30"], { timeout: 0.1 }),
      TimeoutExpired,
    );
    assert.throws(() => callSync(["sleep", "30"], { timeout: 0.1 }), {
      name: "TimeoutExpired",
      message: "Command '['sleep', '30']' timed out after 0.1 seconds",
    });
  },
);

spTest("checkCall() returns 0 or throws CalledProcessError", async () => {
  assert.equal(await checkCall(["true"]), 0);
  assert.equal(checkCallSync(["true"]), 0);
  await assert.rejects(checkCall(["sh", "-c", "exit 47"]), (e) => {
    assert.ok(e instanceof CalledProcessError);
    assert.equal(e.returncode, 47);
    assert.equal(e.output, null);
    return true;
  });
  assert.throws(() => checkCallSync(["false"]), { returncode: 1 });
});

spTest("checkOutput() returns stdout", async () => {
  assert.deepEqual(await checkOutput(["printf", "BDFL"]), bytes("BDFL"));
  assert.equal(checkOutputSync(["printf", "BDFL"], { text: true }), "BDFL");
});

spTest(
  "checkOutput() with a non-zero code throws with the output",
  async () => {
    await assert.rejects(
      checkOutput(["sh", "-c", "echo partial; exit 5"]),
      (e) => {
        assert.ok(e instanceof CalledProcessError);
        assert.equal(e.returncode, 5);
        assert.equal(str(e.output), "partial\n");
        return true;
      },
    );
  },
);

spTest("checkOutput() stderr STDOUT captures both", async () => {
  const out = await checkOutput(["sh", "-c", "printf BDFL >&2"], {
    stderr: STDOUT,
  });
  assert.deepEqual(out, bytes("BDFL"));
});

spTest("checkOutput() input and stdin arguments", async () => {
  assert.deepEqual(
    await checkOutput(["tr", "a-z", "A-Z"], { input: "pear" }),
    bytes("PEAR"),
  );
  // input null means empty input, not an inherited stdin
  assert.deepEqual(
    checkOutputSync(["cat"], { input: null }),
    new Uint8Array(0),
  );
  assert.throws(
    () => checkOutputSync(["cat"], { input: "x", stdin: 0 }),
    ValueError,
  );
});

spTest("checkOutput() rejects a stdout argument", () => {
  assert.throws(
    // deno-lint-ignore no-explicit-any
    () => checkOutputSync(["true"], { stdout: 1 } as any),
    { name: "ValueError", message: /stdout argument not allowed/ },
  );
});

spTest("checkOutput() timeout reports partial output", async () => {
  await assert.rejects(
    checkOutput(["sh", "-c", "echo BDFL; exec sleep 30"], { timeout: 2 }),
    (e) => {
      assert.ok(e instanceof TimeoutExpired);
      assert.equal(str(e.output), "BDFL\n");
      return true;
    },
  );
});

spTest(
  "getstatusoutput() returns the code and the merged output without the last newline",
  async () => {
    assert.deepEqual(await getstatusoutput("echo xyzzy"), [0, "xyzzy"]);
    assert.deepEqual(
      await getstatusoutput("echo out; echo err >&2; exit 3"),
      [3, "out\nerr"],
    );
    assert.deepEqual(getstatusoutputSync("cat /nonexistent-xyz 2>/dev/null"), [
      1,
      "",
    ]);
    const [code] = await getstatusoutput("nonexistent-command-xyz");
    assert.equal(code, 127);
  },
);

spTest("getoutput() returns the output", async () => {
  assert.equal(await getoutput("echo xyzzy"), "xyzzy");
  assert.equal(getoutputSync("printf 'a\\n\\n'"), "a\n");
});
