/**
 * The eventfd that restarts a poll loop's running `poll` (the subprocess
 * reactor's and the sockets' poller): one helper for opening, signalling
 * and draining it, so both loops wake the same way.
 *
 * @module
 */

import { libc } from "./libc.ts";

const EFD_CLOEXEC = 0o2000000;
const EFD_NONBLOCK = 0o4000;
const ONE = new Uint8Array(new BigUint64Array([1n]).buffer);
const SCRATCH = new Uint8Array(8);

/** Opens a close-on-exec, nonblocking eventfd. */
export function openWakeFd(): number {
  return libc().eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
}

/** Makes a `poll` that watches `fd` return (nothing if `fd` is -1). */
export function signalWakeFd(fd: number): void {
  if (fd >= 0) libc().write(fd, ONE, 8n);
}

/** Resets the counter after a `poll` saw `fd` readable. */
export function drainWakeFd(fd: number): void {
  libc().read(fd, SCRATCH, 8n);
}
