/**
 * `deno task examples`: runs every example of the gallery and checks what it
 * prints. `--python` runs the Python originals instead (needs `python3`),
 * which checks the expected outputs themselves. Names given as arguments
 * select examples (`deno task examples threading_local`).
 *
 * @module
 */

import { listExamples, runAll } from "./_gallery.ts";

const python = Deno.args.includes("--python");
const names = Deno.args.filter((a) => !a.startsWith("--"));
const examples = (await listExamples()).filter((e) =>
  names.length === 0 || names.some((n) => e.file.startsWith(n))
);
const t0 = performance.now();
const outcomes = await runAll(examples, { python }, (o) => {
  const what = python ? o.example.file.replace(/\.ts$/, ".py") : o.example.file;
  const ms = `${(o.ms / 1000).toFixed(1)}s`;
  if (o.status === "pass") console.log(`ok    ${what} (${ms})`);
  else if (o.status === "skip") console.log(`skip  ${what}: ${o.reason}`);
  else {
    console.log(`FAIL  ${what}: ${o.reason}`);
    console.log(`--- stdout\n${o.stdout}--- stderr\n${o.stderr}---`);
  }
});
const count = (s: string) => outcomes.filter((o) => o.status === s).length;
console.log(
  `\n${count("pass")} passed, ${count("fail")} failed, ${
    count("skip")
  } skipped` +
    ` (${((performance.now() - t0) / 1000).toFixed(1)}s)`,
);
if (count("fail") > 0) Deno.exit(1);
