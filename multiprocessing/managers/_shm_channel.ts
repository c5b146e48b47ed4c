/**
 * A manager connection's same-host fast path: after the socket's HMAC
 * handshake and `accept_connection`, a pyconc client whose server shares
 * its cross-process heap moves its requests and replies (the same pickled
 * values) to a pair of byte rings in that heap (`_internal/sync/
 * byte_ring.ts`, the transport of `multiprocessing.Pipe`). A round trip
 * over a Unix socket wakes the other CPU through the kernel twice (≈ 13 µs
 * a syscall on the measured VM); over the rings each side spins a bounded
 * while and then sleeps on a futex.
 *
 * - **Who upgrades.** Our server's `accept_connection` reply carries its
 *   heap's segment name (CPython's clients discard that reply's value); a
 *   client upgrades only when the name is its own heap's, so a CPython
 *   server never receives the upgrade request, and the server checks the
 *   name again before it attaches.
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
 * - **The server's wait.** One doorbell per server: a client bumps its
 *   sequence word after writing a request and wakes the server only when
 *   it sleeps. The server scans its channels, spins (yielding to
 *   microtasks, bounded) while the bell is still, then sleeps on it with
 *   one async futex wait: one wait covers every channel, and the event
 *   loop is never held for long.
 *
 * @module
 */

import { EOFError, OSError } from "../../_internal/errors.ts";
import type { Heap } from "../../_internal/sync/heap.ts";
import {
  ByteRing,
  RING_CAP,
  RING_DATA,
  RING_WORDS,
} from "../../_internal/sync/byte_ring.ts";
import { hasShmHeap, shmHeapName } from "../../_internal/sync/shm_heap.ts";
import { programHeap } from "../../_internal/process/program_heap.ts";
import {
  type Blocking,
  runAsync,
  runSync,
  type WaitWords,
} from "../../_internal/sync/words.ts";
import { libc } from "../../_internal/ffi/libc.ts";
import { dumps, loads } from "../connection/_pickle.ts";
import type { WireConn } from "./_transport.ts";

/** The request (on the socket, after `accept_connection`) that upgrades. */
export const SHM_UPGRADE = "#SHM_UPGRADE";

// The channel block's words.
const MAGIC = 0;
const STATE = 1;
const BELL = 2;
/** Set while the server's handler of the request waits on something (a
 * lock, a queue): the client stops spinning for the reply and sleeps. */
const PARKED = 3;
const C2S = 4;
const S2C = C2S + RING_WORDS;
const CH_WORDS = S2C + RING_WORDS;
const CH_MAGIC = 0x4d434853; // "SHCM"

const CLIENT_DONE = 1;
const SERVER_DONE = 2;

// The doorbell block's words.
const SEQ = 0;
const SLEEPING = 1;
const REFS = 2;
const BELL_MAGIC_AT = 3;
const BELL_WORDS = 4;
const BELL_MAGIC = 0x4c4c4542; // "BELL"

/** Bytes per direction: requests and replies are small; a larger one goes
 * in a heap block of its own (byte_ring.ts). */
const RING_BYTES = 1 << 16;

/**
 * The bounds (µs) of a waiting side's adaptive spin (see `Spin`). Measured
 * on the shared 2-core VM (`d[k] = v`, Sync, 20k calls, load 4–12): the
 * median round trip is 10–24 µs with both sides spinning (a pure `Pipe`
 * ping-pong: 18–26 µs), CPython's 45–65 µs. A 300 µs bound ran at about
 * half the rate of 100 µs; 30–50 µs no better than 100. With no spin
 * (futex sleeps only) the rate swung from 25–28k ops/s (better than 100
 * µs: fewer time slices lost at the tail) to 2.8k ops/s (a futex wake-up
 * took 0.8 ms at the 90th percentile) depending on the host's load, and
 * the CPU yield between rounds (sched_yield) doubled the rate at load 5.
 */
