/**
 * Starting a program with `posix_spawn(3)` through FFI: the one way
 * `subprocess`, `os_process` and `multiprocessing` start children.
 *
 * glibc's posix_spawn uses `clone(CLONE_VM | CLONE_VFORK)`, so a start costs
 * the same whatever the size of Deno's heap, and an exec failure (ENOENT,
 * EACCES, …) comes back as its return value. File actions give the child its
 * descriptors with `dup2`: that is how `stderr: STDOUT` shares one pipe
 * between both streams at the descriptor level (the child's order of writes
 * is kept), how one child's pipe becomes another's stdin without a copy
 * through JavaScript, and how a Process inherits the resource tracker's
 * pipe. `Deno.Command` can do none of these.
 *
 * @module
 */

import { cstr, cstrArray, errno as lastErrno, libc } from "./ffi/libc.ts";
import { OSError, ValueError } from "./errors.ts";

/** Where one of the child's descriptors 0–2 comes from. */
export type ChildFd =
  | { kind: "inherit" }
  | { kind: "devnull" }
  | { kind: "fd"; fd: number }
  /** Same as the child's descriptor 1 (`stderr: STDOUT`). */
  | { kind: "stdout" };

/** Signals a child gets back at their default action. */
export type SignalReset =
  /** None: the child keeps what this process ignores. */
  | "none"
  /** SIGPIPE and SIGXFSZ, as Python's `restore_signals` (Deno ignores SIGPIPE). */
  | "python"
  /** Every signal. */
  | "all";

/** What to start, and how. */
export interface SpawnPlan {
  /** The program: a path, or (with `search`) a name to look up in PATH. */
  file: string;
  /** The child's argv (argv[0] included). */
  argv: readonly string[];
  /** `KEY=value` strings, or null for this process's environment as it is now. */
  env: readonly string[] | null;
  /** Look `file` up in PATH when it has no slash, as Python's `os._execvpe`. */
  search: boolean;
  /** The child's working directory. */
  cwd?: string | null;
  /** The child's descriptors 0, 1, 2. @default all inherited */
  stdio?: readonly [ChildFd, ChildFd, ChildFd];
  /** More descriptors: `fd` becomes the child's `target`. */
  extra?: readonly { fd: number; target: number }[];
  /** Start a new session (`setsid`). */
  startNewSession?: boolean;
  /** A process group to join (0: a new one with the child's pid). */
  processGroup?: number | null;
  /** Which signals are reset to their default. @default "none" */
  resetSignals?: SignalReset;
  /**
   * Close every descriptor of the child but 0, 1, 2 and the `extra`
   * targets (Python's `close_fds`), even those without close-on-exec.
   * @default false
   */
  closeFds?: boolean;
}

/** Python's `os.defpath` on Linux: the search path when PATH is unset. */
const DEFPATH = "/bin:/usr/bin";
const O_RDWR = 2;
const X_OK = 1;
const F_DUPFD_CLOEXEC = 1030;
const ENOENT = 2;
const ENOTDIR = 20;
const POSIX_SPAWN_SETPGROUP = 0x02;
const POSIX_SPAWN_SETSIGDEF = 0x04;
const POSIX_SPAWN_SETSIGMASK = 0x08;
const POSIX_SPAWN_SETSID = 0x80;
const SIGPIPE = 13;
const SIGXFSZ = 25;
const EMPTY_ENV = new Uint8Array(8);

/**
 * This process's `environ` array as it is now, without a copy: setenv
 * (which `Deno.env.set` calls) may move the array, so it is read through its
 * address at every spawn. The view covers the first pointer only;
 * posix_spawn reads the array to its NULL, where it lives. (A Worker
 * changing the environment at that very moment is the same race as in C.)
 */
export function currentEnviron(): Uint8Array<ArrayBuffer> {
  const slot = libc().environ;
  const array = slot === null
    ? null
    : new Deno.UnsafePointerView(slot).getPointer();
  if (array === null) return EMPTY_ENV;
  return new Uint8Array(Deno.UnsafePointerView.getArrayBuffer(array, 8));
}

