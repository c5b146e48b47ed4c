import assert from "node:assert/strict";
import { Thread } from "../../threading/mod.ts";
import { children, openFds } from "./_helpers.ts";

Deno.test("runSync works inside a thread and reports through shared memory", async () => {
  // Workers open descriptors of their own (and the pool starts spare ones),
  // so only this module's kinds of descriptor are compared here; the main
  // thread's suites check every descriptor.
  const ours = () => [...openFds()].filter((fd) => fd.includes("pidfd")).length;
  const before = ours();
  const result = new Int32Array(new SharedArrayBuffer(8));
  const target = async (url: string, result: Int32Array) => {
    const sp = await import(url);
    const r = sp.runSync(["sh", "-c", "printf 42; exit 3"], {
      captureOutput: true,
      text: true,
    });
    result[0] = Number(r.stdout);
    result[1] = r.returncode;
  };
  const url = new URL("../../subprocess/mod.ts", import.meta.url).href;
  const t = new Thread({ target, args: [url, result] });
  t.start();
  await t.join();
  assert.deepEqual([...result], [42, 3]);
  assert.equal(ours(), before);
  assert.deepEqual(children(), []);
});

Deno.test("run() and Popen.wait() work inside a thread", async () => {
  const result = new Int32Array(new SharedArrayBuffer(8));
  const target = async (url: string, result: Int32Array) => {
    const sp = await import(url);
    const r = await sp.run(["sh", "-c", "exit 4"]);
    const p = new sp.Popen(["sleep", "30"]);
    p.terminate();
    result[0] = r.returncode;
    result[1] = await p.wait();
  };
  const url = new URL("../../subprocess/mod.ts", import.meta.url).href;
  const t = new Thread({ target, args: [url, result] });
  t.start();
  await t.join();
  assert.deepEqual([...result], [4, -15]);
  assert.deepEqual(children(), []);
});
