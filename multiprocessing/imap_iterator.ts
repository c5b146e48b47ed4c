import { deadlineOf, toMs } from "../_internal/sync/timeout.ts";
import type { AnyFuture } from "../concurrent_futures/future.ts";
import type { ChunkOutcome } from "../concurrent_futures/executor.ts";
import { blockUntil, portsOf } from "../concurrent_futures/_waiters.ts";
import { TimeoutError } from "./errors.ts";

/** The friend constructor (not part of the public API). */
let make: <T>(
  chunks: AnyFuture[],
  ordered: boolean,
  tail: { error: unknown } | undefined,
) => IMapIterator<T>;

/**
 * Python's `multiprocessing.pool.IMapIterator`: the results of
 * `Pool.imap()` (in order) or `Pool.imapUnordered()` (as they complete),
 * one by one, as soon as each is ready.
 *
 * Iterate it with `for await` (never blocks the event loop) or `for`
 * (blocks the calling thread while a result is not ready), or take results
 * with `next(timeout)`/`nextSync(timeout)`, Python's `next(timeout)`: they
 * throw multiprocessing's `TimeoutError` when nothing is ready in time and
 * return `{ done: true }` at the end. A call that threw throws at its place
 * (and the iteration goes on after it, as Python's).
 *
 * @typeParam T The results' type.
 *
 * @example
 * ```ts
 * import { Pool } from "@pyconc/std/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * using pool = new Pool(2);
 * const squares: number[] = [];
 * for (const y of pool.imap((x: number) => x * x, [1, 2, 3, 4])) squares.push(y);
 * assert.deepEqual(squares, [1, 4, 9, 16]);
 * ```
 */
export class IMapIterator<T = unknown>
  implements AsyncIterable<T>, Iterable<T> {
  readonly #chunks: AnyFuture[];
  readonly #ordered: boolean;
  /** The next chunk to read (ordered). */
  #index = 0;
  /** Completed chunks not read yet (unordered), in completion order. */
  readonly #completed: AnyFuture[] = [];
  #left: number;
  /** Outcomes of the chunk being read. */
  #buffer: ChunkOutcome[] = [];
  /** An error the iterable threw, raised after the items before it. */
  #tail: { error: unknown } | undefined;
  #wake: (() => void) | undefined;

  private constructor(
    chunks: AnyFuture[],
    ordered: boolean,
    tail: { error: unknown } | undefined,
  ) {
    this.#chunks = chunks;
    this.#ordered = ordered;
    this.#left = chunks.length;
    this.#tail = tail;
    for (const f of chunks) {
      f.addDoneCallback(() => {
        if (!ordered) this.#completed.push(f);
        const wake = this.#wake;
        this.#wake = undefined;
        wake?.();
      });
    }
  }

  /** The chunk to read next if it is ready (drains nothing). */
  #readyChunk(): AnyFuture | undefined {
    if (this.#ordered) {
      const f = this.#chunks[this.#index];
      return f !== undefined && f.done() ? f : undefined;
    }
    return this.#completed[0];
  }

  #take(): void {
    const f = this.#ordered
      ? this.#chunks[this.#index++]!
      : this.#completed.shift()!;
    this.#left--;
    try {
      this.#buffer = f.resultSync(0);
    } catch (e) {
      // A chunk lost as a whole (its worker died, or it was cancelled):
      // one error in its place.
      this.#buffer = [[false, e]];
    }
  }

  #step(): IteratorResult<T> {
    const [ok, value] = this.#buffer.shift()!;
    if (!ok) throw value;
    return { done: false, value: value as T };
  }

  #end(): IteratorResult<T> {
    const tail = this.#tail;
    if (tail !== undefined) {
      this.#tail = undefined;
      throw tail.error;
    }
    return { done: true, value: undefined };
  }

  /**
   * The next result, blocking the calling thread until it is ready.
   * @param timeout Seconds, or null (the default) to wait for ever.
   * @returns the next result, or `{ done: true }` at the end.
   * @throws {TimeoutError} If no result is ready within `timeout`.
   * @throws A call's own error, at its place.
   */
  nextSync(timeout: number | null = null): IteratorResult<T> {
    if (this.#buffer.length > 0) return this.#step();
    if (this.#left === 0) return this.#end();
    const deadline = deadlineOf(toMs(timeout));
    const ports = portsOf(this.#chunks);
    if (!blockUntil(() => this.#readyChunk() !== undefined, deadline, ports)) {
      throw new TimeoutError();
    }
    this.#take();
    return this.nextSync(0);
  }

  /**
   * The next result, without blocking the event loop.
   * @param timeout Seconds, or null (the default) to wait for ever.
   * @returns the next result, or `{ done: true }` at the end.
   * @throws {TimeoutError} If no result is ready within `timeout`.
   * @throws A call's own error, at its place.
   */
  async next(timeout: number | null = null): Promise<IteratorResult<T>> {
    if (this.#buffer.length > 0) return this.#step();
    if (this.#left === 0) return this.#end();
    const ms = toMs(timeout);
    const ports = portsOf(this.#chunks);
    blockUntil(() => true, 0, ports); // brings the futures up to date
    if (this.#readyChunk() === undefined && ms > 0) {
      const deadline = deadlineOf(ms);
      while (this.#readyChunk() === undefined) {
        const left = deadline - performance.now();
        if (left <= 0) break;
        let timer: ReturnType<typeof setTimeout> | undefined;
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
          if (left !== Infinity) timer = setTimeout(resolve, left);
        });
        this.#wake = undefined;
        if (timer !== undefined) clearTimeout(timer);
      }
    }
    if (this.#readyChunk() === undefined) throw new TimeoutError();
    this.#take();
    return this.next(0);
  }

  /** Sync iteration: each step blocks until the next result is ready. */
  [Symbol.iterator](): Iterator<T> {
    return { next: () => this.nextSync() };
  }

  /** Async iteration. */
  [Symbol.asyncIterator](): AsyncIterator<T> {
    return { next: () => this.next() };
  }

  static {
    make = (chunks, ordered, tail) => new IMapIterator(chunks, ordered, tail);
  }
}

/** @internal Makes an IMapIterator over a pool's chunk futures. */
export function imapIterator<T>(
  chunks: AnyFuture[],
  ordered: boolean,
  tail?: { error: unknown },
): IMapIterator<T> {
  return make(chunks, ordered, tail);
}
