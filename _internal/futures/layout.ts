/**
 * Type tags and word layouts of the shared structures behind
 * `concurrent_futures`: a future's shared state (which doubles as the work
 * item a pool worker runs), an agent's completion port, and an executor's
 * shared state with its workers' records.
 *
 * Field indices are relative to the object's first word; every object starts
 * with `[tag, refcount]` (see heap.ts).
 *
 * @module
 */

import { HEADER } from "../sync/object_tags.ts";
import { WORK_QUEUE_WORDS } from "./work_queue.ts";

/** Type tags (word 0). Distinct from the tags of sync/layout.ts. */
export const FTag = {
  FUTURE: 0x46555452, // "FUTR"
  PORT: 0x504f5254, // "PORT"
  EXECUTOR: 0x45584543, // "EXEC"
} as const;

/**
 * Python's future states (`concurrent/futures/_base.py`), plus COMPLETING:
 * a completer has claimed the future and is writing its outcome. Readers see
 * COMPLETING as RUNNING; it keeps two completers (a worker and a death
 * handler) from both writing.
 */
export const FState = {
  PENDING: 0,
  RUNNING: 1,
  /** Cancelled by its owner; waiters not told yet. */
  CANCELLED: 2,
  /** Cancelled, and a worker (or a broken pool) saw it: waiters are told. */
  CANCELLED_AND_NOTIFIED: 3,
  FINISHED: 4,
  COMPLETING: 5,
} as const;

/** How a finished future ended (word `OUTCOME`). */
export const Outcome = {
  NONE: 0,
  /** The encoded result is in the result block. */
  VALUE: 1,
  /** The encoded error is in the result block. */
  ERROR: 2,
  /** Its owner set the outcome locally (`setResult` on a bound future). */
  LOCAL: 3,
} as const;

/**
 * A future's shared state, also the work item of a pool: the target and the
 * encoded arguments ride in the same block, so dispatch is one allocation and
 * the queue carries one number.
 *
 * The arguments follow the fixed words: `N_SABS` request ids of
 * SharedArrayBuffers (see the pool's table), then `ARGS_LEN` encoded bytes.
 */
export const F = {
  STATE: HEADER,
  /** Non-zero while a thread blocks on `STATE` (completers notify then). */
  WAITING: HEADER + 1,
  OUTCOME: HEADER + 2,
  /**
   * The encoded outcome: a heap block (0 if none, {@linkcode INLINE} when
   * it is in the region, in place of the arguments) and its length.
   */
  RESULT_PTR: HEADER + 3,
  RESULT_LEN: HEADER + 4,
  /** SharedArrayBuffer request ids at the start of the result block. */
  RESULT_SABS: HEADER + 5,
  /** The owner's completion port (0: nobody listens). */
  PORT: HEADER + 6,
  /** Link in the port's list of completed futures. */
  PORT_NEXT: HEADER + 7,
  /** Set once the future was pushed to its port (never twice). */
  PUSHED: HEADER + 8,
  /** The target (a pool target block) and the arguments' layout. */
  TARGET: HEADER + 9,
  N_SABS: HEADER + 10,
  ARGS_LEN: HEADER + 11,
  /**
   * Python's `chunksize`: arguments hold an array of argument lists (1),
   * or of single arguments ({@linkcode CHUNK_FLAT}).
   */
  CHUNK: HEADER + 12,
  /**
   * The owner's slot for the future in its port's table, plus one (0:
   * untracked); written and read by the owner only.
   */
  PORT_SLOT: HEADER + 13,
  /** Fixed words; the arguments start here. */
  WORDS: HEADER + 14,
} as const;

/**
 * `F.CHUNK` of a chunk of one-argument calls (a `map` over one iterable):
 * the arguments travel as one array of values, no list per call.
 */
export const CHUNK_FLAT = 2;

/**
 * `F.RESULT_PTR` of an outcome stored in the future's region itself, where
 * the arguments were: small results cost no allocation.
 */
export const INLINE = -1;

/** Bytes the arguments' space of a future's region has at least. */
export const MIN_ARGS_BYTES = 16;

/**
 * An agent's completion port: completers push futures on a lock-free list
 * (a Treiber stack: push by compare-and-swap; the owner takes the whole list
 * with one exchange, so the ABA problem cannot arise), and wake the owner
 * when the list was empty.
 */
export const P = {
  HEAD: HEADER,
  WORDS: HEADER + 1,
} as const;

/** Executor-wide shared state. */
export const X = {
  /** Set by `shutdown()`. */
  SHUTDOWN: HEADER,
  /** A {@linkcode Broken} reason, 0 while usable. */
  BROKEN: HEADER + 1,
  /** Python's `_idle_semaphore`: workers idle after their last item. */
  IDLE: HEADER + 2,
  /** Worker records: `MAX_WORKERS` records of `W.WORDS` words each. */
  MAX_WORKERS: HEADER + 3,
  /** Chain of target blocks, freed with the executor. */
  TARGETS: HEADER + 4,
  /**
   * The work queue (an even index), 80 bytes past `IDLE`: never on the
   * cache line that every worker's `IDLE` increment takes away from the
   * submitting thread.
   */
  QUEUE: HEADER + 22,
  /** Fixed words; the worker records follow. */
  WORDS: HEADER + 22 + WORK_QUEUE_WORDS,
} as const;

/** A worker's record (relative to the record's first word). */
export const W = {
  /** A {@linkcode WState}. */
  STATE: 0,
  /** The future it runs now (0 between items); retained while named. */
  CURRENT: 1,
  WORDS: 2,
} as const;

/** Worker record states. */
export const WState = {
  /** Not started, or its thread is starting. */
  NONE: 0,
  /** Its loop runs. */
  RUNNING: 1,
  /** Its loop returned (shutdown, or a failed initializer). */
  EXITED: 2,
  /** It died (Deno.exit, close, out of memory): the pool is broken. */
  DEAD: 3,
  /** It left after its `maxTasks` items: a new worker takes its place. */
  RETIRED: 4,
} as const;

/** Why a pool is broken (word `BROKEN`). */
export const Broken = {
  NONE: 0,
  INITIALIZER: 1,
  DIED: 2,
} as const;

/** Python's messages for a broken thread pool, by reason. */
export const BROKEN_MESSAGES: Record<number, string> = {
  [Broken.INITIALIZER]:
    "A thread initializer failed, the thread pool is not usable anymore",
  [Broken.DIED]:
    "A thread of the thread pool died abruptly (it called Deno.exit() or close(), or ran out of memory), the thread pool is not usable anymore",
};

/** CPython's messages for a broken process pool, by reason. */
export const PROCESS_BROKEN_MESSAGES: Record<number, string> = {
  [Broken.INITIALIZER]:
    "A process in the process pool was terminated abruptly while the future was running or pending (its initializer failed).",
  [Broken.DIED]:
    "A process in the process pool was terminated abruptly while the future was running or pending.",
};

/** Target blocks: `[next, length, ...encoded TargetSpec]`. */
export const T = {
  NEXT: 0,
  LEN: 1,
  WORDS: 2,
} as const;
