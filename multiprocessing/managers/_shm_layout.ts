/**
 * The channel of a manager connection's same-host fast path: after the
 * socket's HMAC handshake and `accept_connection`, a pyconc client whose
 * server shares its cross-process heap moves its requests and replies (the
 * same pickled values) to a pair of byte rings in that heap
 * (`_internal/sync/byte_ring.ts`, the transport of `multiprocessing.Pipe`).
 * A round trip over a Unix socket wakes the other CPU through the kernel
 * twice (≈ 13 µs a syscall on the measured VM); over the rings each side
 * spins a bounded while (`sync/spin.ts`) and then sleeps on a futex. The
 * client's end is `_shm_client.ts`, the server's `_shm_hub.ts`; this file
 * holds what both share: the channel and doorbell blocks' layout, and how
 * a channel is finished and freed.
 *
 * - **Liveness.** The socket stays open and silent: a side that closes
 *   sets its bit in `STATE` first and then closes the socket, so end-of-file
 *   on the socket means the peer is done or dead. The server watches its
 *   socket for that; a client waiting for a reply sleeps in slices and
 *   checks its socket between them, so a killed server fails the call
 *   (EOFError, as on the socket) instead of hanging.
 * - **Freeing.** The client allocates the channel; whichever side finishes
 *   second frees it (`STATE`'s bits, set with one atomic OR), and a side
 *   that saw end-of-file frees it too (the peer set its bit before closing,
 *   or died). A process killed at any instant leaks the channel at worst.
 *
 * @module
 */

import type { Heap } from "../../_internal/sync/heap.ts";
import {
  ByteRing,
  RING_CAP,
  RING_DATA,
  RING_WORDS,
} from "../../_internal/sync/byte_ring.ts";
import type { WaitWords } from "../../_internal/sync/words.ts";
import type { WireConn } from "./_transport.ts";

/** The request (on the socket, after `accept_connection`) that upgrades. */
export const SHM_UPGRADE = "#SHM_UPGRADE";

// The channel block's words.
export const MAGIC = 0;
export const STATE = 1;
export const BELL = 2;
/** Set while the server's handler of the request waits on something (a
 * lock, a queue): the client stops spinning for the reply and sleeps. */
export const PARKED = 3;
export const C2S = 4;
export const S2C = C2S + RING_WORDS;
export const CH_WORDS = S2C + RING_WORDS;
export const CH_MAGIC = 0x4d434853; // "SHCM"

// `STATE`'s bits: which sides have finished.
export const CLIENT_DONE = 1;
export const SERVER_DONE = 2;

// The doorbell block's words.
export const SEQ = 0;
export const SLEEPING = 1;
export const REFS = 2;
export const BELL_MAGIC_AT = 3;
export const BELL_WORDS = 4;
export const BELL_MAGIC = 0x4c4c4542; // "BELL"

/** Bytes per direction: requests and replies are small; a larger one goes
 * in a heap block of its own (byte_ring.ts). */
export const RING_BYTES = 1 << 16;

/** How long a waiting client sleeps before it checks the socket (ms). */
export const SLICE_MS = 100;

/**
 * @internal This process's channel counts (for tests): `client` and
 * `server` ends open now, `upgraded` client ends ever made, `freed`
 * channels this process freed.
 */
export const shmCounters = { client: 0, server: 0, upgraded: 0, freed: 0 };

/** The ring at word `base` of channel words `w`. */
export function ring(h: Heap, w: WaitWords, base: number): ByteRing {
  const data = h.bytes(w.load(base + RING_DATA), w.load(base + RING_CAP));
  return new ByteRing(w, base, data, h);
}

/** Frees a channel: unread big messages, ring data, its bell reference. */
export function freeChannel(h: Heap, ptr: number): void {
  const w = h.words(ptr, CH_WORDS);
  w.store(MAGIC, 0);
  for (const base of [C2S, S2C]) {
    const data = w.load(base + RING_DATA);
    if (data === 0) continue;
    ring(h, w, base).freeUnread();
    h.free(data);
  }
  const bell = w.load(BELL);
  if (bell !== 0) releaseBell(h, bell);
  h.free(ptr);
  shmCounters.freed++;
}

/** Drops one reference to a doorbell; the last frees it. */
export function releaseBell(h: Heap, bell: number): void {
  const b = h.words(bell, BELL_WORDS);
  if (b.add(REFS, -1) === 1) {
    b.store(BELL_MAGIC_AT, 0);
    h.free(bell);
  }
}

/**
 * Marks `side` done; frees the channel if the other side is done too or
 * was seen gone (end-of-file on the socket).
 */
export function finish(
  h: Heap,
  ptr: number,
  side: number,
  peerGone: boolean,
): void {
  const w = h.words(ptr, CH_WORDS);
  let old = w.load(STATE);
  for (;;) {
    if (old & side) return;
    const seen = w.compareExchange(STATE, old, old | side);
    if (seen === old) break;
    old = seen;
  }
  if (peerGone || (old & ~side) !== 0) freeChannel(h, ptr);
}

/** The socket an upgraded connection keeps (for end-of-file). */
export interface Watched extends WireConn {
  pollSync(timeout: number | null): boolean;
  waitBudgetUs?: number;
}

/** Whether `c` is a socket whose end-of-file can be watched. */
export function watchable(c: WireConn): c is Watched {
  return typeof (c as Partial<Watched>).pollSync === "function";
}
