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
import { libc } from "../ffi/libc.ts";
import { closeFd, dupHigh, exitNow, pidfdOpen, pollAsync } from "./os.ts";
import { R, RecordState } from "./record_layout.ts";
// Static imports: these loaded after the heap was mapped while mapping it
// made V8 collect garbage (cheapest with little loaded); it no longer does
// (the heap maps views of the part in use only: see ShmSegment.prefix).
import { ProcessTable } from "./table.ts";
import { runExitProcedure } from "./exit.ts";
// The child runner, not the Process class: what starting processes takes
// (the launcher, the encoder, a quarter of the modules) loads only if the
// target needs it (see child.ts).
import { joinNonDaemonThreads, reportChildError, runChild } from "./child.ts";
// Shareable classes load as this process meets them (a third of a cold
// start went to loading them all up front).
import {
  allShareablesLoaded,
  loadShareablesOnDemand,
} from "../shareable_modules.ts";

const [
  heapName,
  recordArg,
  ppidArg,
  trackerArg,
  spawnedBy,
  lifelineArg,
  modulesArg,
] = Deno.args;
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
/** Whether the kernel's parent-death signal is set. */
const deathSignal = shouldDie() && byMainThread;
if (deathSignal) libc().prctl(PR_SET_PDEATHSIG, 9n, 0n, 0n, 0n);
let parentFd = pidfdOpen(ppid);
// Deno.ppid is getppid() (live, no permission): one FFI symbol less to bind.
if (parentFd >= 0 && Deno.ppid !== ppid) {
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

// bootstrap_eager.ts loaded them all (this process may not read the files).
const eager = allShareablesLoaded();
const onDemand = !eager && loadShareablesOnDemand();
// Not a literal: Deno reads and analyses the graph of a literal dynamic
// import at start-up, even one never run (≈ 15 ms for this one).
const EVERY_SHAREABLE = new URL("../shareables.ts", import.meta.url).href;
// What only a spare loads (not literals either: see above).
const MODULE_PRELOAD = new URL("./module_preload.ts", import.meta.url).href;
const PROCESS_MODULE = new URL(
  "../../multiprocessing/process.ts",
  import.meta.url,
).href;
type ModulePreload = typeof import("./module_preload.ts");
type ProcessModule = typeof import("../../multiprocessing/process.ts");
if (!eager && !onDemand) await import(EVERY_SHAREABLE);

// The tracker's pipe and the lifeline: keep them away from the descriptors
// user code might use, and out of processes it starts.
const trackerIn = Number(trackerArg);
if (trackerIn >= 0) {
  const fd = dupHigh(trackerIn, 10);
  closeFd(trackerIn);
  ProcessTable.get().setTrackerFd(fd);
}
const lifelineIn = Number(lifelineArg);
const lifeline = dupHigh(lifelineIn, 10);
closeFd(lifelineIn);

/**
 * Ends this process as Python's children end (`os._exit`): the exit
 * procedure, then the exit code reported on the lifeline (the parent's
 * `join()` returns at once), then `_exit`.
 */
function finish(code: number): never {
  runExitProcedure();
  const report = new Int32Array([code]);
  libc().write(lifeline, new Uint8Array(report.buffer), 4n);
  exitNow(code);
}

/**
 * Whether a start picked this spare already: what it would load ahead
 * from then on only delays the assignment (starts that come faster than
 * spares boot find theirs still booting), so it is skipped.
 */
const picked = () => w.load(R.STATE) === RecordState.ASSIGNED;
if (!picked()) { // a spare
  // First the library's own recent targets (a manager's server: what
  // back-to-back starts run), then every shareable class, as a warm start
  // had them, then the other recent target modules, then the warm-up
  // (after the loads: it leaves time for what a load leaves to do, which
  // would otherwise fall into the start that wakes this spare).
  let library: string[] = [];
  let others: string[] = [];
  let loadAhead: (urls: string[], stop: () => boolean) => Promise<void> =
    async () => {};
  try {
    const m = await import(MODULE_PRELOAD) as ModulePreload;
    [library, others] = m.splitLibraryTargets(m.parseModulesArg(modulesArg));
    loadAhead = m.loadAhead;
  } catch { /* nothing loaded ahead: the targets' imports load them */ }
  await loadAhead(library, picked);
  if (onDemand && !picked()) {
    try {
      await import(EVERY_SHAREABLE);
    } catch { /* loaded on demand */ }
  }
  await loadAhead(others, picked);
  if (!picked()) {
    try {
      // The Process class too, as a warm start had it.
      await (await import(PROCESS_MODULE) as ProcessModule).warmUp();
    } catch { /* not warmed up: the start compiles what it runs */ }
  }
}
if (
  w.compareExchange(R.STATE, RecordState.BOOTING, RecordState.IDLE) ===
    RecordState.BOOTING
) {
  w.notify(R.STATE, Infinity); // spareReady() waits for this
}
while (w.load(R.STATE) !== RecordState.ASSIGNED) {
  // A spare of the parent's main thread has the kernel watch the parent for
  // it: it may block (the fastest wake-up); otherwise its event loop must
  // stay free for the parent watch.
  if (byMainThread) w.wait(R.STATE, RecordState.IDLE, Infinity);
  else await w.waitAsync(R.STATE, RecordState.IDLE, Infinity);
}
assigned.daemon = w.load(R.DAEMON) !== 0;
if (!assigned.daemon) {
  // A spare turned non-daemon (a cold start set no signal: no call).
  if (deathSignal) libc().prctl(PR_SET_PDEATHSIG, 0n, 0n, 0n, 0n);
} else if (!byMainThread) {
  const watcher = new Worker(new URL("./parent_watch.ts", import.meta.url), {
    type: "module",
  });
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
  finish(1);
};
globalThis.addEventListener("error", fail);
globalThis.addEventListener("unhandledrejection", fail);
// Deno.exit(n) in the target ends the process as Python's sys.exit(n)
// does in a child: the exit procedure, exit code n, no unload handlers
// (Python's children run no atexit handlers either).
Deno.exit =
  ((code?: number) => finish(code ?? Deno.exitCode)) as typeof Deno.exit;

const code = await runChild(bytes, parentFd);
await joinNonDaemonThreads();
finish(code);
