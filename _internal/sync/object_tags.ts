/**
 * The type tags of heap objects and the size of their header, apart from
 * the layouts of layout.ts: a module that only needs these (the process
 * table, a child's bootstrap) does not load every core for its sizes.
 *
 * @module
 */

/** Object type tags (word 0 of every heap object). */
export const Tag = {
  LOCK: 0x4c4f434b, // "LOCK"
  RLOCK: 0x524c434b,
  CONDITION: 0x434f4e44,
  SEMAPHORE: 0x53454d41,
  EVENT: 0x45564e54,
  BARRIER: 0x42415252,
  THREAD: 0x54485244,
  REGISTRY: 0x52454753,
  BYTES: 0x42595445,
  QUEUE: 0x51554555,
  POOL: 0x504f4f4c,
  // multiprocessing
  PROCESS_TABLE: 0x50544142,
  CHILD: 0x4348494c,
  PROCESS_RECORD: 0x50524f43,
  VALUE: 0x56414c55,
  PIPE: 0x50495045,
  PIPE_END: 0x50454e44,
  SHM_MANAGER: 0x534d4d47,
} as const;

/** The two header words of every object. */
export const HEADER = 2;
