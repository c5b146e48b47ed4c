// currentProcess() and parentProcess() seen from a child and a grandchild.
import {
  currentProcess,
  parentProcess,
  Process,
} from "../../../multiprocessing/mod.ts";

const hex = (b: Uint8Array) => [...b].map((x) => x.toString(16)).join("");

export async function report(): Promise<void> {
  const me = currentProcess();
  const parent = parentProcess()!;
  const grandchild = new Process({ target: () => {} });
  grandchild.start();
  await grandchild.join();
  console.log(JSON.stringify({
    name: me.name,
    pid: me.pid,
    ownPid: Deno.pid,
    authkey: hex(me.authkey),
    parentPid: parent.pid,
    parentName: parent.name,
    parentAlive: parent.isAlive(),
    grandchildName: grandchild.name,
    grandchildExit: grandchild.exitcode,
    repr: String(me),
  }));
}

if (import.meta.main) {
  console.log(
    JSON.stringify({ pid: Deno.pid, authkey: hex(currentProcess().authkey) }),
  );
  const p = new Process({ target: new URL("#report", import.meta.url) });
  p.start();
  await p.join();
  if (p.exitcode !== 0) Deno.exit(1);
}
