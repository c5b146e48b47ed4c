/**
 * The gallery (`examples/`): every example prints what its Python original
 * prints. The ports run with `deno run`; the Python originals run with
 * `python3` (when it is installed) against the same expected output, so the
 * expectations are the Python truth. Examples awaiting a module still being
 * built are ignored, named with what they await.
 */

import assert from "node:assert/strict";
import {
  AWAITING,
  compare,
  type Example,
  listExamples,
  missingExports,
  type Outcome,
  parseExample,
  runAll,
} from "../examples/_gallery.ts";

const examples = await listExamples();

async function hasPython(): Promise<boolean> {
  try {
    const { success } = await new Deno.Command("python3", {
      args: ["--version"],
      stdout: "null",
      stderr: "null",
    }).output();
    return success;
  } catch {
    return false;
  }
}

function explain(o: Outcome): string {
  return `${o.reason}\n--- stdout\n${o.stdout}--- stderr\n${o.stderr}---`;
}

async function report(t: Deno.TestContext, outcomes: Outcome[], ext: string) {
  for (const o of outcomes) {
    const file = o.example.file.replace(/\.ts$/, ext);
    await t.step({
      name: o.status === "skip" ? `${file} (${o.reason})` : file,
      ignore: o.status === "skip",
      fn: () => assert.equal(o.status, "pass", explain(o)),
    });
  }
}

Deno.test("examples: each port prints what its Python original prints", async (t) => {
  await report(t, await runAll(examples), ".ts");
});

Deno.test({
  name: "examples: each Python original prints the expected output",
  ignore: !(await hasPython()),
  fn: async (t) => {
    await report(t, await runAll(examples, { python: true }), ".py");
  },
});

Deno.test("examples: the gallery holds the chapter's examples", () => {
  const files = examples.map((e) => e.file);
  for (
    const name of [
      "threading_event.ts",
      "threading_condition.ts",
      "threading_barrier.ts",
      "threading_local.ts",
      "threading_periodic_timer.ts",
      "threading_worker_pool.ts",
      "threading_serializer.ts",
      "threading_external_interfacing.ts",
      "queue_eafp_lbyl.ts",
      "make_dict_threads.ts",
      "make_dict_manager.ts",
      "make_dict_pool.ts",
      "make_dict_thread_pool.ts",
      "make_dict_process_pool_executor.ts",
      "make_dict_as_completed.ts",
      "mp_array.ts",
      "mp_value_array.ts",
      "mp_manager_list.ts",
      "mp_pipe.ts",
      "subprocess_run.ts",
      "subprocess_pipeline.ts",
      "subprocess_communicate_timeout.ts",
      "os_system.ts",
      "os_spawnv_waitpid.ts",
      "mmap_file.ts",
      "mmap_ipc.ts",
    ]
  ) assert.ok(files.includes(name), `missing example ${name}`);
  assert.ok(!files.includes("demo.ts"), "the demo is no gallery example");
});

const sample = (text: string): Example =>
  parseExample(
    "x.ts",
    `/* Title line\n\n\`\`\`python\nprint(1)\n\`\`\`\n\n${text}*/\n`,
  );

Deno.test("examples: the checker reads the opening comment", () => {
  const ex = sample("```output\na\nb\n```\n\n```output any order\nc\nd\n```\n");
  assert.equal(ex.title, "Title line");
  assert.equal(ex.python, "print(1)\n");
  assert.deepEqual(ex.output, [
    { anyOrder: false, lines: ["a", "b"] },
    { anyOrder: true, lines: ["c", "d"] },
  ]);
  assert.throws(() => parseExample("y.ts", "const x = 1;"), /no opening/);
  assert.throws(
    () => parseExample("y.ts", "/* t\n```output\na\n```\n*/"),
    /no python block/,
  );
  assert.throws(
    () => parseExample("y.ts", "/* t\n```python\np\n```\n*/"),
    /no output block/,
  );
});

Deno.test("examples: the checker compares in order, in any order, with placeholders", () => {
  const ex = sample(
    "```output\nfirst «int»\n```\n```output any order\nx («int») at «time»\ny\n```\n```output\nlast\n```\n",
  );
  assert.equal(
    compare("first 12\ny\nx (3) at 23:01:02\nlast\n", ex.output),
    null,
  );
  assert.equal(
    compare("first 12\nx (3) at 23:01:02\ny\nlast\n", ex.output),
    null,
  );
  // A line out of its block, a wrong line, a missing or extra line all fail.
  assert.match(
    compare("y\nfirst 12\nx (3) at 23:01:02\nlast\n", ex.output)!,
    /line 1/,
  );
  assert.match(
    compare("first 12\ny\nx (3) at noon\nlast\n", ex.output)!,
    /any order/,
  );
  assert.match(
    compare("first 12\ny\nlast\n", ex.output)!,
    /expected 4 lines, got 3/,
  );
  assert.match(
    compare("first a\ny\nx (3) at 23:01:02\nlast\n", ex.output)!,
    /line 1/,
  );
  // Any order is one line for one pattern: two lines cannot share a pattern.
  const twice = sample("```output any order\nrun «int»\nrun 1\n```\n");
  assert.equal(compare("run 1\nrun 2\n", twice.output), null);
  assert.equal(compare("run 2\nrun 1\n", twice.output), null);
  assert.notEqual(compare("run 2\nrun 3\n", twice.output), null);
});

Deno.test("examples: an example awaiting a module is found out by importing it", async () => {
  AWAITING["x_test_only.ts"] = [
    { module: "threading", name: "Thread" },
    { module: "threading", name: "NoSuchExport" },
    { module: "no_such_module", name: "Anything" },
  ];
  try {
    assert.deepEqual(await missingExports("x_test_only.ts"), [
      "threading.NoSuchExport",
      "no_such_module.Anything",
    ]);
    assert.deepEqual(await missingExports("threading_local.ts"), []);
  } finally {
    delete AWAITING["x_test_only.ts"];
  }
});
