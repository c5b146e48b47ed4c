/**
 * Every libc symbol the library uses, declared once (x86_64 Linux, glibc).
 *
 * The library is opened on first use, so modules that never need FFI
 * (threading, queue) never ask for `--allow-ffi`. Blocking calls that must
 * not stall the event loop have a `nonblocking` twin (`*_async`), which Deno
 * runs on another OS thread: errno is not readable after those, so callers
 * re-check state instead.
 *
 * @module
 */

import { OSError, PermissionError, ValueError } from "../errors.ts";

const symbols = {
  // errors
  __errno_location: { parameters: [], result: "pointer" },
  strerror: { parameters: ["i32"], result: "pointer" },
  // processes
  getpid: { parameters: [], result: "i32" },
  getppid: { parameters: [], result: "i32" },
  gettid: { parameters: [], result: "i32" },
  // a bounded spin's pause: lets a runnable peer have this CPU
  sched_yield: { parameters: [], result: "i32" },
  kill: { parameters: ["i32", "i32"], result: "i32" },
  // ends the process at once: no unload handlers, no teardown (os._exit)
  _exit: { parameters: ["i32"], result: "void" },
  waitpid: { parameters: ["i32", "buffer", "i32"], result: "i32" },
  waitpid_async: {
    name: "waitpid",
    parameters: ["i32", "buffer", "i32"],
    result: "i32",
    nonblocking: true,
  },
  waitid: { parameters: ["i32", "i32", "buffer", "i32"], result: "i32" },
  waitid_async: {
    name: "waitid",
    parameters: ["i32", "i32", "buffer", "i32"],
    result: "i32",
    nonblocking: true,
  },
  execv: { parameters: ["buffer", "buffer"], result: "i32" },
  execve: { parameters: ["buffer", "buffer", "buffer"], result: "i32" },
  execvp: { parameters: ["buffer", "buffer"], result: "i32" },
  execvpe: { parameters: ["buffer", "buffer", "buffer"], result: "i32" },
  posix_spawn: {
    parameters: ["buffer", "buffer", "pointer", "pointer", "buffer", "buffer"],
    result: "i32",
  },
  posix_spawnp: {
    parameters: ["buffer", "buffer", "pointer", "pointer", "buffer", "buffer"],
    result: "i32",
  },
  posix_spawn_file_actions_init: { parameters: ["buffer"], result: "i32" },
  posix_spawn_file_actions_destroy: { parameters: ["buffer"], result: "i32" },
  posix_spawn_file_actions_adddup2: {
    parameters: ["buffer", "i32", "i32"],
    result: "i32",
  },
  posix_spawn_file_actions_addclose: {
    parameters: ["buffer", "i32"],
    result: "i32",
  },
  posix_spawn_file_actions_addopen: {
    parameters: ["buffer", "i32", "buffer", "i32", "u32"],
    result: "i32",
  },
  posix_spawn_file_actions_addclosefrom_np: {
    parameters: ["buffer", "i32"],
    result: "i32",
  },
  posix_spawn_file_actions_addchdir_np: {
    parameters: ["buffer", "buffer"],
    result: "i32",
  },
  posix_spawnattr_init: { parameters: ["buffer"], result: "i32" },
  posix_spawnattr_destroy: { parameters: ["buffer"], result: "i32" },
  posix_spawnattr_setflags: { parameters: ["buffer", "i16"], result: "i32" },
  posix_spawnattr_setsigdefault: {
    parameters: ["buffer", "buffer"],
    result: "i32",
  },
  posix_spawnattr_setsigmask: {
    parameters: ["buffer", "buffer"],
    result: "i32",
  },
  posix_spawnattr_setpgroup: { parameters: ["buffer", "i32"], result: "i32" },
  sigemptyset: { parameters: ["buffer"], result: "i32" },
  sigfillset: { parameters: ["buffer"], result: "i32" },
  sigaddset: { parameters: ["buffer", "i32"], result: "i32" },
  // signal(sig, handler) -> the previous handler (SIG_DFL = null)
  signal: { parameters: ["i32", "pointer"], result: "pointer" },
  pidfd_open: { parameters: ["i32", "u32"], result: "i32" },
  prctl: { parameters: ["i32", "u64", "u64", "u64", "u64"], result: "i32" },
  setpgid: { parameters: ["i32", "i32"], result: "i32" },
  // environment
  getenv: { parameters: ["buffer"], result: "pointer" },
  setenv: { parameters: ["buffer", "buffer", "i32"], result: "i32" },
  unsetenv: { parameters: ["buffer"], result: "i32" },
  sysconf: { parameters: ["i32"], result: "i64" },
  fflush: { parameters: ["pointer"], result: "i32" },
  // the address of glibc's `char **environ` (read it at each use: setenv moves it)
  environ: { type: "pointer" },
  // files and descriptors
  open: { parameters: ["buffer", "i32", "u32"], result: "i32" },
  close: { parameters: ["i32"], result: "i32" },
  read: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  read_async: {
    name: "read",
    parameters: ["i32", "buffer", "usize"],
    result: "isize",
    nonblocking: true,
  },
  write: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  write_async: {
    name: "write",
    parameters: ["i32", "buffer", "usize"],
    result: "isize",
    nonblocking: true,
  },
  lseek: { parameters: ["i32", "i64", "i32"], result: "i64" },
  fstat: { parameters: ["i32", "buffer"], result: "i32" },
  ftruncate: { parameters: ["i32", "i64"], result: "i32" },
  fsync: { parameters: ["i32"], result: "i32" },
  dup: { parameters: ["i32"], result: "i32" },
  dup2: { parameters: ["i32", "i32"], result: "i32" },
  dup3: { parameters: ["i32", "i32", "i32"], result: "i32" },
  pipe2: { parameters: ["buffer", "i32"], result: "i32" },
  eventfd: { parameters: ["u32", "i32"], result: "i32" },
  access: { parameters: ["buffer", "i32"], result: "i32" },
  fcntl: { parameters: ["i32", "i32", "i64"], result: "i32" },
  poll: { parameters: ["buffer", "u64", "i32"], result: "i32" },
  // poll with a timespec timeout: sub-millisecond bounded waits (net/poller)
  ppoll: { parameters: ["buffer", "u64", "buffer", "pointer"], result: "i32" },
  poll_async: {
    name: "poll",
    parameters: ["buffer", "u64", "i32"],
    result: "i32",
    nonblocking: true,
  },
  // sockets (multiprocessing.connection): descriptors are O_NONBLOCK, so
  // only connect and poll ever wait; see the connection module's notes.
  socket: { parameters: ["i32", "i32", "i32"], result: "i32" },
  socketpair: { parameters: ["i32", "i32", "i32", "buffer"], result: "i32" },
  bind: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  listen: { parameters: ["i32", "i32"], result: "i32" },
  accept4: { parameters: ["i32", "buffer", "buffer", "i32"], result: "i32" },
  connect: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  connect_async: {
    name: "connect",
    parameters: ["i32", "buffer", "u32"],
    result: "i32",
    nonblocking: true,
  },
  getsockname: { parameters: ["i32", "buffer", "buffer"], result: "i32" },
  getsockopt: {
    parameters: ["i32", "i32", "i32", "buffer", "buffer"],
    result: "i32",
  },
  setsockopt: {
    parameters: ["i32", "i32", "i32", "buffer", "u32"],
    result: "i32",
  },
  shutdown: { parameters: ["i32", "i32"], result: "i32" },
  send: { parameters: ["i32", "buffer", "usize", "i32"], result: "isize" },
  recv: { parameters: ["i32", "buffer", "usize", "i32"], result: "isize" },
  getaddrinfo: {
    parameters: ["buffer", "buffer", "buffer", "buffer"],
    result: "i32",
  },
  freeaddrinfo: { parameters: ["pointer"], result: "void" },
  unlink: { parameters: ["buffer"], result: "i32" },
  // shared memory and maps
  shm_open: { parameters: ["buffer", "i32", "u32"], result: "i32" },
  shm_unlink: { parameters: ["buffer"], result: "i32" },
  memfd_create: { parameters: ["buffer", "u32"], result: "i32" },
  mmap: {
    parameters: ["pointer", "usize", "i32", "i32", "i32", "i64"],
    result: "pointer",
  },
  munmap: { parameters: ["pointer", "usize"], result: "i32" },
  mremap: {
    parameters: ["pointer", "usize", "usize", "i32"],
    result: "pointer",
  },
  msync: { parameters: ["pointer", "usize", "i32"], result: "i32" },
  madvise: { parameters: ["pointer", "usize", "i32"], result: "i32" },
  madvise_async: {
    name: "madvise",
    parameters: ["pointer", "usize", "i32"],
    result: "i32",
    nonblocking: true,
  },
  mprotect: { parameters: ["pointer", "usize", "i32"], result: "i32" },
  memmove: { parameters: ["pointer", "pointer", "usize"], result: "pointer" },
  // futexes (SYS_futex = 202 on x86_64): syscall(202, addr, op, val, timeout, addr2, val3)
  syscall6: {
    name: "syscall",
    parameters: ["i64", "pointer", "i32", "i32", "pointer", "pointer", "i32"],
    result: "i64",
  },
  syscall6_async: {
    name: "syscall",
    parameters: ["i64", "pointer", "i32", "i32", "pointer", "pointer", "i32"],
    result: "i64",
    nonblocking: true,
  },
} as const satisfies Deno.ForeignLibraryInterface;

