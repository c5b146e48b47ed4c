/**
 * Linux (x86_64) signal numbers and names, both ways.
 *
 * The library accepts signals as numbers or as `Deno.Signal` names, and
 * libc's wait statuses carry numbers while `Deno.CommandStatus` carries names.
 *
 * @module
 */

import { describe } from "./args.ts";
import { ValueError } from "./errors.ts";

/** Signal name to number (aliases included). */
export const SIGNALS: Readonly<Record<string, number>> = Object.freeze({
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
  SIGUNUSED: 31,
  SIGRTMIN: 34,
  SIGRTMAX: 64,
});

/** The highest signal number Linux accepts (`SIGRTMAX`). */
export const SIGRTMAX = 64;

export { SIGKILL, SIGTERM } from "./signal_numbers.ts";

/** Python's `signal.Signals` names, by number (the first name of each). */
const NAMES: Record<number, string> = {};
for (const [name, num] of Object.entries(SIGNALS)) NAMES[num] ??= name;

/**
 * A signal given as a number or a `Deno.Signal` name, as a number.
 *
 * @param sig The signal.
 * @param argName The argument's name, for the error message.
 * @throws {TypeError} If `sig` is neither an integer nor a string.
 * @throws {ValueError} If `sig` names no Linux signal.
 */
export function signalNumber(
  sig: number | Deno.Signal | string,
  argName = "sig",
): number {
  if (typeof sig === "string") {
    const n = SIGNALS[sig];
    if (n === undefined) {
      throw new ValueError(`Unknown signal name for ${argName}: "${sig}"`);
    }
    return n;
  }
  if (typeof sig !== "number" || !Number.isInteger(sig)) {
    throw new TypeError(
      `${argName} must be a signal number or name, not ${describe(sig)}`,
    );
  }
  return sig;
}

/**
 * A signal number as a `Deno.Signal` name, or undefined if it has none.
 *
 * @param n The signal number.
 */
export function signalName(n: number): Deno.Signal | undefined {
  return NAMES[n] as Deno.Signal | undefined;
}

/** Python's `repr(signal.Signals(n))`, e.g. `<Signals.SIGKILL: 9>`, or null. */
export function signalRepr(n: number): string | null {
  const name = NAMES[n];
  return name === undefined ? null : `<Signals.${name}: ${n}>`;
}
