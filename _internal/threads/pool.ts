/**
 * The process-wide pool of thread Workers, in the shared heap: one slot per
 * Worker (its state, who created it, the thread it runs) and one inbox word
 * per agent.
 *
 * Any thread can start a thread without asking another thread for help: it
 * claims an idle slot with a compare-and-swap, writes the assignment into
 * the heap and wakes the Worker, which waits on its slot word with
 * `Atomics.waitAsync`. Only when no Worker is idle must one be created (see
 * spawn.ts).
 *
 * Why not one owner for all Workers: in Deno 2.9 a Worker created by
 * another Worker takes ≈ 0.5 s to start (one created by the main thread,
 * ≈ 20 ms), so the main thread creates them, and a thread that finds no idle
 * Worker while the main thread may be busy creates its own.
 *
 * @module
 */

import { heap, Root } from "../sync/heap.ts";
import { HEADER, Tag } from "../sync/object_tags.ts";
import type { WaitWords } from "../sync/words.ts";

/** The most Workers a process can have at once. */
export const MAX_SLOTS = 1024;

/** Slot states. */
export const Slot = {
  /** Never used, or its Worker is gone. */
  EMPTY: 0,
  /** Its Worker is starting; an assignment may already wait in the slot. */
  BOOTING: 1,
  /** Its Worker waits for an assignment. */
  IDLE: 2,
  /** A starter reserved it and is writing the assignment. */
  CLAIMED: 3,
  /** Its Worker runs a thread. */
  RUNNING: 4,
  /** Its Worker was idle too long and is leaving; its creator frees the slot. */
  RETIRING: 5,
} as const;

/** Slot fields (relative to the slot's first word). */
export const S = {
  STATE: 0,
  /** The agent that created the Worker (it sees the Worker die). */
  OWNER: 1,
  /** The Worker's stack size in MiB (0: default). */
  STACK_MB: 2,
  /** The thread's registry entry. */
  ENTRY: 3,
  /** The encoded assignment: heap block and length. */
  REQ_PTR: 4,
  REQ_LEN: 5,
  /** SharedArrayBuffers sent separately (0 if none), and the id they carry. */
  SABS: 6,
  REQ_ID: 7,
  /** This agent's inbox: bumped to make it look at the threads it started. */
  INBOX: 8,
  /** Set to ask this agent (a Worker owner) to create a spare Worker. */
  SPARE: 9,
} as const;

const SLOT_WORDS = 10;
const P = {
  LOCK: HEADER,
  /** Slots ever used (scans stop here). */
  HIGH: HEADER + 1,
  /** Next request id. */
  REQ_SEQ: HEADER + 2,
  /** Slot 0 belongs to the main thread (its inbox); Workers use 1…MAX. */
  SLOTS: HEADER + 6,
} as const;
const POOL_WORDS = P.SLOTS + SLOT_WORDS * (MAX_SLOTS + 1);

/** What a starter hands to a Worker. */
export interface Assignment {
  entry: number;
  bytes: Uint8Array;
  sabs: SharedArrayBuffer[];
  stackMb: number;
}

/** The pool, as seen from one agent. */
export class Pool {
  readonly words: WaitWords;

  private constructor(words: WaitWords) {
    this.words = words;
  }

  static #instance: Pool | undefined;

  /** The process's pool (created on first use). */
  static get(): Pool {
    if (Pool.#instance !== undefined) return Pool.#instance;
    const h = heap();
    let ptr = h.root(Root.POOL);
    if (ptr === 0) {
      const fresh = h.allocObject(Tag.POOL, POOL_WORDS);
      ptr = h.setRoot(Root.POOL, fresh);
      if (ptr !== fresh) h.free(fresh);
    }
    h.checkTag(ptr, Tag.POOL, "the thread pool");
    Pool.#instance = new Pool(h.words(ptr, POOL_WORDS));
    return Pool.#instance;
  }

  /** The index of field `f` of slot `slot`. */
  at(slot: number, f: number): number {
    return P.SLOTS + slot * SLOT_WORDS + f;
  }

  get(slot: number, f: number): number {
    return this.words.load(this.at(slot, f));
  }

  set(slot: number, f: number, v: number): void {
    this.words.store(this.at(slot, f), v);
  }

  /** A fresh request id (pairs an assignment with its SharedArrayBuffers). */
  nextRequestId(): number {
    return this.words.add(P.REQ_SEQ, 1) + 1;
  }

  /** Reserves an empty slot for a new Worker (state BOOTING). */
  reserve(owner: number, stackMb: number): number {
    const w = this.words;
    for (let slot = 1; slot <= MAX_SLOTS; slot++) {
      if (
        w.compareExchange(this.at(slot, S.STATE), Slot.EMPTY, Slot.BOOTING) ===
          Slot.EMPTY
      ) {
        this.set(slot, S.OWNER, owner);
        this.set(slot, S.STACK_MB, stackMb);
        this.set(slot, S.INBOX, 0);
        this.set(slot, S.SPARE, 0);
        for (;;) {
          const high = w.load(P.HIGH);
          if (high >= slot || w.compareExchange(P.HIGH, high, slot) === high) {
            break;
          }
        }
        return slot;
      }
    }
    throw new RangeError(`Cannot start more than ${MAX_SLOTS} thread Workers`);
  }

  /** Claims an idle Worker with the given stack size, or returns 0. */
  claimIdle(stackMb: number): number {
    const w = this.words;
    const high = w.load(P.HIGH);
    for (let slot = 1; slot <= high; slot++) {
      const i = this.at(slot, S.STATE);
      if (
        w.load(i) === Slot.IDLE && this.get(slot, S.STACK_MB) === stackMb &&
        w.compareExchange(i, Slot.IDLE, Slot.CLAIMED) === Slot.IDLE
      ) {
        return slot;
      }
    }
    return 0;
  }

  /** Whether any Worker is idle (informational: decides on spares). */
  anyIdle(): boolean {
    return this.idleCount(1) > 0;
  }

  /** How many Workers are idle, counting up to `limit` (informational). */
  idleCount(limit = Infinity): number {
    const high = this.words.load(P.HIGH);
    let n = 0;
    for (let slot = 1; slot <= high && n < limit; slot++) {
      if (this.get(slot, S.STATE) === Slot.IDLE) n++;
    }
    return n;
  }

  /**
   * Writes an assignment into a claimed (or booting) slot and, for a claimed
   * one, wakes its Worker.
   */
  assign(slot: number, a: Assignment, requestId: number): void {
    const h = heap();
    const block = h.alloc(a.bytes.length, false);
    h.u8.set(a.bytes, block * 16);
    this.set(slot, S.ENTRY, a.entry);
    this.set(slot, S.REQ_PTR, block);
    this.set(slot, S.REQ_LEN, a.bytes.length);
    this.set(slot, S.SABS, a.sabs.length);
    this.set(slot, S.REQ_ID, requestId);
    // A booting Worker finds the assignment when it starts; a claimed one
    // is woken.
    const i = this.at(slot, S.STATE);
    if (
      this.words.compareExchange(i, Slot.CLAIMED, Slot.RUNNING) === Slot.CLAIMED
    ) {
      this.words.notify(i, Infinity);
    }
  }

  /** Bumps an agent's inbox (0: the main thread) and wakes it. */
  poke(agent: number, field: number = S.INBOX): void {
    const i = this.at(agent, field);
    this.words.add(i, 1);
    this.words.notify(i, Infinity);
  }
}
