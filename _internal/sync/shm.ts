/**
 * The cross-process backing of the sync core: POSIX shared memory mapped
 * through FFI, waits through the futex system call.
 *
 * A program's processes share one heap segment: a sparse segment of
 * some GiB (memory is used only for the pages touched), mapped whole in every
 * process, so that the same `Heap` allocator, the same primitives and the
 * same queue code run on it as on the in-process SharedArrayBuffer heap.
 * `Atomics` operations on the mapped ArrayBuffer are atomic across
 * processes; `Atomics.wait` refuses non-shared buffers, so waits are
 * `futex(FUTEX_WAIT)` on the word's address (no PRIVATE flag: the futex is
 * shared between processes), and async waits are the same call made
 * `nonblocking`, which Deno runs on another OS thread.
 *
 * @module
 */

import { cstr, errno, libc } from "../ffi/libc.ts";
import { OSError, ValueError } from "../errors.ts";
import { type Backing, HeapExhausted } from "./heap.ts";
import { type WaitResult, WaitWords } from "./words.ts";
import { deadlineOf, now } from "./timeout.ts";

const SYS_FUTEX = 202n; // x86_64
const FUTEX_WAIT = 0;
const FUTEX_WAKE = 1;
const INT_MAX = 0x7fffffff;
/** Failed waits in a row (each neither woken nor timed out) before one is an error. */
const MAX_FAILURES = 1000;
/** A wait that returns sooner than this (ms) without cause failed at once. */
const IMMEDIATE_MS = 0.05;

const O_RDWR = 0o2, O_CREAT = 0o100, O_EXCL = 0o200;
const PROT_READ = 1, PROT_WRITE = 2;
const MAP_SHARED = 1, MAP_NORESERVE = 0x4000;

/**
 * The heap segment's size: address space only, memory as pages are used.
 *
 * V8 counts an ArrayBuffer over foreign memory as the isolate's external
 * memory, whole, and counts external memory in the heap's global size,
 * whose limit is capped at about twice the JavaScript heap's. A mapping
 * beyond that cap keeps every process of the program over its limit for
 * good: each allocation check then starts a full mark-compact, one every
 * ≈ 20 ms in a process whose event loop allocates (measured: a worker
 * host of `distributed` with a 64 GiB mapping spent ≈ 17 ms of GC per
 * task). So the segment is the largest power of two within the
 * JavaScript heap's limit: 4 GiB, Deno's default limit on 64-bit
 * (`getHeapStatistics().heap_size_limit` is 4,395,630,592 bytes in Deno
 * 2.9). A constant, not read from `node:v8`: importing that module loads
 * Deno's Node compatibility, ≈ 17 ms of every child's start (measured).
 * A program run with a smaller `--max-old-space-size` keeps working; only
 * the extra collections come back. (A process maps ArrayBuffers over the
 * part of the segment in use only, growing them as the heap grows: see
 * {@linkcode ShmBacking}. The size bounds what a heap grown large costs.)
 */
export const SHM_HEAP_BYTES = 2 ** 32;

/**
 * The longest single futex sleep (ms). A process killed between a notify's
 * bookkeeping and its wake-up would otherwise leave a sleeper asleep for
 * good; each sleep ends after this long as a spurious wake-up (every
 * algorithm re-checks its state after a wake-up), so such a sleeper sees
 * the change at most this late. It costs an idle waiter ten wake-ups a
 * second.
 */
export const SLEEP_SLICE_MS = 100;

function timespec(ms: number, into: BigInt64Array): void {
  const ns = BigInt(Math.ceil(ms * 1e6));
  into[0] = ns / 1_000_000_000n;
  into[1] = ns % 1_000_000_000n;
}

/** Wait words in a shared mapping, waiting with futexes. */
export class ShmWords extends WaitWords {
  /** The address of word 0. */
  readonly #base: bigint;
  /** The timeout of a blocking wait (made on first use: most words never wait; a large GC cost per future otherwise). */
  #ts: BigInt64Array | undefined;

  /**
   * @param i32 The words (an Int32Array over the mapped ArrayBuffer).
   * @param base The address of `i32[0]`.
   */
  constructor(i32: Int32Array, base: bigint) {
    super(i32);
    this.#base = base;
  }

  #addr(i: number): Deno.PointerValue {
    return Deno.UnsafePointer.create(this.#base + BigInt(i * 4));
  }

