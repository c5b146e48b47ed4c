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
 * end-of-file, unlinks what is still registered and exits. Names are
 * percent-encoded on the line: a segment name may hold any byte but "/"
 * and NUL, and a newline in one must not read as another command.
 *
 * The tracker runs in its own process group, so a terminal's Ctrl-C (sent
 * to the foreground group) does not end it before the program's processes,
 * and it is detached (not a child of the main process; CPython's is).
 *
 * @module
 */

import { ProcessTable } from "./table.ts";
import {
  closeFd,
  pidfdOpen,
  pipe,
  pollSync,
  reap,
  writeMessage,
} from "./os.ts";
import { spawn } from "./spawner.ts";
import { libc } from "../ffi/libc.ts";

/** What a tracked name is. */
export type ResourceKind =
  /** The program's shared heap segment (locks, queues, values live there). */
  | "heap"
  /** A `SharedMemory` segment created by the program. */
  | "shm";

let trackerPid: number | undefined;

const F_SETPIPE_SZ = 1031;

/**
 * The tracker's pipe in this process, starting the tracker if this process
 * has none (the main process, on its first tracked resource).
 */
function trackerFd(): number {
  const table = ProcessTable.get();
  const fd = table.trackerFd;
  if (fd >= 0) return fd;
  const [r, w] = pipe();
  // Room for ≈ 30k messages between the tracker's batches (see tracker_main).
  libc().fcntl(w, F_SETPIPE_SZ, 1n << 20n);
  let pid: number;
  try {
    pid = startTracker(r);
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

/**
 * Starts the tracker reading `r`, detached: a shell starts it in the
 * background and exits, so the tracker is not this process's child (a
 * program's "no child left" checks, and `waitpid(-1)` loops, never see
 * it) and outlives this process however it ends.
 * @returns the tracker's pid.
 */
function startTracker(r: number): number {
  const argv = [
    Deno.execPath(),
    "run",
    "-q",
    "--no-config",
    "--allow-write=/dev/shm",
    new URL("./tracker_main.ts", import.meta.url).href,
  ];
  const [pidIn, pidOut] = pipe();
  let sh: number;
  try {
    sh = spawn(
      ["/bin/sh", "-c", '"$@" <&3 3<&- 4>&- & echo $! >&4', "sh", ...argv],
      { fds: [[r, 3], [pidOut, 4]], newGroup: true },
    );
  } catch {
    // No shell: the tracker is a child, as CPython's.
    closeFd(pidIn);
    closeFd(pidOut);
    return spawn(argv, { fds: [[r, 0]], newGroup: true });
  }
  closeFd(pidOut);
  let text = "";
  try {
    const buf = new Uint8Array(32);
    for (;;) {
      const n = Number(libc().read(pidIn, buf, 32n));
      if (n <= 0) break;
      text += new TextDecoder().decode(buf.subarray(0, n));
    }
  } finally {
    closeFd(pidIn);
  }
  const fd = pidfdOpen(sh); // reap the shell (it exits at once)
  if (fd >= 0) {
    pollSync(fd, Infinity);
    closeFd(fd);
  }
  reap(sh);
  return Number(text.trim());
}

/** Registers a name the tracker must unlink if the program leaves it. */
export function register(kind: ResourceKind, name: string): void {
  writeMessage(trackerFd(), `R ${kind} ${encodeURIComponent(name)}\n`);
}

/** Tells the tracker a name was unlinked. */
export function unregister(kind: ResourceKind, name: string): void {
  const fd = ProcessTable.get().trackerFd;
  if (fd >= 0) writeMessage(fd, `U ${kind} ${encodeURIComponent(name)}\n`);
}

/** The tracker's descriptor, for a child being spawned (starting it if needed). */
export function trackerFdForChild(): number {
  return trackerFd();
}

/** @internal The tracker's pid if this thread started it (tests wait for it). */
export function trackerProcessId(): number | undefined {
  return trackerPid;
}
