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

import { cstr, errno as lastErrno, libc } from "./ffi/libc.ts";
import { CStrings } from "./ffi/cstrings.ts";
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
const DEV_NULL = new TextEncoder().encode("/dev/null\0");

/**
 * This process's `environ` array as it is now, without a copy: setenv
 * (which `Deno.env.set` calls) may move the array, so it is read through its
 * address at every spawn. The view covers the first pointer only;
 * posix_spawn reads the array to its NULL, where it lives. (A Worker
 * changing the environment at that very moment is the same race as in C.)
 */
export function currentEnviron(): Uint8Array<ArrayBuffer> {
  if (environSlot === undefined) {
    const slot = libc().environ;
    environSlot = slot === null ? null : new Deno.UnsafePointerView(slot);
  }
  const array = environSlot === null ? null : environSlot.getPointer();
  if (array === null) return EMPTY_ENV;
  // A view per address, not per spawn: an external ArrayBuffer costs
  // garbage collection work, and the address changes only with setenv.
  const at = Deno.UnsafePointer.value(array);
  if (at !== environAt) {
    environAt = at;
    environView = new Uint8Array(
      Deno.UnsafePointerView.getArrayBuffer(array, 8),
    );
  }
  return environView;
}
let environSlot: Deno.UnsafePointerView | null | undefined;
let environAt: number | bigint = 0;
let environView: Uint8Array<ArrayBuffer> = EMPTY_ENV;

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

const SID_KEYS = { none: "none+sid", python: "python+sid", all: "all+sid" };

/** Prepared spawn attributes, by flags (plain data, kept for reuse). */
const attrs = new Map<string, Deno.PointerObject>();
/** Keeps the cached attributes' buffers (their pointers are in `attrs`). */
const attrBuffers: Uint8Array[] = [];

/**
 * The posix_spawnattr_t for a plan: an empty signal mask always (a child
 * must not inherit a Worker's blocked signals), the chosen resets, session
 * and group. Cached, except with a process group to join (its buffer then
 * goes to `keep`, to outlive the call).
 */
function spawnAttr(
  plan: SpawnPlan,
  keep: Uint8Array[],
): Deno.PointerObject {
  const reset = plan.resetSignals ?? "none";
  const group = plan.processGroup ?? null;
  const key = plan.startNewSession === true ? SID_KEYS[reset] : reset;
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
  const ptr = Deno.UnsafePointer.of(attr)!;
  if (group === null) {
    attrBuffers.push(attr);
    attrs.set(key, ptr);
  } else keep.push(attr);
  return ptr;
}

/**
 * Adds the file actions of a plan to an initialised `actions`; descriptors
 * it makes for the child (a copy of one of 0–2) go to `temps`, to be
 * closed after the spawn.
 */
