/**
 * Starting a child with `posix_spawn(3)` through FFI.
 *
 * glibc's posix_spawn uses `clone(CLONE_VM | CLONE_VFORK)`, so starting a
 * child costs the same whatever the size of Deno's heap, and it reports an
 * exec failure (ENOENT, EACCES, …) as its return value. The file actions
 * give the child its descriptors 0–2 with `dup2`, which is how `stderr:
 * STDOUT` shares one pipe between both streams at the descriptor level (the
 * order of the child's writes is kept) and how one child's pipe becomes
 * another's stdin without any copy through JavaScript.
 *
 * @module
 */

import {
  cstr,
  cstrArray,
  errno as lastErrno,
  libc,
} from "../_internal/ffi/libc.ts";
import { OSError, ValueError } from "../_internal/errors.ts";

/** Where one of the child's descriptors 0–2 comes from. */
export type ChildFd =
  | { kind: "inherit" }
  | { kind: "devnull" }
  | { kind: "fd"; fd: number }
  /** Same as the child's descriptor 1 (`stderr: STDOUT`). */
  | { kind: "stdout" };

/** Everything posix_spawn needs. */
export interface SpawnPlan {
  /** The program: a path, or a name to look up in PATH. */
  program: string;
  /** The child's argv (argv[0] included). */
  argv: readonly string[];
  /** The environment, or null to pass this process's own. */
  env: Record<string, string> | null;
  cwd: string | null;
  stdio: readonly [ChildFd, ChildFd, ChildFd];
  /** More descriptors for the child: `fd` becomes `target` (`passFds`). */
  extra: readonly { fd: number; target: number }[];
  startNewSession: boolean;
  /** A process group to join (0: a new one with the child's pid), or null. */
  processGroup: number | null;
  restoreSignals: boolean;
}

const O_RDWR = 2;
const F_DUPFD_CLOEXEC = 1030;
const X_OK = 1;
const ENOENT = 2;
const POSIX_SPAWN_SETPGROUP = 0x02;
const POSIX_SPAWN_SETSIGDEF = 0x04;
const POSIX_SPAWN_SETSIGMASK = 0x08;
const POSIX_SPAWN_SETSID = 0x80;
const SIGPIPE = 13;
const SIGXFSZ = 25;
/** Python's `os.defpath`: the PATH searched when an env has none. */
const DEFPATH = "/bin:/usr/bin";

let environAddress: Deno.PointerValue | undefined;
const EMPTY_ENV = new Uint8Array(8);

/**
 * This process's `environ` array as it is now, without a copy: setenv
 * (which `Deno.env.set` calls) may move the array, so it is read through its
 * address at every spawn. The view covers the first pointer only; posix_spawn
 * reads the array to its NULL, in the memory where it lives.
 */
function currentEnviron(): Uint8Array<ArrayBuffer> {
  environAddress ??= libc().dlsym(null, cstr("environ"));
  if (environAddress === null) throw new OSError("Cannot find environ");
  const array = new Deno.UnsafePointerView(environAddress).getPointer();
  if (array === null) return EMPTY_ENV;
  return new Uint8Array(Deno.UnsafePointerView.getArrayBuffer(array, 8));
}

/** Whether `path` names a file this process may execute (no Deno permission needed). */
function executable(path: string): boolean {
  return libc().access(cstr(path), X_OK) === 0;
}

/** Python's `os.get_exec_path(env)` search for a program without a slash. */
function searchPath(program: string, path: string): string | null {
  for (const dir of path.split(":")) {
    const candidate = dir === "" ? program : `${dir}/${program}`;
    if (executable(candidate)) return candidate;
  }
  return null;
}

function envArray(env: Record<string, string>): string[] {
  const out: string[] = [];
  for (const [key, value] of Object.entries(env)) {
    if (typeof value !== "string") {
      throw new TypeError(
        `env values must be strings, not ${typeof value} (key '${key}')`,
      );
    }
    if (key.includes("\0") || value.includes("\0")) {
      throw new ValueError("embedded null byte");
    }
    if (key === "" || key.includes("=")) {
      throw new ValueError(`illegal environment variable name: '${key}'`);
    }
    out.push(`${key}=${value}`);
  }
  return out;
}

/** A sigset_t (128 bytes) holding the given signals. */
function sigset(signals: number[]): Uint8Array<ArrayBuffer> {
  const set = new Uint8Array(128);
  for (const s of signals) set[(s - 1) >> 3]! |= 1 << ((s - 1) & 7);
  return set;
}

/** Prepared spawn attributes, by flags (they are plain data: never freed). */
const attrs = new Map<string, Uint8Array<ArrayBuffer>>();

