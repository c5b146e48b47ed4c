/**
 * Non-blocking pipe I/O written once as generators that yield the waits they
 * need; {@linkcode driveSync} runs them with a blocking `poll(2)` on the
 * calling thread and {@linkcode driveAsync} with the reactor, so the `Sync`
 * and async forms of `communicate`, `wait`, `read`… cannot drift apart.
 *
 * The parent's ends of the pipes are `O_NONBLOCK`: a read or write moves as
 * much as the pipe holds at once (up to a megabyte here, not Python's 4 KiB
 * writes), and a wait happens only when the pipe is empty or full.
 *
 * @module
 */

import { errno as lastErrno, libc } from "../_internal/ffi/libc.ts";
import { OSError } from "../_internal/errors.ts";
import { type ExitWatch, waitExit } from "./_exit_watch.ts";
import { pollAsync, type PollFd, POLLIN, pollSync } from "./_reactor.ts";

/**
 * A wait: until one of `fds` is ready, or until `deadline` (ms, `now()`
 * clock); or, with `exit`, until a child ends.
 */
export interface PollStep {
  fds: readonly PollFd[];
  deadline: number;
  exit?: ExitWatch & {
    /** Reaps, blocking the thread until the child ends. */
    reap: () => void;
  };
}

/** A blocking algorithm over descriptors. */
export type Io<T> = Generator<PollStep, T, number[]>;

/** Milliseconds on the monotonic clock. */
export const now: () => number = performance.now.bind(performance);

/** The deadline for a timeout in seconds (null: never). */
export function deadlineAfter(timeout: number | null): number {
  return timeout === null ? Infinity : now() + timeout * 1000;
}

/** Runs an Io algorithm, blocking the calling thread while it waits. */
export function driveSync<T>(g: Io<T>): T {
  let r = g.next();
  while (!r.done) {
    const { fds, deadline, exit } = r.value;
    if (exit && deadline === Infinity) {
      exit.reap(); // a plain blocking waitpid: no pidfd needed
      r = g.next([]);
      continue;
    }
    const watched = exit ? [{ fd: exit.pidfd(), events: POLLIN }] : fds;
    r = g.next(pollSync(watched, Math.max(0, deadline - now())));
  }
  return r.value;
}

/** Whether an async drive is stepping its algorithm now (prefaults allowed). */
let asyncStep = 0;

/** Runs an Io algorithm without blocking the event loop. */
export async function driveAsync<T>(g: Io<T>): Promise<T> {
  try {
    return await steps(g);
  } finally {
    // Leave no prefault running behind the result (nor any op for Deno's
    // test sanitizers).
    if (prefaults.size > 0) await Promise.all(prefaults);
  }
}

function next<T>(g: Io<T>, value: number[] | undefined) {
  asyncStep++;
  try {
    return value === undefined ? g.next() : g.next(value);
  } finally {
    asyncStep--;
  }
}

async function steps<T>(g: Io<T>): Promise<T> {
  let r = next(g, undefined);
  while (!r.done) {
    const { fds, deadline, exit } = r.value;
    const ms = Math.max(0, deadline - now());
    if (exit) {
      await waitExit(exit, ms);
      r = next(g, []);
    } else {
      r = next(g, await pollAsync(fds, ms));
    }
  }
  return r.value;
}

/** errno values the I/O loops act on. */
export const EAGAIN = 11;
/** The reader of a pipe is gone. */
export const EPIPE = 32;
const EINTR = 4;

/** Runs a read/write syscall again after EINTR; `-errno` on failure. */
function retrying(call: () => number | bigint): number {
  for (;;) {
    const n = Number(call());
    if (n >= 0) return n;
    const e = lastErrno();
    if (e !== EINTR) return -e;
  }
}

/**
 * Reads what the descriptor holds now into `buf`.
 * @returns the byte count (0 at end of file), or `-errno` (`-EAGAIN`: empty).
 */
export function readNow(fd: number, buf: Uint8Array<ArrayBuffer>): number {
  const lib = libc();
  return retrying(() => lib.read(fd, buf, BigInt(buf.length)));
}

/**
 * Writes what the descriptor accepts now from `buf`.
 * @returns the byte count, or `-errno` (`-EAGAIN`: full, `-EPIPE`: no reader).
 */
export function writeNow(fd: number, buf: Uint8Array<ArrayBuffer>): number {
  const lib = libc();
  return retrying(() => lib.write(fd, buf, BigInt(buf.length)));
}

/** Throws the OSError for a negative result of readNow/writeNow. */
export function ioError(negErrno: number): never {
  throw new OSError(-negErrno);
}

/** The most an Accumulator reserves at first (address space, not memory). */
const RESERVE = 2 ** 32;
const EMPTY = new ArrayBuffer(0);
const MADV_POPULATE_WRITE = 23;
const PAGE = 4096;
/** Output past which the pages ahead are prefaulted on another thread. */
const PREFAULT_FROM = 4 * 2 ** 20;
const PREFAULT_STEP = 16 * 2 ** 20;
/** Prefaults running now (driveAsync waits for them). */
const prefaults = new Set<Promise<unknown>>();
/** Whether the kernel has MADV_POPULATE_WRITE (Linux 5.14), known once tried. */
let canPrefault: boolean | undefined;

