/**
 * This process's multiprocessing state, in the in-process heap so that
 * every thread (Worker) of the process sees it: the children it started
 * (pid, pidfd, daemon flag, exit code once reaped), the counter of default
 * names, the identity of the process itself, and the resource tracker's
 * descriptor.
 *
 * Python keeps `_children` in the process too, shared by its threads; here
 * a child started by one Worker can be reaped by whichever thread asks
 * first, and the main thread joins every non-daemon child at exit.
 *
 * Reaping is done under the table lock, once: the exit code is kept in the
 * child's entry for everyone else.
 *
 * @module
 */

import {
  hasHeap,
  type Heap,
  heap,
  registerDestructor,
  Root,
} from "../sync/heap.ts";
import { HEADER, Tag } from "../sync/object_tags.ts";
import { LockCore } from "../sync/lock_core.ts";
import type { WaitWords } from "../sync/words.ts";
import { closeFd, exitcodeOf, pollAsync, pollSync, reap } from "./os.ts";
import { libc } from "../ffi/libc.ts";
import { deadlineOf, remaining } from "../sync/timeout.ts";

const T = {
  LOCK: HEADER,
  HEAD: HEADER + 1,
  /** Python's `_process_counter`: numbers of default names. */
  COUNTER: HEADER + 2,
  /** The resource tracker's pipe (write end) + 1; 0 when there is none. */
  TRACKER_FD: HEADER + 3,
  /** This process's identity (encoded): a block and its length. */
  INFO_PTR: HEADER + 4,
  INFO_LEN: HEADER + 5,
  /** A child process's own record in the program's heap (0 in the main process). */
  SELF_RECORD: HEADER + 6,
  WORDS: HEADER + 7,
} as const;

const C = {
  PID: HEADER,
  PIDFD: HEADER + 1,
  /** {@linkcode ChildState}. */
  STATE: HEADER + 2,
  /** The exit code once known. */
  EXITCODE: HEADER + 3,
  FLAGS: HEADER + 4,
  NEXT: HEADER + 5,
  PREV: HEADER + 6,
  /** The child's record in the program's heap (released once reaped). */
  RECORD: HEADER + 7,
  /** The read end of the child's lifeline pipe (see {@linkcode ChildState}). */
  LIFELINE: HEADER + 8,
  WORDS: HEADER + 9,
} as const;

/**
 * A child's life as its parent sees it. A child writes its exit code to
 * its lifeline pipe once it has finished (target done, exit procedure
 * run), just before `_exit`; if it dies otherwise, the kernel closes the
 * pipe. So one descriptor tells both ways of ending, at once: a finished
 * child counts as ended from that moment (Python's `join` returns then),
 * while Deno's process teardown (≈ 2 ms) goes on; it is reaped as soon as
 * it is gone (and always before this process exits).
 */
const ChildState = {
  RUNNING: 1,
  /** It reported its exit code; not reaped yet. */
  FINISHED: 2,
  /** Its lifeline closed without a report (killed): waiting for its status. */
  DYING: 3,
  /** Reaped: gone for good. */
  REAPED: 4,
} as const;

const POLLIN = 1;

/** Child flags. */
export const ChildFlag = {
  DAEMON: 1,
  /** A pre-started child waiting for its assignment (not a Process yet). */
  SPARE: 2,
} as const;

/** The process's table. */
export class ProcessTable {
  readonly #h: Heap;
  readonly #w: WaitWords;
  readonly #lock: LockCore;

  private constructor(h: Heap, ptr: number) {
    this.#h = h;
    this.#w = h.words(ptr, T.WORDS);
    this.#lock = new LockCore(this.#w, T.LOCK);
  }

  static #instance: ProcessTable | undefined;
  static #onReaped: (record: number) => void = () => {};

  /** Sets what is done with a child's record once the child is reaped. */
  static setOnReaped(fn: (record: number) => void): void {
    ProcessTable.#onReaped = fn;
  }

  /** Whether this process has a table (without creating one). */
  static exists(): boolean {
    return ProcessTable.#instance !== undefined ||
      (hasHeap() && heap().root(Root.PROCESS) !== 0);
  }