/** The bound symbols. */
export type Libc = Deno.DynamicLibrary<typeof symbols>["symbols"];

let lib: Libc | undefined;
/** Libraries opened so far (one per symbol), kept open for the process's life. */
const opened: Deno.DynamicLibrary<Deno.ForeignLibraryInterface>[] = [];

function permissionError(e: unknown): unknown {
  if (
    e instanceof Error &&
    (e.name === "NotCapable" || e.name === "PermissionDenied")
  ) {
    return new PermissionError(
      "This feature calls libc through Deno's FFI: run with --allow-ffi",
      undefined,
      null,
      null,
      { cause: e },
    );
  }
  return e;
}

/**
 * The libc bindings, opened on first use, each symbol on its first use:
 * binding a symbol costs ≈ 0.07 ms (Deno builds its call trampoline), so
 * binding all of them at once would cost a process that needs a dozen
 * ≈ 6 ms at start.
 * @throws {PermissionError} If FFI is not allowed (`--allow-ffi`).
 */
export function libc(): Libc {
  if (lib !== undefined) return lib;
  const out = {} as Record<string, unknown>;
  for (const name of Object.keys(symbols)) {
    Object.defineProperty(out, name, {
      configurable: true,
      enumerable: true,
      get() {
        let value: unknown;
        try {
          const one = Deno.dlopen("libc.so.6", {
            [name]: symbols[name as keyof typeof symbols],
          } as Deno.ForeignLibraryInterface);
          opened.push(one);
          value = one.symbols[name];
        } catch (e) {
          throw permissionError(e);
        }
        // From now on a plain property: no getter on the hot path.
        Object.defineProperty(out, name, { value, enumerable: true });
        return value;
      },
    });
  }
  // Without the permission (or with it for some paths only), fail here, as
  // dlopen does: bind one symbol now, `close`, which nearly every user of
  // libc calls. (Not `Deno.permissions.querySync`: its first call costs a
  // child process ≈ 0.5 ms of its start, measured, where this binding is
  // work done anyway.)
  void (out as Libc).close;
  lib = out as Libc;
  return lib;
}

