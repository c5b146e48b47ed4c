// A child reports the permissions it got.
import { Process } from "../../../multiprocessing/mod.ts";

export function report(): void {
  const q = (d: Deno.PermissionDescriptor) =>
    Deno.permissions.querySync(d).state;
  console.log(
    JSON.stringify({
      read: q({ name: "read" }),
      write: q({ name: "write" }),
      net: q({ name: "net" }),
      home: q({ name: "env", variable: "HOME" }),
      path: q({ name: "env", variable: "PATH" }),
      exitcode: 0,
    }).replace(',"exitcode":0}', ""),
  );
}

if (import.meta.main) {
  const p = new Process({ target: new URL("#report", import.meta.url) });
  p.start();
  await p.join();
  console.log(`,"exitcode":${p.exitcode}}`);
}
