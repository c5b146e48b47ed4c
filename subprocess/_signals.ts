/**
 * Signal numbers of x86_64 Linux, and the names Deno and Python give them.
 *
 * @module
 */

import { ValueError } from "../_internal/errors.ts";

const NUMBERS: Record<string, number> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGILL: 4,
  SIGTRAP: 5,
  SIGABRT: 6,
  SIGIOT: 6,
  SIGBUS: 7,
  SIGFPE: 8,
  SIGKILL: 9,
  SIGUSR1: 10,
  SIGSEGV: 11,
  SIGUSR2: 12,
  SIGPIPE: 13,
  SIGALRM: 14,
  SIGTERM: 15,
  SIGSTKFLT: 16,
  SIGCHLD: 17,
  SIGCONT: 18,
  SIGSTOP: 19,
  SIGTSTP: 20,
  SIGTTIN: 21,
  SIGTTOU: 22,
  SIGURG: 23,
  SIGXCPU: 24,
  SIGXFSZ: 25,
  SIGVTALRM: 26,
  SIGPROF: 27,
  SIGWINCH: 28,
  SIGIO: 29,
  SIGPOLL: 29,
  SIGPWR: 30,
  SIGSYS: 31,
  SIGRTMIN: 34,
  SIGRTMAX: 64,
};

/** Python's `signal.Signals` names, by number (the first name of each). */
const NAMES: Record<number, string> = {};
for (const [name, num] of Object.entries(NUMBERS)) NAMES[num] ??= name;

/** `SIGKILL`, `SIGTERM`: what `kill()` and `terminate()` send. */
export const SIGKILL = 9;
/** The signal `terminate()` sends. */
export const SIGTERM = 15;

/**
 * A signal given as a number or a `Deno.Signal` name, as a number.
 * @throws {ValueError} If the name or number is not a Linux signal.
 */
export function signalNumber(sig: number | Deno.Signal | string): number {
  if (typeof sig === "number") {
    if (!Number.isInteger(sig) || sig < 0 || sig > 64) {
      throw new ValueError(`signal number out of range: ${sig}`);
    }
    return sig;
  }
  const num = NUMBERS[sig];
  if (num === undefined) {
    throw new ValueError(`Unknown signal name: '${sig}'`);
  }
  return num;
}

/** Python's `repr(signal.Signals(n))`, e.g. `<Signals.SIGKILL: 9>`, or null. */
export function signalRepr(num: number): string | null {
  const name = NAMES[num];
  return name === undefined ? null : `<Signals.${name}: ${num}>`;
}
