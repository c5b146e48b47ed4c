/**
 * A program whose Thread starts before anything of the managers is used
 * (so the thread is not told to load their client), then receives a proxy
 * (the record given on stdin, base64 of the codec's bytes) through a
 * queue.Queue and calls it with a Sync method at once: the client loads
 * on the spot in that thread. Prints JSON.
 */
import { Thread } from "../../../threading/mod.ts";
import { Queue } from "../../../queue/mod.ts";
import { decode } from "../../../_internal/codec/decode.ts";
import { lazyModulesInUse } from "../../../_internal/lazy.ts";

const q = new Queue<unknown>();
const out = new Queue<unknown>();
const t = new Thread({
  target: async (
    q: { getSync(): unknown },
    out: { putSync(v: unknown): void },
    lazyModule: string,
  ) => {
    const { proxyImpl } = await import(lazyModule);
    const l = q.getSync() as {
      appendSync(v: number): void;
      copySync(): number[];
    };
    const loadedBefore = proxyImpl.loaded !== undefined;
    let error = null;
    try {
      l.appendSync(1);
    } catch (e) {
      error = String(e);
    }
    out.putSync({ loadedBefore, error, copy: l.copySync() });
  },
  args: [
    q,
    out,
    new URL("../../../multiprocessing/managers/_proxy.ts", import.meta.url)
      .href,
  ],
});
const lazyAtStart = lazyModulesInUse();
t.start();
const text = new TextDecoder().decode(
  await new Response(Deno.stdin.readable).arrayBuffer(),
).trim();
await q.put(decode(Uint8Array.from(atob(text), (c) => c.charCodeAt(0))));
await t.join();
const report = out.getNowait() as Record<string, unknown>; // Empty: it failed
console.log(JSON.stringify({ lazyAtStart, ...report }));
