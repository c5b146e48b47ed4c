/**
 * Waits for file descriptors without blocking the event loop.
 *
 * Deno has no API to watch a raw descriptor, so one `poll(2)` runs at a time
 * on Deno's blocking pool (a `nonblocking` FFI call) over every descriptor
 * that any pending wait of this thread is interested in, plus an eventfd.
 * Writing to the eventfd restarts that poll: with a new descriptor set when a
 * wait is added, or with none when the last wait is cancelled, so no poll is
 * left running (and no async op pending) once nothing waits.
 *
 * Descriptors are closed through {@linkcode closeFd}: a descriptor that the
 * running poll watches is closed only after that poll returns, so the number
 * can never be reused under it.
 *
 * @module
 */

import { errno, libc } from "../_internal/ffi/libc.ts";
import {
  drainWakeFd,
  openWakeFd,
  signalWakeFd,
} from "../_internal/ffi/eventfd.ts";

/** `poll(2)` event bits. */
export const POLLIN = 0x1;
/** Writable. */
export const POLLOUT = 0x4;
/** Error condition. */
export const POLLERR = 0x8;
/** Hung up (the other end of a pipe is closed). */
export const POLLHUP = 0x10;
/** Not an open descriptor. */
export const POLLNVAL = 0x20;

const EINTR = 4;
const MAX_TIMER = 2 ** 31 - 1;

/** One descriptor to watch and the events of interest. */
export interface PollFd {
  fd: number;
  events: number;
}

/** Fills a `struct pollfd[]` buffer. */
function pollBuffer(fds: readonly PollFd[]): Uint8Array<ArrayBuffer> {
  const buf = new Uint8Array(fds.length * 8);
  const view = new DataView(buf.buffer);
  fds.forEach((p, i) => {
    view.setInt32(i * 8, p.fd, true);
    view.setInt16(i * 8 + 4, p.events, true);
  });
  return buf;
}

function reventsOf(buf: Uint8Array<ArrayBuffer>, count: number): number[] {
  const view = new DataView(buf.buffer);
  const out = new Array<number>(count);
  for (let i = 0; i < count; i++) out[i] = view.getUint16(i * 8 + 6, true);
  return out;
}

/**
 * Waits synchronously (blocking the thread) until one of `fds` is ready or
 * `timeoutMs` passes.
 * @returns the `revents` of each descriptor (all 0 on timeout).
 */
export function pollSync(fds: readonly PollFd[], timeoutMs: number): number[] {
  const buf = pollBuffer(fds);
  const deadline = performance.now() + timeoutMs;
  const lib = libc();
  for (;;) {
    const left = deadline - performance.now();
    const ms = timeoutMs === Infinity
      ? -1
      : Math.min(MAX_TIMER, Math.max(0, Math.ceil(left)));
    const n = lib.poll(buf, BigInt(fds.length), ms);
    if (n >= 0) return reventsOf(buf, fds.length);
    const e = errno();
    // A signal handler ran: poll again for the time left (Python retries
    // EINTR with the remaining timeout, PEP 475).
    if (e !== EINTR) return fds.map(() => POLLERR);
  }
}

interface Waiter {
  fds: readonly PollFd[];
  resolve: (revents: number[]) => void;
  timer: ReturnType<typeof setTimeout> | undefined;
  /** Set when the timeout fired: answered (all zero) after the poll returns. */
  expired: boolean;
}

class Reactor {
  #waiters = new Set<Waiter>();
  #wakeFd = -1;
  #running = false;
  /** Descriptors in the poll that runs now. */
  #watched = new Set<number>();
  /** Descriptors to close once the running poll returns. */
  #closing = new Set<number>();
  #expired: Waiter[] = [];

