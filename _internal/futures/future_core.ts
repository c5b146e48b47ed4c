/**
 * A future's shared state machine, written once for both sides: the owner
 * (the thread that submitted it: cancel, sync waits) and the completers (a
 * pool worker: start, finish; a broken pool: fail).
 *
 * Transitions (all by compare-and-swap on `STATE`):
 *
 * ```
 * PENDING ──start──▶ RUNNING ──claim──▶ COMPLETING ──publish──▶ FINISHED
 *    │  └──────────────claim (a broken pool fails a queued item)──┘
 *    └──cancel──▶ CANCELLED ──start (a worker dequeues it)──▶ CANCELLED_AND_NOTIFIED
 * ```
 *
 * A completer that reaches FINISHED or CANCELLED_AND_NOTIFIED pushes the
 * future to its owner's completion port (once: `PUSHED`), which hands the
 * item's reference over to the port.
 *
 * @module
 */

import type { Heap } from "../sync/heap.ts";
import type { WaitWords } from "../sync/words.ts";
import { RuntimeError } from "../errors.ts";
import { encode } from "../codec/encode.ts";
import { F, FState, Outcome, P } from "./layout.ts";

/** Port words by port pointer (ports live as long as their agent). */
const portWords = new Map<number, WaitWords>();

function portOf(h: Heap, port: number): WaitWords {
  let w = portWords.get(port);
  if (w === undefined) {
    w = h.words(port, P.WORDS);
    portWords.set(port, w);
  }
  return w;
}

/**
 * Python's `set_running_or_notify_cancel`, on the worker side.
 * @returns true if the item must run; false if it was cancelled (its owner
 *   is told: CANCELLED_AND_NOTIFIED, pushed to the port).
 * @throws {RuntimeError} If the future is in another state.
 */
export function startItem(h: Heap, ptr: number, w: WaitWords): boolean {
  const old = w.compareExchange(F.STATE, FState.PENDING, FState.RUNNING);
  if (old === FState.PENDING) return true;
  if (old === FState.CANCELLED && notice(h, ptr, w)) return false;
  throw new RuntimeError("Future in unexpected state");
}

/**
 * Moves a cancelled future to CANCELLED_AND_NOTIFIED and tells its owner.
 * @returns false if it was not (or no longer) cancelled.
 */
export function notice(h: Heap, ptr: number, w: WaitWords): boolean {
  if (
    w.compareExchange(
      F.STATE,
      FState.CANCELLED,
      FState.CANCELLED_AND_NOTIFIED,
    ) !== FState.CANCELLED
  ) {
    return false;
  }
  wakeWaiting(w);
  pushToPort(h, ptr, w);
  return true;
}

/**
 * Claims the right to complete a future that is pending or running.
 * @returns false if someone else completed or cancelled it.
 */
export function claim(w: WaitWords): boolean {
  for (;;) {
    const s = w.load(F.STATE);
    if (s !== FState.RUNNING && s !== FState.PENDING) return false;
    if (w.compareExchange(F.STATE, s, FState.COMPLETING) === s) return true;
  }
}

/**
 * Publishes the outcome of a claimed future: FINISHED, sync waiters woken.
 * @param block The heap block holding the SharedArrayBuffer ids, then the
 *   encoded outcome (0 for none).
 */
export function publish(
  w: WaitWords,
  outcome: number,
  block: number,
  len: number,
  nSabs: number,
): void {
  w.store(F.OUTCOME, outcome);
  w.store(F.RESULT_PTR, block);
  w.store(F.RESULT_LEN, len);
  w.store(F.RESULT_SABS, nSabs);
  w.store(F.STATE, FState.FINISHED);
  wakeWaiting(w);
}

/** Wakes threads blocked on the future's state, if any. */
function wakeWaiting(w: WaitWords): void {
  if (w.load(F.WAITING) !== 0) w.notify(F.STATE, Infinity);
}

/** Copies encoded bytes (after `sabIds`) into a fresh heap block. */
export function storeBytes(
  h: Heap,
  bytes: Uint8Array,
  sabIds: readonly number[] = [],
): number {
  const n = sabIds.length;
  const block = h.alloc(n * 4 + bytes.length, false);
  if (n > 0) {
    const ids = h.int32(block, n);
    for (let i = 0; i < n; i++) ids[i] = sabIds[i]!;
  }
  h.u8.set(bytes, block * 16 + n * 4);
  return block;
}

/**
 * Fails a future that is pending or running with `error` (a broken pool).
 * A cancelled one becomes CANCELLED_AND_NOTIFIED instead. Either way its
 * owner is told through the port.
 *
 * @returns whether this call changed the future.
 */
export function failItem(
  h: Heap,
  ptr: number,
  w: WaitWords,
  error: unknown,
): boolean {
  if (notice(h, ptr, w)) return true;
  const bytes = encode(error).bytes;
  if (!claim(w)) return false;
  publish(w, Outcome.ERROR, storeBytes(h, bytes), bytes.length, 0);
  pushToPort(h, ptr, w);
  return true;
}

/**
 * Hands a completed future to its owner's port (once), with the reference
 * the caller holds for the work item; without a port the reference is
 * dropped.
 * @returns false if it had been pushed already (the caller keeps nothing).
 */
export function pushToPort(h: Heap, ptr: number, w: WaitWords): boolean {
  if (w.exchange(F.PUSHED, 1) !== 0) return false;
  const port = w.load(F.PORT);
  if (port === 0) {
    h.release(ptr);
    return true;
  }
  const p = portOf(h, port);
  let head: number;
  do {
    head = p.load(P.HEAD);
    w.store(F.PORT_NEXT, head);
  } while (p.compareExchange(P.HEAD, head, ptr) !== head);
  // The owner sleeps only on an empty list: only the first push wakes it.
  if (head === 0) p.notify(P.HEAD, Infinity);
  return true;
}