/**
 * The libc bindings if this thread has already opened them (no permission
 * query, no binding), else undefined.
 */
export function loadedLibc(): Libc | undefined {
  return lib;
}

/** The calling thread's errno (valid right after a failed synchronous call). */
export function errno(): number {
  const p = libc().__errno_location();
  return p === null ? 0 : new Deno.UnsafePointerView(p).getInt32();
}

/**
 * Throws Python's OSError subclass for the current errno.
 * @param filename The file involved, for the message.
 */
export function raiseErrno(filename?: string | null): never {
  throw new OSError(errno(), undefined, filename ?? null);
}

const encoder = new TextEncoder();

/**
 * Python's UnicodeEncodeError (a ValueError) for a lone surrogate, which
 * UTF-8 cannot encode: TextEncoder would put U+FFFD in its place, and libc
 * would act on another name than the one given.
 */
function unencodable(s: string): ValueError {
  const i = [...s].findIndex((c) => !c.isWellFormed());
  const code = [...s][i]!.charCodeAt(0).toString(16);
  return new ValueError(
    `'utf-8' codec can't encode character '\\u${code}' in position ${i}: surrogates not allowed`,
  );
}

/**
 * A NUL-terminated C string. Every string on its way to libc passes here
 * (lists of strings through `cstrings.ts`, with the same rules): a NUL
 * inside it is refused, as libc would stop at it and act on a prefix (chdir
 * to "/tmp" for "/tmp\0/x").
 * @throws {ValueError} If `s` holds a NUL character ("embedded null byte",
 *   Python's message) or a lone surrogate (Python's UnicodeEncodeError).
 */
export function cstr(s: string): Uint8Array<ArrayBuffer> {
  if (s.includes("\0")) throw new ValueError("embedded null byte");
  if (!s.isWellFormed()) throw unencodable(s);
  const bytes = encoder.encode(s);
  const out = new Uint8Array(bytes.length + 1);
  out.set(bytes);
  return out;
}
