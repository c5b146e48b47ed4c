import { registerDestructor } from "../../_internal/sync/heap.ts";
import { HEADER, Tag } from "../../_internal/sync/layout.ts";
import { LockCore } from "../../_internal/sync/lock_core.ts";
import {
  claimRegion,
  heapRecord,
  registerHeapClass,
} from "../../_internal/sync/heap_object.ts";
import { SHARE, type ShareRecord } from "../../_internal/codec/shareable.ts";
import { programHeap } from "../../_internal/process/program_heap.ts";
import { ProcessError } from "../errors.ts";
import { ValueError } from "../../_internal/errors.ts";
import { SharedMemory, unlinkName } from "./shared_memory.ts";
import { type ShareableItem, ShareableList } from "./shareable_list.ts";

const M = {
  LOCK: HEADER,
  /** {@linkcode State}. */
  STATE: HEADER + 1,
  /** The names of the segments made through the manager, "\n"-separated. */
  NAMES_PTR: HEADER + 2,
  NAMES_LEN: HEADER + 3,
  NAMES_CAP: HEADER + 4,
  WORDS: HEADER + 5,
} as const;

const State = { INITIAL: 0, STARTED: 1, SHUTDOWN: 2 } as const;

const TAG = "shared_memory.SharedMemoryManager";
const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder();

/**
 * Python's `multiprocessing.managers.SharedMemoryManager`: creates
 * `SharedMemory` segments and `ShareableList`s and unlinks all of them at
 * `shutdown()` (or when disposed: `await using smm = …`).
 *
 * Python's manager runs a server process that owns the segments; this one
 * keeps the list of names in the program's shared memory instead, so no
 * server is needed: the manager can be passed to child processes, which
 * create segments through it too, and `shutdown()` from any process unlinks
 * every one of them. Segments are also registered with the resource
 * tracker, so a crash before `shutdown()` leaks nothing.
 *
 * The methods are async with `Sync` forms, as the API of managers is.
 *
 * @example
 * ```ts
 * import { SharedMemoryManager } from "@pyconc/std/multiprocessing/shared_memory";
 * import assert from "node:assert/strict";
 *
 * const smm = new SharedMemoryManager();
 * await smm.start();
 * const shm = await smm.SharedMemory(128);
 * const sl = await smm.ShareableList([1, 2, 3]);
 * assert.equal(shm.size, 128);
 * assert.equal(sl.get(2), 3);
 * shm.close();
 * sl.shm.close();
 * await smm.shutdown(); // unlinks both
 * ```
 */
export class SharedMemoryManager {
  readonly #ptr: number;
  readonly #lock: LockCore;

