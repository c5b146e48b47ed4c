import assert from "node:assert/strict";
import { PIPE, run } from "../../subprocess/mod.ts";
import { spTest } from "./_helpers.ts";

const mod = new URL("../../subprocess/mod.ts", import.meta.url).href;
const script = `
const sp = await import(${JSON.stringify(mod)});
try {
  const r = sp.runSync(["true"]);
  console.log("ran", r.returncode);
} catch (e) {
  console.log(e.name + ": " + e.message);
}`;

/** Runs the script above under Deno with the given permission flags. */
async function under(...flags: string[]): Promise<string> {
  const r = await run(
    [Deno.execPath(), "run", "--no-prompt", ...flags, "-"],
    { input: script, stdout: PIPE, stderr: PIPE, text: true },
  );
  assert.equal(r.stderr, "");
  return r.stdout!.trim();
}

spTest("without --allow-ffi, subprocess says which flag it needs", async () => {
  const out = await under("--allow-read", "--allow-run");
  assert.match(out, /^PermissionError: .*--allow-ffi/);
});

spTest(
  "--allow-run limits which programs run, as Deno.Command's flag does",
  async () => {
    assert.equal(
      await under("--allow-read", "--allow-ffi", "--allow-run=true"),
      "ran 0",
    );
    assert.equal(
      await under("--allow-read", "--allow-ffi", "--allow-run=false"),
      'PermissionError: Requires run access to "true", run again with the --allow-run flag',
    );
    assert.equal(
      await under("--allow-read", "--allow-ffi"),
      'PermissionError: Requires run access to "true", run again with the --allow-run flag',
    );
  },
);