/** The value of PATH in a `KEY=value` list, or undefined. */
function pathOf(env: readonly string[]): string | undefined {
  for (const kv of env) if (kv.startsWith("PATH=")) return kv.slice(5);
  return undefined;
}

/** PATH of this process (libc's live environment, as execvp reads it). */
function processPath(): string | undefined {
  const p = libc().getenv(cstr("PATH"));
  return p === null ? undefined : Deno.UnsafePointerView.getCString(p);
}

/**
 * The paths to try for `file`, as Python's `os._execvpe`: `file` itself if
 * it has a slash (or `search` is off), else each PATH entry joined with it
 * (an empty entry is the current directory). PATH comes from `env` when
 * given (Python's `get_exec_path(env)`), else from this process; unset, it
 * is "/bin:/usr/bin".
 */
export function candidates(
  file: string,
  search: boolean,
  env: readonly string[] | null,
): string[] {
  if (!search || file.includes("/")) return [file];
  const path = (env === null ? processPath() : pathOf(env)) ?? DEFPATH;
  return path.split(":").map((dir) =>
    dir === "" ? file : dir.endsWith("/") ? dir + file : `${dir}/${file}`
  );
}

/**
 * Tries `attempt` on each candidate path as Python's `os._execvpe` does:
 * "not found" errors move on; the first other error wins at the end.
 * `attempt` returns 0 on success or an errno value.
 * @throws {OSError} The errno-selected subclass, naming the path.
 */
export function trySearch(
  paths: readonly string[],
  attempt: (path: string) => number,
): string {
  let saved: { code: number; path: string } | null = null;
  let last: { code: number; path: string } | null = null;
  for (const path of paths) {
    const code = attempt(path);
    if (code === 0) return path;
    last = { code, path };
    if (code !== ENOENT && code !== ENOTDIR && saved === null) saved = last;
  }
  const err = saved ?? last!;
  throw new OSError(err.code, undefined, err.path);
}

/**
 * Checks the result of a `posix_spawn_file_actions_*` or `posix_spawnattr_*`
 * call (0 or an errno value): glibc refuses a bad descriptor there (EBADF
 * for `stdout: 99999`), and an action silently dropped would run the child
 * with the parent's descriptor instead.
 * @throws {OSError} The errno-selected subclass.
 */
function check(rc: number): void {
  if (rc !== 0) throw new OSError(rc);
}

/**
 * File actions that close every descriptor from 3 up but `keep` (sorted,
 * all ≥ 3): one close per gap below the highest kept, then glibc's
 * `closefrom` above it (one action, whatever the descriptor limit).
 */
function addCloseFds(actions: Uint8Array, keep: readonly number[]): void {
  const lib = libc();
  let next = 3;
  for (const fd of keep) {
    for (; next < fd; next++) {
      check(lib.posix_spawn_file_actions_addclose(actions, next));
    }
    next = fd + 1;
  }
  check(lib.posix_spawn_file_actions_addclosefrom_np(actions, next));
}

/** A sigset_t (128 bytes) holding the given signals (libc's full set for "all"). */
function sigset(signals: readonly number[] | "all"): Uint8Array<ArrayBuffer> {
  const set = new Uint8Array(128);
  if (signals === "all") {
    libc().sigfillset(set); // all but glibc's internal ones
    return set;
  }
  for (const s of signals) set[(s - 1) >> 3]! |= 1 << ((s - 1) & 7);
  return set;
}

/** The signals this process ignores (SIG_IGN), read once (see below). */
let ignoredSignals: bigint | undefined;

/**
 * The signals this process ignores, as a mask (bit `n - 1` for signal `n`,
 * the kernel's `SigIgn`). A disposition becomes SIG_IGN only when this
 * process starts (inherited, as under `nohup`, or Deno's own SIGPIPE) or
 * through a `signal()` call over FFI, which the library does not make:
 * Deno's signal listeners install handlers, never SIG_IGN. So the mask read
 * at the first spawn stays true.
 */
