/**
 * The process-wide thread registry, in the shared heap: every thread's entry
 * (ident, state, daemon flag, native id, name, pending exception), a list of
 * the live ones, and the counters `activeCount` and the exit rule read.
 *
 * Any thread of the process reads it directly, so `enumerate()`,
 * `activeCount()` and `currentThread()` are right from every Worker, for
 * threads started by any other.
 *
 * @module
 */

import { type Heap, heap, registerDestructor, Root } from "../sync/heap.ts";
import { HEADER, Tag } from "../sync/object_tags.ts";
import { LockCore } from "../sync/lock_core.ts";
import type { WaitWords } from "../sync/words.ts";
import { MAIN_IDENT } from "../sync/identity.ts";

/** Registry fields. */
const R = {
  LOCK: HEADER,
  HEAD: HEADER + 1,
  NEXT_IDENT: HEADER + 2,
  /** Live threads, the main thread included. */
  LIVE: HEADER + 3,
  /** Live non-daemon threads, the main thread excluded: the process waits for them. */
  NON_DAEMON: HEADER + 4,
  MAIN: HEADER + 5,
  /** Python's `_counter` for default names (`Thread-N`). */
  NAME_COUNTER: HEADER + 6,
  WORDS: HEADER + 7,
} as const;

/** Entry fields. */
export const E = {
  IDENT: HEADER,
  /** {@linkcode State}; joiners wait on this word. */
  STATE: HEADER + 1,
  FLAGS: HEADER + 2,
  NATIVE_ID: HEADER + 3,
  NEXT: HEADER + 4,
  PREV: HEADER + 5,
  NAME_PTR: HEADER + 6,
  NAME_LEN: HEADER + 7,
  /** {@linkcode Exc}. */
  EXC_STATE: HEADER + 8,
  EXC_PTR: HEADER + 9,
  EXC_LEN: HEADER + 10,
  /** The agent (Worker) whose excepthook gets this thread's exception. */
  STARTER: HEADER + 11,
  WORDS: HEADER + 12,
} as const;

/** Thread states (entry word `STATE`). */
export const State = { INITIAL: 0, STARTED: 1, STOPPED: 2 } as const;

/** Entry flags. */
export const Flag = { DAEMON: 1, MAIN: 2 } as const;

/** Exception report states (entry word `EXC_STATE`). */
export const Exc = { NONE: 0, PENDING: 1, REPORTED: 2 } as const;

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder();

/** The registry of this process. */
export class Registry {
  readonly #h: Heap;
  readonly #w: WaitWords;
  readonly #lock: LockCore;

  private constructor(h: Heap, ptr: number) {
    this.#h = h;
    this.#w = h.words(ptr, R.WORDS);
    this.#lock = new LockCore(this.#w, R.LOCK);
  }

  static #instance: Registry | undefined;

  /** The registry, created with the main thread's entry on first use. */
  static get(): Registry {
    if (Registry.#instance !== undefined) return Registry.#instance;
    const h = heap();
    let ptr = h.root(Root.REGISTRY);
    if (ptr === 0) {
      const fresh = h.allocObject(Tag.REGISTRY, R.WORDS);
      ptr = h.setRoot(Root.REGISTRY, fresh);
      if (ptr !== fresh) h.free(fresh);
    }
    h.checkTag(ptr, Tag.REGISTRY, "the thread registry");
    const reg = new Registry(h, ptr);
    reg.#ensureMain();
    Registry.#instance = reg;
    return reg;
  }

  #ensureMain(): void {
    if (this.#w.load(R.MAIN) !== 0) return;
    this.#lock.enter();
    try {
      if (this.#w.load(R.MAIN) !== 0) return;
      this.#w.store(R.NEXT_IDENT, MAIN_IDENT + 1);
      const main = this.newEntry("MainThread", false, 0);
      const e = this.entry(main);
      e.store(E.FLAGS, Flag.MAIN);
      e.store(E.NATIVE_ID, Deno.pid);
      e.store(E.IDENT, MAIN_IDENT);
      e.store(E.STATE, State.STARTED);
      this.#link(main);
      this.#w.add(R.LIVE, 1);
      this.#w.store(R.MAIN, main);
    } finally {
      this.#lock.release();
    }
  }

  /** The words of the registry itself (the exit rule waits on NON_DAEMON). */
  get words(): WaitWords {
    return this.#w;
  }

  /** Index of the live non-daemon counter in {@linkcode Registry.words}. */
  static readonly NON_DAEMON: number = R.NON_DAEMON;

  /** The main thread's entry. */
  get main(): number {
    return this.#w.load(R.MAIN);
  }

  /** The words of an entry. */
  entry(ptr: number): WaitWords {
    return this.#h.words(ptr, E.WORDS);
  }

  /**
   * Creates an entry for a thread that is not started yet; the caller holds
   * its one reference.
   */
  newEntry(name: string, daemon: boolean, starter: number): number {
    const ptr = this.#h.allocObject(Tag.THREAD, E.WORDS);
    const e = this.entry(ptr);
    e.store(E.FLAGS, daemon ? Flag.DAEMON : 0);
    e.store(E.STARTER, starter);
    this.#writeName(e, name); // not visible to other threads yet: no lock
    return ptr;
  }

  /** Python's `_newname`: the next number of the process-wide name counter. */
  nextNameNumber(): number {
    return this.#w.add(R.NAME_COUNTER, 1) + 1;
  }

  /** Marks a thread started: gives it an ident and counts it as live. */
  start(ptr: number): number {
    const e = this.entry(ptr);
    this.#lock.enter();
    try {
      const ident = this.#w.add(R.NEXT_IDENT, 1);
      e.store(E.IDENT, ident);
      e.store(E.STATE, State.STARTED);
      this.#h.retain(ptr); // the live list's reference
      this.#link(ptr);
      this.#w.add(R.LIVE, 1);
      if (!(e.load(E.FLAGS) & Flag.DAEMON)) this.#w.add(R.NON_DAEMON, 1);
      return ident;
    } finally {
      this.#lock.release();
    }
  }

  /**
   * Marks a thread stopped (once): wakes its joiners, stops counting it.
   * @returns false if it was not running.
   */
  stop(ptr: number): boolean {
    const e = this.entry(ptr);
    let nonDaemon = false;
    this.#lock.enter();
    try {
      // Every stop takes the lock: checking, then storing, is atomic.
      if (e.load(E.STATE) !== State.STARTED) return false;
      this.#unlink(ptr);
      this.#w.add(R.LIVE, -1);
      // After those: a joiner that sees the thread stopped (it may be
      // spinning on this word) must find it gone from activeCount() and
      // enumerate() too, as after Python's join().
      e.store(E.STATE, State.STOPPED);
      // Last: whoever sees the count of non-daemon threads drop (the exit
      // rule, keepalive.ts) must find this one stopped, or its exception
      // goes unreported as the process ends.
      nonDaemon = !(e.load(E.FLAGS) & Flag.DAEMON);
      if (nonDaemon) this.#w.add(R.NON_DAEMON, -1);
    } finally {
      this.#lock.release();
    }
    e.notify(E.STATE, Infinity);
    if (nonDaemon) this.#w.notify(R.NON_DAEMON, Infinity);
    this.#h.release(ptr); // the live list's reference
    return true;
  }

  #link(ptr: number): void {
    const head = this.#w.load(R.HEAD);
    const e = this.entry(ptr);
    e.store(E.NEXT, head);
    e.store(E.PREV, 0);
    if (head !== 0) this.entry(head).store(E.PREV, ptr);
    this.#w.store(R.HEAD, ptr);
  }

  #unlink(ptr: number): void {
    const e = this.entry(ptr);
    const next = e.load(E.NEXT), prev = e.load(E.PREV);
    if (prev === 0) this.#w.store(R.HEAD, next);
    else this.entry(prev).store(E.NEXT, next);
    if (next !== 0) this.entry(next).store(E.PREV, prev);
    e.store(E.NEXT, 0);
    e.store(E.PREV, 0);
  }

