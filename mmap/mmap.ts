import { fileURLToPath } from "../_internal/file_url.ts";
import { bytesLike, cString, describe, integer } from "../_internal/args.ts";
import {
  errno,
  IndexError,
  OSError,
  OverflowError,
  ValueError,
} from "../_internal/errors.ts";
import {
  cstr,
  errno as lastErrno,
  libc,
  raiseErrno,
} from "../_internal/ffi/libc.ts";
import { requirePermission } from "../_internal/permissions.ts";
import {
  ACCESS_COPY,
  ACCESS_DEFAULT,
  ACCESS_READ,
  ACCESS_WRITE,
  ALLOCATIONGRANULARITY,
  MADV_HWPOISON,
  MAP_ANONYMOUS,
  MAP_NORESERVE,
  MAP_POPULATE,
  MAP_PRIVATE,
  MAP_SHARED,
  PROT_EXEC,
  PROT_READ,
  PROT_WRITE,
} from "./constants.ts";
import { fstat } from "./_fstat.ts";
import { type MapSpec, Region } from "./_region.ts";

/**
 * What the byte-taking methods accept, as Python's bytes-like objects: an
 * ArrayBuffer or SharedArrayBuffer, or any view of one (a Uint8Array, a
 * DataView…). Its bytes are used without copying.
 */
export type BytesLike = ArrayBufferView | ArrayBufferLike;

/** Options of the {@linkcode mmap} constructor (Python's keyword arguments). */
export interface MmapOptions {
  /**
   * `MAP_SHARED` or `MAP_PRIVATE`, optionally with other `MAP_*` flags.
   * `MAP_FIXED`-like flags are refused. Not together with `access`.
   * @default {MAP_SHARED}
   */
  flags?: number;
  /**
   * `PROT_READ`, `PROT_WRITE`, `PROT_EXEC`, or'ed. Not together with `access`.
   * @default {PROT_READ | PROT_WRITE}
   */
  prot?: number;
  /**
   * `ACCESS_READ`, `ACCESS_WRITE`, `ACCESS_COPY` or `ACCESS_DEFAULT`.
   * @default {ACCESS_DEFAULT}
   */
  access?: number;
  /**
   * Where the map starts in the file, a multiple of `ALLOCATIONGRANULARITY`.
   * @default {0}
   */
  offset?: number;
}

/** Options of {@linkcode mmap.fromPath}. */
export interface MmapPathOptions {
  /**
   * How many bytes to map; 0 maps from `offset` to the end of the file.
   * @default {0}
   */
  length?: number;
  /**
   * `ACCESS_READ` (opens the file read-only), `ACCESS_COPY` (read-only too),
   * `ACCESS_WRITE` or `ACCESS_DEFAULT` (read-write).
   * @default {ACCESS_DEFAULT}
   */
  access?: number;
  /**
   * Where the map starts in the file, a multiple of `ALLOCATIONGRANULARITY`.
   * @default {0}
   */
  offset?: number;
}

const O_RDONLY = 0;
const O_RDWR = 2;
const O_CLOEXEC = 0o2000000;
const F_DUPFD_CLOEXEC = 1030;
const MS_SYNC = 4;
const MFD_CLOEXEC = 1;
const MFD_HUGETLB = 4;
const MAP_HUGETLB = 0x40000;
/** The huge page size bits, the same in mmap's and memfd_create's flags. */
const HUGE_SIZE_MASK = 0x3f << 26;
/** Shared anonymous maps show as `/memfd:pyconc.mmap (deleted)`. */
const MEMFD_NAME = new TextEncoder().encode("pyconc.mmap\0");
const MADV_POPULATE_READ = 22;
const EINTR = 4;
/** Flags that would place the map over memory the process already uses. */
const MAP_FIXED = 0x10;
const MAP_GROWSDOWN = 0x100;
const MAP_FIXED_NOREPLACE = 0x100000;
/** madvise options that make later accesses fault (and kill the process). */
const MADV_GUARD_INSTALL = 102;

const ACCESS_NAMES = [
  "ACCESS_DEFAULT",
  "ACCESS_READ",
  "ACCESS_WRITE",
  "ACCESS_COPY",
];

/**
 * Live file-backed maps per file (`"dev:ino"`), so that `resize()` never
 * truncates a file under another map of this process (its pages past the new
 * end would raise SIGBUS when touched).
 */
const mapsOfFile = new Map<string, Set<mmap>>();

function closedError(): ValueError {
  return new ValueError("mmap closed or invalid");
}

/** Python's slice-index clamping for find/rfind (negative counts from the end). */
function clampIndex(i: number, size: number): number {
  if (i < 0) {
    i += size;
    if (i < 0) i = 0;
  } else if (i > size) i = size;
  return i;
}