  protected sleep(i: number, expected: number, timeoutMs: number): WaitResult {
    const deadline = deadlineOf(timeoutMs);
    const f = libc();
    let failures = 0;
    for (;;) {
      const left = deadline - now();
      if (left <= 0) return "timed-out";
      const into = this.#ts ??= new BigInt64Array(2);
      const started = now();
      const sliced = left > SLEEP_SLICE_MS;
      timespec(sliced ? SLEEP_SLICE_MS : left, into);
      const r = f.syscall6(
        SYS_FUTEX,
        this.#addr(i),
        FUTEX_WAIT,
        expected,
        Deno.UnsafePointer.of(into),
        null,
        0,
      );
      if (r === 0n) return "ok";
      // Decide from state, not errno, as the async form must: errno read by
      // a second FFI call after this one was seen clobbered (ENOENT, ERANGE
      // from a futex wait, under load), which failed a healthy wait. The
      // word changed (EAGAIN or a wake), the deadline passed (ETIMEDOUT), or
      // the slice ended; anything else (EINTR) waits again. Only a wait that
      // fails at once, again and again, is an error (a bad address or op).
      if (Atomics.load(this.i32, i) !== expected) return "not-equal";
      if (deadline - now() <= 0) return "timed-out";
      // The slice ended (see SLEEP_SLICE_MS): the caller re-checks.
      if (sliced && now() - started >= SLEEP_SLICE_MS - 1) return "ok";
      // A signal (EINTR: a profiler's SIGPROF every millisecond) ends a
      // sleep after a while; only a call that fails at once counts.
      failures = now() - started < IMMEDIATE_MS ? failures + 1 : 0;
      if (failures > MAX_FAILURES) {
        throw new OSError(errno(), undefined, "futex");
      }
    }
  }

  protected async sleepAsync(
    i: number,
    expected: number,
    timeoutMs: number,
  ): Promise<WaitResult> {
    const deadline = deadlineOf(timeoutMs);
    const f = libc();
    for (;;) {
      const left = deadline - now();
      if (left <= 0) return "timed-out";
      // Each call runs on its own OS thread: it needs its own timespec.
      const ts = new BigInt64Array(2);
      const sliced = left > SLEEP_SLICE_MS;
      timespec(sliced ? SLEEP_SLICE_MS : left, ts);
      const r = await f.syscall6_async(
        SYS_FUTEX,
        this.#addr(i),
        FUTEX_WAIT,
        expected,
        Deno.UnsafePointer.of(ts),
        null,
        0,
      );
      // errno is not readable after a nonblocking call: decide from state.
      if (r === 0n) return "ok";
      if (Atomics.load(this.i32, i) !== expected) return "not-equal";
      if (deadline - now() <= 0) return "timed-out";
      if (sliced) return "ok"; // the slice ended (see SLEEP_SLICE_MS)
      // EINTR or a spurious return: wait again.
    }
  }

  notify(i: number, count: number): number {
    const n = count === Infinity ? INT_MAX : Math.min(count, INT_MAX);
    const r = libc().syscall6(
      SYS_FUTEX,
      this.#addr(i),
      FUTEX_WAKE,
      n,
      null,
      null,
      0,
    );
    return r < 0n ? 0 : Number(r);
  }
}

/** A POSIX shared memory segment mapped in this process. */
export class ShmSegment {
  /** The segment's name (`/…`), as `shm_open` takes it. */
  readonly name: string;
  /** The mapping's address. */
  readonly address: bigint;
  readonly #size: number;
  /** The ArrayBuffer over the whole mapping, once made. */
  #whole: ArrayBuffer | undefined;
  /**
   * Every ArrayBuffer made over the mapping, to detach at `close` (weakly:
   * a buffer no view holds any more is collected, and so no longer counts
   * as this process's external memory).
   */
  readonly #buffers: WeakRef<ArrayBuffer>[] = [];
  #closed = false;

  private constructor(name: string, size: number, address: bigint) {
    this.name = name;
    this.#size = size;
    this.address = address;
  }

  /**
   * Opens (and with `create`, creates exclusively) a segment and maps it.
   * Whatever fails after the segment was created (the size, the map, the
   * buffer), the segment is unlinked again: no error leaves one behind.
   * @param size Bytes of a new segment (a non-negative safe integer).
   * @param whole Make the ArrayBuffer over the whole mapping now (else
   *   {@linkcode prefix} makes views as they are needed: the program's heap).
   * @throws {OSError} As the system calls fail (FileExistsError, FileNotFoundError…).
   */
  static open(
    name: string,
    size: number,
    create: boolean,
    whole = true,
  ): ShmSegment {
    if (create && !(Number.isSafeInteger(size) && size >= 0)) {
      throw new ValueError(`Cannot create a segment of ${size} bytes`);
    }
    const f = libc();
    const cname = cstr(name);
    const fd = f.shm_open(
      cname,
      O_RDWR | (create ? O_CREAT | O_EXCL : 0),
      0o600,
    );
    if (fd < 0) throw new OSError(errno(), undefined, name);
    let p: Deno.PointerValue = null;
    try {
      if (create && f.ftruncate(fd, BigInt(size)) !== 0) {
        throw new OSError(errno(), undefined, name);
      }
      if (!create) {
        const st = new BigUint64Array(18); // struct stat is 144 bytes
        if (f.fstat(fd, st) !== 0) throw new OSError(errno(), undefined, name);
        size = Number(st[6]); // st_size
        if (size === 0) throw new ValueError("cannot mmap an empty file");
      }
      p = f.mmap(
        null,
        BigInt(size),
        PROT_READ | PROT_WRITE,
        MAP_SHARED | MAP_NORESERVE,
        fd,
        0n,
      );
      const address = BigInt(Deno.UnsafePointer.value(p));
      if (p === null || address === 0xffffffffffffffffn) {
        p = null;
        throw new OSError(errno(), undefined, name);
      }
      const segment = new ShmSegment(name, size, address);
      if (whole) void segment.buffer;
      return segment;
    } catch (e) {
      if (p !== null) f.munmap(p, BigInt(size));
      if (create) f.shm_unlink(cname);
      throw e;
    } finally {
      f.close(fd);
    }
  }

