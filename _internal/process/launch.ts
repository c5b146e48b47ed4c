/**
 * Launching a child process: a `deno run` of the bootstrap module, with the
 * parent's permissions and module flags, handed its assignment through a
 * record in the program's heap.
 *
 * A cold start spawns `deno` (≈ 20 ms until the bootstrap runs). To start
 * faster, the main thread keeps one spare child booted and waiting on its
 * record (Python's forkserver keeps a server process ready for the same
 * reason): `Process.start()` writes the assignment into the spare's record
 * and wakes it, and a new spare is spawned after the caller's synchronous
 * work. A spare also loads the modules of the latest module-reference
 * targets ahead, without running them (see module_preload.ts). The spare
 * is a child like any other: it dies with its parent
 * (it watches the parent's pidfd), and the parent kills it at exit.
 *
 * @module
 */

import { isMainThread } from "../sync/main_thread.ts";
import { shmHeapName } from "../sync/shm_heap.ts";
import { childFlags } from "./flags.ts";
import { closeFd, pidfdOpen, pipe, SIGKILL, signal } from "./os.ts";
import { checkRunPermission, spawn } from "./spawner.ts";
import { programHeap } from "./program_heap.ts";
import { ChildFlag, ProcessTable } from "./table.ts";
import { trackerFdForChild } from "./tracker.ts";
import { newRecord, R, RecordState } from "./record.ts";
import { recentModulesArg } from "./module_preload.ts";

export { R, RecordState };

/** Where a child's descriptor for the tracker goes. */
export const TRACKER_FD_IN_CHILD = 3;
/** Where a child's lifeline (the write end; see table.ts) goes. */
export const LIFELINE_FD_IN_CHILD = 4;

const BOOTSTRAP = new URL("./bootstrap.ts", import.meta.url).href;
/** The bootstrap of a child that may not read the library's files. */
const BOOTSTRAP_EAGER = new URL("./bootstrap_eager.ts", import.meta.url).href;
const LIBRARY_ROOT = new URL("../../", import.meta.url);

/**
 * The child's main module: the bootstrap, which loads library modules as
 * they are needed, where the child may read them (it has this process's
 * permissions); else the one that loads them all up front.
 */
function bootstrapModule(): string {
  if (LIBRARY_ROOT.protocol !== "file:") return BOOTSTRAP_EAGER;
  try {
    const path = decodeURIComponent(LIBRARY_ROOT.pathname);
    const state = Deno.permissions.querySync({ name: "read", path }).state;
    return state === "granted" ? BOOTSTRAP : BOOTSTRAP_EAGER;
  } catch {
    return BOOTSTRAP_EAGER;
  }
}

interface Spare {
  pid: number;
  entry: number;
  record: number;
  key: string;
}

let spare: Spare | undefined;
let sparesWanted = isMainThread;
let spareScheduled = false;

/** A started child. */
export interface Launched {
  pid: number;
  /** The child's entry in the process table (one reference for the caller). */
  entry: number;
}

function spawnChild(
  record: number,
  flags: string[],
  childFlag: number,
): Launched {
  const trackerFd = trackerFdForChild();
  const [lifeIn, lifeOut] = pipe();
  const argv = [
    Deno.execPath(),
    "run",
    ...flags,
    "-q",
    bootstrapModule(),
    shmHeapName(),
    String(record),
    String(Deno.pid),
    String(TRACKER_FD_IN_CHILD),
    // The kernel's parent-death signal follows the spawning thread: the
    // child may use it only if that is the main thread (it ends last).
    isMainThread ? "main" : "worker",
    String(LIFELINE_FD_IN_CHILD),
    // The modules of recent targets: a spare loads them ahead (unevaluated).
    recentModulesArg(),
  ];
  let pid: number;
  try {
    pid = spawn(argv, {
      fds: [[trackerFd, TRACKER_FD_IN_CHILD], [lifeOut, LIFELINE_FD_IN_CHILD]],
    });
  } catch (e) {
    closeFd(lifeIn);
    throw e;
  } finally {
    closeFd(lifeOut); // the child holds the only write end
  }
  const pidfd = pidfdOpen(pid); // a zombie still has a pidfd: never -1 here
  const entry = ProcessTable.get().add(pid, pidfd, lifeIn, childFlag, record);
  return { pid, entry };
}