/** The posix_spawnattr_t for a plan (cached, except for a process group). */
function spawnAttr(plan: SpawnPlan): Uint8Array<ArrayBuffer> {
  const key = `${plan.restoreSignals} ${plan.startNewSession}`;
  const cacheable = plan.processGroup === null;
  const cached = cacheable ? attrs.get(key) : undefined;
  if (cached !== undefined) return cached;
  const lib = libc();
  const attr = new Uint8Array(336);
  lib.posix_spawnattr_init(attr);
  let flags = POSIX_SPAWN_SETSIGMASK;
  lib.posix_spawnattr_setsigmask(attr, sigset([]));
  if (plan.restoreSignals) {
    // Deno ignores SIGPIPE (as Rust programs do); Python's children get
    // SIGPIPE and SIGXFSZ back at their defaults, and so do ours.
    flags |= POSIX_SPAWN_SETSIGDEF;
    lib.posix_spawnattr_setsigdefault(attr, sigset([SIGPIPE, SIGXFSZ]));
  }
  if (plan.startNewSession) flags |= POSIX_SPAWN_SETSID;
  if (plan.processGroup !== null) {
    flags |= POSIX_SPAWN_SETPGROUP;
    lib.posix_spawnattr_setpgroup(attr, plan.processGroup);
  }
  lib.posix_spawnattr_setflags(attr, flags);
  if (cacheable) attrs.set(key, attr);
  return attr;
}

/**
 * Starts the child.
 * @returns its pid.
 * @throws {OSError} The errno-selected subclass when the program cannot be
 *   started, naming the program (or `cwd` when that is what is missing).
 */
export function spawn(plan: SpawnPlan): number {
  const lib = libc();
  for (const a of plan.argv) {
    if (a.includes("\0")) throw new ValueError("embedded null byte");
  }
  if (plan.program.includes("\0")) throw new ValueError("embedded null byte");
  const envp = plan.env === null ? null : cstrArray(envArray(plan.env));

  // Resolve the program as Python does: with an explicit env, its PATH (or
  // os.defpath) is searched; otherwise posix_spawnp searches ours.
  let file = plan.program;
  let usePath = false;
  if (!file.includes("/")) {
    if (plan.env === null) {
      usePath = true;
    } else {
      const found = searchPath(file, plan.env.PATH ?? DEFPATH);
      if (found === null) throw new OSError(ENOENT, undefined, plan.program);
      file = found;
    }
  }

  const hasActions = plan.cwd !== null || plan.extra.length > 0 ||
    plan.stdio.some((s) => s.kind !== "inherit");
  const actions = new Uint8Array(80);
  const temps: number[] = [];
  const keep: unknown[] = [];
  if (hasActions) lib.posix_spawn_file_actions_init(actions);
  try {
    if (plan.cwd !== null) {
      const dir = cstr(plan.cwd);
      keep.push(dir);
      lib.posix_spawn_file_actions_addchdir_np(actions, dir);
    }
    plan.stdio.forEach((source, target) => {
      switch (source.kind) {
        case "inherit":
          return;
        case "devnull": {
          const path = cstr("/dev/null");
          keep.push(path);
          lib.posix_spawn_file_actions_addopen(
            actions,
            target,
            path,
            O_RDWR,
            0,
          );
          break;
        }
        case "stdout":
          lib.posix_spawn_file_actions_adddup2(actions, 1, target);
          break;
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
          lib.posix_spawn_file_actions_adddup2(actions, fd, target);
          break;
        }
      }
    });
    for (const { fd, target } of plan.extra) {
      lib.posix_spawn_file_actions_adddup2(actions, fd, target);
    }
    const attr = spawnAttr(plan);
    const argv = cstrArray(plan.argv);
    const path = cstr(file);
    const pid = new Int32Array(1);
    const env = envp === null ? currentEnviron() : envp.array;
    const spawnFn = usePath ? lib.posix_spawnp : lib.posix_spawn;
    const rc = spawnFn(
      new Uint8Array(pid.buffer),
      path,
      hasActions ? Deno.UnsafePointer.of(actions) : null,
      Deno.UnsafePointer.of(attr),
      argv.array,
      env,
    );
    keep.push(argv.keep, envp?.keep);
    if (rc !== 0) throw spawnError(rc, plan);
    return pid[0]!;
  } finally {
    if (hasActions) lib.posix_spawn_file_actions_destroy(actions);
    for (const fd of temps) lib.close(fd);
  }
}

/** The error Python raises for a failed start: about `cwd` when it is at fault. */
function spawnError(code: number, plan: SpawnPlan): OSError {
  if (plan.cwd !== null && libc().access(cstr(plan.cwd), X_OK) !== 0) {
    return new OSError(lastErrno(), undefined, plan.cwd);
  }
  return new OSError(code, undefined, plan.program);
}
