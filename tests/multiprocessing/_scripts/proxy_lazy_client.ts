/**
 * A program that never imports the managers: it loads what every thread
 * loads (`_internal/shareables.ts`), rebuilds a proxy from the record
 * given on stdin (base64 of the codec's bytes), and reports as JSON what
 * happened to its calls: its first Sync call loads the client on the spot,
 * or, where the library's files cannot be read (`--deny-read`), says to
 * load it first.
 */
import "../../../_internal/shareables.ts";
import { decode } from "../../../_internal/codec/decode.ts";
import { proxyImpl } from "../../../multiprocessing/managers/_proxy.ts";
import type { ListProxy } from "../../../multiprocessing/managers/proxies.ts";

const report: Record<string, unknown> = {};
// Nothing of the managers' client was loaded by the shareables.
report.loadedAtStart = proxyImpl.loaded !== undefined;
const text = new TextDecoder().decode(
  await new Response(Deno.stdin.readable)
    .arrayBuffer(),
).trim();
const bytes = Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
const l = decode(bytes) as ListProxy<number>;
try {
  l.appendSync(1);
  report.syncError = null;
} catch (e) {
  report.syncError = `${(e as Error).name}: ${(e as Error).message}`;
}
report.loadedAfterSync = proxyImpl.loaded !== undefined;
await l.append(2); // loads the client
l.appendSync(3); // now works
report.copy = l.copySync();
await l[Symbol.asyncDispose]();
console.log(JSON.stringify(report));