  /** The table (created on first use). */
  static get(): ProcessTable {
    if (ProcessTable.#instance !== undefined) return ProcessTable.#instance;
    const h = heap();
    let ptr = h.root(Root.PROCESS);
    if (ptr === 0) {
      const fresh = h.allocObject(Tag.PROCESS_TABLE, T.WORDS);
      ptr = h.setRoot(Root.PROCESS, fresh);
      if (ptr !== fresh) h.free(fresh);
    }
    h.checkTag(ptr, Tag.PROCESS_TABLE, "the process table");
    ProcessTable.#instance = new ProcessTable(h, ptr);
    return ProcessTable.#instance;
  }

  /** This child process's record (0 in the main process). */
  get selfRecord(): number {
    return this.#w.load(T.SELF_RECORD);
  }

  /** Set by the child bootstrap. */
  set selfRecord(record: number) {
    this.#w.store(T.SELF_RECORD, record);
  }

  /** The next number for a default name (`Process-N`). */
  nextNumber(): number {
    return this.#w.add(T.COUNTER, 1) + 1;
  }

  /** The tracker's descriptor, or -1. */
  get trackerFd(): number {
    return this.#w.load(T.TRACKER_FD) - 1;
  }

  /**
   * Records the tracker's descriptor if none is yet.
   * @returns the descriptor in force (another thread's, on a race).
   */
  setTrackerFd(fd: number): number {
    const old = this.#w.compareExchange(T.TRACKER_FD, 0, fd + 1);
    return old === 0 ? fd : old - 1;
  }

  /** This process's encoded identity, if set. */
  info(): Uint8Array | undefined {
    this.#lock.enter();
    try {
      const len = this.#w.load(T.INFO_LEN);
      if (len === 0) return undefined;
      return this.#h.bytes(this.#w.load(T.INFO_PTR), len).slice();
    } finally {
      this.#lock.release();
    }
  }

  /**
   * Sets this process's encoded identity.
   * @param onlyIfUnset Keep an identity another thread set first.
   * @returns the identity in force.
   */
  setInfo(bytes: Uint8Array, onlyIfUnset = false): Uint8Array {
    const block = this.#h.alloc(bytes.length, false);
    this.#h.u8.set(bytes, block * 16);
    let old = 0;
    this.#lock.enter();
    try {
      if (onlyIfUnset && this.#w.load(T.INFO_LEN) !== 0) {
        old = block;
        return this.#h.bytes(this.#w.load(T.INFO_PTR), this.#w.load(T.INFO_LEN))
          .slice();
      }
      old = this.#w.load(T.INFO_PTR);
      this.#w.store(T.INFO_PTR, block);
      this.#w.store(T.INFO_LEN, bytes.length);
      return bytes;
    } finally {
      this.#lock.release();
      if (old !== 0) this.#h.free(old);
    }
  }

  /**
   * Records a started child. The caller holds one reference to the entry,
   * the list of live children another.
   */
  add(
    pid: number,
    pidfd: number,
    lifeline: number,
    flags: number,
    record: number,
  ): number {
    const h = this.#h;
    const ptr = h.allocObject(Tag.CHILD, C.WORDS);
    const e = this.entry(ptr);
    e.store(C.RECORD, record);
    e.store(C.LIFELINE, lifeline);
    e.store(C.PID, pid);
    e.store(C.PIDFD, pidfd);
    e.store(C.FLAGS, flags);
    e.store(C.STATE, ChildState.RUNNING);
    h.retain(ptr);
    this.#lock.enter();
    try {
      const head = this.#w.load(T.HEAD);
      e.store(C.NEXT, head);
      if (head !== 0) this.entry(head).store(C.PREV, ptr);
      this.#w.store(T.HEAD, ptr);
    } finally {
      this.#lock.release();
    }
    return ptr;
  }

  /** The words of an entry. */
  entry(ptr: number): WaitWords {
    return this.#h.words(ptr, C.WORDS);
  }

  /** A child's pid. */
  pid(ptr: number): number {
    return this.entry(ptr).load(C.PID);
  }

  /** A child's flags. */
  flags(ptr: number): number {
    return this.entry(ptr).load(C.FLAGS);
  }

  /** Changes a child's flags (a spare becomes a Process). */
  setFlags(ptr: number, flags: number): void {
    this.entry(ptr).store(C.FLAGS, flags);
  }

  /**
   * The child's exit code if it has ended, else null. Never blocks: reads a
   * report waiting on the lifeline, and reaps the child if it is gone.
   */
  poll(ptr: number): number | null {
    const e = this.entry(ptr);
    const state = e.load(C.STATE);
    if (state === ChildState.REAPED) return e.load(C.EXITCODE);
    let reaped = false;
    let code: number | null = null;
    this.#lock.enter();
    try {
      if (e.load(C.STATE) === ChildState.RUNNING) this.#readLifeline(e);
      const s = e.load(C.STATE);
      if (s === ChildState.REAPED) return e.load(C.EXITCODE);
      if (s !== ChildState.RUNNING) {
        const status = reap(e.load(C.PID));
        if (status !== null) {
          // A reported code stands (the child chose it); else the status.
          if (s === ChildState.DYING) {
            e.store(
              C.EXITCODE,
              status === undefined ? 255 : exitcodeOf(status),
            );
          }
          e.store(C.STATE, ChildState.REAPED);
          this.#unlink(ptr);
          reaped = true;
        }
        if (e.load(C.STATE) !== ChildState.DYING) code = e.load(C.EXITCODE);
      }
      return code;
    } finally {
      this.#lock.release();
      if (reaped) {
        const record = e.load(C.RECORD);
        if (record !== 0) ProcessTable.#onReaped(record);
        this.#h.release(ptr); // the live list's reference
      }
    }
  }

  /** Reads the lifeline without waiting (the caller holds the lock). */
  #readLifeline(e: WaitWords): void {
    const fd = e.load(C.LIFELINE);
    const f = libc();
    const pfd = new Int32Array([fd, POLLIN]);
    if (f.poll(new Uint8Array(pfd.buffer), 1n, 0) <= 0) return;
    const buf = new Int32Array(1);
    const n = Number(f.read(fd, new Uint8Array(buf.buffer), 4n));
    if (n === 4) {
      e.store(C.EXITCODE, buf[0]!);
      e.store(C.STATE, ChildState.FINISHED);
    } else if (n === 0) {
      e.store(C.STATE, ChildState.DYING);
    }
  }

