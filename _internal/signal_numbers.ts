/**
 * The two signals a process's exit procedure and its launcher send, apart
 * from the signal table (signal_table.ts re-exports them): a child process
 * loads these, not the table of every name (two modules less at start).
 *
 * @module
 */

/** The signal `kill()` sends. */
export const SIGKILL = 9;
/** The signal `terminate()` sends. */
export const SIGTERM = 15;
