/**
 * The client's end of a manager connection's shared-memory channel
 * (`_shm_layout.ts`): the upgrade after `accept_connection`, and the
 * connection that then sends requests and waits for replies over the rings.
 *
 * - **Who upgrades.** Our server's `accept_connection` reply carries its
 *   heap's segment name (CPython's clients discard that reply's value); a
 *   client upgrades only when the name is its own heap's, so a CPython
 *   server never receives the upgrade request, and the server checks the
 *   name again before it attaches (`_shm_hub.ts`).
 * - **Waiting for a reply.** The client spins (`sync/spin.ts`) unless the
 *   server's handler is parked, then sleeps in slices and checks its
 *   socket between them, so a killed server fails the call (EOFError).
 *
 * @module
 */

import { EOFError, OSError } from "../../_internal/errors.ts";
import type { Heap } from "../../_internal/sync/heap.ts";
import {
  type ByteRing,
  RING_CAP,
  RING_DATA,
} from "../../_internal/sync/byte_ring.ts";
import { hasShmHeap, shmHeapName } from "../../_internal/sync/shm_heap.ts";
import { programHeap } from "../../_internal/process/program_heap.ts";
import {
  type Blocking,
  runSync,
  type WaitWords,
} from "../../_internal/sync/words.ts";
import { dumps, loads } from "../connection/_pickle.ts";
import type { WireConn } from "./_transport.ts";
import {
  BELL_WORDS,
  C2S,
  CH_MAGIC,
  CH_WORDS,
  CLIENT_DONE,
  finish,
  freeChannel,
  MAGIC,
  PARKED,
  ring,
  RING_BYTES,
  S2C,
  SEQ,
  SHM_UPGRADE,
  shmCounters,
  SLEEPING,
  SLICE_MS,
  watchable,
  type Watched,
} from "./_shm_layout.ts";
import { Spin } from "../../_internal/sync/spin.ts";

/**
 * How long (ms) an async client's wait may sleep on the calling thread
 * before it goes to Deno's blocking-task thread (a hop of ≈ 37 µs; see
 * `_internal/net/poller.ts`, whose ppoll budget this mirrors; the
 * server's is `SERVER_BUDGET_MS` in `_shm_hub.ts`).
 */
const CLIENT_BUDGET_MS = 0.1;

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

  recv(): Promise<unknown> {
    // A reply caught by the spin resolves without an async function's
    // extra microtask turns.
    try {
      this.#check();
      if (this.#spin.run(this.#ready, this.#parked)) {
        return Promise.resolve(loads(runSync(this.#in.reading())));
      }
    } catch (e) {
      return Promise.reject(e);
    }
    return this.#recvSlow();
  }

  async #recvSlow(): Promise<unknown> {
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
