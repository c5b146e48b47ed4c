/**
 * A mapped range of memory and the JavaScript views over it, retired safely.
 *
 * The views are plain ArrayBuffers over the mapping
 * (`UnsafePointerView.getArrayBuffer`). Before the range is unmapped or
 * moved, the ArrayBuffer is detached (`transfer(0)`): every Uint8Array,
 * DataView or subarray made over it drops to length 0, so no JavaScript
 * view can reach memory that is gone.
 *
 * One thing JavaScript can do defeats detaching: `buffer.transfer()` (or
 * `structuredClone`/`postMessage` with the buffer in `transfer`) moves an
 * external ArrayBuffer's memory into a new ArrayBuffer that the library never
 * sees, and detaches ours. Unmapping the range would then leave that new
 * buffer pointing at nothing, and the first access would crash the process.
 * A detached ArrayBuffer that the library did not detach therefore marks the
 * region as *escaped*: it is never unmapped nor moved again. When it is
 * closed, the range is replaced in place by fresh anonymous zero pages
 * (`MAP_FIXED`), which drops the file and the memory but keeps the
 * addresses valid; the escaped buffer then reads zeros. That range of
 * address space stays reserved until the process ends.
 *
 * @module
 */

import { OSError } from "../_internal/errors.ts";
import { errno, libc, raiseErrno } from "../_internal/ffi/libc.ts";

const MAP_FAILED = 0xffff_ffff_ffff_ffffn;
const MREMAP_MAYMOVE = 1;
const PROT_READ_WRITE = 0x3;
const MAP_PRIVATE = 0x02;
const MAP_ANONYMOUS = 0x20;
const MAP_FIXED = 0x10;
const MAP_NORESERVE = 0x4000;

/** How a region is mapped (what `mmap(2)` needs to map it again). */
export interface MapSpec {
  prot: number;
  flags: number;
  fd: number;
  offset: number;
}

/** Calls `mmap(2)`; throws OSError on failure. */
function mapRaw(
  addr: Deno.PointerValue,
  length: number,
  spec: MapSpec,
): Deno.PointerObject {
  const p = libc().mmap(
    addr,
    BigInt(length),
    spec.prot,
    spec.flags,
    spec.fd,
    BigInt(spec.offset),
  );
  if (p === null || BigInt(Deno.UnsafePointer.value(p)) === MAP_FAILED) {
    raiseErrno();
  }
  return p;
}

/** A mapped range with its views. */
export class Region {
  #ptr: Deno.PointerObject;
  #length: number;
  #spec: MapSpec;
  #ab: ArrayBuffer;
  #view: Uint8Array<ArrayBuffer>;
  #escaped = false;
  #gone = false;

  private constructor(ptr: Deno.PointerObject, length: number, spec: MapSpec) {
    this.#ptr = ptr;
    this.#length = length;
    this.#spec = spec;
    this.#ab = Deno.UnsafePointerView.getArrayBuffer(ptr, length);
    this.#view = new Uint8Array(this.#ab);
  }

  /**
   * Maps `length` bytes as `spec` says.
   * @throws {OSError} If `mmap(2)` fails.
   */
  static map(length: number, spec: MapSpec): Region {
    return new Region(mapRaw(null, length, spec), length, spec);
  }

  /** The start of the range. */
  get pointer(): Deno.PointerObject {
    return this.#ptr;
  }

  /** The length of the range in bytes. */
  get length(): number {
    return this.#length;
  }

  /**
   * Whether an ArrayBuffer over the range escaped (see the module doc). An
   * ArrayBuffer of ours that someone else detached counts as escaped.
   */
  get escaped(): boolean {
    if (this.#ab.detached) this.#escaped = true;
    return this.#escaped;
  }

  /**
   * The live view over the whole range. If someone moved our ArrayBuffer
   * away, the region is marked escaped and a new view is made.
   */
  view(): Uint8Array<ArrayBuffer> {
    if (this.#ab.detached) {
      this.#escaped = true;
      this.#ab = Deno.UnsafePointerView.getArrayBuffer(this.#ptr, this.#length);
      this.#view = new Uint8Array(this.#ab);
    }
    return this.#view;
  }

  /** Detaches our ArrayBuffer (every view over it drops to length 0). */
  #retireViews(): void {
    if (this.#ab.detached) this.#escaped = true;
    else this.#ab.transfer(0);
  }

  #adopt(ptr: Deno.PointerObject, length: number): void {
    this.#ptr = ptr;
    this.#length = length;
    this.#ab = Deno.UnsafePointerView.getArrayBuffer(ptr, length);
    this.#view = new Uint8Array(this.#ab);
  }

  /**
   * Changes the length of the range (`mremap`, which may move it). Earlier
   * views are detached. An escaped range is left in place: a new range is
   * mapped (private and anonymous contents are copied over) and the old one
   * is emptied as on close.
   *
   * @throws {OSError} If the kernel refuses; the region is then unchanged
   * (with fresh views).
   */
  resize(newLength: number): void {
    this.#retireViews();
    if (!this.#escaped) {
      const p = libc().mremap(
        this.#ptr,
        BigInt(this.#length),
        BigInt(newLength),
        MREMAP_MAYMOVE,
      );
      if (p === null || BigInt(Deno.UnsafePointer.value(p)) === MAP_FAILED) {
        const code = errno();
        this.#adopt(this.#ptr, this.#length);
        throw new OSError(code);
      }
      this.#adopt(p, newLength);
      return;
    }
    let fresh: Deno.PointerObject;
    try {
      fresh = mapRaw(null, newLength, this.#spec);
    } catch (e) {
      this.#adopt(this.#ptr, this.#length);
      throw e;
    }
    const privateData = this.#spec.fd === -1 ||
      (this.#spec.flags & 0x03) === MAP_PRIVATE;
    if (privateData) {
      const n = Math.min(this.#length, newLength);
      const from = Deno.UnsafePointerView.getArrayBuffer(this.#ptr, n);
      const to = Deno.UnsafePointerView.getArrayBuffer(fresh, n);
      new Uint8Array(to).set(new Uint8Array(from));
      from.transfer(0);
      to.transfer(0);
    }
    this.#quarantine();
    this.#escaped = false;
    this.#adopt(fresh, newLength);
  }

  /**
   * Unmaps the range after detaching its views; an escaped range is
   * replaced by anonymous zero pages instead (see the module doc).
   * Idempotent.
   */
  unmap(): void {
    if (this.#gone) return;
    this.#gone = true;
    this.#retireViews();
    if (this.#escaped) {
      this.#quarantine();
      return;
    }
    // munmap fails only for a range that was never mapped (EINVAL): nothing
    // to undo then, and close() must not leave the object half-closed.
    libc().munmap(this.#ptr, BigInt(this.#length));
  }

  /**
   * Replaces the range with private anonymous zero pages at the same
   * addresses, so buffers that escaped stay valid (they read zeros) while
   * the file and the old memory are released.
   */
  #quarantine(): void {
    try {
      mapRaw(this.#ptr, this.#length, {
        prot: PROT_READ_WRITE,
        flags: MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE,
        fd: -1,
        offset: 0,
      });
    } catch {
      // Out of memory for page tables: leave the old mapping in place
      // rather than unmap memory that a buffer may still reach.
    }
  }
}
