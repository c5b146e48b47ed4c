/**
 * The main module of a child process: `deno run … bootstrap.ts HEAP RECORD
 * PPID TRACKER_FD`. It attaches the program's heap, watches its parent,
 * waits for its assignment (at once for a cold start; a spare waits until
 * a `Process.start()` picks it), runs it, and ends as Python's children
 * end: non-daemon threads joined, daemonic children terminated and the
 * others joined, then `_exit` with the exit code.
 *
 * @module
 */

import { installShmHeap } from "../sync/shm_heap.ts";
import { Worker } from "node:worker_threads";
import { libc } from "../ffi/libc.ts";
import { closeFd, dupHigh, exitNow, pidfdOpen, pollAsync } from "./os.ts";
import { ProcessTable } from "./table.ts";
import { R, RecordState } from "./launch.ts";
import { installExitProcedure, runExitProcedure } from "./exit.ts";
import {
  joinNonDaemonThreads,
  reportChildError,
  runChild,
} from "../../multiprocessing/process.ts";

const [heapName, recordArg, ppidArg, trackerArg, spawnedBy] = Deno.args;
const ppid = Number(ppidArg);

// The parent: a daemonic child (and a spare) dies with it, even if it is
// killed, and even while its main thread is blocked in a Sync call. Two
// mechanisms: the kernel's parent-death signal when the main thread of the
// parent spawned this process (it ends only with its process); otherwise a
// watcher Worker blocked on a pidfd of the parent. A pidfd opened before
// the parent died refers to it for good; if it died before, this process
// was re-parented, and getppid() tells.
const h = installShmHeap(heapName!);
const record = Number(recordArg);
const w = h.words(record, R.WORDS);
const PR_SET_PDEATHSIG = 1;
const byMainThread = spawnedBy === "main";
/** Whether to die with the parent: decided by the record until it is read. */
const shouldDie = () =>
  w.load(R.STATE) !== RecordState.ASSIGNED || w.load(R.DAEMON) !== 0;
if (shouldDie() && byMainThread) {
  libc().prctl(PR_SET_PDEATHSIG, 9n, 0n, 0n, 0n);
}
let parentFd = pidfdOpen(ppid);
if (parentFd >= 0 && libc().getppid() !== ppid) {
  closeFd(parentFd);
  parentFd = -1;
}
if (parentFd < 0 && shouldDie()) exitNow(1);
const assigned: { daemon?: boolean } = {};
if (parentFd >= 0) {
  // While this process waits for its assignment, its event loop is free.
  pollAsync(parentFd, Infinity).then(() => {
    if (assigned.daemon ?? shouldDie()) libc().kill(Deno.pid, 9);
  });
}

// The tracker's pipe: keep it away from the descriptors user code might
// use, and out of processes started with Deno.Command.
const trackerIn = Number(trackerArg);
if (trackerIn >= 0) {
  const fd = dupHigh(trackerIn, 10);
  closeFd(trackerIn);
  ProcessTable.get().setTrackerFd(fd);
}

if (
  w.compareExchange(R.STATE, RecordState.BOOTING, RecordState.IDLE) ===
    RecordState.BOOTING
) {
  w.notify(R.STATE, Infinity); // spareReady() waits for this
}
while (w.load(R.STATE) !== RecordState.ASSIGNED) {
  await w.waitAsync(R.STATE, RecordState.IDLE, Infinity);
}
assigned.daemon = w.load(R.DAEMON) !== 0;
if (!assigned.daemon) {
  libc().prctl(PR_SET_PDEATHSIG, 0n, 0n, 0n, 0n); // a spare turned non-daemon
} else if (!byMainThread) {
  const watcher = new Worker(new URL("./parent_watch.ts", import.meta.url));
  watcher.unref();
  watcher.postMessage(ppid);
}
const block = w.load(R.ASSIGN_PTR);
const bytes = h.bytes(block, w.load(R.ASSIGN_LEN)).slice();
h.free(block);
// The parent owns the record; it lists the handles this process holds.
ProcessTable.get().selfRecord = record;

// Uncaught errors outside the target end the process as Python's do: the
// stack after `Process NAME:`, exit code 1, after the exit procedure.
const fail = (e: Event & { error?: unknown; reason?: unknown }) => {
  e.preventDefault();
  reportChildError(e.error ?? e.reason);
  runExitProcedure();
  exitNow(1);
};
globalThis.addEventListener("error", fail);
globalThis.addEventListener("unhandledrejection", fail);
// Deno.exit() in the target runs the exit procedure too (Python's sys.exit).
installExitProcedure();

const code = await runChild(bytes, parentFd);
await joinNonDaemonThreads();
runExitProcedure();
exitNow(code);
