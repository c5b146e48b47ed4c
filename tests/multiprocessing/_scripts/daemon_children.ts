// A daemonic process may not start children (Python's assertion).
import { Process } from "../../../multiprocessing/mod.ts";

export function tryChild(): void {
  try {
    new Process({ target: () => {} }).start();
    console.log("started");
  } catch (e) {
    console.log(`${(e as Error).name}: ${(e as Error).message}`);
  }
}

if (import.meta.main) {
  const p = new Process({
    target: new URL("#tryChild", import.meta.url),
    daemon: true,
  });
  p.start();
  await p.join();
  console.log("exitcode", p.exitcode);
}