  /** Creates a manager (Python's arguments `address` and `authkey` do not apply). */
  constructor() {
    const h = programHeap();
    this.#ptr = claimRegion(
      this,
      Tag.SHM_MANAGER,
      M.WORDS,
      "SharedMemoryManager",
      h,
    );
    this.#lock = new LockCore(h.words(this.#ptr, M.WORDS), M.LOCK);
  }

  #words(): Int32Array {
    return programHeap().int32(this.#ptr, M.WORDS);
  }

  /**
   * Starts the manager (Python's `start`).
   * @throws {ProcessError} If it was started already.
   */
  start(): Promise<void> {
    try {
      this.startSync();
      return Promise.resolve();
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** Like {@linkcode SharedMemoryManager.start}. */
  startSync(): void {
    const w = this.#words();
    if (
      Atomics.compareExchange(w, M.STATE, State.INITIAL, State.STARTED) !==
        State.INITIAL
    ) {
      throw new ProcessError("Already started server");
    }
  }

  #checkStarted(): void {
    const state = Atomics.load(this.#words(), M.STATE);
    if (state === State.INITIAL) {
      // CPython's class and words: its client finds no address to connect to.
      throw new ValueError("address type of None unrecognized");
    }
    if (state === State.SHUTDOWN) throw new ProcessError("server is shut down");
  }

  #remember(name: string): void {
    const h = programHeap();
    const bytes = utf8.encode(name + "\n");
    this.#lock.enter();
    try {
      const w = this.#words();
      const len = w[M.NAMES_LEN]!;
      let cap = w[M.NAMES_CAP]!;
      if (len + bytes.length > cap) {
        const bigger = Math.max(256, 2 * (len + bytes.length));
        const block = h.alloc(bigger, false);
        if (len > 0) {
          h.bytes(block, len).set(h.bytes(w[M.NAMES_PTR]!, len));
          h.free(w[M.NAMES_PTR]!);
        }
        w[M.NAMES_PTR] = block;
        w[M.NAMES_CAP] = cap = bigger;
      }
      h.bytes(w[M.NAMES_PTR]!, cap).set(bytes, len);
      w[M.NAMES_LEN] = len + bytes.length;
    } finally {
      this.#lock.release();
    }
  }

  /**
   * A new `SharedMemory` of `size` bytes, unlinked at shutdown.
   * @throws {ValueError} If the manager is not started (CPython's class).
   * @throws {ProcessError} If the manager is shut down.
   */
  SharedMemory(size: number): Promise<SharedMemory> {
    try {
      return Promise.resolve(this.SharedMemorySync(size));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** Like {@linkcode SharedMemoryManager.SharedMemory}. */
  SharedMemorySync(size: number): SharedMemory {
    this.#checkStarted();
    const shm = new SharedMemory({ create: true, size });
    this.#remember(shm.name);
    return shm;
  }

  /**
   * A new `ShareableList` of `sequence`, unlinked at shutdown.
   * @throws {ValueError} If the manager is not started (CPython's class).
   * @throws {ProcessError} If the manager is shut down.
   */
  ShareableList(
    sequence: Iterable<ShareableItem> = [],
  ): Promise<ShareableList> {
    try {
      return Promise.resolve(this.ShareableListSync(sequence));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** Like {@linkcode SharedMemoryManager.ShareableList}. */
  ShareableListSync(sequence: Iterable<ShareableItem> = []): ShareableList {
    this.#checkStarted();
    const sl = new ShareableList(sequence);
    this.#remember(sl.shm.name);
    return sl;
  }

  /**
   * Unlinks every segment made through the manager (Python's `shutdown`).
   * Shutting down twice is harmless.
   */
  shutdown(): Promise<void> {
    this.shutdownSync();
    return Promise.resolve();
  }

  /** Like {@linkcode SharedMemoryManager.shutdown}. */
  shutdownSync(): void {
    const w = this.#words();
    if (
      Atomics.compareExchange(w, M.STATE, State.STARTED, State.SHUTDOWN) !==
        State.STARTED
    ) {
      return;
    }
    const h = programHeap();
    let names: string[] = [];
    this.#lock.enter();
    try {
      const len = w[M.NAMES_LEN]!;
      if (len > 0) {
        names = utf8Decoder.decode(h.bytes(w[M.NAMES_PTR]!, len).slice())
          .split("\n").filter((s) => s !== "");
      }
      w[M.NAMES_LEN] = 0;
    } finally {
      this.#lock.release();
    }
    for (const name of names) {
      try {
        unlinkName(name);
      } catch { /* unlinked already by its user */ }
    }
  }

  /** Shuts down (`await using smm = …`), as Python's `__exit__`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown();
  }

  /** Shuts down (`using smm = …`). */
  [Symbol.dispose](): void {
    this.shutdownSync();
  }

  /** @internal The codec record: the manager travels by reference. */
  [SHARE](): ShareRecord {
    return heapRecord(TAG, this.#ptr, programHeap());
  }
}

registerHeapClass(TAG, () => new SharedMemoryManager(), programHeap);
registerDestructor(Tag.SHM_MANAGER, (h, ptr) => {
  const block = h.int32(ptr, M.WORDS)[M.NAMES_PTR]!;
  if (block !== 0) h.free(block);
});
