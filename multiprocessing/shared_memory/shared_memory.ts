import {
  errno as E,
  OSError,
  OverflowError,
  ValueError,
} from "../../_internal/errors.ts";
import { ShmSegment } from "../../_internal/sync/shm.ts";
import { libc } from "../../_internal/ffi/libc.ts";
import {
  registerShareable,
  SHARE,
  type ShareRecord,
} from "../../_internal/codec/shareable.ts";
import { INSPECT } from "../../_internal/sync/hold.ts";
import { register, unregister } from "../../_internal/process/tracker.ts";

/** Options of {@linkcode SharedMemory}, Python's arguments. */
export interface SharedMemoryOptions {
  /**
   * The segment's name, without the leading slash (as Python reports it);
   * a fresh `psm_…` name if omitted (with `create`).
   */
  name?: string | null;
  /** Create a new segment (else attach an existing one). @default false */
  create?: boolean;
  /** The size in bytes of a new segment. @default 0 */
  size?: number;
}

/**
 * A mapping is unmapped when nothing can reach it any more: not the
 * SharedMemory object, not a view of its buffer. (Registering the buffer,
 * not the object, is what keeps a `buf` view that outlives its object
 * valid.)
 */
const unmapper = new FinalizationRegistry<{ address: bigint; size: number }>(
  ({ address, size }) => {
    libc().munmap(Deno.UnsafePointer.create(address), BigInt(size));
  },
);

/**
 * Python's checks of `size`, in its order and words (`os.ftruncate` is what
 * refuses a float there, so only with `create`). Done before anything is
 * created.
 * @throws {ValueError} If `size` is negative or NaN.
 * @throws {TypeError} If it is not an integer (Infinity included).
 * @throws {OverflowError} If it is beyond 2^53 - 1.
 */
function checkSize(size: unknown, create: boolean): asserts size is number {
  if (typeof size !== "number") {
    throw new TypeError(
      `'${typeof size}' object cannot be interpreted as an integer`,
    );
  }
  if (!(size >= 0)) throw new ValueError("'size' must be a positive integer");
  if (!create) return; // unused: the segment's own size is taken
  if (!Number.isInteger(size)) {
    throw new TypeError("'float' object cannot be interpreted as an integer");
  }
  if (!Number.isSafeInteger(size)) {
    throw new OverflowError("'size' is too large: " + size);
  }
}

/** CPython's `_make_filename`: `/psm_` and 8 hex digits. */
function freshName(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(4));
  return "/psm_" +
    [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

const TAG = "shared_memory.SharedMemory";

/**
 * Python's `multiprocessing.shared_memory.SharedMemory`: a named POSIX
 * shared memory segment mapped into this process; `buf` is a Uint8Array
 * over it (zero-copy).
 *
 * Names are CPython's: a segment created here can be attached by Python's
 * `SharedMemory(name)` and the reverse. A segment outlives the processes
 * that map it until someone calls `unlink()`; one that a program created
 * and never unlinked is unlinked by the resource tracker once all of the
 * program's processes are gone (Python's tracker warns about those
 * "leaked" segments; so does this one). Passed to another process it
 * arrives attached to the same segment.
 *
 * After `close()`, every view of the old `buf` is detached (length 0): no
 * view can reach unmapped memory.
 *
 * @example Create, share, unlink
 * ```ts
 * import { SharedMemory } from "@pyconc/std/multiprocessing/shared_memory";
 * import assert from "node:assert/strict";
 *
 * const shm = new SharedMemory({ create: true, size: 16 });
 * shm.buf.set([1, 2, 3]);
 * const other = new SharedMemory({ name: shm.name });
 * assert.deepEqual(other.buf.slice(0, 3), new Uint8Array([1, 2, 3]));
 * other.close();
 * shm.close();
 * shm.unlink();
 * ```
 */
export class SharedMemory {
  #segment: ShmSegment | null;
  readonly #name: string;
  readonly #size: number;

  /**
   * Creates or attaches a segment.
   *
   * @param options `name`, `create`, `size`, as Python's arguments.
   * @throws {ValueError} For a negative size, a zero size with `create`,
   *   no name without `create`, or a name with a NUL character.
   * @throws {TypeError} For a size that is not an integer (Infinity, 2.5).
   * @throws {OverflowError} For a size beyond 2^53 - 1.
   * @throws {OSError} For a name the system refuses ("a/b": EINVAL).
   * @throws {FileExistsError} If `create` and the name exists.
   * @throws {FileNotFoundError} If attaching a name that does not exist.
   */
  constructor(options: SharedMemoryOptions = {}) {
    const { name = null, create = false, size = 0 } = options ?? {};
    checkSize(size, Boolean(create));
    if (create && size === 0) {
      throw new ValueError(
        "'size' must be a positive number different from zero",
      );
    }
    if (name == null && !create) {
      throw new ValueError("'name' can only be None if create=True");
    }
    let segment: ShmSegment;
    if (name == null) {
      for (;;) {
        try {
          segment = ShmSegment.open(freshName(), size, true);
          break;
        } catch (e) {
          if (!(e instanceof OSError && e.errno === E.EEXIST)) throw e;
        }
      }
    } else {
      segment = ShmSegment.open("/" + String(name), size, Boolean(create));
    }
    this.#segment = segment;
    this.#name = segment.name;
    this.#size = segment.size;
    unmapper.register(
      segment.buffer,
      { address: segment.address, size: segment.size },
      this,
    );
    if (create) {
      try {
        register("shm", this.#name);
      } catch (e) {
        // No tracker, no segment: nothing would ever unlink it.
        this.close();
        ShmSegment.unlink(this.#name);
        throw e;
      }
    }
  }

  /** The segment's bytes (a Uint8Array over the mapping; empty after `close()`). */
  get buf(): Uint8Array {
    const s = this.#segment;
    return s === null ? new Uint8Array(0) : new Uint8Array(s.buffer);
  }

  /** The segment's name, without the leading slash (as Python's). */
  get name(): string {
    return this.#name.slice(1);
  }

  /** The size in bytes. */
  get size(): number {
    return this.#size;
  }

  /**
   * Unmaps the segment from this process (the segment remains). Every view
   * of `buf` is detached. Closing twice is harmless.
   */
  close(): void {
    const s = this.#segment;
    if (s === null) return;
    this.#segment = null;
    unmapper.unregister(this);
    s.close();
  }

  /**
   * Removes the segment's name (Python's `unlink`): call it once, from any
   * process, when no process needs to attach it any more. The memory goes
   * when the last mapping closes.
   * @throws {FileNotFoundError} If it was unlinked already.
   */
  unlink(): void {
    unlinkName(this.name);
  }

  /** Closes the mapping (`using shm = …`), as Python's `__exit__`. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** Python's repr: `SharedMemory('psm_1a2b3c4d', size=16)`. */
  toString(): string {
    return `SharedMemory('${this.name}', size=${this.#size})`;
  }

  /** @internal */
  [INSPECT](): string {
    return this.toString();
  }

  /** @internal The codec record: the receiver attaches the same segment. */
  [SHARE](): ShareRecord {
    return { tag: TAG, data: this.name, crossProcess: true };
  }
}

/**
 * @internal Unlinks a segment by name (without the leading slash) and
 * tells the resource tracker.
 * @throws {FileNotFoundError} If there is no such segment.
 */
export function unlinkName(name: string): void {
  ShmSegment.unlink("/" + name);
  unregister("shm", "/" + name);
}

registerShareable(TAG, (data) => new SharedMemory({ name: data as string }));
