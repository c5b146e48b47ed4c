/**
 * A Worker that ends its process when the parent process ends: it blocks
 * in `poll()` on a pidfd of the parent, then sends SIGKILL to its own
 * process. A daemonic child uses it when it cannot use the kernel's
 * parent-death signal (which follows the parent *thread*, and a Worker
 * thread that spawned the child may end before its process does), since
 * its main thread may be blocked in a Sync call when the parent dies.
 *
 * @module
 */

import { libc } from "../ffi/libc.ts";
import { pidfdOpen, pollSync } from "./os.ts";

(globalThis as unknown as { onmessage: (e: MessageEvent<number>) => void })
  .onmessage = (e) => {
    const ppid = e.data;
    const fd = pidfdOpen(ppid);
    if (fd >= 0 && libc().getppid() === ppid) pollSync(fd, Infinity);
    libc().kill(Deno.pid, 9);
  };
