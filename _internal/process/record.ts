/**
 * A child's record in the program's heap: how its parent hands it an
 * assignment, and the list of pipe handles it holds.
 *
 * The list is what lets a killed process's handles be closed: the kernel
 * closes a dead process's descriptors, so Python's pipe readers see
 * end-of-file at once; a process killed here cannot release its handles
 * (references in the shared heap), so its parent releases what the list
 * names when it reaps the child. The parent owns the record and frees it
 * after the reap.
 *
 * The list's lock is robust and its updates journaled (robust_lock.ts,
 * journal.ts): a child killed while it updates its list leaves the lock
 * to its parent's reap, which rolls the update back, so the reap never
 * blocks and never releases a handle twice (a handle being added may be
 * leaked).
 *
 * @module
 */

import type { Heap } from "../sync/heap.ts";
import { registerDestructor } from "../sync/heap.ts";
import { Tag } from "../sync/object_tags.ts";
import { RobustLock } from "../sync/robust_lock.ts";
import { Journal } from "../sync/journal.ts";
import { programHeap } from "./program_heap.ts";
import { ProcessTable } from "./table.ts";
import { R, RecordState } from "./record_layout.ts";

export { R, RecordState };

/** Allocates a record (owned by the caller: the parent). */
export function newRecord(h: Heap): number {
  return h.allocObject(Tag.PROCESS_RECORD, R.WORDS);
}

/**
 * Runs `fn` on the list under its lock. `fn` writes visible words only
 * through `set(heapWord, value)` (journaled; heap-absolute word indices),
 * and puts in `retired` the blocks to free once the update committed.
 */
function withHoldings<T>(
  h: Heap,
  record: number,
  fn: (w: Int32Array, set: (at: number, value: number) => void) => T,
  retired?: number[],
): T {
  const words = h.words(record, R.WORDS);
  const journal = new Journal(words.i32, R.JOURNAL, 4);
  const rollback = () =>
    journal.rollback((at, old) => {
      new Int32Array(h.buffer, at * 4, 1)[0] = old;
    });
  const lock = new RobustLock(words, R.HOLD_LOCK, R.HOLD_STAMP, rollback);
  const set = (at: number, value: number) => {
    const cell = new Int32Array(h.buffer, at * 4, 1);
    journal.note(at, cell[0]!);
    cell[0] = value;
  };
  lock.enter();
  let out: T;
  try {
    out = fn(words.i32, set);
    journal.commit();
  } finally {
    if (journal.pending()) {
      rollback();
      retired?.splice(0); // still in use: the update was undone
    }
    lock.release();
  }
  if (retired !== undefined) { for (const b of retired.splice(0)) h.free(b); }
  return out;
}

/** Records that this process holds one reference to `ptr`. */
export function noteHeld(ptr: number): void {
  const record = ProcessTable.get().selfRecord;
  if (record === 0) return; // the main process: nobody reaps it
  const h = programHeap();
  const at = record * 4; // the record's first heap word
  const retired: number[] = [];
  withHoldings(h, record, (w, set) => {
    const len = w[R.HOLD_LEN]!;
    let cap = w[R.HOLD_CAP]!;
    if (len === cap) {
      const bigger = Math.max(16, cap * 2);
      const block = h.alloc(bigger * 4, false);
      if (len > 0) {
        h.int32(block, bigger).set(h.int32(w[R.HOLD_PTR]!, len));
        retired.push(w[R.HOLD_PTR]!); // freed once the update committed
      }
      set(at + R.HOLD_PTR, block);
      set(at + R.HOLD_CAP, cap = bigger);
    }
    h.int32(w[R.HOLD_PTR]!, cap)[len] = ptr; // past the length: unseen yet
    set(at + R.HOLD_LEN, len + 1);
  }, retired);
}

/** Records that this process no longer holds a reference to `ptr`. */
export function noteReleased(ptr: number): void {
  const record = ProcessTable.get().selfRecord;
  if (record === 0) return;
  const h = programHeap();
  withHoldings(h, record, (w, set) => {
    const len = w[R.HOLD_LEN]!;
    if (len === 0) return;
    const list = h.int32(w[R.HOLD_PTR]!, len);
    const i = list.indexOf(ptr);
    if (i < 0) return;
    set(w[R.HOLD_PTR]! * 4 + i, list[len - 1]!);
    set(record * 4 + R.HOLD_LEN, len - 1);
  });
}

/** A reaped child's record: release what it held, then the record. */
function reaped(record: number): void {
  const h = programHeap();
  const held = withHoldings(h, record, (w, set) => {
    const len = w[R.HOLD_LEN]!;
    const list = len > 0 ? [...h.int32(w[R.HOLD_PTR]!, len)] : [];
    set(record * 4 + R.HOLD_LEN, 0);
    return list;
  });
  for (const ptr of held) h.release(ptr);
  h.release(record);
}

ProcessTable.setOnReaped(reaped);

registerDestructor(Tag.PROCESS_RECORD, (h, record) => {
  const block = h.int32(record, R.WORDS)[R.HOLD_PTR]!;
  if (block !== 0) h.free(block);
});
