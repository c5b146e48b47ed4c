/**
 * The resource tracker's client side, as CPython's
 * `multiprocessing.resource_tracker`: a helper process that unlinks the
 * shared memory segments a program created and never unlinked, once every
 * process of the program is gone, however they ended (a crash, `kill()`,
 * SIGKILL of the main process).
 *
 * How it knows: the tracker reads a pipe whose write end every process of
 * the program holds (the main process creates it; each child gets it as a
 * descriptor at spawn). Each process writes `R kind name` when it creates a
 * segment and `U kind name` when it unlinks one (short writes to a pipe are
 * atomic, so processes never interleave). When the last process of the
 * program ends, the kernel closes the last write end, the tracker reads
 * end-of-file, unlinks what is still registered and exits.
 *
 * The tracker runs in its own process group, so a terminal's Ctrl-C (sent
 * to the foreground group) does not end it before the program's processes.
 *
 * @module
 */

import { ProcessTable } from "./table.ts";
import { closeFd, pipe, spawn, writeMessage } from "./os.ts";

/** What a tracked name is. */
export type ResourceKind =
  /** The program's shared heap segment (locks, queues, values live there). */
  | "heap"
  /** A `SharedMemory` segment created by the program. */
  | "shm";

let trackerPid: number | undefined;

/**
 * The tracker's pipe in this process, starting the tracker if this process
 * has none (the main process, on its first tracked resource).
 */
function trackerFd(): number {
  const table = ProcessTable.get();
  const fd = table.trackerFd;
  if (fd >= 0) return fd;
  const [r, w] = pipe();
  let pid: number;
  try {
    pid = spawn([
      Deno.execPath(),
      "run",
      "-q",
      "--no-config",
      "--allow-write=/dev/shm",
      new URL("./tracker_main.ts", import.meta.url).href,
    ], { fds: [[r, 0]], newGroup: true });
  } catch (e) {
    closeFd(w);
    throw e;
  } finally {
    closeFd(r);
  }
  const inForce = table.setTrackerFd(w);
  if (inForce !== w) closeFd(w); // another thread's tracker won; ours sees EOF
  else trackerPid = pid;
  return inForce;
}

/** Registers a name the tracker must unlink if the program leaves it. */
export function register(kind: ResourceKind, name: string): void {
  writeMessage(trackerFd(), `R ${kind} ${name}\n`);
}

/** Tells the tracker a name was unlinked. */
export function unregister(kind: ResourceKind, name: string): void {
  const fd = ProcessTable.get().trackerFd;
  if (fd >= 0) writeMessage(fd, `U ${kind} ${name}\n`);
}

/** The tracker's descriptor, for a child being spawned (starting it if needed). */
export function trackerFdForChild(): number {
  return trackerFd();
}

/** @internal The tracker's pid if this thread started it (tests wait for it). */
export function trackerProcessId(): number | undefined {
  return trackerPid;
}