function ignoredMask(): bigint {
  if (ignoredSignals !== undefined) return ignoredSignals;
  let mask = 1n << BigInt(SIGPIPE - 1); // Deno's, if /proc is unreadable
  try {
    const status = Deno.readTextFileSync("/proc/self/status");
    const hex = /^SigIgn:\s*([0-9a-f]+)$/m.exec(status)?.[1];
    if (hex !== undefined) mask = BigInt(`0x${hex}`);
  } catch { /* keep the fallback */ }
  return ignoredSignals = mask;
}

/**
 * The signals a child gets back at their default action: every signal
 * but those this process ignores, less the ones `reset` restores anyway.
 *
 * Why every signal, when the child keeps what it inherits otherwise: the
 * child of glibc's posix_spawn must not run this process's handlers, so
 * for each signal outside this set it reads the disposition and, unless
 * ignored, sets it to the default (glibc 2.36 even when it already is):
 * ≈ 120 sigaction calls while this process waits for the exec. Inside the
 * set, each costs one call. The outcome is the same: handlers become
 * SIG_DFL, ignored signals stay ignored (but those `reset` restores).
 */
function defaultSignals(reset: SignalReset): Uint8Array<ArrayBuffer> {
  const set = sigset("all");
  if (reset === "all") return set;
  let keep = ignoredMask();
  if (reset === "python") {
    keep &= ~((1n << BigInt(SIGPIPE - 1)) | (1n << BigInt(SIGXFSZ - 1)));
  }
  for (let s = 1; s <= 64; s++) {
    if ((keep >> BigInt(s - 1)) & 1n) {
      set[(s - 1) >> 3]! &= ~(1 << ((s - 1) & 7));
    }
  }
  return set;
}

/** Prepared spawn attributes, by flags (plain data, kept for reuse). */
const attrs = new Map<string, Uint8Array<ArrayBuffer>>();

/**
 * The posix_spawnattr_t for a plan: an empty signal mask always (a child
 * must not inherit a Worker's blocked signals), the chosen resets, session
 * and group. Cached, except with a process group to join.
 */
function spawnAttr(plan: SpawnPlan): Uint8Array<ArrayBuffer> {
  const reset = plan.resetSignals ?? "none";
  const group = plan.processGroup ?? null;
  const key = `${reset} ${plan.startNewSession === true}`;
  const cached = group === null ? attrs.get(key) : undefined;
  if (cached !== undefined) return cached;
  const lib = libc();
  const attr = new Uint8Array(512); // posix_spawnattr_t is 336 bytes in glibc
  check(lib.posix_spawnattr_init(attr));
  let flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
  check(lib.posix_spawnattr_setsigmask(attr, sigset([])));
  check(lib.posix_spawnattr_setsigdefault(attr, defaultSignals(reset)));
  if (plan.startNewSession) flags |= POSIX_SPAWN_SETSID;
  if (group !== null) {
    flags |= POSIX_SPAWN_SETPGROUP;
    check(lib.posix_spawnattr_setpgroup(attr, group));
  }
  check(lib.posix_spawnattr_setflags(attr, flags));
  if (group === null) attrs.set(key, attr);
  return attr;
}

/**
 * Starts a program.
 * @returns the child's pid (this process's to reap).
 * @throws {ValueError} If an argument holds a NUL character.
 * @throws {OSError} The errno-selected subclass when the program cannot be
 *   started, naming the path tried.
 */
