/**
 * This process as multiprocessing sees it: its identity (name, authkey,
 * identity numbers, daemon flag, parent), which its threads share through
 * the process table, and in a child process what it was started to run.
 *
 * A module of its own, apart from the `Process` class: a child process
 * runs its assignment with this and the child runner (child.ts) only, and
 * loads `multiprocessing/process.ts` (with what starting a process needs:
 * the launcher, the encoder) only if its target does (a cold start loads
 * ≈ a quarter fewer modules).
 *
 * @module
 */

import { ProcessTable } from "./table.ts";
import type { TargetSpec } from "../threads/targets.ts";
import type { ClassRef } from "../threads/class_ref.ts";

/** This process's identity, shared by its threads (the process table holds it). */
export interface Identity {
  name: string;
  authkey: Uint8Array;
  identity: number[];
  daemon: boolean;
  parentPid: number | null;
  parentName: string | null;
}

/** What a child needs to run (encoded into the program's heap). */
export interface Assignment {
  name: string;
  daemon: boolean;
  authkey: Uint8Array;
  identity: number[];
  parentPid: number;
  parentName: string;
  target?: TargetSpec;
  args: unknown[];
  kwargs?: Record<string, unknown>;
  cls?: ClassRef;
  fields?: Record<string, unknown>;
  /** The lazy parts of the library loaded by the parent (to preload). */
  lazy?: string[];
}

let identityCache: Identity | undefined;

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder();

/** This process's identity (the main process's is made on first use). */
export function identity(): Identity {
  if (identityCache !== undefined) return identityCache;
  const table = ProcessTable.get();
  let bytes = table.info();
  if (bytes === undefined) {
    const main: Identity = {
      name: "MainProcess",
      authkey: crypto.getRandomValues(new Uint8Array(32)),
      identity: [],
      daemon: false,
      parentPid: null,
      parentName: null,
    };
    bytes = table.setInfo(identityBytes(main), true);
  }
  const id = JSON.parse(utf8Decoder.decode(bytes));
  identityCache = { ...id, authkey: Uint8Array.from(id.authkey) };
  return identityCache!;
}

/**
 * An identity as the table stores it: JSON (the authkey as an array of
 * bytes). Not the codec: a child stores its identity before its target
 * runs, and the codec's encoder, compiled on its first call, would cost
 * every child that never encodes anything else ≈ 2 ms at start.
 */
function identityBytes(id: Identity): Uint8Array {
  return utf8Encoder.encode(
    JSON.stringify({ ...id, authkey: Array.from(id.authkey) }),
  );
}

/** Stores this process's identity for its threads. */
export function setIdentity(id: Identity): void {
  identityCache = id;
  ProcessTable.get().setInfo(identityBytes(id));
}

let assignment: Assignment | undefined;
let parentFd = -1;

/**
 * Records what this child process runs (the child runner, before the
 * target), and a pidfd of its parent (-1 if none).
 */
export function setAssignment(a: Assignment, parentPidfd: number): void {
  assignment = a;
  parentFd = parentPidfd;
}

/** What this child process was started to run; undefined in the main process. */
export function currentAssignment(): Assignment | undefined {
  return assignment;
}

/** A pidfd of the parent, opened by the child bootstrap (-1 if none). */
export function parentPidfd(): number {
  return parentFd;
}

let daemonMayStart = false;

/**
 * Lets this daemonic process start children anyway: a manager's server
 * (daemonic so that it dies with its parent, where CPython's manager is
 * shut down as its parent exits) runs a Pool. CPython's rule prevents
 * orphans; here a daemonic child dies with its parent even when the parent
 * is killed, so none can be left.
 */
export function allowDaemonChildren(): void {
  daemonMayStart = true;
}

/** Whether this process may start children (Python's rule: not a daemon). */
export function mayStartChildren(): boolean {
  return daemonMayStart || !identity().daemon;
}
