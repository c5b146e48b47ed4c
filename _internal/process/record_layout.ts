/**
 * The layout of a child's record (see record.ts): its words and states.
 * Apart from the record's code, which only a parent (and a process that
 * registers the pipe handles it holds) needs: a child's bootstrap reads
 * its record with these alone.
 *
 * @module
 */

import { HEADER } from "../sync/object_tags.ts";
import { journalWords } from "../sync/journal.ts";

/** The record's fields. */
export const R = {
  /** {@linkcode RecordState}; the child waits on this word. */
  STATE: HEADER,
  ASSIGN_PTR: HEADER + 1,
  ASSIGN_LEN: HEADER + 2,
  /** 1 if the assigned process is daemonic (it dies with its parent). */
  DAEMON: HEADER + 3,
  /** The handles the child holds: a lock, a block of pointers, its length and capacity. */
  HOLD_LOCK: HEADER + 4,
  HOLD_PTR: HEADER + 5,
  HOLD_LEN: HEADER + 6,
  HOLD_CAP: HEADER + 7,
  /** The lock's owner stamp (HOLD_LOCK + 1), then the list's undo journal. */
  HOLD_STAMP: HEADER + 8,
  JOURNAL: HEADER + 9,
  WORDS: HEADER + 9 + journalWords(4),
} as const;

/** States of a child's record. */
export const RecordState = {
  /** Spawned; the child has not looked at its record yet. */
  BOOTING: 0,
  /** A spare, booted and waiting. */
  IDLE: 1,
  /** The assignment is in the record. */
  ASSIGNED: 2,
} as const;
