import { named } from "../_internal/named.ts";
import { RuntimeError, TimeoutError } from "../_internal/errors.ts";
import { registerErrorClass } from "../_internal/codec/errors.ts";

/**
 * Python's `concurrent.futures.CancelledError`: the future was cancelled, so
 * it has no result. Thrown by `result()`, `exception()` and `await future`.
 *
 * @example
 * ```ts
 * import { CancelledError, Future } from "@pyconc/std/concurrent_futures";
 * import assert from "node:assert/strict";
 *
 * const f = new Future();
 * f.cancel();
 * assert.throws(() => f.resultSync(), CancelledError);
 * ```
 */
export class CancelledError extends Error {
  static {
    named(this, "CancelledError");
  }
}

/**
 * Python's `concurrent.futures.InvalidStateError`: the operation is not
 * allowed in the future's state (a second `setResult`, for example).
 *
 * @example
 * ```ts
 * import { Future, InvalidStateError } from "@pyconc/std/concurrent_futures";
 * import assert from "node:assert/strict";
 *
 * const f = new Future<number>();
 * f.setResult(1);
 * assert.throws(() => f.setResult(2), InvalidStateError);
 * ```
 */
export class InvalidStateError extends Error {
  static {
    named(this, "InvalidStateError");
  }
}

/**
 * Python's `concurrent.futures.BrokenExecutor`: an executor cannot run work
 * anymore after a severe failure (a worker's initializer failed, a worker
 * died). Futures pending at that moment fail with it, and `submit` throws it.
 *
 * @example
 * ```ts
 * import { BrokenExecutor, BrokenThreadPool } from "@pyconc/std/concurrent_futures";
 * import { RuntimeError } from "@pyconc/std";
 * import assert from "node:assert/strict";
 *
 * assert.ok(new BrokenThreadPool("x") instanceof BrokenExecutor);
 * assert.ok(new BrokenExecutor("x") instanceof RuntimeError);
 * ```
 */
export class BrokenExecutor extends RuntimeError {
  static {
    named(this, "BrokenExecutor");
  }
}

/**
 * Python's `concurrent.futures.thread.BrokenThreadPool`: a
 * `ThreadPoolExecutor` is broken (a worker's initializer failed, or a worker
 * thread died: `Deno.exit()` or `close()` in a task, out of memory).
 *
 * @example
 * ```ts
 * import { BrokenThreadPool } from "@pyconc/std/concurrent_futures";
 * import assert from "node:assert/strict";
 *
 * assert.equal(new BrokenThreadPool("x").name, "BrokenThreadPool");
 * ```
 */
export class BrokenThreadPool extends BrokenExecutor {
  static {
    named(this, "BrokenThreadPool");
  }
}

/**
 * Python's `concurrent.futures.process.BrokenProcessPool`: a process pool
 * is broken (a worker process ended abruptly, or its initializer failed).
 *
 * @example
 * ```ts
 * import { BrokenExecutor, BrokenProcessPool } from "@pyconc/std/concurrent_futures";
 * import assert from "node:assert/strict";
 *
 * assert.ok(new BrokenProcessPool("x") instanceof BrokenExecutor);
 * ```
 */
export class BrokenProcessPool extends BrokenExecutor {
  static {
    named(this, "BrokenProcessPool");
  }
}

// Errors raised in a worker reach the waiting side with their class.
for (
  const cls of [
    CancelledError,
    InvalidStateError,
    BrokenExecutor,
    BrokenThreadPool,
    BrokenProcessPool,
  ]
) {
  registerErrorClass(cls);
}

export { TimeoutError };
