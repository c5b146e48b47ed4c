/**
 * Who is calling: the process id and the thread ident that lock owners are
 * recorded as, so that the same RLock code is right across threads and
 * processes.
 *
 * @module
 */

/** The main thread's ident in every process. */
export const MAIN_IDENT = 1;

let ident = MAIN_IDENT;

/** This process's id. */
export const pid: number = Deno.pid;

/** The ident of the thread running now in this Worker (or the main thread). */
export function currentIdent(): number {
  return ident;
}

/** Set by the thread runtime when a Worker starts running a thread. */
export function setCurrentIdent(value: number): void {
  ident = value;
}
