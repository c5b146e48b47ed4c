/**
 * `fstat(2)` through FFI, reading the fields mmap needs from Linux x86_64's
 * `struct stat` (144 bytes).
 *
 * @module
 */

import { libc, raiseErrno } from "../_internal/ffi/libc.ts";

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;

/** The fields of `struct stat` that mmap uses. */
export interface FileStat {
  /** Device and inode, `"dev:ino"`: the file's identity. */
  id: string;
  /** Whether it is a regular file. */
  regular: boolean;
  /** Its size in bytes. */
  size: number;
}

/**
 * Stats an open file descriptor.
 * @throws {OSError} If `fstat` fails (EBADF for a bad descriptor).
 */
export function fstat(fd: number): FileStat {
  const buf = new Uint8Array(144);
  if (libc().fstat(fd, buf) !== 0) raiseErrno();
  const view = new DataView(buf.buffer);
  const mode = view.getUint32(24, true);
  return {
    id: `${view.getBigUint64(0, true)}:${view.getBigUint64(8, true)}`,
    regular: (mode & S_IFMT) === S_IFREG,
    size: Number(view.getBigInt64(48, true)),
  };
}