  /**
   * The live entries, oldest first, each retained once for the caller
   * (taken under the registry lock, so none is freed meanwhile).
   */
  liveEntries(): number[] {
    const out: number[] = [];
    this.#lock.enter();
    try {
      for (
        let p = this.#w.load(R.HEAD);
        p !== 0;
        p = this.entry(p).load(E.NEXT)
      ) {
        this.#h.retain(p);
        out.push(p);
      }
    } finally {
      this.#lock.release();
    }
    return out.reverse();
  }

  /** Live threads, the main thread included. */
  liveCount(): number {
    return this.#w.load(R.LIVE);
  }

  /** A thread's name. */
  name(ptr: number): string {
    this.#lock.enter();
    try {
      const e = this.entry(ptr);
      const len = e.load(E.NAME_LEN);
      return len === 0
        ? ""
        : utf8Decoder.decode(this.#h.bytes(e.load(E.NAME_PTR), len).slice());
    } finally {
      this.#lock.release();
    }
  }

  /** Renames a thread (any thread may, as in Python). */
  setName(ptr: number, name: string): void {
    const e = this.entry(ptr);
    this.#lock.enter();
    let old: number;
    try {
      old = this.#writeName(e, name);
    } finally {
      this.#lock.release();
    }
    if (old !== 0) this.#h.free(old);
  }

  /** Stores a name block in an entry; returns the old block (to free). */
  #writeName(e: WaitWords, name: string): number {
    const bytes = utf8.encode(name);
    const block = bytes.length === 0 ? 0 : this.#h.alloc(bytes.length, false);
    if (block !== 0) this.#h.u8.set(bytes, block * 16);
    const old = e.load(E.NAME_PTR);
    e.store(E.NAME_PTR, block);
    e.store(E.NAME_LEN, bytes.length);
    return old;
  }

  /** Stores a thread's uncaught error (encoded) for its starter's excepthook. */
  setException(ptr: number, encoded: Uint8Array): void {
    const block = this.#h.alloc(encoded.length, false);
    this.#h.u8.set(encoded, block * 16);
    const e = this.entry(ptr);
    e.store(E.EXC_PTR, block);
    e.store(E.EXC_LEN, encoded.length);
    e.store(E.EXC_STATE, Exc.PENDING);
  }

  /**
   * Takes a pending exception for reporting (once, whoever asks first).
   * @returns the encoded error bytes (a copy), or undefined.
   */
  takeException(ptr: number): Uint8Array | undefined {
    const e = this.entry(ptr);
    if (
      e.compareExchange(E.EXC_STATE, Exc.PENDING, Exc.REPORTED) !== Exc.PENDING
    ) {
      return undefined;
    }
    return this.#h.bytes(e.load(E.EXC_PTR), e.load(E.EXC_LEN)).slice();
  }
}

registerDestructor(Tag.THREAD, (h, ptr) => {
  const w = h.int32(ptr, E.WORDS);
  if (w[E.NAME_PTR]) h.free(w[E.NAME_PTR]!);
  if (w[E.EXC_PTR]) h.free(w[E.EXC_PTR]!);
});
