/**
 * The server's side of a manager connection's shared-memory channel
 * (`_shm_layout.ts`): it attaches the channels clients offer
 * (`_shm_client.ts`) and serves their requests.
 *
 * - **The server's wait.** One doorbell per server: a client bumps its
 *   sequence word after writing a request and wakes the server only when
 *   it sleeps. The server scans its channels, spins (yielding to
 *   microtasks, bounded; `sync/spin.ts`) while the bell is still, then
 *   sleeps on it with one async futex wait: one wait covers every channel,
 *   and the event loop is never held for long.
 * - **Liveness.** Each channel's socket stays open and silent; the server
 *   watches it for end-of-file (the client is done or dead) and then
 *   finishes the channel.
 *
 * @module
 */

import type { Heap } from "../../_internal/sync/heap.ts";
import type { ByteRing } from "../../_internal/sync/byte_ring.ts";
import { programHeap } from "../../_internal/process/program_heap.ts";
import {
  type Blocking,
  isThenable,
  runAsync,
  runSync,
  type Step,
  type WaitWords,
} from "../../_internal/sync/words.ts";
import { dumps, loads } from "../connection/_pickle.ts";
import { isTuple, tuple } from "./_token.ts";
import type { WireConn } from "./_transport.ts";
import {
  BELL,
  BELL_MAGIC,
  BELL_MAGIC_AT,
  BELL_WORDS,
  C2S,
  CH_MAGIC,
  CH_WORDS,
  finish,
  MAGIC,
  PARKED,
  REFS,
  releaseBell,
  ring,
  S2C,
  SEQ,
  SERVER_DONE,
  shmCounters,
  SLEEPING,
  SLICE_MS,
  STATE,
  watchable,
} from "./_shm_layout.ts";
import { Spin } from "../../_internal/sync/spin.ts";
import { macrotask } from "../../_internal/macrotask.ts";

/**
 * How long (ms) the server's async wait may sleep on its thread before it
 * goes to Deno's blocking-task thread (a hop of ≈ 37 µs; see
 * `_internal/net/poller.ts`, whose ppoll budget this mirrors).
 */
const SERVER_BUDGET_MS = 0.5;
/** A handler still running after this long (µs) is parked (`PARKED`). */
const PARK_AFTER_US = 20;
/** The longest the server loop runs without letting the event loop turn (ms). */
const MAX_RUN_MS = 5;

/**
 * The reply of every method that returns nothing (`d[k] = v`), pickled
 * once: the same bytes `dumps` writes for it (the ring copies them).
 */
const RETURN_NONE = dumps(tuple("#RETURN", null));

function isReturnNone(msg: unknown): boolean {
  return isTuple(msg) && msg.length === 2 && msg[0] === "#RETURN" &&
    msg[1] === null;
}

function traceback(e: unknown): unknown {
  return ["#TRACEBACK", String((e as Error)?.stack ?? e)];
}

/** The rest of a blocking algorithm whose first step was run already. */
function* resumed<T>(g: Blocking<T>, step: Step): Blocking<T> {
  for (;;) {
    let r: IteratorResult<Step, T>;
    try {
      r = g.next(yield step);
    } catch (e) {
      r = g.throw(e);
    }
    if (r.done) return r.value;
    step = r.value;
  }
}

/** The server's side of one upgraded connection. */
interface ServerChannel {
  readonly ptr: number;
  readonly in: ByteRing;
  readonly out: ByteRing;
  readonly words: WaitWords;
  readonly handle: (request: unknown) => unknown;
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
    handle: (request: unknown) => unknown,
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
    handle: (request: unknown) => unknown,
  ): ServerChannel | null {
    if (this.#stopped || !Array.isArray(args) || args.length !== 2) return null;
    const [name, ptr] = args;
    if (name !== this.#name || typeof ptr !== "number") return null;
    const h = this.#h;
    if (!h.inBlocks(ptr)) return null;
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

  /**
   * Serves the request waiting on `ch`. A handler that returns at once
   * (most methods) is answered in this turn, before the loop spins again.
   */
  #serveOne(ch: ServerChannel): void {
    let msg: unknown;
    ch.pending = true;
    try {
      msg = ch.handle(loads(runSync(ch.in.reading())));
    } catch (e) {
      msg = traceback(e);
    }
    if (isThenable(msg)) void this.#answerLater(ch, msg);
    else this.#answer(ch, msg);
  }

  async #answerLater(ch: ServerChannel, pending: PromiseLike<unknown>) {
    let msg: unknown;
    try {
      msg = await pending;
    } catch (e) {
      msg = traceback(e);
    }
    this.#answer(ch, msg);
  }

  #answer(ch: ServerChannel, msg: unknown): void {
    ch.pending = false;
    if (ch.done) return;
    if (ch.parked) {
      ch.parked = false;
      ch.words.store(PARKED, 0); // before the reply: the client spins again next call
    }
    let bytes: Uint8Array;
    try {
      bytes = isReturnNone(msg) ? RETURN_NONE : dumps(msg);
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
      // again): this completes at once, without a wait.
      const g = ch.out.writing(bytes);
      const r = g.next();
      if (r.done) ch.busy = false;
      else {
        runAsync(resumed(g, r.value)).then(
          () => ch.busy = false,
          () => this.#drop(ch, false),
        );
      }
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
            await macrotask();
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
            r = b.wait(SEQ, seq, SERVER_BUDGET_MS);
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
