/**
 * A one-way byte channel of messages over a ring buffer in shared memory:
 * the transport of `multiprocessing.Pipe`, written once against
 * {@linkcode WaitWords} like the other primitives.
 *
 * A message is an 8-byte little-endian length and its bytes. One writer
 * and one reader at a time (each holds its side's lock for a whole
 * message), so the ring itself is single-producer single-consumer: the
 * writer advances `WPOS`, the reader `RPOS` (free-running 32-bit counters;
 * the capacity is a power of two).
 *
 * **Every message moves in one step.** A writer waits until the whole
 * message fits, copies it into the free space and publishes it with one
 * store of `WPOS`; a reader copies a whole message out and consumes it
 * with one store of `RPOS`. A message larger than the ring goes into a
 * heap block, and the ring carries a 16-byte record pointing at it (one
 * such message in flight at a time, so memory stays bounded: the next big
 * message waits until the reader took the previous one). So a process
 * killed at any instant leaves whole messages only: a writer killed
 * before its store loses the message it was sending, a reader killed
 * after its store loses the message it was receiving, and the side locks
 * (robust_lock.ts, which record their owner) are taken over by the next
 * writer or reader. A big message's block may leak then.
 *
 * Waking: a side that must wait reads the other side's event word, counts
 * itself in `RWAIT`/`WWAIT`, arms `RARMED`/`WARMED`, re-checks, and sleeps
 * on the event word; the other side bumps the event word and notifies only
 * when someone waits and the armed word was set (it clears it), so a busy
 * channel makes no system calls, and a waiter gets one wake-up, not one per
 * message sent or read while it is still on its way to sleep or to run
 * again (on a loaded machine that took thousands of futex calls per
 * second, each ≈ 25 µs on a shared mapping). Closing a side sets a flag and
 * bumps the other side's event word, so a sleeper cannot miss it.
 *
 * A reader that finds the ring empty first watches `WPOS` for a while
 * without counting itself in (the writer usually answers within
 * microseconds, and a writer that sees no waiter makes no system call).
 * A writer that finds the ring full sleeps until half the ring is free
 * (`WNEED`, or its message's size if larger), as a socket's writer does:
 * the reader wakes it once per half ring instead of once per message, and
 * it then fills the half in one go. A reader that stops before freeing
 * that much leaves the writer to find the room it needs at its next
 * periodic wake-up (shm.ts's `SLEEP_SLICE_MS`), where a socket's writer
 * would sleep on.
 *
 * @module
 */

import { EOFError, errno as E, OSError } from "../errors.ts";
import type { Heap } from "./heap.ts";
import { RobustLock } from "./robust_lock.ts";
import type { Blocking, WaitWords } from "./words.ts";
import { deadlineOf, remaining } from "./timeout.ts";

const WPOS = 0;
const RPOS = 1;
const REVENT = 2;
const WEVENT = 3;
const RWAIT = 4;
const WWAIT = 5;
const WLOCK = 6;
const RLOCK = 7;
/** The data block (a heap pointer) and its capacity in bytes. */
export const RING_DATA = 8;
export const RING_CAP = 9;
const FLAGS = 10;
const WLOCK_STAMP = 11;
const RLOCK_STAMP = 12;
/** Where the last big message's record ends (ring position). */
const BIG_END = 13;
/** The free bytes a sleeping writer waits for (see the module doc). */
const WNEED = 14;
/** Set by a side about to sleep, cleared by the one wake-up it is owed. */
const RARMED = 15;
const WARMED = 16;

/** Words a ring uses. */
export const RING_WORDS = 17;

const WRITER_CLOSED = 1;
const READER_CLOSED = 2;

const HEADER_BYTES = 8;
/** A big message's record: its header (flagged), the block, padding. */
const RECORD_BYTES = 16;
/** The header's flag (in its high word) of a big message's record. */
const BIG = 0x80000000;

/**
 * How many times a reader re-reads `WPOS` before it sleeps, to start with.
 * The reader keeps this count-bounded spin, not the waits' yielding one
 * (`spin.ts`): with that one the Pipe rows measured no better, and worse
 * in some runs (duplex 0.91 → 0.85×, `Pipe(false)` 1.82 → 1.12× CPython at
 * load 4–6), so the change was not kept.
 */
const SPIN = 2000;
/** The bounds of the reader's adaptive spin (see `#spinForData`). */
const SPIN_MIN = 50;
const SPIN_MAX = 20000;