  /** The segment's size in bytes. */
  get size(): number {
    return this.#size;
  }

  /** An ArrayBuffer over the whole mapping (made on first use). */
  get buffer(): ArrayBuffer {
    return this.#whole ??= this.prefix(this.#size);
  }

  /**
   * A new ArrayBuffer over the first `bytes` bytes of the mapping.
   *
   * V8 counts each such buffer, whole, as the isolate's external memory,
   * and a process whose external memory jumps past its limit (64 MiB at
   * start) starts a garbage collection at once: a buffer over all 4 GiB
   * of the program's heap cost every process attaching it ≈ 3 ms to start
   * the marking and a few more to finish it (measured on a child's start,
   * `--trace-gc`). The heap maps views over the part in use, growing them
   * as it grows (see {@linkcode ShmBacking.cover}).
   * @throws {TypeError} Once the segment is closed.
   */
  prefix(bytes: number): ArrayBuffer {
    if (this.#closed) throw new TypeError("The segment is closed");
    const b = Deno.UnsafePointerView.getArrayBuffer(
      Deno.UnsafePointer.create(this.address)!,
      Math.min(bytes, this.#size),
    );
    this.#buffers.push(new WeakRef(b));
    return b;
  }

  /** Wait/notify words over `nWords` words at `byteOffset`. */
  words(byteOffset: number, nWords: number): ShmWords {
    return new ShmWords(
      new Int32Array(this.buffer, byteOffset, nWords),
      this.address + BigInt(byteOffset),
    );
  }

  /**
   * Unmaps the segment. Every view over it is detached first (its length
   * drops to 0), so no view can reach unmapped memory.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const ref of this.#buffers) ref.deref()?.transfer(0);
    this.#buffers.length = 0;
    libc().munmap(Deno.UnsafePointer.create(this.address), BigInt(this.#size));
  }

  /** Removes the segment's name (the memory goes when the last map does). */
  static unlink(name: string): void {
    if (libc().shm_unlink(cstr(name)) !== 0) {
      throw new OSError(errno(), undefined, name);
    }
  }
}

/** The first view a heap backing maps (see {@linkcode ShmBacking.cover}). */
const INITIAL_VIEW_BYTES = 1 << 20;

/**
 * A heap backing over one shared memory segment. The whole segment is
 * mapped (its address space reserved), but the ArrayBuffer the heap uses
 * covers only the part in use, from the segment's start: another one,
 * twice as long or more, is made when the heap (in this process or in
 * another) has grown past it (see {@linkcode ShmSegment.prefix} for why).
 * Every view made over an earlier buffer stays valid: all of them start at
 * the same address of the one mapping.
 */
export class ShmBacking implements Backing {
  readonly segment: ShmSegment;
  #buffer: ArrayBuffer;

  constructor(segment: ShmSegment) {
    this.segment = segment;
    this.#buffer = segment.prefix(INITIAL_VIEW_BYTES);
  }

  /** The memory as far as this process has mapped it (see {@linkcode cover}). */
  get buffer(): ArrayBuffer {
    return this.#buffer;
  }

  /**
   * A buffer over at least the first `bytes` bytes (all of the segment at
   * most), made when the current one is shorter.
   */
  cover(bytes: number): ArrayBuffer {
    const b = this.#buffer;
    if (bytes <= b.byteLength) return b;
    const size = this.segment.size;
    if (b.byteLength >= size) return b;
    let n = Math.max(b.byteLength, 1);
    while (n < bytes) n *= 2;
    this.#buffer = this.segment.prefix(Math.min(n, size));
    return this.#buffer;
  }

  ensure(bytes: number): void {
    if (bytes > this.segment.size) {
      throw new HeapExhausted(
        `Cannot allocate ${bytes} bytes: the shared heap is full`,
      );
    }
    this.cover(bytes);
  }

  words(byteOffset: number, nWords: number): ShmWords {
    return new ShmWords(
      new Int32Array(this.cover(byteOffset + nWords * 4), byteOffset, nWords),
      this.segment.address + BigInt(byteOffset),
    );
  }
}