/** Finds `needle` in `hay[start, end)`, forwards or backwards; -1 if absent. */
function search(
  hay: Uint8Array,
  needle: Uint8Array,
  start: number,
  end: number,
  reverse: boolean,
): number {
  const n = needle.length;
  if (end - start < n) return -1;
  if (n === 0) return reverse ? end : start;
  const first = needle[0]!;
  const last = end - n;
  if (!reverse) {
    for (let i = start; i <= last; i++) {
      i = hay.indexOf(first, i);
      if (i === -1 || i > last) return -1;
      let k = 1;
      while (k < n && hay[i + k] === needle[k]) k++;
      if (k === n) return i;
    }
  } else {
    for (let i = last; i >= start; i--) {
      i = hay.lastIndexOf(first, i);
      if (i < start) return -1;
      let k = 1;
      while (k < n && hay[i + k] === needle[k]) k++;
      if (k === n) return i;
    }
  }
  return -1;
}

/**
 * Python's `mmap.mmap`: a memory-mapped file, or anonymous memory
 * (`fileno = -1`), that reads and writes like a file (a position, `read`,
 * `write`, `seek`) and like a byte array (`get`, `set`, `slice`, `setSlice`),
 * plus `buffer`, a zero-copy Uint8Array over the mapped memory.
 *
 * For bulk reads, use `buffer` (no copy at all) or `readInto(buf)` with a
 * buffer the program reuses (one copy, at memory bandwidth). `read()` and
 * `slice()` return fresh arrays, as Python's return fresh bytes; in V8 a
 * fresh array of a megabyte or more lands on pages the kernel has to fault
 * in, so those are about half as fast for large reads.
 *
 * Memory safety: no call, whatever its arguments, can crash the process.
 *
 * - After `close()` or `resize()`, every view over the old memory is
 *   detached (length 0): `buffer`, its subarrays, and any DataView or typed
 *   array the program made over `buffer.buffer`. Take `buffer` again after a
 *   resize.
 * - An `ACCESS_READ` map refuses writes through its methods (TypeError, as
 *   Python). JavaScript cannot make a Uint8Array read-only, so the map is
 *   private underneath: a write through `buffer` changes this process's copy
 *   of the page and never the file (C and Python would crash instead). A map
 *   that cannot be read (`PROT_NONE`, `PROT_EXEC` without `PROT_READ`) or is
 *   executable and read-only has no `buffer` (TypeError), and its reading
 *   methods throw TypeError.
 * - `resize()` refuses to truncate the file below another open map of it
 *   made on the same thread (ValueError): touching those pages would raise
 *   SIGBUS. It grows shared anonymous maps safely (they are memfd-backed;
 *   CPython's `resize()` crashes there with SIGBUS).
 * - Moving `buffer.buffer` away (`transfer()`, or `postMessage` with it in
 *   the transfer list) is noticed: the moved buffer stays valid, and on
 *   `close()` its memory is replaced by zero pages instead of being unmapped
 *   (that address range then stays reserved until the process ends).
 *
 * What stays the program's responsibility, as in C and Python: the kernel
 * raises SIGBUS when a mapped page cannot be read, that is when another
 * process (or `Deno.truncate`) shrinks a mapped file below the map, when
 * the file's storage fails (a bad disk, a network file system), or when a
 * device file's driver refuses; and an asynchronous operation still reading
 * `buffer` (an un-awaited `file.write(m.buffer)`) must finish before
 * `close()`, since the library cannot see it.
 *
 * Differences from Python: `seek()` returns the new position (Python 3.13);
 * `slice(start, end, step)` is `m[start:end:step]`; `setSlice(start, bytes)`
 * is `m[start:start + bytes.length] = bytes`; `length` is `len(m)`; an mmap
 * that is never closed stays mapped until the process ends (close it, or use
 * `using`); Python's BufferError for resizing or closing with exported
 * buffers does not exist (views are detached instead).
 *
 * Permissions: `--allow-ffi`; `fromPath` also needs `--allow-read` (and
 * `--allow-write` unless `ACCESS_READ` or `ACCESS_COPY`).
 *
 * @example Write a file through a map, then read it back
 * ```ts
 * import { mmap } from "@pyconc/std/mmap";
 * import assert from "node:assert/strict";
 *
 * const path = await Deno.makeTempFile();
 * await Deno.writeTextFile(path, "Hello Python!\n");
 * {
 *   using m = mmap.fromPath(path);
 *   assert.equal(new TextDecoder().decode(m.readline()), "Hello Python!\n");
 *   m.setSlice(6, new TextEncoder().encode(" world"));
 *   m.seek(0);
 *   assert.equal(new TextDecoder().decode(m.readline()), "Hello  world!\n");
 * }
 * assert.equal(await Deno.readTextFile(path), "Hello  world!\n");
 * await Deno.remove(path);
 * ```
 *
 * @example Anonymous memory and the zero-copy buffer
 * ```ts
 * import { mmap } from "@pyconc/std/mmap";
 * import assert from "node:assert/strict";
 *
 * const m = new mmap(-1, 13);
 * m.write(new TextEncoder().encode("Hello world!"));
 * const view = m.buffer;
 * assert.equal(view[0], 72); // "H"
 * m.close();
 * assert.equal(view.length, 0); // detached: no access to unmapped memory
 * ```
 */