const SPIN_MIN_US = 2;
const SPIN_MAX_US = 100;
/**
 * How long (ms) an async wait (the server's, an async client's) may sleep
 * on the calling thread before it goes to Deno's blocking-task thread (a
 * hop of ≈ 37 µs; see `_internal/net/poller.ts`, whose ppoll budget this
 * mirrors).
 */
const SERVER_BUDGET_MS = 0.5;
const CLIENT_BUDGET_MS = 0.1;
/** How long a waiting client sleeps before it checks the socket (ms). */
const SLICE_MS = 100;
/** A handler still running after this long (µs) is parked (`PARKED`). */
const PARK_AFTER_US = 20;
/** The longest the server loop runs without letting the event loop turn (ms). */
const MAX_RUN_MS = 5;

/**
 * An adaptive bounded spin, as `WaitWords.spin` and glibc's adaptive
 * mutexes: it doubles after a spin that saw the wait end (the peer answers
 * fast, on another CPU) and halves after one that had to sleep anyway (a
 * slow peer, or a loaded machine where the peer waits for this CPU), and
 * it yields the CPU between rounds, so a runnable peer gets it.
 */
class Spin {
  #us = SPIN_MAX_US;
  #t0 = 0;
  /**
   * Spins until `ready()` or the bound, or until `stop()` (a wait that
   * spinning cannot shorten); whether it became ready.
   */
  run(ready: () => boolean, stop?: () => boolean): boolean {
    const limit = this.#us, t0 = this.#t0 = performance.now();
    for (;;) {
      if (stop?.()) {
        this.#t0 = -Infinity; // not the spin's failure: no woke() either
        return false;
      }
      for (let i = 0; i < 32; i++) {
        if (ready()) {
          this.#us = Math.min(SPIN_MAX_US, limit * 2);
          return true;
        }
      }
      if ((performance.now() - t0) * 1000 > limit) break;
      libc().sched_yield();
    }
    this.#us = Math.max(SPIN_MIN_US, limit / 2);
    return false;
  }

  /**
   * Like {@linkcode run}, letting the thread's microtasks run between
   * rounds (the server's handlers finish their replies meanwhile).
   */
  async runAsync(
    ready: () => boolean,
    tick: (elapsedUs: number) => void,
  ): Promise<boolean> {
    const limit = this.#us, t0 = this.#t0 = performance.now();
    for (let round = 0;; round++) {
      for (let i = 0; i < 32; i++) {
        if (ready()) {
          this.#us = Math.min(SPIN_MAX_US, limit * 2);
          return true;
        }
      }
      const us = (performance.now() - t0) * 1000;
      if (us > limit) break;
      tick(us);
      await null;
      if ((round & 7) === 7) libc().sched_yield();
    }
    this.#us = Math.max(SPIN_MIN_US, limit / 2);
    return false;
  }