export function spawn(plan: SpawnPlan): number {
  const lib = libc();
  for (const a of plan.argv) {
    if (a.includes("\0")) throw new ValueError("embedded null byte");
  }
  if (plan.file.includes("\0")) throw new ValueError("embedded null byte");
  const stdio = plan.stdio ?? [];
  const extra = plan.extra ?? [];
  const cwd = plan.cwd ?? null;
  const closeFds = plan.closeFds ?? false;
  const hasActions = cwd !== null || extra.length > 0 || closeFds ||
    stdio.some((s) => s.kind !== "inherit");
  const actions = new Uint8Array(128); // posix_spawn_file_actions_t: 80 bytes
  const temps: number[] = [];
  const keep: unknown[] = [];
  // Before init: nothing to destroy yet if the directory is refused.
  const dir = cwd === null ? null : cstr(cwd);
  if (hasActions) check(lib.posix_spawn_file_actions_init(actions));
  try {
    if (dir !== null) {
      keep.push(dir);
      check(lib.posix_spawn_file_actions_addchdir_np(actions, dir));
    }
    stdio.forEach((source, target) => {
      switch (source.kind) {
        case "inherit":
          return;
        case "devnull": {
          const path = cstr("/dev/null");
          keep.push(path);
          check(lib.posix_spawn_file_actions_addopen(
            actions,
            target,
            path,
            O_RDWR,
            0,
          ));
          return;
        }
        case "stdout":
          check(lib.posix_spawn_file_actions_adddup2(actions, 1, target));
          return;
        case "fd": {
          let fd = source.fd;
          if (fd === target) return;
          // A source among 0–2 could be overwritten by an earlier dup2 (a
          // swap of stdout and stderr): give it a high number first.
          if (fd <= 2) {
            fd = lib.fcntl(fd, F_DUPFD_CLOEXEC, 3n);
            if (fd < 0) throw new OSError(lastErrno());
            temps.push(fd);
          }
          check(lib.posix_spawn_file_actions_adddup2(actions, fd, target));
          return;
        }
      }
    });
    for (const { fd, target } of extra) {
      check(lib.posix_spawn_file_actions_adddup2(actions, fd, target));
    }
    if (closeFds) {
      const kept = [...new Set(extra.map((e) => e.target))]
        .filter((fd) => fd > 2)
        .sort((a, b) => a - b);
      addCloseFds(actions, kept);
    }
    const attr = spawnAttr(plan);
    const argv = cstrArray(plan.argv);
    const env = plan.env === null ? null : cstrArray(plan.env);
    keep.push(argv.keep, env?.keep);
    const pid = new Int32Array(1);
    const attempt = (path: string) =>
      lib.posix_spawn(
        new Uint8Array(pid.buffer),
        cstr(path),
        hasActions ? Deno.UnsafePointer.of(actions) : null,
        Deno.UnsafePointer.of(attr),
        argv.array,
        env === null ? currentEnviron() : env.array,
      );
    if (plan.search && plan.env === null && !plan.file.includes("/")) {
      // Our own PATH: libc's posix_spawnp searches it with execvp's rules
      // (Python's too) inside one clone, where a search of ours costs an
      // FFI call per PATH entry (≈ 50 µs on a long PATH).
      const rc = lib.posix_spawnp(
        new Uint8Array(pid.buffer),
        cstr(plan.file),
        hasActions ? Deno.UnsafePointer.of(actions) : null,
        Deno.UnsafePointer.of(attr),
        argv.array,
        currentEnviron(),
      );
      if (rc !== 0) throw new OSError(rc, undefined, plan.file);
      return pid[0]!;
    }
    const paths = candidates(plan.file, plan.search, plan.env);

    // Each failed attempt costs a clone and an exec: try first the
    // candidates that exist and may be executed (one cheap access() each);
    // only if none starts, all of them in order, for Python's choice of error.
    const likely = paths.length === 1
      ? paths
      : paths.filter((p) => lib.access(cstr(p), X_OK) === 0);
    for (const path of likely) if (attempt(path) === 0) return pid[0]!;
    trySearch(paths, attempt);
    return pid[0]!;
  } finally {
    if (hasActions) lib.posix_spawn_file_actions_destroy(actions);
    for (const fd of temps) lib.close(fd);
  }
}