function addActions(
  actions: Uint8Array,
  plan: SpawnPlan,
  temps: number[],
): void {
  const lib = libc();
  const extra = plan.extra ?? [];
  if (plan.cwd != null) {
    check(lib.posix_spawn_file_actions_addchdir_np(actions, cstr(plan.cwd)));
  }
  (plan.stdio ?? []).forEach((source, target) => {
    switch (source.kind) {
      case "inherit":
        return;
      case "devnull":
        // glibc copies the path: the buffer need not outlive the call.
        check(lib.posix_spawn_file_actions_addopen(
          actions,
          target,
          DEV_NULL,
          O_RDWR,
          0,
        ));
        return;
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
  if (plan.closeFds) {
    const kept = [...new Set(extra.map((e) => e.target))]
      .filter((fd) => fd > 2)
      .sort((a, b) => a - b);
    addCloseFds(actions, kept);
  }
}

/**
 * File actions that depend on no descriptor number (the usual start:
 * inherited or /dev/null streams, `closeFds`), prepared once by kind and
 * reused: posix_spawn only reads them. Saves three libc calls a start.
 */
const sharedActions = new Map<
  string,
  { actions: Uint8Array; ptr: Deno.PointerObject }
>();

/** The key of a plan's file actions in `sharedActions`, or null if they vary. */
function sharedKey(plan: SpawnPlan): string | null {
  if (plan.cwd != null || (plan.extra?.length ?? 0) > 0) return null;
  let key = plan.closeFds ? "c" : "";
  for (const s of plan.stdio ?? []) {
    if (s.kind === "fd") return null;
    key += s.kind[0];
  }
  return key;
}

/** The pid posix_spawn writes (one start at a time on a thread). */
const pidOut = new Int32Array(1);
const pidBytes = new Uint8Array(pidOut.buffer);

const argvStrings = new CStrings();
const envStrings = new CStrings();

/**
 * Starts a program.
 * @returns the child's pid (this process's to reap).
 * @throws {ValueError} If an argument holds a NUL character.
 * @throws {OSError} The errno-selected subclass when the program cannot be
 *   started, naming the path tried.
 */
export function spawn(plan: SpawnPlan): number {
  const lib = libc();
  if (plan.file.includes("\0")) throw new ValueError("embedded null byte");
  // Checks every argument (NUL, lone surrogates) before anything is made.
  const argv = argvStrings.pack(plan.argv);
  const env = plan.env === null ? null : envStrings.pack(plan.env);
  const stdio = plan.stdio ?? [];
  const hasActions = plan.cwd != null || (plan.extra?.length ?? 0) > 0 ||
    plan.closeFds === true || stdio.some((s) => s.kind !== "inherit");
  const key = hasActions ? sharedKey(plan) : null;
  const shared = key === null ? undefined : sharedActions.get(key);
  let actions = shared?.actions;
  let actionsPtr = shared?.ptr ?? null;
  const owned = hasActions && shared === undefined && key === null;
  const temps: number[] = [];
  const keep: Uint8Array[] = [];
  if (hasActions && actions === undefined) {
    actions = new Uint8Array(128); // posix_spawn_file_actions_t: 80 bytes
    check(lib.posix_spawn_file_actions_init(actions));
    try {
      addActions(actions, plan, temps);
    } catch (e) {
      lib.posix_spawn_file_actions_destroy(actions);
      for (const fd of temps) lib.close(fd);
      throw e;
    }
    actionsPtr = Deno.UnsafePointer.of(actions);
    if (key !== null) sharedActions.set(key, { actions, ptr: actionsPtr! });
  }
  try {
    const attr = spawnAttr(plan, keep);
    const envp = env ?? currentEnviron();
    const attempt = (path: string) =>
      lib.posix_spawn(pidBytes, cstr(path), actionsPtr, attr, argv, envp);
    if (plan.search && plan.env === null && !plan.file.includes("/")) {
      // Our own PATH: libc's posix_spawnp searches it with execvp's rules
      // (Python's too) inside one clone, where a search of ours costs an
      // FFI call per PATH entry (≈ 50 µs on a long PATH).
      const file = plan.file === plan.argv[0]
        ? argvStrings.first // argv[0] starts the packed strings
        : cstr(plan.file);
      const rc = lib.posix_spawnp(
        pidBytes,
        file,
        actionsPtr,
        attr,
        argv,
        envp,
      );
      if (rc !== 0) throw new OSError(rc, undefined, plan.file);
      return pidOut[0]!;
    }
    const paths = candidates(plan.file, plan.search, plan.env);

    // Each failed attempt costs a clone and an exec: try first the
    // candidates that exist and may be executed (one cheap access() each);
    // only if none starts, all of them in order, for Python's choice of error.
    const likely = paths.length === 1
      ? paths
      : paths.filter((p) => lib.access(cstr(p), X_OK) === 0);
    for (const path of likely) if (attempt(path) === 0) return pidOut[0]!;
    trySearch(paths, attempt);
    return pidOut[0]!;
  } finally {
    if (owned) lib.posix_spawn_file_actions_destroy(actions!);
    for (const fd of temps) lib.close(fd);
    void keep;
  }
}
