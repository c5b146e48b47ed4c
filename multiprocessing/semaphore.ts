import type { Heap } from "../_internal/sync/heap.ts";
import { HEAP, registerHeapClass, TAG } from "../_internal/sync/heap_object.ts";
import { SEMLOCK } from "../_internal/sync/timeout.ts";
import { programHeap } from "../_internal/process/program_heap.ts";
import { OverflowError, ValueError } from "../_internal/errors.ts";
import {
  BoundedSemaphore as ThreadingBoundedSemaphore,
  COUNT_ERRORS,
  type CountErrors,
  Semaphore as ThreadingSemaphore,
} from "../threading/semaphore.ts";

/**
 * CPython's SemLock errors, verbatim: its counter is a C `int`, and a
 * release past SEM_VALUE_MAX or a bounded semaphore's initial value is the
 * same ValueError.
 */
const SEMLOCK_COUNT_ERRORS: CountErrors = {
  tooLarge: () => new OverflowError("Python int too large to convert to C int"),
  tooMany: () => new ValueError("semaphore or lock released too many times"),
  overflow: () => new ValueError("semaphore or lock released too many times"),
};

/**
 * Python's `multiprocessing.Semaphore`: a counting semaphore shared by the
 * processes of a program (the threading API: `acquire`/`acquireSync`,
 * `release(n)`, `hold`/`holdSync`).
 *
 * @example Limiting concurrency across processes
 * ```ts
 * import { Process, Semaphore } from "@pyconc/std/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * const slots = new Semaphore(0);
 * const p = new Process({
 *   target: (slots: Semaphore) => slots.release(2),
 *   args: [slots],
 * });
 * p.start();
 * await p.join();
 * assert.ok(slots.acquireSync(false));
 * assert.ok(slots.acquireSync(false));
 * assert.ok(!slots.acquireSync(false));
 * ```
 */
export class Semaphore extends ThreadingSemaphore {
  /** @internal The program's shared memory. */
  static override [HEAP](): Heap {
    return programHeap();
  }

  /** @internal */
  static override readonly [TAG]: string = "multiprocessing.Semaphore";

  /** @internal SemLock: a non-blocking acquire ignores a timeout. */
  static override readonly [SEMLOCK]: boolean = true;

  /** @internal SemLock's errors. */
  static override [COUNT_ERRORS](): CountErrors {
    return SEMLOCK_COUNT_ERRORS;
  }
}

/**
 * Python's `multiprocessing.BoundedSemaphore`: a semaphore that refuses to
 * be released above its initial value (ValueError), shared by the
 * processes of a program.
 *
 * @example
 * ```ts
 * import { BoundedSemaphore, ValueError } from "@pyconc/std/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * const s = new BoundedSemaphore(1);
 * assert.throws(() => s.release(), ValueError);
 * ```
 */
export class BoundedSemaphore extends ThreadingBoundedSemaphore {
  /** @internal The program's shared memory. */
  static override [HEAP](): Heap {
    return programHeap();
  }

  /** @internal */
  static override readonly [TAG]: string = "multiprocessing.BoundedSemaphore";

  /** @internal SemLock: a non-blocking acquire ignores a timeout. */
  static override readonly [SEMLOCK]: boolean = true;

  /** @internal SemLock's errors. */
  static override [COUNT_ERRORS](): CountErrors {
    return SEMLOCK_COUNT_ERRORS;
  }
}

registerHeapClass(
  "multiprocessing.Semaphore",
  () => new Semaphore(),
  programHeap,
);
registerHeapClass(
  "multiprocessing.BoundedSemaphore",
  () => new BoundedSemaphore(),
  programHeap,
);
