import { fileURLToPath } from "../_internal/file_url.ts";
import { cInt, cString, integer } from "../_internal/args.ts";
import { cstr, errno, libc, raiseErrno } from "../_internal/ffi/libc.ts";
import { requirePermission } from "../_internal/permissions.ts";
import {
  O_ACCMODE,
  O_APPEND,
  O_CLOEXEC,
  O_CREAT,
  O_RDONLY,
  O_RDWR,
  O_TRUNC,
  O_WRONLY,
} from "./constants.ts";

const EINTR = 4;

/**
 * Opens a file and returns its file descriptor (Python's `os.open`), for
 * `mmap` and for `subprocess`'s `stdin`/`stdout`/`stderr`. As in Python,
 * the descriptor is not inherited by child processes (`O_CLOEXEC` is
 * always added). Close it with {@linkcode close}.
 *
 * Permissions: `--allow-ffi`, plus `--allow-read` to read the file and
 * `--allow-write` to write, create, truncate or append to it (the
 * permissions `Deno.open` would ask for).
 *
 * @param path The file (a path or a `file:` URL).
 * @param flags `O_RDONLY`, `O_WRONLY` or `O_RDWR`, or'ed with `O_CREAT`,
 *   `O_TRUNC`, `O_APPEND`, `O_EXCL`…
 * @param mode The permission bits of a created file, before the umask.
 * @returns The file descriptor.
 * @throws {FileNotFoundError} If the file does not exist (without `O_CREAT`).
 * @throws {FileExistsError} If it exists (with `O_CREAT | O_EXCL`).
 * @throws {PermissionError} If access is denied, or without the Deno
 *   permissions above.
 * @throws {OSError} For any other failure.
 *
 * @example
 * ```ts
 * import { close, O_CREAT, O_RDWR, open } from "@pyconc/std/os_process";
 * import assert from "node:assert/strict";
 *
 * const path = await Deno.makeTempFile();
 * const fd = open(path, O_RDWR | O_CREAT, 0o600);
 * assert.ok(fd > 2);
 * close(fd);
 * await Deno.remove(path);
 * ```
 */
export function open(path: string | URL, flags: number, mode = 0o777): number {
  const file = cString(
    path instanceof URL ? fileURLToPath(path) : path,
    "path",
  );
  const f = cInt(flags, "flags");
  const m = integer(mode, "mode");
  const acc = f & O_ACCMODE;
  if (acc === O_RDONLY || acc === O_RDWR) {
    requirePermission({ name: "read", path: file }, file);
  }
  if (
    acc === O_WRONLY || acc === O_RDWR || (f & (O_CREAT | O_TRUNC | O_APPEND))
  ) {
    requirePermission({ name: "write", path: file }, file);
  }
  const lib = libc();
  const name = cstr(file);
  for (;;) {
    const fd = lib.open(name, f | O_CLOEXEC, m);
    if (fd >= 0) return fd;
    if (errno() !== EINTR) raiseErrno(file);
  }
}

/**
 * Closes a file descriptor (Python's `os.close`). Close only descriptors you
 * own: closing one that Deno uses for its own files or sockets breaks them,
 * as in C.
 *
 * Permissions: `--allow-ffi`.
 *
 * @param fd The descriptor.
 * @throws {OSError} If it is not open (EBADF).
 * @example
 * ```ts
 * import { close, OSError } from "@pyconc/std/os_process";
 * import assert from "node:assert/strict";
 *
 * assert.throws(() => close(987654), OSError);
 * ```
 */
export function close(fd: number): void {
  const d = cInt(fd, "fd");
  // Linux releases the descriptor even when close() reports EINTR, so it
  // must not be retried; Python ignores EINTR here too.
  if (libc().close(d) !== 0 && errno() !== EINTR) raiseErrno();
}