/**
 * Starts a child that runs the encoded assignment.
 * @param bytes The encoded assignment (copied into the heap).
 * @param daemon Whether the child is daemonic.
 * @throws {PermissionError} Without `--allow-run` (or `--allow-ffi`).
 */
export function launch(bytes: Uint8Array, daemon: boolean): Launched {
  checkRunPermission();
  const h = programHeap();
  const flags = childFlags();
  const key = flags.join("\0");
  const block = h.alloc(bytes.length, false);
  h.u8.set(bytes, block * 16);
  const childFlag = daemon ? ChildFlag.DAEMON : 0;
  const table = ProcessTable.get();
  let launched: Launched | undefined;
  const s = spare;
  spare = undefined;
  if (s !== undefined) {
    if (s.key === key && table.poll(s.entry) === null) {
      const w = h.words(s.record, R.WORDS);
      w.store(R.ASSIGN_PTR, block);
      w.store(R.ASSIGN_LEN, bytes.length);
      w.store(R.DAEMON, daemon ? 1 : 0);
      table.setFlags(s.entry, childFlag);
      w.store(R.STATE, RecordState.ASSIGNED);
      w.notify(R.STATE, 1);
      launched = { pid: s.pid, entry: s.entry };
    } else {
      retire(s);
    }
  }
  if (launched === undefined) {
    const record = newRecord(h);
    const w = h.words(record, R.WORDS);
    w.store(R.ASSIGN_PTR, block);
    w.store(R.ASSIGN_LEN, bytes.length);
    w.store(R.DAEMON, daemon ? 1 : 0);
    w.store(R.STATE, RecordState.ASSIGNED);
    try {
      launched = spawnChild(record, flags, childFlag);
    } catch (e) {
      h.free(block);
      h.release(record);
      throw e;
    }
  }
  if (sparesWanted && !spareScheduled) {
    spareScheduled = true;
    queueMicrotask(() => {
      spareScheduled = false;
      try {
        ensureSpare();
      } catch { /* no spare: the next start is cold */ }
    });
  }
  return launched;
}

/** Kills a spare that can no longer serve (and with `wait`, reaps it). */
function retire(s: Spare, wait = false): void {
  const table = ProcessTable.get();
  signal(s.pid, SIGKILL);
  if (wait) table.waitSync(s.entry, Infinity, true);
  table.release(s.entry); // its record goes when it is reaped
}

/** Spawns a spare child if none is waiting. */
export function ensureSpare(): void {
  if (spare !== undefined) return;
  const h = programHeap();
  const flags = childFlags();
  const record = newRecord(h);
  try {
    const { pid, entry } = spawnChild(record, flags, ChildFlag.SPARE);
    spare = { pid, entry, record, key: flags.join("\0") };
  } catch (e) {
    h.release(record);
    throw e;
  }
}

/**
 * @internal Turns spares on or off (tests, benchmarks). Turning them off
 * kills the waiting spare.
 */
export function useSpares(on: boolean): void {
  sparesWanted = on;
  if (!on && spare !== undefined) {
    const s = spare;
    spare = undefined;
    retire(s, true);
  }
}

/**
 * @internal Waits until the spare has booted and waits for work (for
 * benchmarks that time a warm start).
 * @returns false if there is no spare.
 */
export async function spareReady(): Promise<boolean> {
  if (spare === undefined && sparesWanted) ensureSpare();
  if (spare === undefined) return false;
  const w = programHeap().words(spare.record, R.WORDS);
  while (w.load(R.STATE) === RecordState.BOOTING) {
    await w.waitAsync(R.STATE, RecordState.BOOTING, 10_000);
  }
  return true;
}

/** @internal The spare's pid, if one is waiting (tests exclude it from leak checks). */
export function spareProcessId(): number | undefined {
  return spare?.pid;
}
