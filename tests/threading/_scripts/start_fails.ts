// A thread whose Worker cannot be created (a stack the system refuses):
// start() throws Python's RuntimeError and nothing stays registered, so
// the program ends. The same Thread may be started again.
import {
  activeCount,
  enumerate,
  stackSize,
  Thread,
} from "../../../threading/mod.ts";

const out = new Int32Array(new SharedArrayBuffer(4));
const t = new Thread({
  target: (out: Int32Array) => void (out[0] = 7),
  args: [out],
  name: "doomed",
});
stackSize(2 ** 40);
try {
  t.start();
  console.log("started?!");
} catch (e) {
  console.log(`${(e as Error).name}: ${(e as Error).message}`);
}
stackSize(0);
console.log(
  JSON.stringify({
    active: activeCount(),
    listed: enumerate().map((x) => x.name),
    alive: t.isAlive(),
    ident: t.ident,
  }),
);
t.start();
await t.join();
console.log(`restarted: ${out[0]}`);