export class mmap implements Disposable {
  #region: Region | null;
  /** The map's descriptor: a duplicate of the file's, a memfd, or -1. */
  #fd: number;
  #anonymous = false;
  #offset: number;
  #access: number;
  #readable: boolean;
  #writable: boolean;
  #bufferable: boolean;
  #spec: MapSpec;
  #fileId: string | null = null;
  #pos = 0;

  /**
   * Maps `length` bytes of the file open as `fileno`, or anonymous memory.
   *
   * Python's `mmap.mmap(fileno, length, flags=MAP_SHARED,
   * prot=PROT_WRITE|PROT_READ, access=ACCESS_DEFAULT, offset=0)`. The
   * descriptor is duplicated: close yours whenever you like.
   *
   * @param fileno A file descriptor (from `os_process.open()`), or -1 for
   *   anonymous memory.
   * @param length How many bytes; 0 maps the whole file from `offset`.
   * @param options `flags` and `prot`, or `access`; and `offset`.
   * @throws {OverflowError} If `length` or `offset` is negative.
   * @throws {ValueError} If `access` is not an ACCESS_* constant, both
   *   `access` and `flags`/`prot` are given, the file is empty (with
   *   `length` 0), or `offset`/`length` reach past the end of the file.
   * @throws {OSError} If the descriptor is bad (EBADF), `offset` is not a
   *   multiple of `ALLOCATIONGRANULARITY` or `length` is 0 for anonymous
   *   memory (EINVAL), the descriptor's mode does not allow the access
   *   (PermissionError), or the kernel refuses the map.
   * @throws {PermissionError} Without `--allow-ffi`.
   */
  constructor(fileno: number, length: number, options: MmapOptions = {}) {
    const fd = integer(fileno, "fileno");
    const size0 = integer(length, "length");
    if (typeof options !== "object" || options === null) {
      throw new TypeError(
        `options must be an object, not ${describe(options)}`,
      );
    }
    let flags = options.flags === undefined
      ? MAP_SHARED
      : integer(options.flags, "flags");
    let prot = options.prot === undefined
      ? PROT_READ | PROT_WRITE
      : integer(options.prot, "prot");
    let access = options.access === undefined
      ? ACCESS_DEFAULT
      : integer(options.access, "access");
    const offset = options.offset === undefined
      ? 0
      : integer(options.offset, "offset");
    if (size0 < 0) {
      throw new OverflowError("memory mapped length must be positive");
    }
    if (offset < 0) {
      throw new OverflowError("memory mapped offset must be positive");
    }
    if (
      access !== ACCESS_DEFAULT &&
      (flags !== MAP_SHARED || prot !== (PROT_READ | PROT_WRITE))
    ) {
      throw new ValueError("mmap can't specify both access and flags, prot.");
    }
    switch (access) {
      case ACCESS_READ:
        flags = MAP_SHARED;
        prot = PROT_READ;
        break;
      case ACCESS_WRITE:
        flags = MAP_SHARED;
        prot = PROT_READ | PROT_WRITE;
        break;
      case ACCESS_COPY:
        flags = MAP_PRIVATE;
        prot = PROT_READ | PROT_WRITE;
        break;
      case ACCESS_DEFAULT:
        // Python maps prot to an access type.
        if ((prot & PROT_READ) && (prot & PROT_WRITE)) break;
        access = prot & PROT_WRITE ? ACCESS_WRITE : ACCESS_READ;
        break;
      default:
        throw new ValueError(
          "mmap invalid access parameter.",
        );
    }
    if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE | MAP_GROWSDOWN)) {
      throw new ValueError(
        `flags must not include MAP_FIXED, MAP_FIXED_NOREPLACE or MAP_GROWSDOWN (got ${
          flags.toString(16)
        }h): the library chooses where maps go`,
      );
    }
    if ((flags & MAP_HUGETLB) && (flags & MAP_NORESERVE)) {
      // Without a reservation, running out of huge pages raises SIGBUS.
      throw new ValueError(
        "flags must not combine MAP_HUGETLB and MAP_NORESERVE: a fault with no huge page left would kill the process",
      );
    }
    if ((prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC)) !== 0) {
      throw new ValueError(
        `prot must combine PROT_READ, PROT_WRITE and PROT_EXEC, not ${prot}`,
      );
    }

    const lib = libc();
    let size = size0;
    let fileId: string | null = null;
    if (fd !== -1) {
      const st = fstat(fd);
      if (st.regular) {
        if (size === 0) {
          if (st.size === 0) throw new ValueError("cannot mmap an empty file");
          if (offset >= st.size) {
            throw new ValueError(
              "mmap offset is greater than file size",
            );
          }
          size = st.size - offset;
        } else if (offset > st.size || st.size - offset < size) {
          throw new ValueError(
            "mmap length is greater than file size",
          );
        }
        fileId = st.id;
      }
    }
    if (size === 0) {
      throw new OSError(errno.EINVAL); // as Python: mmap(2) refuses it
    }
    if (offset % ALLOCATIONGRANULARITY !== 0) {
      throw new OSError(errno.EINVAL); // as Python: mmap(2) refuses it
    }

    // The kernel's protection. Writable maps are also readable (x86 implies
    // it anyway). A read-only map becomes a private writable one, so that a
    // write through `buffer` cannot fault (see the class doc), unless it is
    // executable (no W+X pages) or not readable at all: those get no buffer.
    this.#writable = access !== ACCESS_READ;
    let kprot = prot;
    let kflags = fd === -1 ? flags | MAP_ANONYMOUS : flags;
    let populate = false;
    if (prot & PROT_WRITE) kprot |= PROT_READ;
    this.#readable = (kprot & PROT_READ) !== 0;
    this.#bufferable = this.#readable;
    if (!this.#writable && (kprot & PROT_WRITE) === 0) {
      if (prot === PROT_READ) {
        kprot = PROT_READ | PROT_WRITE;
        // MAP_POPULATE would fault the pages in for writing, copying every
        // one; MADV_POPULATE_READ (below) reads them in instead.
        populate = (kflags & MAP_POPULATE) !== 0;
        kflags = (kflags & ~(MAP_SHARED | MAP_PRIVATE | MAP_POPULATE)) |
          MAP_PRIVATE | (kflags & MAP_HUGETLB ? 0 : MAP_NORESERVE);
      } else {
        this.#bufferable = false;
      }
    }

    // The descriptor the map is made from: a duplicate of the caller's, or,
    // for shared anonymous memory, a memfd. Linux's shared anonymous memory
    // is a hidden file of fixed size: mremap can grow the map but not the
    // file, and touching the new pages raises SIGBUS (Python's resize()
    // crashes so). A memfd can be grown with ftruncate first.
    let dupfd = -1;
    if (fd !== -1) {
      dupfd = lib.fcntl(fd, F_DUPFD_CLOEXEC, 0n);
      if (dupfd < 0) raiseErrno();
    } else if ((kflags & 0x3) !== MAP_PRIVATE) {
      const hugetlb = kflags & MAP_HUGETLB
        ? MFD_HUGETLB | (kflags & HUGE_SIZE_MASK)
        : 0;
      dupfd = lib.memfd_create(MEMFD_NAME, MFD_CLOEXEC | hugetlb);
      if (dupfd < 0) raiseErrno();
      if (lib.ftruncate(dupfd, BigInt(size)) !== 0) {
        const code = lastErrno();
        lib.close(dupfd);
        throw new OSError(code);
      }
      kflags &= ~MAP_ANONYMOUS;
    }
    this.#anonymous = fd === -1;
    // Anonymous memory has no offset (Linux ignores it, Python passes it
    // on); the memfd must be mapped from its start, or the map would reach
    // past its end.
    this.#spec = {
      prot: kprot,
      flags: kflags,
      fd: dupfd,
      offset: this.#anonymous ? 0 : offset,
    };
    try {
      this.#region = Region.map(size, this.#spec);
    } catch (e) {
      if (dupfd !== -1) lib.close(dupfd);
      throw e;
    }
    if (populate) {
      lib.madvise(
        this.#region.pointer,
        BigInt(size),
        MADV_POPULATE_READ,
      );
    }
    this.#fd = dupfd;
    this.#offset = offset;
    this.#access = access;
    if (fileId !== null) {
      this.#fileId = fileId;
      let set = mapsOfFile.get(fileId);
      if (set === undefined) mapsOfFile.set(fileId, set = new Set());
      set.add(this);
    }
  }

  /**
   * Opens `path` and maps it: the convenience that Python spells
   * `with open(path, "r+b") as f: mmap.mmap(f.fileno(), 0)`. The file is
   * closed again at once (the map keeps its own descriptor).
   *
   * @param path The file (a path or a `file:` URL).
   * @param options `length` (0: to the end), `access`, `offset`.
   * @returns The map.
   * @throws {FileNotFoundError} If the file does not exist.
   * @throws {PermissionError} Without `--allow-read` (and `--allow-write` for
   *   a writable map), or if the file's mode forbids the access.
   * @throws {ValueError} As the constructor (an empty file, a bad access…).
   *
   * @example Read a file without copying it
   * ```ts
   * import { ACCESS_READ, mmap } from "@pyconc/std/mmap";
   * import assert from "node:assert/strict";
   *
   * const path = await Deno.makeTempFile();
   * await Deno.writeTextFile(path, "one two ones");
   * using m = mmap.fromPath(path, { access: ACCESS_READ });
   * assert.equal(m.find(new TextEncoder().encode("ones")), 8);
   * assert.equal(m.length, 12);
   * await Deno.remove(path);
   * ```
   */
  static fromPath(path: string | URL, options: MmapPathOptions = {}): mmap {
    const file = cString(
      path instanceof URL ? fileURLToPath(path) : path,
      "path",
    );
    if (typeof options !== "object" || options === null) {
      throw new TypeError(
        `options must be an object, not ${describe(options)}`,
      );
    }
    const access = options.access === undefined
      ? ACCESS_DEFAULT
      : integer(options.access, "access");
    const readOnly = access === ACCESS_READ || access === ACCESS_COPY;
    requirePermission({ name: "read", path: file }, file);
    if (!readOnly) requirePermission({ name: "write", path: file }, file);
    const lib = libc();
    const name = cstr(file);
    let fd: number;
    do {
      fd = lib.open(name, (readOnly ? O_RDONLY : O_RDWR) | O_CLOEXEC, 0);
    } while (fd < 0 && lastErrno() === EINTR);
    if (fd < 0) raiseErrno(file);
    try {
      return new mmap(fd, options.length ?? 0, {
        access,
        offset: options.offset ?? 0,
      });
    } finally {
      lib.close(fd);
    }
  }

  #open(): Region {
    if (this.#region === null) throw closedError();
    return this.#region;
  }

  /** The live view, checking that the map is open and readable. */
  #mem(): Uint8Array<ArrayBuffer> {
    const region = this.#open();
    if (!this.#readable) {
      throw new TypeError("mmap can't read a map without PROT_READ");
    }
    return region.view();
  }

  /** The live view, checking that the map is open and writable. */
  #writableMem(): Uint8Array<ArrayBuffer> {
    const region = this.#open();
    if (!this.#writable) {
      throw new TypeError("mmap can't modify a readonly memory map.");
    }
    return region.view();
  }

  /** Whether the map is closed (Python's `closed`). */
  get closed(): boolean {
    return this.#region === null;
  }

  /**
   * The map's length in bytes (Python's `len(m)`); see {@linkcode size} for
   * the file's.
   * @throws {ValueError} If the map is closed.
   */
  get length(): number {
    return this.#open().length;
  }

  /**
   * A zero-copy Uint8Array over the whole map: reads and writes go straight
   * to the mapped memory (and, for a shared file map, to the file).
   *
   * It is detached (length 0) by `close()` and `resize()`, as is every view
   * made over it; take it again after a resize. On an `ACCESS_READ` map,
   * writes through it stay private to this process (see the class doc).
   *
   * @throws {ValueError} If the map is closed.
   * @throws {TypeError} If the map cannot be read (`PROT_NONE`, `PROT_EXEC`
   *   without `PROT_READ`) or is executable and read-only.
   */
  get buffer(): Uint8Array<ArrayBuffer> {
    const region = this.#open();
    if (!this.#bufferable) {
      throw new TypeError(
        "mmap buffer is not available: the map is not readable, or executable and read-only",
      );
    }
    return region.view();
  }

  /**
   * Unmaps the memory and closes the map's file descriptor. Every view over
   * the map is detached; later calls of most methods throw ValueError.
   * Calling it again does nothing.
   */
  close(): void {
    const region = this.#region;
    if (region === null) return;
    this.#region = null;
    region.unmap();
    if (this.#fd !== -1) {
      libc().close(this.#fd);
      this.#fd = -1;
    }
    if (this.#fileId !== null) {
      const set = mapsOfFile.get(this.#fileId);
      set?.delete(this);
      if (set?.size === 0) mapsOfFile.delete(this.#fileId);
    }
  }

  /** Closes the map (Python's `__exit__`), for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }

  /**
   * The byte at `index` (Python's `m[index]`); negative indexes count from
   * the end.
   * @throws {IndexError} If `index` is out of range.
   * @throws {ValueError} If the map is closed.
   */
  get(index: number): number {
    let i = integer(index, "index");
    const mem = this.#mem();
    if (i < 0) i += mem.length;
    if (i < 0 || i >= mem.length) {
      throw new IndexError(
        "mmap index out of range",
      );
    }
    return mem[i]!;
  }

  /**
   * Sets the byte at `index` (Python's `m[index] = byte`).
   * @throws {TypeError} If the map is read-only or `byte` is not an integer.
   * @throws {IndexError} If `index` is out of range.
   * @throws {ValueError} If `byte` is not in range(0, 256), or the map is closed.
   */
  set(index: number, byte: number): void {
    let i = integer(index, "index");
    const mem = this.#writableMem();
    if (i < 0) i += mem.length;
    if (i < 0 || i >= mem.length) {
      throw new IndexError(
        "mmap index out of range",
      );
    }
    const v = integer(byte, "byte");
    if (v < 0 || v > 255) {
      throw new ValueError(
        "mmap item value must be in range(0, 256)",
      );
    }
    mem[i] = v;
  }

  /**
   * A copy of the bytes `start` to `end` (Python's `m[start:end:step]`, with
   * Python's slice rules: negative indexes count from the end, indexes past
   * the ends are clamped).
   *
   * @param start The first index (default: the start, or the end for a
   *   negative step).
   * @param end The index to stop before (default: past the last byte in the
   *   step's direction).
   * @param step The stride (default 1; not 0).
   * @returns A new Uint8Array.
   * @throws {ValueError} If `step` is 0, or the map is closed.
   */
  slice(
    start?: number | null,
    end?: number | null,
    step?: number | null,
  ): Uint8Array<ArrayBuffer> {
    const mem = this.#mem();
    const size = mem.length;
    const st = step == null ? 1 : integer(step, "step");
    if (st === 0) throw new ValueError("slice step cannot be zero");
    let a: number, b: number;
    if (st > 0) {
      a = start == null ? 0 : clampIndex(integer(start, "start"), size);
      b = end == null ? size : clampIndex(integer(end, "end"), size);
      if (st === 1) {
        return b > a ? new Uint8Array(mem.subarray(a, b)) : new Uint8Array(0);
      }
    } else {
      a = start == null ? size - 1 : clampDown(integer(start, "start"), size);
      b = end == null ? -1 : clampDown(integer(end, "end"), size);
    }
    const n = st > 0
      ? (b > a ? Math.ceil((b - a) / st) : 0)
      : (a > b ? Math.ceil((a - b) / -st) : 0);
    const out = new Uint8Array(n);
    for (let k = 0, i = a; k < n; k++, i += st) out[k] = mem[i]!;
    return out;
  }

  /**
   * Writes `bytes` at `start` (Python's `m[start:start + len(bytes)] =
   * bytes`); the position is unchanged.
   *
   * @throws {IndexError} If the bytes do not fit between `start` and the end.
   * @throws {TypeError} If the map is read-only or `bytes` is not bytes-like.
   * @throws {ValueError} If the map is closed.
   */
  setSlice(start: number, bytes: BytesLike): void {
    const s = integer(start, "start");
    const src = bytesLike(bytes, "bytes");
    const mem = this.#writableMem();
    const a = clampIndex(s, mem.length);
    if (mem.length - a < src.length) {
      throw new IndexError(
        "mmap slice assignment is wrong size",
      );
    }
    mem.set(src, a);
  }

  /**
   * The lowest index where `sub` is found in `[start, end)`, or -1 (Python's
   * `find`). `start` defaults to the current position, `end` to the end;
   * negative values count from the end.
   * @throws {TypeError} If `sub` is not bytes-like.
   * @throws {ValueError} If the map is closed.
   */
  find(sub: BytesLike, start?: number | null, end?: number | null): number {
    return this.#find(sub, start, end, false);
  }

  /**
   * The highest index where `sub` is found in `[start, end)`, or -1
   * (Python's `rfind`); the same defaults as {@linkcode find}.
   * @throws {TypeError} If `sub` is not bytes-like.
   * @throws {ValueError} If the map is closed.
   */
  rfind(
    sub: BytesLike,
    start?: number | null,
    end?: number | null,
  ): number {
    return this.#find(sub, start, end, true);
  }

  #find(
    sub: BytesLike,
    start: number | null | undefined,
    end: number | null | undefined,
    reverse: boolean,
  ): number {
    const needle = bytesLike(sub, "sub");
    const s = start == null ? null : integer(start, "start");
    const e = end == null ? null : integer(end, "end");
    const mem = this.#mem();
    const size = mem.length;
    const a = clampIndex(s ?? Math.min(this.#pos, size), size);
    const b = clampIndex(e ?? size, size);
    return search(mem, needle, a, b, reverse);
  }

  /**
   * Reads up to `n` bytes from the position and advances it (Python's
   * `read`); with no argument, null or a negative `n`, reads to the end.
   * Fewer bytes come back near the end, none at the end.
   * @throws {TypeError} If `n` is not an integer.
   * @throws {ValueError} If the map is closed.
   */
  read(n?: number | null): Uint8Array<ArrayBuffer> {
    const count = n == null ? -1 : integer(n, "n");
    const mem = this.#mem();
    const remaining = this.#pos < mem.length ? mem.length - this.#pos : 0;
    const k = count < 0 || count > remaining ? remaining : count;
    const out = new Uint8Array(mem.subarray(this.#pos, this.#pos + k));
    this.#pos += k;
    return out;
  }

  /**
   * Copies bytes from the position into `buf` and advances the position
   * (Python's `readinto` of binary files; CPython's mmap offers the same
   * through `memoryview(m)`). Fills `buf` or stops at the end of the map.
   *
   * This is the fast path for bulk reads: the bytes are copied once, into
   * memory the program reuses. `read()` and `slice()` return fresh arrays,
   * and V8 places each fresh array of a megabyte or more on new pages that
   * the kernel must fault in, which costs more than the copy itself.
   *
   * @param buf Where the bytes go: any typed array, DataView or ArrayBuffer.
   * @returns The number of bytes copied (0 at the end).
   * @throws {TypeError} If `buf` is not bytes-like.
   * @throws {ValueError} If the map is closed.
   *
   * @example Read a map in reused 4-byte chunks
   * ```ts
   * import { mmap } from "@pyconc/std/mmap";
   * import assert from "node:assert/strict";
   *
   * using m = new mmap(-1, 10);
   * m.write(new TextEncoder().encode("0123456789"));
   * m.seek(0);
   * const chunk = new Uint8Array(4);
   * const seen: string[] = [];
   * for (let n; (n = m.readInto(chunk)) > 0;) {
   *   seen.push(new TextDecoder().decode(chunk.subarray(0, n)));
   * }
   * assert.deepEqual(seen, ["0123", "4567", "89"]);
   * ```
   */
  readInto(buf: ArrayBufferView | ArrayBufferLike): number {
    const dst = bytesLike(buf, "buf");
    const mem = this.#mem();
    const remaining = this.#pos < mem.length ? mem.length - this.#pos : 0;
    const k = Math.min(dst.length, remaining);
    dst.set(mem.subarray(this.#pos, this.#pos + k));
    this.#pos += k;
    return k;
  }

  /**
   * The byte at the position, as a number; advances it (Python's
   * `read_byte`).
   * @throws {ValueError} At the end of the map, or if it is closed.
   */
  readByte(): number {
    const mem = this.#mem();
    if (this.#pos >= mem.length) {
      throw new ValueError(
        "read byte out of range",
      );
    }
    return mem[this.#pos++]!;
  }

  /**
   * The bytes from the position up to and including the next `\n` (or to
   * the end); advances the position (Python's `readline`).
   * @throws {ValueError} If the map is closed.
   */
  readline(): Uint8Array<ArrayBuffer> {
    const mem = this.#mem();
    if (this.#pos >= mem.length) return new Uint8Array(0);
    const nl = mem.indexOf(0x0a, this.#pos);
    const stop = nl === -1 ? mem.length : nl + 1;
    const out = new Uint8Array(mem.subarray(this.#pos, stop));
    this.#pos = stop;
    return out;
  }

  /**
   * Writes `bytes` at the position and advances it (Python's `write`).
   * @returns The number of bytes written.
   * @throws {ValueError} If the bytes do not fit before the end, or the map
   *   is closed.
   * @throws {TypeError} If the map is read-only or `bytes` is not bytes-like.
   */
  write(bytes: BytesLike): number {
    const src = bytesLike(bytes, "bytes");
    const mem = this.#writableMem();
    if (this.#pos > mem.length || mem.length - this.#pos < src.length) {
      throw new ValueError(
        "data out of range",
      );
    }
    mem.set(src, this.#pos);
    this.#pos += src.length;
    return src.length;
  }

  /**
   * Writes one byte at the position and advances it (Python's `write_byte`).
   * @throws {TypeError} If the map is read-only or `byte` is not an integer.
   * @throws {OverflowError} If `byte` is not in range(0, 256).
   * @throws {ValueError} At the end of the map, or if it is closed.
   */
  writeByte(byte: number): void {
    const v = integer(byte, "byte");
    const mem = this.#writableMem();
    if (v < 0 || v > 255) {
      throw new OverflowError(
        v < 0
          ? "unsigned byte integer is less than minimum"
          : "unsigned byte integer is greater than maximum",
      );
    }
    if (this.#pos >= mem.length) {
      throw new ValueError(
        "write byte out of range",
      );
    }
    mem[this.#pos++] = v;
  }

  /**
   * Moves the position (Python's `seek`).
   *
   * @param pos The offset.
   * @param whence 0: from the start (default), 1: from the position,
   *   2: from the end.
   * @returns The new position (as Python 3.13).
   * @throws {ValueError} For another `whence`, a position before the start
   *   or past the end, or a closed map.
   */
  seek(pos: number, whence = 0): number {
    const dist = integer(pos, "pos");
    const how = integer(whence, "whence");
    const size = this.#open().length;
    let where: number;
    switch (how) {
      case 0:
        where = dist;
        break;
      case 1:
        where = this.#pos + dist;
        break;
      case 2:
        where = size + dist;
        break;
      default:
        throw new ValueError(
          "unknown seek type",
        );
    }
    if (where > size || where < 0) {
      throw new ValueError(
        "seek out of range",
      );
    }
    this.#pos = where;
    return where;
  }

  /**
   * The position (Python's `tell`).
   * @throws {ValueError} If the map is closed.
   */
  tell(): number {
    this.#open();
    return this.#pos;
  }

  /**
   * Copies `count` bytes from `src` to `dest` within the map; the ranges may
   * overlap (Python's `move`).
   * @throws {ValueError} If either range leaves the map or a value is
   *   negative, or the map is closed.
   * @throws {TypeError} If the map is read-only.
   */
  move(dest: number, src: number, count: number): void {
    const d = integer(dest, "dest");
    const s = integer(src, "src");
    const c = integer(count, "count");
    const mem = this.#writableMem();
    const size = mem.length;
    if (d < 0 || s < 0 || c < 0 || size - d < c || size - s < c) {
      throw new ValueError(
        "source, destination, or count out of range",
      );
    }
    mem.copyWithin(d, s, s + c);
  }

  /**
   * Writes changes back to the file (`msync` with `MS_SYNC`; Python's
   * `flush`). Does nothing for `ACCESS_READ` and `ACCESS_COPY` maps.
   *
   * @param offset Where to start, a multiple of `PAGESIZE` (default 0).
   * @param size How many bytes (default: to the end).
   * @throws {ValueError} If the range leaves the map, or the map is closed.
   * @throws {OSError} If `offset` is not page-aligned (EINVAL) or `msync` fails.
   */
  flush(offset = 0, size?: number): void {
    const o = integer(offset, "offset");
    const region = this.#open();
    const n = size === undefined ? region.length - o : integer(size, "size");
    if (n < 0 || o < 0 || region.length - o < n) {
      throw new ValueError(
        "flush values out of range",
      );
    }
    if (this.#access === ACCESS_READ || this.#access === ACCESS_COPY) return;
    const start = Deno.UnsafePointer.offset(region.pointer, o);
    if (libc().msync(start, BigInt(n), MS_SYNC) !== 0) raiseErrno();
  }

  /**
   * Advises the kernel about a range of the map (`madvise`; Python's
   * `madvise`).
   *
   * @param option A `MADV_*` constant.
   * @param start Where the range starts (default 0).
   * @param length How many bytes (default: to the end; clamped to the end).
   * @throws {ValueError} If `start` is outside the map, `length` is negative,
   *   the option would make the pages fault (`MADV_HWPOISON`, guard pages),
   *   or the map is closed.
   * @throws {OverflowError} If `start + length` overflows.
   * @throws {OSError} If the kernel refuses (EINVAL for an unknown option).
   */
  madvise(option: number, start = 0, length?: number): void {
    const opt = integer(option, "option");
    const s = integer(start, "start");
    const region = this.#open();
    const size = region.length;
    if (s < 0 || s >= size) {
      throw new ValueError("madvise start out of bounds");
    }
    let n = length === undefined ? size - s : integer(length, "length");
    if (n < 0) throw new ValueError("madvise length invalid");
    if (Number.MAX_SAFE_INTEGER - s < n) {
      throw new OverflowError(`madvise length too large: ${n}`);
    }
    if (s + n > size) n = size - s;
    if (opt === MADV_HWPOISON || opt === MADV_GUARD_INSTALL) {
      throw new ValueError(
        `madvise option ${opt} is refused: touching the pages afterwards would kill the process`,
      );
    }
    const at = Deno.UnsafePointer.offset(region.pointer, s);
    if (libc().madvise(at, BigInt(n), opt) !== 0) raiseErrno();
  }

  /**
   * Changes the map's length (Python's `resize`): the file, if any, is
   * truncated or extended to `offset + newsize` first (as Python on Linux),
   * then the memory is remapped (`mremap`, which may move it). The position
   * is kept, even past the new end. Every earlier view is detached: take
   * `buffer` again.
   *
   * @throws {TypeError} If the map is `ACCESS_READ` or `ACCESS_COPY`.
   * @throws {ValueError} If `newsize` is negative, the map is closed, or
   *   shrinking the file would cut into another map of it in this process.
   * @throws {OSError} If `newsize` is 0 (EINVAL), or the kernel refuses; the
   *   map and the file are then unchanged.
   */
  resize(newsize: number): void {
    const n = integer(newsize, "newsize");
    const region = this.#open();
    if (this.#access === ACCESS_READ || this.#access === ACCESS_COPY) {
      throw new TypeError(
        "mmap can't resize a readonly or copy-on-write memory map.",
      );
    }
    if (n < 0) throw new ValueError("new size out of range");
    if (n === 0) {
      throw new OSError(errno.EINVAL); // as Python: mremap/ftruncate refuse it
    }
    if (this.#fd === -1) {
      region.resize(n);
      return;
    }
    const lib = libc();
    const newFileSize = this.#spec.offset + n;
    const oldFileSize = fstat(this.#fd).size;
    if (newFileSize < oldFileSize && this.#fileId !== null) {
      for (const other of mapsOfFile.get(this.#fileId) ?? []) {
        if (other === this) continue;
        const end = other.#spec.offset + other.#open().length;
        if (end > newFileSize) {
          throw new ValueError(
            `Cannot resize: truncating the file to ${newFileSize} bytes would cut into another open mmap of it (which reaches byte ${end})`,
          );
        }
      }
    }
    if (newFileSize < oldFileSize) {
      // Shrink the map before the file, so it never reaches past the end.
      region.resize(n);
      if (lib.ftruncate(this.#fd, BigInt(newFileSize)) !== 0) raiseErrno();
    } else {
      if (lib.ftruncate(this.#fd, BigInt(newFileSize)) !== 0) raiseErrno();
      try {
        region.resize(n);
      } catch (e) {
        lib.ftruncate(this.#fd, BigInt(oldFileSize));
        throw e;
      }
    }
  }

  /**
   * The size of the file (Python's `size()`), which can be larger than the
   * map.
   * @throws {OSError} For an anonymous map (EBADF, as Python).
   * @throws {ValueError} If the map is closed.
   */
  size(): number {
    this.#open();
    if (this.#anonymous) throw new OSError(errno.EBADF);
    return fstat(this.#fd).size;
  }

  /** Python's repr: `<mmap.mmap closed=False, access=ACCESS_READ, length=3, pos=0, offset=0>`. */
  toString(): string {
    if (this.#region === null) return "<mmap.mmap closed=True>";
    return `<mmap.mmap closed=False, access=${
      ACCESS_NAMES[this.#access]
    }, length=${this.#region.length}, pos=${this.#pos}, offset=${this.#offset}>`;
  }

  /** Shows Python's repr in `console.log` and `Deno.inspect`. */
  [Symbol.for("Deno.customInspect")](): string {
    return this.toString();
  }
}

/** Slice-index clamping for a negative step (Python's PySlice_AdjustIndices). */
function clampDown(i: number, size: number): number {
  if (i < 0) {
    i += size;
    if (i < 0) i = -1;
  } else if (i >= size) i = size - 1;
  return i;
}