  wait(fds: readonly PollFd[], timeoutMs: number): Promise<number[]> {
    if (timeoutMs <= 0) return Promise.resolve(pollSync(fds, 0));
    return new Promise((resolve) => {
      const waiter: Waiter = { fds, resolve, timer: undefined, expired: false };
      if (timeoutMs !== Infinity) {
        waiter.timer = setTimeout(
          () => this.#expire(waiter),
          Math.min(MAX_TIMER, timeoutMs),
        );
      }
      this.#waiters.add(waiter);
      if (this.#running) this.#wake();
      else this.#loop();
    });
  }

  closeFd(fd: number): void {
    if (fd < 0) return;
    if (this.#watched.has(fd)) {
      // Its waits are answered once the poll has returned and the
      // descriptor is closed: the poll's op and descriptors are gone by
      // the time their callers go on.
      this.#closing.add(fd);
      this.#wake();
      return;
    }
    this.#answerClosed(new Set([fd]));
    libc().close(fd);
  }

  /** Answers the waits on closed descriptors: POLLNVAL, as poll would. */
  #answerClosed(closed: ReadonlySet<number>): void {
    for (const w of this.#waiters) {
      if (w.fds.some((p) => closed.has(p.fd))) {
        this.#finish(w, w.fds.map((p) => (closed.has(p.fd) ? POLLNVAL : 0)));
      }
    }
  }

  #expire(waiter: Waiter): void {
    if (!this.#waiters.delete(waiter)) return;
    waiter.timer = undefined;
    waiter.expired = true;
    // Answer once the running poll has returned, so that a caller who gives
    // up on a timeout leaves no op running behind it.
    this.#expired.push(waiter);
    this.#wake();
  }

  #finish(waiter: Waiter, revents: number[]): void {
    this.#waiters.delete(waiter);
    if (waiter.timer !== undefined) clearTimeout(waiter.timer);
    waiter.resolve(revents);
  }

  #wake(): void {
    signalWakeFd(this.#wakeFd);
  }

  async #loop(): Promise<void> {
    const lib = libc();
    this.#running = true;
    this.#wakeFd = openWakeFd();
    const wakeFd = this.#wakeFd;
    try {
      while (this.#waiters.size > 0) {
        const waiters = [...this.#waiters];
        const fds: PollFd[] = [{ fd: wakeFd, events: POLLIN }];
        for (const w of waiters) fds.push(...w.fds);
        this.#watched = new Set(fds.map((p) => p.fd));
        const buf = pollBuffer(fds);
        await lib.poll_async(buf, BigInt(fds.length), -1);
        this.#watched.clear();
        const closed = this.#closing;
        this.#closing = new Set();
        for (const fd of closed) lib.close(fd);
        if (closed.size > 0) this.#answerClosed(closed);
        const revents = reventsOf(buf, fds.length);
        if (revents[0] !== 0) drainWakeFd(wakeFd);
        let at = 1;
        for (const w of waiters) {
          const mine = revents.slice(at, at + w.fds.length);
          at += w.fds.length;
          if (this.#waiters.has(w) && mine.some((r) => r !== 0)) {
            this.#finish(w, mine);
          }
        }
        this.#answerExpired();
      }
    } finally {
      this.#running = false;
      this.#wakeFd = -1;
      lib.close(wakeFd);
      for (const fd of this.#closing) lib.close(fd);
      this.#closing.clear();
      this.#answerExpired();
    }
  }

  #answerExpired(): void {
    const expired = this.#expired;
    this.#expired = [];
    for (const w of expired) w.resolve(w.fds.map(() => 0));
  }
}

let reactor: Reactor | undefined;

/**
 * Waits, without blocking the event loop, until one of `fds` is ready or
 * `timeoutMs` passes (`Infinity`: no limit).
 * @returns the `revents` of each descriptor (all 0 on timeout).
 */
export function pollAsync(
  fds: readonly PollFd[],
  timeoutMs: number,
): Promise<number[]> {
  reactor ??= new Reactor();
  return reactor.wait(fds, timeoutMs);
}

/**
 * Closes a descriptor that a pending {@linkcode pollAsync} may be watching:
 * its waits are answered with `POLLNVAL`, and the close waits for the running
 * poll to return.
 */
export function closeFd(fd: number): void {
  if (reactor === undefined) libc().close(fd);
  else reactor.closeFd(fd);
}
