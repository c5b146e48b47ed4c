/**
 * Python's `mmap` module for Deno: memory-mapped files and anonymous shared
 * memory, on libc through Deno's FFI.
 *
 * An {@linkcode mmap} reads and writes like a file (a position, `read`,
 * `readline`, `write`, `seek`) and like a byte array (`get`, `set`, `slice`,
 * `setSlice`, `find`), and gives the mapped memory itself as `buffer`, a
 * zero-copy Uint8Array. Python's semantics hold at the edges (reading past
 * the end returns fewer bytes, writing past it throws ValueError, `offset`
 * must be a multiple of `ALLOCATIONGRANULARITY`), and no call can crash the
 * process: after `close()` or `resize()` every old view is detached
 * (length 0), and a read-only map refuses writes with a TypeError.
 *
 * File descriptors come from `os_process.open()` (`@pyconc/std/os_process`),
 * or use `mmap.fromPath(path)`.
 *
 * Permissions: `--allow-ffi`; `mmap.fromPath` also needs `--allow-read`, and
 * `--allow-write` for a writable map.
 *
 * @example Share a file between a writer and a reader
 * ```ts
 * import { ACCESS_READ, mmap } from "@pyconc/std/mmap";
 * import assert from "node:assert/strict";
 *
 * const path = await Deno.makeTempFile();
 * await Deno.writeFile(path, new Uint8Array(4096));
 * using writer = mmap.fromPath(path);
 * using reader = mmap.fromPath(path, { access: ACCESS_READ });
 * writer.write(new TextEncoder().encode("ping"));
 * assert.equal(new TextDecoder().decode(reader.read(4)), "ping");
 * await Deno.remove(path);
 * ```
 *
 * @module
 */

export {
  type BytesLike,
  mmap,
  type MmapOptions,
  type MmapPathOptions,
} from "./mmap.ts";
export * from "./constants.ts";
export { error } from "./error.ts";
export {
  IndexError,
  OSError,
  OverflowError,
  PermissionError,
  ValueError,
} from "../_internal/errors.ts";
