/**
 * The bootstrap of a thread Worker: attach the process's heap, then run the
 * threads assigned to this Worker's pool slot, one after another.
 *
 * An assignment arrives through shared memory (any thread may claim an idle
 * Worker and wake it); only SharedArrayBuffers in its arguments come as a
 * message, from the Worker's creator or on a BroadcastChannel.
 *
 * @module
 */

import { parentPort } from "node:worker_threads";
import { heap, installHeap } from "../sync/heap.ts";
import { setAgentId } from "./agent.ts";
import { Pool, S, Slot } from "./pool.ts";
import { SAB_CHANNEL } from "./spawn.ts";

const port = parentPort!;
let slot = 0;

/** How long (ms) an idle Worker stays when another one is warm. */
const IDLE_TTL = 30_000;

/** SharedArrayBuffers by request id, and who waits for them. */
const arrived = new Map<number, SharedArrayBuffer[]>();
const waiting = new Map<number, (sabs: SharedArrayBuffer[]) => void>();

function deliver(id: number, sabs: SharedArrayBuffer[]): void {
  const resolve = waiting.get(id);
  if (resolve !== undefined) {
    waiting.delete(id);
    resolve(sabs);
  } else {
    arrived.set(id, sabs);
  }
}

export function sabsFor(id: number): Promise<SharedArrayBuffer[]> {
  const sabs = arrived.get(id);
  if (sabs !== undefined) {
    arrived.delete(id);
    return Promise.resolve(sabs);
  }
  return new Promise((resolve) => waiting.set(id, resolve));
}

port.on("message", (m: {
  init?: { heap: SharedArrayBuffer; slot: number };
  sabs?: { id: number; sabs: SharedArrayBuffer[] };
}) => {
  if (m.init) {
    installHeap(m.init.heap);
    slot = m.init.slot;
    setAgentId(slot);
    void serve();
  } else if (m.sabs) {
    deliver(m.sabs.id, m.sabs.sabs);
  }
});

const channel = new BroadcastChannel(SAB_CHANNEL);
channel.onmessage = (
  e: MessageEvent<{ slot: number; id: number; sabs: SharedArrayBuffer[] }>,
) => {
  if (e.data.slot === slot) deliver(e.data.id, e.data.sabs);
};

/** Waits for assignments and runs them, forever. */
async function serve(): Promise<void> {
  // The thread module loads after the heap is installed.
  const { runAssignment, installExitHooks } = await import(
    "../../threading/thread.ts"
  );
  installExitHooks();
  const pool = Pool.get();
  const i32 = pool.words.i32;
  const state = pool.at(slot, S.STATE);
  if (pool.get(slot, S.REQ_PTR) !== 0) {
    Atomics.store(i32, state, Slot.RUNNING); // created for an assignment
  } else {
    Atomics.store(i32, state, Slot.IDLE);
  }
  for (;;) {
    let s = Atomics.load(i32, state);
    while (s !== Slot.RUNNING) {
      const r = Atomics.waitAsync(
        i32,
        state,
        s,
        s === Slot.IDLE ? IDLE_TTL : Infinity,
      );
      const result = r.async ? await r.value : r.value;
      if (result === "timed-out" && pool.idleCount(2) > 1) {
        // Idle for long and another Worker is warm: leave, unless claimed
        // in the meantime. Python's threads end; a Worker costs memory.
        if (
          Atomics.compareExchange(i32, state, Slot.IDLE, Slot.RETIRING) ===
            Slot.IDLE
        ) {
          channel.close();
          Deno.exit(0); // ends this Worker only; its creator frees the slot
        }
      }
      s = Atomics.load(i32, state);
    }
    const h = heap();
    const entry = pool.get(slot, S.ENTRY);
    const block = pool.get(slot, S.REQ_PTR);
    const bytes = h.bytes(block, pool.get(slot, S.REQ_LEN)).slice();
    h.free(block);
    pool.set(slot, S.REQ_PTR, 0);
    const sabs = pool.get(slot, S.SABS) > 0
      ? await sabsFor(pool.get(slot, S.REQ_ID))
      : [];
    await runAssignment(entry, bytes, sabs, () => {
      // Idle before the thread is marked stopped: whoever joins it and
      // starts another finds this Worker ready.
      pool.set(slot, S.ENTRY, 0);
      Atomics.store(i32, state, Slot.IDLE);
    });
  }
}
