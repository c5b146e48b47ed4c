/**
 * A one-way byte channel of messages over a ring buffer in shared memory:
 * the transport of `multiprocessing.Pipe`, written once against
 * {@linkcode WaitWords} like the other primitives.
 *
 * A message is an 8-byte little-endian length and its bytes. One writer
 * and one reader at a time (each holds its side's mutex for a whole
 * message), so the ring itself is single-producer single-consumer: the
 * writer advances `WPOS`, the reader `RPOS` (free-running 32-bit counters;
 * the capacity is a power of two). A message larger than the ring streams
 * through it.
 *
 * Waking: a side that must wait counts itself in `RWAIT`/`WWAIT`, reads
 * the other side's event word, re-checks, and sleeps on the event word; the
 * other side bumps the event word and notifies only when someone waits, so
 * a busy channel makes no system calls. Closing a side sets a flag and
 * bumps the other side's event word, so a sleeper cannot miss it.
 *
 * @module
 */

import { EOFError, errno as E, OSError } from "../errors.ts";
import { LockCore } from "./lock_core.ts";
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

/** Words a ring uses. */
export const RING_WORDS = 11;

const WRITER_CLOSED = 1;
const READER_CLOSED = 2;

const HEADER_BYTES = 8;

/** One direction of a pipe, over `RING_WORDS` words and a data block. */
export class ByteRing {
  readonly #w: WaitWords;
  readonly #b: number;
  readonly #data: Uint8Array;
  readonly #mask: number;
  readonly #wlock: LockCore;
  readonly #rlock: LockCore;
  readonly #header = new Uint8Array(HEADER_BYTES);
  readonly #headerView = new DataView(this.#header.buffer);
  /** The writer's header (one writer at a time holds the write lock). */
  readonly #outHeader = new Uint8Array(HEADER_BYTES);
  readonly #outHeaderView = new DataView(this.#outHeader.buffer);

  /**
   * @param words The window holding the ring's words.
   * @param base Index of the first word.
   * @param data The ring's bytes (capacity a power of two).
   */
  constructor(words: WaitWords, base: number, data: Uint8Array) {
    this.#w = words;
    this.#b = base;
    this.#data = data;
    this.#mask = data.length - 1;
    this.#wlock = new LockCore(words, base + WLOCK);
    this.#rlock = new LockCore(words, base + RLOCK);
  }