function prefaultSupported(): boolean {
  if (canPrefault === undefined) {
    // madvise wants a page-aligned address: probe the page inside 8 KiB.
    const probe = new Uint8Array(2 * PAGE);
    const at = Number(Deno.UnsafePointer.value(Deno.UnsafePointer.of(probe)));
    const offset = (PAGE - (at % PAGE)) % PAGE;
    canPrefault = libc().madvise(
      Deno.UnsafePointer.of(probe.subarray(offset)),
      BigInt(PAGE),
      MADV_POPULATE_WRITE,
    ) === 0;
  }
  return canPrefault;
}

/**
 * A growable byte buffer that pipe reads land in directly.
 *
 * It is a resizable ArrayBuffer: V8 reserves address space up front and
 * growing never copies, so every byte of output is written to memory once.
 * (On this kind of machine faulting in fresh pages costs as much as the
 * pipe itself; a doubling buffer touched twice as many.) For large outputs
 * read by an async drive, the pages ahead are faulted in on Deno's blocking
 * pool (`MADV_POPULATE_WRITE`) while this thread copies from the pipe.
 */
export class Accumulator {
  #buf: ArrayBuffer;
  #len = 0;
  /** The offset up to which pages were prefaulted. */
  #prefaulted = 0;

  constructor(initial = 64 * 1024) {
    this.#buf = new ArrayBuffer(initial, { maxByteLength: RESERVE });
  }

  /** Bytes held. */
  get length(): number {
    return this.#len;
  }

  /** The free tail, at least `min` bytes long. */
  space(min: number): Uint8Array<ArrayBuffer> {
    const need = this.#len + min;
    if (need > this.#buf.byteLength) {
      // Grow by about the size held (so few resizes), within the reserve.
      const want = Math.max(
        need,
        Math.min(2 * this.#buf.byteLength, this.#len + 64 * 2 ** 20),
      );
      if (!this.#buf.resizable) {
        this.#buf = new ArrayBuffer(want, { maxByteLength: RESERVE });
      } else if (want <= this.#buf.maxByteLength) {
        this.#buf.resize(want);
      } else {
        // Past the reservation (4 GiB): move to a larger one, once.
        const bigger = new ArrayBuffer(want, { maxByteLength: want * 4 });
        new Uint8Array(bigger).set(new Uint8Array(this.#buf, 0, this.#len));
        this.#buf = bigger;
      }
    }
    return new Uint8Array(this.#buf, this.#len);
  }

  /** Counts `n` bytes written into the tail given by {@linkcode space}. */
  commit(n: number): void {
    this.#len += n;
    if (
      asyncStep > 0 && this.#len >= PREFAULT_FROM &&
      this.#prefaulted - this.#len < PREFAULT_STEP && prefaultSupported()
    ) this.#prefault();
  }

  /** Faults in the next PREFAULT_STEP bytes on another thread. */
  #prefault(): void {
    const buf = this.#buf;
    // The buffer starts on a page (it is a reservation): align down.
    const from = Math.max(this.#prefaulted, this.#len);
    const start = from - (from % PAGE);
    const end = start + PREFAULT_STEP;
    if (!buf.resizable || end > buf.maxByteLength) return;
    if (end > buf.byteLength) {
      // Resize seldom: a resize (mprotect) waits for running prefaults.
      buf.resize(
        Math.min(buf.maxByteLength, Math.max(end, 4 * buf.byteLength)),
      );
    }
    const region = new Uint8Array(buf, start, PREFAULT_STEP);
    // The closure keeps the buffer (so its address range) alive until the
    // call returns; a shrink meanwhile only makes the call fail.
    const call = libc().madvise_async(
      Deno.UnsafePointer.of(region),
      BigInt(PREFAULT_STEP),
      MADV_POPULATE_WRITE,
    ).then(() => void buf.byteLength);
    prefaults.add(call);
    call.finally(() => prefaults.delete(call));
    this.#prefaulted = end;
  }

  /** Appends a copy of `bytes`. */
  push(bytes: Uint8Array): void {
    this.space(bytes.length).set(bytes);
    this.#len += bytes.length;
  }

  /** A copy of what is held (the buffer keeps growing). */
  snapshot(): Uint8Array<ArrayBuffer> {
    return new Uint8Array(this.#buf, 0, this.#len).slice();
  }

  /** What is held, handed over without a copy (the buffer shrinks to fit). */
  take(): Uint8Array<ArrayBuffer> {
    const buf = this.#buf;
    if (buf.resizable) buf.resize(this.#len);
    const out = new Uint8Array(buf, 0, this.#len);
    this.#buf = EMPTY; // the next space() reserves anew
    this.#len = 0;
    this.#prefaulted = 0;
    return out;
  }
}
