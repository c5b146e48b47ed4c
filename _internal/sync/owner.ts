/**
 * Who holds an internal lock, and whether that holder still exists.
 *
 * The internal locks of the cross-process structures (a queue's mutex, a
 * pipe's read and write locks, the heap's allocator lock) record their
 * owner as the process id, in the lock word itself (so taking the lock and
 * naming the owner are one compare-and-swap), plus the owner's start time
 * in a second word. A waiter that has waited a while asks whether the
 * owner is gone; if it is, the waiter takes the lock over and repairs the
 * structure (see robust_lock.ts).
 *
 * Gone means: no process has the pid (`kill(pid, 0)` fails with ESRCH), or
 * the process is a zombie (killed, not yet reaped by its parent, which may
 * be the very process waiting), or the pid now names another process (pid
 * reuse: its start time in `/proc/<pid>/stat` is not the one the owner
 * recorded). A thread never dies without its process here, so the pid is
 * owner enough; a lock held by this process is never taken over.
 *
 * @module
 */

import { cstr, errno, libc } from "../ffi/libc.ts";
import { errno as E } from "../errors.ts";
import { pid } from "./identity.ts";

/** Pids fit in 22 bits (Linux's PID_MAX_LIMIT is 2^22). */
export const PID_MASK = 0x3fffff;

/** This process's id as lock words record it. */
export const ownPid: number = pid & PID_MASK;

const O_RDONLY = 0, O_CLOEXEC = 0o2000000;
const statBuffer = new Uint8Array(1024);
const latin1 = new TextDecoder("latin1");

/**
 * The state letter and start time (clock ticks since boot, low 32 bits,
 * never 0) of process `p`, from `/proc/<p>/stat`; undefined if there is no
 * such entry.
 */
function procStat(p: number): { state: string; start: number } | undefined {
  const bytes = readStat(p);
  if (bytes === undefined || bytes.length === 0) return undefined;
  const text = latin1.decode(bytes);
  // The command name (field 2) may hold anything: fields resume after its
  // last ")". The state is field 3, the start time field 22.
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  const start = Number(BigInt(fields[19] ?? "0") & 0xffffffffn) | 0;
  return { state: fields[0] ?? "", start: start === 0 ? 1 : start };
}

let mayReadProc: boolean | undefined;

/**
 * The bytes of `/proc/<p>/stat`, undefined if there is no such entry: read
 * by Deno where the program may read /proc (binding libc's `open` and
 * `read` costs a child ≈ 0.5 ms of its start), else through libc (works
 * without `--allow-read`).
 */
function readStat(p: number): Uint8Array | undefined {
  const path = `/proc/${p}/stat`;
  mayReadProc ??= Deno.permissions.querySync({ name: "read", path: "/proc" })
    .state === "granted";
  if (mayReadProc) {
    try {
      return Deno.readFileSync(path);
    } catch {
      return undefined; // gone (or going: a read fails as libc's would)
    }
  }
  const f = libc();
  const fd = f.open(cstr(path), O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0) return undefined;
  let n: number;
  try {
    n = Number(f.read(fd, statBuffer, BigInt(statBuffer.length)));
  } finally {
    f.close(fd);
  }
  return n <= 0 ? undefined : statBuffer.subarray(0, n);
}

let ownStartValue = 0;

/**
 * This process's start stamp (read once; 1 if /proc is unreadable, which
 * only disables the pid-reuse check).
 */
export function ownStart(): number {
  if (ownStartValue === 0) {
    let s: number | undefined;
    try {
      s = procStat(pid)?.start;
    } catch {
      s = undefined;
    }
    ownStartValue = s ?? 1;
  }
  return ownStartValue;
}

/**
 * Whether the process that recorded itself as (`p`, `start`) is gone.
 *
 * @param p The owner's pid, from the lock word.
 * @param start The start stamp it recorded (0: not recorded yet, which
 *   skips the reuse check).
 */
export function ownerGone(p: number, start: number): boolean {
  if (p === ownPid || p === 0) return false;
  const f = libc();
  if (f.kill(p, 0) !== 0 && errno() === E.ESRCH) return true;
  let st: ReturnType<typeof procStat>;
  try {
    st = procStat(p);
  } catch {
    return false; // cannot tell: keep waiting, as without this check
  }
  if (st === undefined) return f.kill(p, 0) !== 0 && errno() === E.ESRCH;
  if (st.state === "Z" || st.state === "X") return true;
  return start !== 0 && start !== 1 && st.start !== 1 && st.start !== start;
}
