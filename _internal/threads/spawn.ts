/**
 * Starting a thread: claim an idle Worker from the pool, or create one.
 *
 * A Worker is created by the main thread when the main thread starts the
 * thread (≈ 20 ms, paid once: Workers are reused). A Worker that starts a
 * thread and finds none idle creates its own (in Deno a Worker's own Worker
 * starts in ≈ 0.5 s, but it never waits for the main thread, which may be
 * blocked), and asks the main thread for a spare so that the next start is
 * warm. The creator of a Worker hears it die and ends its thread for the
 * joiners.
 *
 * Every Worker is `unref()`ed: what keeps the process alive is the rule of
 * keepalive.ts (live non-daemon threads), as in Python.
 *
 * @module
 */

import type { Worker } from "node:worker_threads";
import { nodeBuiltin } from "../node_builtin.ts";
import { heap } from "../sync/heap.ts";
import { encode } from "../codec/encode.ts";
import { agentId, isMainAgent } from "./agent.ts";
import { type Assignment, Pool, S, Slot } from "./pool.ts";
import { E, Registry } from "./registry.ts";

/** The channel that carries SharedArrayBuffers to Workers this agent did not create. */
export const SAB_CHANNEL = "pyconc-thread-sabs";

/** Workers this agent created, by slot. */
const owned = new Map<number, Worker>();

/**
 * The old-generation heap limit (MiB) given to each Worker: this thread's
 * own limit, so nothing changes but this: with a limit set, a Worker that
 * runs out of memory ends alone (its creator hears
 * ERR_WORKER_OUT_OF_MEMORY, and its thread ends), where without one Deno
 * aborts the whole process ("Fatal JavaScript out of memory").
 */
let heapLimitMb: number | undefined;

/** The Workers' heap limit: this thread's (read when a first Worker is made). */
function workerHeapLimitMb(): number {
  return heapLimitMb ??= Math.max(
    64,
    Math.floor(
      nodeBuiltin("node:v8").getHeapStatistics().heap_size_limit / 2 ** 20,
    ),
  );
}

/** Sets the heap limit of the Workers created from now on (tests use it). */
export function setWorkerHeapLimitMb(mb: number): void {
  heapLimitMb = mb;
}

/** Runs an assignment on an idle Worker, or a new one. */
export function startOnWorker(a: Assignment): void {
  const pool = Pool.get();
  const requestId = pool.nextRequestId();
  let slot = pool.claimIdle(a.stackMb);
  if (slot !== 0) {
    pool.assign(slot, a, requestId);
    if (a.sabs.length > 0) sendSabs(slot, requestId, a.sabs);
  } else {
    slot = spawn(a.stackMb, a, requestId);
  }
  if (!pool.anyIdle()) wantSpare();
}

/** Keeps one Worker warm for the next start. */
function wantSpare(): void {
  if (isMainAgent) {
    // After the caller's synchronous work, not inside start().
    queueMicrotask(() => {
      if (!Pool.get().anyIdle()) spawnSpare();
    });
  } else {
    Pool.get().poke(0, S.SPARE);
  }
}

/** Called when the main thread is asked for a spare Worker. */
export function spareRequested(): void {
  if (!Pool.get().anyIdle()) spawnSpare();
}

/** A spare is only a head start: if no Worker can be made now, none is. */
function spawnSpare(): void {
  try {
    spawn(0);
  } catch { /* the next start creates its Worker, or reports the failure */ }
}

function spawn(stackMb: number, a?: Assignment, requestId = 0): number {
  const pool = Pool.get();
  const slot = pool.reserve(agentId(), stackMb);
  // Before the Worker exists: a booting Worker looks for it when it starts.
  if (a !== undefined) pool.assign(slot, a, requestId);
  let worker: Worker;
  try {
    const { Worker } = nodeBuiltin("node:worker_threads");
    worker = new Worker(new URL("./worker_main.ts", import.meta.url), {
      name: `pyconc-thread-${slot}`,
      resourceLimits: {
        maxOldGenerationSizeMb: workerHeapLimitMb(),
        ...(stackMb > 0 ? { stackSizeMb: stackMb } : {}),
      },
    });
  } catch (e) {
    // The OS refused the thread (a stack it cannot give: WouldBlock):
    // the slot goes back empty; the caller undoes the thread's start.
    const req = pool.get(slot, S.REQ_PTR);
    if (req !== 0) heap().free(req);
    pool.set(slot, S.ENTRY, 0);
    pool.set(slot, S.REQ_PTR, 0);
    pool.set(slot, S.STATE, Slot.EMPTY);
    throw e;
  }
  worker.unref();
  owned.set(slot, worker);
  let failure: unknown;
  worker.on("error", (e) => {
    failure = e;
  });
  worker.on("exit", () => died(slot, failure));
  worker.postMessage({ init: { heap: heap().sab, slot } });
  if (a !== undefined && a.sabs.length > 0) {
    worker.postMessage({ sabs: { id: requestId, sabs: a.sabs } });
  }
  return slot;
}

/** Delivers an assignment's SharedArrayBuffers to the Worker of `slot`. */
export function sendSabs(
  slot: number,
  id: number,
  sabs: SharedArrayBuffer[],
): void {
  const worker = owned.get(slot);
  if (worker !== undefined) {
    worker.postMessage({ sabs: { id, sabs } });
    return;
  }
  // Not ours: a BroadcastChannel reaches every Worker of the process and
  // shares SharedArrayBuffers; the addressee picks it up by slot.
  const channel = new BroadcastChannel(SAB_CHANNEL);
  channel.postMessage({ slot, id, sabs });
  channel.close();
}

/** A Worker this agent created is gone: end its thread, free its slot. */
function died(slot: number, failure: unknown): void {
  owned.delete(slot);
  const pool = Pool.get();
  const i = pool.at(slot, S.STATE);
  let state = pool.words.load(i);
  // Close the slot to claimers first; a claimer that got in just before
  // finishes its (synchronous) assignment, and then its thread is ended here.
  while (state === Slot.IDLE || state === Slot.CLAIMED) {
    if (state === Slot.IDLE) {
      if (
        pool.words.compareExchange(i, Slot.IDLE, Slot.RETIRING) === Slot.IDLE
      ) break;
    }
    state = pool.words.load(i);
  }
  state = pool.words.load(i);

  const entry = pool.get(slot, S.ENTRY);
  if ((state === Slot.RUNNING || state === Slot.BOOTING) && entry !== 0) {
    const reg = Registry.get();
    if (failure !== undefined) {
      // The error escaped the thread's own handler (e.g. thrown by a timer).
      try {
        reg.setException(entry, encode(failure).bytes.slice());
      } catch { /* not encodable: the thread just ends */ }
    }
    if (reg.stop(entry)) {
      pool.poke(reg.entry(entry).load(E.STARTER));
      heap().release(entry); // the reference the dead Worker held
    }
  }
  const req = pool.get(slot, S.REQ_PTR);
  if (req !== 0 && state === Slot.BOOTING) heap().free(req);
  pool.set(slot, S.ENTRY, 0);
  pool.set(slot, S.REQ_PTR, 0);
  pool.set(slot, S.STATE, Slot.EMPTY);
}