  /**
   * After the sleep that followed a failed spin ended with the wait over:
   * had the spin lasted as long, would it have caught it? Then spin that
   * long next time (else a spin shrunk by one slow answer would stay
   * short while the peer answers fast again).
   */
  woke(): void {
    const us = (performance.now() - this.#t0) * 1000;
    if (us <= SPIN_MAX_US) {
      this.#us = Math.min(SPIN_MAX_US, Math.max(this.#us, us * 1.5));
    }
  }
}

/**
 * Drives a ring's wait asynchronously: its first sleep on this thread for
 * at most `budgetMs` (the reply usually comes within it; a blocking
 * futex wait costs no hop), the rest as async waits.
 */
async function runBudgeted<T>(g: Blocking<T>, budgetMs: number): Promise<T> {
  let r = g.next();
  while (!r.done) {
    const s = r.value;
    let v: unknown;
    try {
      if (s.call !== undefined) v = await s.call();
      else if (budgetMs > 0) {
        const t = Math.min(s.timeoutMs, budgetMs);
        budgetMs = 0;
        v = s.words.wait(s.index, s.expected, t);
        if (v === "timed-out" && s.timeoutMs > t) {
          v = await s.words.waitAsync(s.index, s.expected, s.timeoutMs - t);
        }
      } else v = await s.words.waitAsync(s.index, s.expected, s.timeoutMs);
    } catch (e) {
      r = g.throw(e);
      continue;
    }
    r = g.next(v);
  }
  return r.value;
}

/**
 * @internal This process's channel counts (for tests): `client` and
 * `server` ends open now, `upgraded` client ends ever made, `freed`
 * channels this process freed.
 */
export const shmCounters = { client: 0, server: 0, upgraded: 0, freed: 0 };

/** Servers running on this thread (see {@linkcode noteLocalServer}). */
let localServers = 0;

/**
 * Counts a server of this thread in (+1) or out (-1). A client on the
 * thread of a server stays on the socket: its waits for a reply would
 * spin or sleep on the very thread that must answer.
 */
export function noteLocalServer(delta: 1 | -1): void {
  localServers += delta;
}

/** The name of this process's heap segment, if it has one. */
export function localHeapName(): string | null {
  try {
    return hasShmHeap() ? shmHeapName() : null;
  } catch {
    return null; // no --allow-ffi
  }
}

function ring(h: Heap, w: WaitWords, base: number): ByteRing {
  const data = h.bytes(w.load(base + RING_DATA), w.load(base + RING_CAP));
  return new ByteRing(w, base, data, h);
}

/** Frees a channel: unread big messages, ring data, its bell reference. */
function freeChannel(h: Heap, ptr: number): void {
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

function releaseBell(h: Heap, bell: number): void {
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
function finish(h: Heap, ptr: number, side: number, peerGone: boolean): void {
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
interface Watched extends WireConn {
  pollSync(timeout: number | null): boolean;
  waitBudgetUs?: number;
}

function watchable(c: WireConn): c is Watched {
  return typeof (c as Partial<Watched>).pollSync === "function";
}

/**
 * Client side: asks the server on `sock` to move to rings in the shared
 * heap. The socket must have just completed `accept_connection`, whose
 * reply advertised `advertised`.
 * @returns the upgraded connection, or `sock` itself (not upgraded).
 */
export async function upgrade(
  sock: WireConn,
  advertised: unknown,
): Promise<WireConn> {
  const offer = offerFor(sock, advertised);
  if (offer === null) return sock;
  try {
    await sock.send(offer.request);
    return offer.accept(await sock.recv());
  } catch (e) {
    offer.abandon();
    throw e;
  }
}

/** Blocking {@linkcode upgrade}. */
export function upgradeSync(sock: WireConn, advertised: unknown): WireConn {
  const offer = offerFor(sock, advertised);
  if (offer === null) return sock;
  try {
    sock.sendSync(offer.request);
    return offer.accept(sock.recvSync());
  } catch (e) {
    offer.abandon();
    throw e;
  }
}

interface Offer {
  request: unknown;
  accept(reply: unknown): WireConn;
  abandon(): void;
}

function offerFor(sock: WireConn, advertised: unknown): Offer | null {
  if (typeof advertised !== "string" || !watchable(sock)) return null;
  if (localServers > 0) return null;
  if (localHeapName() !== advertised) return null;
  const h = programHeap();
  const ptr = h.alloc(CH_WORDS * 4);
  const w = h.words(ptr, CH_WORDS);
  for (const base of [C2S, S2C]) {
    w.store(base + RING_DATA, h.alloc(RING_BYTES, false));
    w.store(base + RING_CAP, RING_BYTES);
  }
  w.store(MAGIC, CH_MAGIC);
  let owned = true;
  return {
    request: [null, SHM_UPGRADE, [advertised, ptr], {}],
    accept(reply) {
      const bell = Array.isArray(reply) && reply[0] === "#RETURN" &&
          typeof reply[1] === "number"
        ? reply[1]
        : 0;
      if (bell === 0) {
        owned = false;
        freeChannel(h, ptr); // refused: stay on the socket
        return sock;
      }
      owned = false;
      return new ClientChannel(sock, h, ptr, bell);
    },
    abandon() {
      // The server may have attached before the socket failed: finish as
      // a side that saw the peer go (the socket is closed by the caller).
      if (owned) finish(h, ptr, CLIENT_DONE, true);
      owned = false;
    },
  };
}

/** The client's end of an upgraded connection. */
class ClientChannel implements WireConn {
  readonly #sock: Watched;
  readonly #h: Heap;
  readonly #ptr: number;
  readonly #out: ByteRing;
  readonly #in: ByteRing;
  readonly #bell: WaitWords;
  #closed = false;
  #finished = false;
  #recvInFlight = false;

  constructor(sock: Watched, h: Heap, ptr: number, bell: number) {
    this.#sock = sock;
    this.#h = h;
    this.#ptr = ptr;
    const w = this.#words = h.words(ptr, CH_WORDS);
    this.#out = ring(h, w, C2S);
    this.#in = ring(h, w, S2C);
    this.#bell = h.words(bell, BELL_WORDS);
    shmCounters.client++;
    shmCounters.upgraded++;
  }

  get closed(): boolean {
    return this.#closed;
  }

  #check(): void {
    if (this.#closed) throw new OSError("handle is closed");
  }

  sendSync(obj: unknown): void {
    this.#check();
    const bytes = dumps(obj);
    // The server took the previous request before it replied: there is room.
    runSync(this.#out.writing(bytes));
    const b = this.#bell;
    b.add(SEQ, 1);
    if (b.load(SLEEPING) > 0) b.notify(SEQ, 1);
  }

  send(obj: unknown): Promise<void> {
    try {
      this.sendSync(obj);
      return Promise.resolve();
    } catch (e) {
      return Promise.reject(e);
    }
  }

  readonly #spin = new Spin();
  readonly #words: WaitWords;
  readonly #ready = () => this.#in.readable();
  readonly #parked = () => this.#words.load(PARKED) !== 0;

  /** Between sleeps: a socket that became readable has ended (the server sends nothing on it now). */
  #checkPeer(): void {
    let gone: boolean;
    try {
      gone = this.#sock.pollSync(0);
    } catch {
      gone = true;
    }
    if (gone) {
      this.#end(true);
      throw new EOFError("the manager's server closed the connection");
    }
  }

  recvSync(): unknown {
    this.#check();
    if (!this.#spin.run(this.#ready, this.#parked)) {
      while (!runSync(this.#in.polling(SLICE_MS))) this.#checkPeer();
      this.#spin.woke();
    }
    return loads(runSync(this.#in.reading()));
  }

  async recv(): Promise<unknown> {
    this.#check();
    if (this.#spin.run(this.#ready, this.#parked)) {
      return loads(runSync(this.#in.reading()));
    }
    this.#recvInFlight = true;
    try {
      let budget = CLIENT_BUDGET_MS;
      while (!(await runBudgeted(this.#in.polling(SLICE_MS), budget))) {
        budget = 0;
        if (this.#closed) break;
        this.#checkPeer();
      }
      this.#spin.woke();
      this.#check();
      return loads(runSync(this.#in.reading()));
    } finally {
      this.#recvInFlight = false;
      if (this.#closed) this.#end(false);
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#recvInFlight) {
      // The pending wait still uses the ring's words: wake it; it ends the
      // channel when it leaves (see recv).
      this.#in.closeWriter();
      return;
    }
    this.#end(false);
  }

  /** Marks the client done (freeing as `finish` says), then closes the socket. */
  #end(peerGone: boolean): void {
    this.#closed = true;
    if (!this.#finished) {
      this.#finished = true;
      shmCounters.client--;
      finish(this.#h, this.#ptr, CLIENT_DONE, peerGone);
    }
    this.#sock.close();
  }
}

/** The server's side of one upgraded connection. */
interface ServerChannel {
  readonly ptr: number;
  readonly in: ByteRing;
  readonly out: ByteRing;
  readonly words: WaitWords;
  readonly handle: (request: unknown) => Promise<unknown>;
  busy: boolean;
  /** The handler has not returned yet. */
  pending: boolean;
  /** `PARKED` is set. */
  parked: boolean;
  done: boolean;
}

/** The server's channels and their doorbell. */
export class ShmHub {
  readonly #h: Heap;
  readonly #name: string;
  readonly #bellPtr: number;
  readonly #bell: WaitWords;
  readonly #chans = new Set<ServerChannel>();
  #running = false;
  #stopped = false;
  /** Resolves when the loop has left (after stop). */
  #loopDone: Promise<void> = Promise.resolve();

  /** @param name This process's heap segment name. */
  constructor(name: string) {
    this.#h = programHeap();
    this.#name = name;
    this.#bellPtr = this.#h.alloc(BELL_WORDS * 4);
    this.#bell = this.#h.words(this.#bellPtr, BELL_WORDS);
    this.#bell.store(REFS, 1); // the server's
    this.#bell.store(BELL_MAGIC_AT, BELL_MAGIC);
  }

  /**
   * Attaches the channel a client offers and serves it until its socket
   * ends. Replies to the upgrade request on `sock` first.
   * @returns false if refused (the connection stays on the socket).
   */
  async serve(
    sock: WireConn,
    args: unknown,
    handle: (request: unknown) => Promise<unknown>,
  ): Promise<boolean> {
    const ch = this.#attach(args, handle);
    await sock.send(["#RETURN", ch === null ? null : this.#bellPtr]);
    if (ch === null) return false;
    if (watchable(sock) && "waitBudgetUs" in sock) sock.waitBudgetUs = 0;
    this.#chans.add(ch);
    if (!this.#running) this.#start();
    let gone = false;
    try {
      await sock.recv(); // nothing comes now: a message is a protocol error
    } catch {
      gone = true; // end-of-file (or a broken socket): the client is done
    }
    this.#drop(ch, gone);
    return true;
  }

  #attach(
    args: unknown,
    handle: (request: unknown) => Promise<unknown>,
  ): ServerChannel | null {
    if (this.#stopped || !Array.isArray(args) || args.length !== 2) return null;
    const [name, ptr] = args;
    if (name !== this.#name || typeof ptr !== "number") return null;
    const h = this.#h;
    if (!Number.isInteger(ptr) || ptr <= 0 || ptr * 16 >= h.u8.length) {
      return null;
    }
    const w = h.words(ptr, CH_WORDS);
    if (w.load(MAGIC) !== CH_MAGIC || w.load(STATE) !== 0) return null;
    if (w.compareExchange(BELL, 0, this.#bellPtr) !== 0) return null;
    this.#bell.add(REFS, 1); // the channel's
    shmCounters.server++;
    return {
      ptr,
      in: ring(h, w, C2S),
      out: ring(h, w, S2C),
      words: w,
      handle,
      busy: false,
      pending: false,
      parked: false,
      done: false,
    };
  }

  #drop(ch: ServerChannel, peerGone: boolean): void {
    if (ch.done) return;
    ch.done = true;
    shmCounters.server--;
    this.#chans.delete(ch);
    finish(this.#h, ch.ptr, SERVER_DONE, peerGone);
  }

  /** Serves every ready channel; whether one was. */
  #scan(): boolean {
    let any = false;
    for (const ch of this.#chans) {
      if (ch.busy || !ch.in.readable()) continue;
      any = true;
      ch.busy = true;
      this.#serveOne(ch);
    }
    return any;
  }

  async #serveOne(ch: ServerChannel): Promise<void> {
    let msg: unknown;
    ch.pending = true;
    try {
      msg = await ch.handle(loads(runSync(ch.in.reading())));
    } catch (e) {
      msg = ["#TRACEBACK", String((e as Error)?.stack ?? e)];
    }
    ch.pending = false;
    if (ch.done) return;
    if (ch.parked) {
      ch.parked = false;
      ch.words.store(PARKED, 0); // before the reply: the client spins again next call
    }
    let bytes: Uint8Array;
    try {
      bytes = dumps(msg);
    } catch (e) {
      bytes = dumps([
        "#UNSERIALIZABLE",
        `Traceback (most recent call last):\n${
          String((e as Error)?.stack ?? e)
        }\n`,
      ]);
    }
    try {
      // Room is there (the client took the last reply before it asked
      // again): this completes at once.
      await runAsync(ch.out.writing(bytes));
      ch.busy = false;
    } catch {
      this.#drop(ch, false);
    }
  }

  /** Marks the channels whose handler still runs as parked. */
  #park(): void {
    for (const ch of this.#chans) {
      if (ch.pending && !ch.parked) {
        ch.parked = true;
        ch.words.store(PARKED, 1);
      }
    }
  }

  readonly #tick = (us: number) => {
    if (us > PARK_AFTER_US) this.#park();
  };

  /** Runs the loop; one that fails starts again (its channels wait on it). */
  #start(): void {
    this.#loopDone = this.#loop().catch(() => {
      if (!this.#stopped && this.#chans.size > 0) {
        // Not at once: an error that repeats must not hold the event loop.
        setTimeout(() => {
          if (!this.#running && !this.#stopped && this.#chans.size > 0) {
            this.#start();
          }
        }, 1);
      }
    });
  }

  async #loop(): Promise<void> {
    this.#running = true;
    const b = this.#bell, spin = new Spin();
    let runStart = performance.now(), skip = 0, skipNext = 1;
    try {
      while (!this.#stopped && this.#chans.size > 0) {
        const seq = b.load(SEQ);
        if (this.#scan()) {
          await null;
          continue;
        }
        // The handlers' microtasks first (a reply is usually a few away).
        await null;
        if (this.#scan()) continue;
        if (await spin.runAsync(() => b.load(SEQ) !== seq, this.#tick)) {
          if (performance.now() - runStart > MAX_RUN_MS) {
            // Let timers and socket I/O have a turn.
            await new Promise((r) => setTimeout(r, 0));
            runStart = performance.now();
          }
          continue;
        }
        this.#park();
        b.add(SLEEPING, 1);
        try {
          if (this.#scan() || this.#stopped) continue;
          // A bounded sleep on this thread first (no hop), skipped for a
          // while after one that found nothing (an idle server), as the
          // socket poller's.
          let r = "timed-out";
          if (skip > 0) skip--;
          else {
            try {
              r = b.wait(SEQ, seq, SERVER_BUDGET_MS);
            } catch {
              // A futex error (errno read after the call) must not end
              // the server: the async wait below decides from state.
              r = "timed-out";
            }
            if (r === "timed-out") {
              skip = skipNext;
              skipNext = Math.min(64, skipNext * 2);
            } else skipNext = 1;
          }
          if (r === "timed-out" && !this.#scan()) {
            await b.waitAsync(SEQ, seq, SLICE_MS);
          }
          if (b.load(SEQ) !== seq) spin.woke();
        } finally {
          b.add(SLEEPING, -1);
        }
        runStart = performance.now();
      }
    } finally {
      this.#running = false;
    }
  }

  /** Stops: every channel is finished here, the loop wakes and leaves. */
  stop(): Promise<void> {
    if (this.#stopped) return this.#loopDone;
    this.#stopped = true;
    for (const ch of [...this.#chans]) this.#drop(ch, false);
    const b = this.#bell;
    b.add(SEQ, 1);
    b.notify(SEQ, Infinity);
    const done = this.#loopDone;
    return done.finally(() => releaseBell(this.#h, this.#bellPtr));
  }
}