  #load(i: number): number {
    return this.#w.load(this.#b + i);
  }

  /** Bytes waiting to be read. */
  #available(): number {
    return (this.#load(WPOS) - this.#load(RPOS)) >>> 0;
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
    w.add(b + event, 1);
    w.notify(b + event, Infinity);
  }

  /** Whether a message (or end-of-file) can be read without waiting. */
  readable(): boolean {
    return this.#available() > 0 || (this.#load(FLAGS) & WRITER_CLOSED) !== 0;
  }

  /** Writes one message, blocking while the ring is full. */
  *writing(bytes: Uint8Array): Blocking<void> {
    if (!this.#wlock.tryAcquire()) yield* this.#wlock.acquiring(Infinity);
    try {
      const header = this.#outHeader, dv = this.#outHeaderView;
      dv.setUint32(0, bytes.length % 0x100000000, true);
      dv.setUint32(4, Math.floor(bytes.length / 0x100000000), true);
      // Header and bytes in one step when they fit: the reader wakes once.
      if (
        this.#data.length - this.#available() >= HEADER_BYTES + bytes.length &&
        !(this.#load(FLAGS) & READER_CLOSED)
      ) {
        this.#put(header, 0, HEADER_BYTES, false);
        this.#put(bytes, 0, bytes.length, true, HEADER_BYTES);
        return;
      }
      yield* this.#writeAll(header);
      yield* this.#writeAll(bytes);
    } finally {
      this.#wlock.release();
    }
  }

  /**
   * Copies `src[off, off + n)` into the free space, `skip` bytes past the
   * write position; with `publish`, advances the write position over all
   * of it and wakes a waiting reader.
   */
  #put(
    src: Uint8Array,
    off: number,
    n: number,
    publish: boolean,
    skip = 0,
  ): void {
    const w = this.#w, b = this.#b, data = this.#data, cap = data.length;
    const wpos = this.#load(WPOS);
    const at = (wpos + skip) & this.#mask;
    const first = Math.min(n, cap - at);
    data.set(src.subarray(off, off + first), at);
    if (first < n) data.set(src.subarray(off + first, off + n), 0);
    if (!publish) return;
    w.store(b + WPOS, (wpos + skip + n) | 0);
    this.#wake(RWAIT, REVENT);
  }

  *#writeAll(src: Uint8Array): Blocking<void> {
    const cap = this.#data.length;
    let off = 0;
    while (off < src.length) {
      if (this.#load(FLAGS) & READER_CLOSED) {
        throw new OSError(E.EPIPE, undefined, null);
      }
      const free = cap - this.#available();
      if (free === 0) {
        yield* this.#await(
          WWAIT,
          WEVENT,
          READER_CLOSED,
          () => this.#available() < cap,
          Infinity,
        );
        continue;
      }
      const n = Math.min(free, src.length - off);
      this.#put(src, off, n, true);
      off += n;
    }
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
      const header = this.#header;
      yield* this.#readExact(header, true);
      const dv = this.#headerView;
      const n = dv.getUint32(0, true) + dv.getUint32(4, true) * 0x100000000;
      const fits = into !== undefined && n <= into.length;
      let out: Uint8Array;
      if (!fits && this.#available() >= n) {
        out = this.#take(n); // all there: one copy, no zero-fill first
      } else {
        out = fits ? into.subarray(0, n) : new Uint8Array(n);
        yield* this.#readExact(out, false);
      }
      if (n > limit || (into !== undefined && !fits)) onTooLong?.(out);
      return out;
    } finally {
      this.#rlock.release();
    }
  }

  /** Takes `n` available bytes into a new array (`slice` copies once). */
  #take(n: number): Uint8Array {
    const w = this.#w, b = this.#b, data = this.#data, cap = data.length;
    const rpos = this.#load(RPOS);
    const at = rpos & this.#mask;
    let out: Uint8Array;
    if (at + n <= cap) {
      out = data.slice(at, at + n);
    } else {
      out = new Uint8Array(n);
      out.set(data.subarray(at, cap));
      out.set(data.subarray(0, n - (cap - at)), cap - at);
    }
    w.store(b + RPOS, (rpos + n) | 0);
    this.#wake(WWAIT, WEVENT);
    return out;
  }

  *#readExact(dst: Uint8Array, atStart: boolean): Blocking<void> {
    const w = this.#w, b = this.#b, data = this.#data, cap = data.length;
    let got = 0;
    while (got < dst.length) {
      const avail = this.#available();
      if (avail === 0) {
        if (this.#load(FLAGS) & WRITER_CLOSED) {
          if (this.#available() > 0) continue;
          throw new EOFError(
            atStart && got === 0 ? "" : "the other end closed mid-message",
          );
        }
        yield* this.#await(
          RWAIT,
          REVENT,
          WRITER_CLOSED,
          () => this.#available() > 0,
          Infinity,
        );
        continue;
      }
      const n = Math.min(avail, dst.length - got);
      const rpos = this.#load(RPOS);
      const at = rpos & this.#mask;
      const first = Math.min(n, cap - at);
      dst.set(data.subarray(at, at + first), got);
      if (first < n) dst.set(data.subarray(0, n - first), got + first);
      w.store(b + RPOS, (rpos + n) | 0);
      got += n;
      this.#wake(WWAIT, WEVENT);
    }
  }

  /** Wakes the other side if it waits: it counts itself in `waiters` and sleeps on `event`. */
  #wake(waiters: number, event: number): void {
    const w = this.#w, b = this.#b;
    if (w.load(b + waiters) > 0) {
      w.add(b + event, 1);
      w.notify(b + event, Infinity);
    }
  }

  /**
   * Sleeps once on `event`, counted in `waiters`, unless `ready()` or the
   * other side closed (`closedFlag`). The event is read before counting
   * in and `ready()` checked after, so a wake-up between the two is kept.
   */
  *#await(
    waiters: number,
    event: number,
    closedFlag: number,
    ready: () => boolean,
    timeoutMs: number,
  ): Blocking<void> {
    const w = this.#w, b = this.#b;
    const seq = w.load(b + event);
    w.add(b + waiters, 1);
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
      yield* this.#await(RWAIT, REVENT, 0, () => this.readable(), left);
    }
  }
}