/** One direction of a pipe, over `RING_WORDS` words and a data block. */
export class ByteRing {
  readonly #w: WaitWords;
  readonly #b: number;
  readonly #heap: Heap;
  readonly #data: Uint8Array;
  readonly #mask: number;
  readonly #wlock: RobustLock;
  readonly #rlock: RobustLock;
  readonly #header = new Uint8Array(RECORD_BYTES);
  readonly #headerView = new DataView(this.#header.buffer);
  /** The writer's header (one writer at a time holds the write lock). */
  readonly #outHeader = new Uint8Array(RECORD_BYTES);
  readonly #outHeaderView = new DataView(this.#outHeader.buffer);
  /** How long the reader spins for data now (adapted by outcome). */
  #spin = SPIN;

  /**
   * @param words The window holding the ring's words.
   * @param base Index of the first word.
   * @param data The ring's bytes (capacity a power of two).
   * @param heap The heap holding big messages' blocks.
   */
  constructor(words: WaitWords, base: number, data: Uint8Array, heap: Heap) {
    this.#w = words;
    this.#b = base;
    this.#heap = heap;
    this.#data = data;
    this.#mask = data.length - 1;
    // Nothing to repair after a takeover (every update is one store), but
    // the dead side may have been about to wake the other one.
    const wakeAll = () => {
      this.#bump(REVENT);
      this.#bump(WEVENT);
    };
    this.#wlock = new RobustLock(
      words,
      base + WLOCK,
      base + WLOCK_STAMP,
      wakeAll,
    );
    this.#rlock = new RobustLock(
      words,
      base + RLOCK,
      base + RLOCK_STAMP,
      wakeAll,
    );
  }

  #load(i: number): number {
    return this.#w.load(this.#b + i);
  }

  /** Bytes waiting to be read. */
  #available(): number {
    return (this.#load(WPOS) - this.#load(RPOS)) >>> 0;
  }

  /** Free bytes. */
  #free(): number {
    return this.#data.length - this.#available();
  }

  /** Whether the last big message sent is still unread. */
  #bigPending(): boolean {
    const r = this.#load(RPOS);
    const d = (this.#load(BIG_END) - r) >>> 0;
    return d !== 0 && d <= ((this.#load(WPOS) - r) >>> 0);
  }

  /** Marks the writing side closed: readers see end-of-file after the data. */
  closeWriter(): void {
    this.#close(WRITER_CLOSED, REVENT);
  }

  /** Marks the reading side closed: writers get BrokenPipeError. */
  closeReader(): void {
    this.#close(READER_CLOSED, WEVENT);
  }

  #close(flag: number, event: number): void {
    const w = this.#w, b = this.#b;
    for (let f = w.load(b + FLAGS); !(f & flag);) {
      const seen = w.compareExchange(b + FLAGS, f, f | flag);
      if (seen === f) break;
      f = seen;
    }
    this.#bump(event);
  }

  #bump(event: number): void {
    const w = this.#w, b = this.#b;
    w.add(b + event, 1);
    w.notify(b + event, Infinity);
  }

  /** Whether a message (or end-of-file) can be read without waiting. */
  readable(): boolean {
    return this.#available() > 0 || (this.#load(FLAGS) & WRITER_CLOSED) !== 0;
  }

  /**
   * Writes one message, blocking while the ring has no room for it.
   * @param bytes The message.
   * @param stable Whether `bytes` stays unchanged while this waits; if not
   *   (an async send), a copy is taken before the first wait.
   */
  *writing(bytes: Uint8Array, stable = true): Blocking<void> {
    const n = bytes.length, heap = this.#heap;
    const big = HEADER_BYTES + n > this.#data.length;
    let block = 0;
    if (big) {
      // Copied before the lock is taken, as a queue item is.
      block = heap.alloc(n, false);
      heap.u8.set(bytes, block * 16);
    }
    try {
      if (!this.#wlock.tryAcquire()) {
        if (!stable && !big) bytes = bytes.slice(); // see below
        stable = true;
        yield* this.#wlock.acquiring(Infinity);
      }
      try {
        const need = big ? RECORD_BYTES : HEADER_BYTES + n;
        for (;;) {
          if (this.#load(FLAGS) & READER_CLOSED) {
            throw new OSError(E.EPIPE, undefined, null);
          }
          const room = () =>
            this.#free() >= need && !(big && this.#bigPending());
          if (room()) break;
          if (!stable && !big) {
            // The caller's buffer may change once we wait: send a copy.
            bytes = bytes.slice();
            stable = true;
          }
          // Woken when half the ring is free (see the module doc).
          this.#w.store(
            this.#b + WNEED,
            Math.max(need, this.#data.length >>> 1),
          );
          yield* this.#await(
            WWAIT,
            WARMED,
            WEVENT,
            READER_CLOSED,
            room,
            Infinity,
          );
        }
        const header = this.#outHeader, dv = this.#outHeaderView;
        dv.setUint32(0, n % 0x100000000, true);
        dv.setUint32(4, Math.floor(n / 0x100000000) | (big ? BIG : 0), true);
        const w = this.#w, b = this.#b, wpos = this.#load(WPOS);
        if (big) {
          dv.setUint32(8, block, true);
          this.#copyIn(header, 0, RECORD_BYTES, wpos);
          w.store(b + WPOS, (wpos + RECORD_BYTES) | 0); // commit
          block = 0; // the reader's now
          w.store(b + BIG_END, (wpos + RECORD_BYTES) | 0);
        } else {
          this.#copyIn(header, 0, HEADER_BYTES, wpos);
          this.#copyIn(bytes, 0, n, wpos + HEADER_BYTES);
          w.store(b + WPOS, (wpos + HEADER_BYTES + n) | 0); // commit
        }
        this.#wake(RWAIT, RARMED, REVENT);
      } finally {
        this.#wlock.release();
      }
    } finally {
      if (block !== 0) heap.free(block);
    }
  }

  /** Copies `src[off, off + n)` into the ring at position `pos`. */
  #copyIn(src: Uint8Array, off: number, n: number, pos: number): void {
    const data = this.#data, cap = data.length;
    const at = pos & this.#mask;
    const first = Math.min(n, cap - at);
    data.set(src.subarray(off, off + first), at);
    if (first < n) data.set(src.subarray(off + first, off + n), 0);
  }

  /** Copies `n` bytes at ring position `pos` into `dst` at `off`. */
  #copyOut(dst: Uint8Array, off: number, n: number, pos: number): void {
    const data = this.#data, cap = data.length;
    const at = pos & this.#mask;
    const first = Math.min(n, cap - at);
    dst.set(data.subarray(at, at + first), off);
    if (first < n) dst.set(data.subarray(0, n - first), off + first);
  }

  /**
   * Reads one message.
   * @param into Where to put it when it fits (else a new array is made).
   * @param limit The largest message accepted; a larger one is read,
   *   dropped and reported by `onTooLong` (the channel stays usable).
   * @returns the message's bytes (a view of `into` when it fitted there).
   * @throws {EOFError} At end-of-file (the writing side closed, nothing left).
   */
  *reading(
    into?: Uint8Array,
    limit = Infinity,
    onTooLong?: (message: Uint8Array) => never,
  ): Blocking<Uint8Array> {
    if (!this.#rlock.tryAcquire()) yield* this.#rlock.acquiring(Infinity);
    try {
      while (this.#available() === 0) {
        if (this.#load(FLAGS) & WRITER_CLOSED) {
          if (this.#available() > 0) break;
          throw new EOFError("");
        }
        if (this.#spinForData()) continue;
        yield* this.#await(
          RWAIT,
          RARMED,
          REVENT,
          WRITER_CLOSED,
          () => this.#available() > 0,
          Infinity,
        );
      }
      // A message is published whole: its header means all of it is there.
      const w = this.#w, b = this.#b, rpos = this.#load(RPOS);
      const header = this.#header, dv = this.#headerView;
      this.#copyOut(header, 0, HEADER_BYTES, rpos);
      const hi = dv.getUint32(4, true);
      const big = (hi & BIG) !== 0;
      const n = dv.getUint32(0, true) + (hi & ~BIG) * 0x100000000;
      const fits = into !== undefined && n <= into.length;
      let out: Uint8Array;
      if (big) {
        this.#copyOut(
          header,
          HEADER_BYTES,
          RECORD_BYTES - HEADER_BYTES,
          rpos + HEADER_BYTES,
        );
        const block = dv.getUint32(8, true);
        const src = this.#heap.u8.subarray(block * 16, block * 16 + n);
        if (fits) {
          out = into.subarray(0, n);
          out.set(src);
        } else {
          out = new Uint8Array(n);
          out.set(src);
        }
        w.store(b + RPOS, (rpos + RECORD_BYTES) | 0); // commit
        this.#wakeWriter();
        this.#heap.free(block);
      } else {
        const at = rpos + HEADER_BYTES;
        if (fits) {
          out = into.subarray(0, n);
          this.#copyOut(out, 0, n, at);
        } else {
          const i = at & this.#mask;
          if (i + n <= this.#data.length) {
            // One pass: unlike slice() or new Uint8Array(n), this
            // constructor does not zero the array before the copy.
            out = new Uint8Array(this.#data.subarray(i, i + n));
          } else {
            out = new Uint8Array(n);
            this.#copyOut(out, 0, n, at);
          }
        }
        w.store(b + RPOS, (at + n) | 0); // commit
        this.#wakeWriter();
      }
      if (n > limit || (into !== undefined && !fits)) onTooLong?.(out);
      return out;
    } finally {
      this.#rlock.release();
    }
  }

  /**
   * Waits a little for the writer to publish (`WPOS` to move) without
   * counting in as a waiter (the writer then makes no system call). The spin adapts as `WaitWords.spin` does:
   * longer after a spin that saw data come, shorter after one that
   * had to sleep anyway.
   * @returns whether data came.
   */
  #spinForData(): boolean {
    // The ring is empty when WPOS equals RPOS, which only this reader moves.
    const a = this.#w.i32, i = this.#b + WPOS;
    const empty = this.#load(RPOS), limit = this.#spin;
    for (let s = 0; s < limit; s++) {
      if (Atomics.load(a, i) !== empty) {
        if (limit < SPIN_MAX) this.#spin = limit * 2;
        return true;
      }
    }
    if (limit > SPIN_MIN) this.#spin = limit >> 1;
    return false;
  }

  /** Wakes a sleeping writer once the room it waits for is free. */
  #wakeWriter(): void {
    if (this.#load(WWAIT) > 0 && this.#free() >= this.#load(WNEED)) {
      this.#wake(WWAIT, WARMED, WEVENT);
    }
  }

  /**
   * Wakes the other side if it waits and is owed a wake-up: it counts
   * itself in `waiters`, arms `armed` and sleeps on `event` (see
   * `#await`).
   */
  #wake(waiters: number, armed: number, event: number): void {
    const w = this.#w, b = this.#b;
    if (w.load(b + waiters) > 0 && w.exchange(b + armed, 0) !== 0) {
      this.#bump(event);
    }
  }

  /**
   * Sleeps once on `event`, counted in `waiters`, unless `ready()` or the
   * other side closed (`closedFlag`). The event is read before counting
   * in and arming, and `ready()` checked after, so a wake-up between the
   * two is kept: a waker that publishes after that check sees the count
   * and either this waiter's `armed` store (and bumps) or a later clear of
   * it by another waker, whose bump came after this waiter read the event.
   */
  *#await(
    waiters: number,
    armed: number,
    event: number,
    closedFlag: number,
    ready: () => boolean,
    timeoutMs: number,
  ): Blocking<void> {
    const w = this.#w, b = this.#b;
    const seq = w.load(b + event);
    w.add(b + waiters, 1);
    w.store(b + armed, 1);
    try {
      if (!ready() && !(this.#load(FLAGS) & closedFlag)) {
        yield { words: w, index: b + event, expected: seq, timeoutMs };
      }
    } finally {
      w.add(b + waiters, -1);
    }
  }

  /**
   * Waits until a message (or end-of-file) can be read, or the timeout.
   * @returns whether it can.
   */
  *polling(timeoutMs: number): Blocking<boolean> {
    const deadline = deadlineOf(timeoutMs);
    for (;;) {
      if (this.readable()) return true;
      const left = remaining(deadline);
      if (left <= 0) return false;
      yield* this.#await(
        RWAIT,
        RARMED,
        REVENT,
        0,
        () => this.readable(),
        left,
      );
    }
  }

  /** Frees the blocks of the big messages still unread (the pipe is going away). */
  freeUnread(): void {
    const dv = this.#headerView;
    for (let pos = this.#load(RPOS); pos !== this.#load(WPOS);) {
      this.#copyOut(this.#header, 0, RECORD_BYTES, pos);
      const hi = dv.getUint32(4, true);
      if (hi & BIG) {
        this.#heap.free(dv.getUint32(8, true));
        pos = (pos + RECORD_BYTES) | 0;
      } else {
        pos = (pos + HEADER_BYTES + dv.getUint32(0, true) +
          hi * 0x100000000) | 0;
      }
    }
  }

  /** @internal The write lock (for tests of a holder that dies). */
  get writeLock(): RobustLock {
    return this.#wlock;
  }
}
