// A deno program not started by our Process (another heap): connects to
// a manager given on the command line, uses a dict, reports whether any
// of its connections moved to shared memory.
import { SyncManager } from "../../../multiprocessing/mod.ts";
import { shmCounters } from "../../../multiprocessing/managers/_shm_layout.ts";
import { Pipe } from "../../../multiprocessing/mod.ts";

const [address, key] = Deno.args;
// A heap of its own, so the comparison of names is what refuses.
const [a, b] = Pipe();
a.close();
b.close();
const m = new SyncManager({
  address: address!,
  authkey: Uint8Array.from(key!.match(/../g)!.map((h) => parseInt(h, 16))),
});
await m.connect();
const d = await m.dict<string, number>();
await d.setItem("unrelated", 41);
d.setItemSync("unrelated", (d.getItemSync("unrelated") as number) + 1);
console.log(JSON.stringify({
  value: await d.getItem("unrelated"),
  upgraded: shmCounters.upgraded,
}));
await m.shutdown();
