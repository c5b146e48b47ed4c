/**
 * Turning `stdin`/`stdout`/`stderr` options into the child's descriptors
 * and the parent's pipe ends.
 *
 * @module
 */

import { cstr, errno as lastErrno, libc } from "../_internal/ffi/libc.ts";
import { OSError, OverflowError, ValueError } from "../_internal/errors.ts";
import { DEVNULL, PIPE, STDOUT } from "./constants.ts";
import type { ChildFd } from "./_spawn.ts";
import { PipeReader } from "./pipe_reader.ts";
import { PipeWriter } from "./pipe_writer.ts";

/** What `stdin`, `stdout` and `stderr` accept. */
export type Redirect =
  | number
  | Deno.FsFile
  | PipeReader
  | PipeWriter
  | null
  | undefined;

const O_RDONLY = 0;
const O_WRONLY = 1;
const O_NONBLOCK = 0o4000;
const O_CLOEXEC = 0o2000000;
const F_DUPFD_CLOEXEC = 1030;
const F_GETFL = 3;
const F_SETFL = 4;
const ENXIO = 6;

/** One stream's plan: what the child gets, and the parent's pipe end if any. */
export interface StreamPlan {
  child: ChildFd;
  /** The parent's end of a new pipe (O_NONBLOCK), or -1. */
  parentFd: number;
  /** Descriptors to close in the parent once the child is started. */
  closeAfter: number[];
}

/** Makes a pipe; both ends close-on-exec. */
function pipe(): [number, number] {
  const fds = new Int32Array(2);
  if (libc().pipe2(new Uint8Array(fds.buffer), O_CLOEXEC) !== 0) {
    throw new OSError(lastErrno());
  }
  return [fds[0]!, fds[1]!];
}

function setNonblocking(fd: number, on: boolean): void {
  const lib = libc();
  const flags = lib.fcntl(fd, F_GETFL, 0n);
  lib.fcntl(fd, F_SETFL, BigInt(on ? flags | O_NONBLOCK : flags & ~O_NONBLOCK));
}

/**
 * A descriptor for another child on the same pipe as one of our (non-
 * blocking) ends, but with its own blocking open file description: a child
 * must not inherit O_NONBLOCK (`grep` would fail with EAGAIN).
 */
function reopenBlocking(fd: number, write: boolean): number {
  const lib = libc();
  if (fd < 0) throw new ValueError("I/O operation on closed file");
  // O_NONBLOCK so that opening a pipe whose writers are gone does not hang.
  const fresh = lib.open(
    cstr(`/proc/self/fd/${fd}`),
    (write ? O_WRONLY : O_RDONLY) | O_NONBLOCK | O_CLOEXEC,
    0,
  );
  if (fresh >= 0) {
    setNonblocking(fresh, false);
    return fresh;
  }
  const e = lastErrno();
  if (e !== ENXIO) throw new OSError(e);
  // A pipe with no reader left: the child's writes fail with EPIPE either way.
  const dup = lib.fcntl(fd, F_DUPFD_CLOEXEC, 3n);
  if (dup < 0) throw new OSError(lastErrno());
  return dup;
}

/**
 * The descriptor behind a `Deno.FsFile`: Deno 2 does not expose it, so it
 * is found among this process's descriptors by device, inode and offset.
 */
function fdOfFile(file: Deno.FsFile): number {
  const lib = libc();
  const info = file.statSync();
  let offset: bigint | null = null;
  try {
    offset = BigInt(file.seekSync(0, Deno.SeekMode.Current));
  } catch {
    // Not seekable (a pipe, a terminal): device and inode must do.
  }
  const stat = new BigUint64Array(18);
  const buf = new Uint8Array(stat.buffer);
  let fallback = -1;
  for (let fd = 0; fd < 65536; fd++) {
    if (lib.fstat(fd, buf) !== 0) continue;
    if (Number(stat[0]) !== info.dev || Number(stat[1]) !== info.ino) continue;
    if (offset === null || BigInt(lib.lseek(fd, 0n, 1)) === offset) return fd;
    if (fallback < 0) fallback = fd;
  }
  if (fallback >= 0) return fallback;
  throw new ValueError("Cannot find the descriptor of the Deno.FsFile given");
}

/** The plan of an inherited stream (shared: plans are only read). */
const INHERIT: StreamPlan = Object.freeze({
  child: Object.freeze({ kind: "inherit" }),
  parentFd: -1,
  closeAfter: Object.freeze([]) as unknown as number[],
});

/**
 * Plans one of the child's streams.
 * @param which 0 (stdin), 1 (stdout) or 2 (stderr).
 * @throws {ValueError} For a value that is not a stream, or STDOUT outside stderr.
 */
export function planStream(value: Redirect, which: 0 | 1 | 2): StreamPlan {
  const name = ["stdin", "stdout", "stderr"][which];
  if (value === null || value === undefined) return INHERIT;
  if (typeof value === "number") {
    if (value === PIPE) {
      const [r, w] = pipe();
      const [parent, child] = which === 0 ? [w, r] : [r, w];
      setNonblocking(parent, true);
      return {
        child: { kind: "fd", fd: child },
        parentFd: parent,
        closeAfter: [child],
      };
    }
    if (value === DEVNULL) {
      return { child: { kind: "devnull" }, parentFd: -1, closeAfter: [] };
    }
    if (value === STDOUT) {
      if (which !== 2) {
        throw new ValueError(`STDOUT is only valid for stderr, not ${name}`);
      }
      return { child: { kind: "stdout" }, parentFd: -1, closeAfter: [] };
    }
    if (!Number.isInteger(value) || value < 0) {
      throw new ValueError(
        `${name} must be PIPE, DEVNULL, STDOUT (stderr only), a descriptor or a file, not ${value}`,
      );
    }
    if (value > 0x7fffffff) {
      // Python's message for a descriptor beyond a C int.
      throw new OverflowError("signed integer is greater than maximum");
    }
    return { child: { kind: "fd", fd: value }, parentFd: -1, closeAfter: [] };
  }
  if (value instanceof PipeReader || value instanceof PipeWriter) {
    const fd = reopenBlocking(value.fileno(), value instanceof PipeWriter);
    return { child: { kind: "fd", fd }, parentFd: -1, closeAfter: [fd] };
  }
  if (value instanceof Deno.FsFile) {
    return {
      child: { kind: "fd", fd: fdOfFile(value) },
      parentFd: -1,
      closeAfter: [],
    };
  }
  throw new TypeError(
    `${name} must be PIPE, DEVNULL, STDOUT, a descriptor number, a Deno.FsFile or a Popen stream, not ${typeof value}`,
  );
}