  /** The descriptor that becomes readable at the child's next step. */
  #waitFd(e: WaitWords): number {
    return e.load(C.STATE) === ChildState.RUNNING
      ? e.load(C.LIFELINE)
      : e.load(C.PIDFD);
  }

  /**
   * Waits until the child ends (reports its code, or dies) or the timeout
   * passes, blocking the calling thread.
   * @param reaped Wait until it is reaped, not only finished.
   * @returns the exit code, or null on timeout.
   */
  waitSync(ptr: number, ms: number, reaped = false): number | null {
    const deadline = deadlineOf(ms);
    const e = this.entry(ptr);
    for (;;) {
      const code = this.poll(ptr);
      if (code !== null && (!reaped || e.load(C.STATE) === ChildState.REAPED)) {
        return code;
      }
      const left = remaining(deadline);
      if (left <= 0) return null;
      pollSync(this.#waitFd(e), left);
    }
  }

  /** Like {@linkcode waitSync} without blocking the event loop. */
  async wait(ptr: number, ms: number): Promise<number | null> {
    const deadline = deadlineOf(ms);
    const e = this.entry(ptr);
    this.#h.retain(ptr); // the descriptors stay open while we poll them
    try {
      for (;;) {
        const code = this.poll(ptr);
        if (code !== null) return code;
        const left = remaining(deadline);
        if (left <= 0) return null;
        await pollAsync(this.#waitFd(e), left);
      }
    } finally {
      this.#h.release(ptr);
    }
  }

  /** Whether the child has been reaped (its entry may be released for good). */
  isReaped(ptr: number): boolean {
    return this.entry(ptr).load(C.STATE) === ChildState.REAPED;
  }

  /**
   * Waits until the child is reaped (ended and its teardown over), without
   * blocking the event loop.
   * @returns false if `ms` passed first.
   */
  async waitReaped(ptr: number, ms: number): Promise<boolean> {
    const deadline = deadlineOf(ms);
    const e = this.entry(ptr);
    this.#h.retain(ptr);
    try {
      for (;;) {
        this.poll(ptr);
        if (e.load(C.STATE) === ChildState.REAPED) return true;
        const left = remaining(deadline);
        if (left <= 0) return false;
        await pollAsync(this.#waitFd(e), left);
      }
    } finally {
      this.#h.release(ptr);
    }
  }

  /**
   * Reaps the children that have finished: those gone already, or with
   * `ms`, waiting up to that long for their teardown.
   * @returns how many finished children are still to reap (teardown going on).
   */
  reapFinished(ms = 0): number {
    let pending = 0;
    for (const e of this.live()) {
      this.poll(e);
      const state = this.entry(e).load(C.STATE);
      if (state !== ChildState.RUNNING && state !== ChildState.REAPED) {
        this.waitSync(e, ms, true);
        if (this.entry(e).load(C.STATE) !== ChildState.REAPED) pending++;
      }
      this.release(e);
    }
    return pending;
  }

  /** The live (not yet reaped) children, each retained once for the caller. */
  live(): number[] {
    const out: number[] = [];
    this.#lock.enter();
    try {
      for (
        let p = this.#w.load(T.HEAD);
        p !== 0;
        p = this.entry(p).load(C.NEXT)
      ) {
        this.#h.retain(p);
        out.push(p);
      }
    } finally {
      this.#lock.release();
    }
    return out.reverse();
  }

  /** Drops a reference to an entry (from {@linkcode live} or {@linkcode add}). */
  release(ptr: number): void {
    this.#h.release(ptr);
  }

  /** Takes a reference to an entry. */
  retain(ptr: number): void {
    this.#h.retain(ptr);
  }

  #unlink(ptr: number): void {
    const e = this.entry(ptr);
    const next = e.load(C.NEXT), prev = e.load(C.PREV);
    if (prev === 0) this.#w.store(T.HEAD, next);
    else this.entry(prev).store(C.NEXT, next);
    if (next !== 0) this.entry(next).store(C.PREV, prev);
    e.store(C.NEXT, 0);
    e.store(C.PREV, 0);
  }
}

registerDestructor(Tag.CHILD, (h, ptr) => {
  const w = h.int32(ptr, C.WORDS);
  closeFd(w[C.PIDFD]!);
  closeFd(w[C.LIFELINE]!);
});
