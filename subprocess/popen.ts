/**
 * `Popen`: a child process with Python's interface.
 *
 * @module
 */

import { fileURLToPath } from "../_internal/file_url.ts";
import { OSError, PermissionError, ValueError } from "../_internal/errors.ts";
import { errno as lastErrno, libc } from "../_internal/ffi/libc.ts";
import { type Command, TimeoutExpired } from "./errors.ts";
import {
  Accumulator,
  deadlineAfter,
  driveAsync,
  driveSync,
  type Io,
  now,
  type PollStep,
} from "./_io.ts";
import { waitExit } from "./_exit_watch.ts";
import { growPipe, ReaderCore, WriterCore } from "./_pipes.ts";
import { closeFd, type PollFd, POLLIN, POLLOUT } from "./_reactor.ts";
import { planStream, type Redirect, type StreamPlan } from "./_redirect.ts";
import { repr } from "./_repr.ts";
import { SIGKILL, signalNumber, SIGTERM } from "../_internal/signal_table.ts";
import { spawn } from "./_spawn.ts";
import { type TextMode, textMode, toBytes } from "./_text.ts";
import { PipeReader } from "./pipe_reader.ts";
import { PipeWriter } from "./pipe_writer.ts";

export type { Redirect } from "./_redirect.ts";

/** Options of {@linkcode Popen} (Python's keyword arguments, camelCase). */
export interface PopenOptions {
  /**
   * The child's stdin: `PIPE`, `DEVNULL`, a descriptor number (from
   * `os_process.open`), a `Deno.FsFile`, another Popen's `stdout`, or
   * null/undefined to inherit this process's.
   * @default {undefined}
   */
  stdin?: Redirect;
  /**
   * The child's stdout; as `stdin`.
   * @default {undefined}
   */
  stdout?: Redirect;
  /**
   * The child's stderr; as `stdin`, or `STDOUT` to merge it into stdout.
   * @default {undefined}
   */
  stderr?: Redirect;
  /**
   * Run `args` through `/bin/sh -c` (a string is the shell command; further
   * list items are `$0`, `$1`, …).
   * @default {false}
   */
  shell?: boolean;
  /**
   * The child's working directory (a relative program path is found there).
   * @default {undefined}
   */
  cwd?: string | URL | null;
  /**
   * The child's whole environment (it replaces this process's, as in
   * Python; its PATH is where a program name is looked up).
   * @default {undefined}
   */
  env?: Record<string, string> | null;
  /**
   * Text mode: streams and results are strings, decoded with `encoding`,
   * with `\r\n` and `\r` read as `\n`.
   * @default {false}
   */
  text?: boolean;
  /**
   * Python's older name for `text`.
   * @default {false}
   */
  universalNewlines?: boolean;
  /**
   * The text encoding (implies text mode).
   * @default {"utf-8"}
   */
  encoding?: string | null;
  /**
   * How text mode treats undecodable bytes (implies text mode): "strict"
   * throws a ValueError, "replace" puts U+FFFD.
   * @default {"strict"}
   */
  errors?: "strict" | "replace" | null;
  /**
   * The program to run instead of `args[0]` (which stays the child's
   * `argv[0]`); with `shell`, the shell.
   * @default {undefined}
   */
  executable?: string | null;
  /**
   * Start the child in a new session (`setsid`).
   * @default {false}
   */
  startNewSession?: boolean;
  /**
   * Put the child in this process group (0: a new group led by the child).
   * @default {undefined}
   */
  processGroup?: number | null;
  /**
   * Give the child SIGPIPE and SIGXFSZ at their default action.
   * @default {true}
   */
  restoreSignals?: boolean;
  /**
   * Descriptors the child keeps (at the same numbers).
   * @default {[]}
   */
  passFds?: readonly number[];
  /**
   * Close every descriptor but 0, 1, 2 and `passFds` in the child, even
   * those without close-on-exec (as Python; forced on when `passFds` is
   * given). With false the child inherits this process's descriptors that
   * lack close-on-exec.
   * @default {true}
   */
  closeFds?: boolean;
  /**
   * Accepted for Python compatibility; streams are not buffered.
   * @default {-1}
   */
  bufsize?: number;
  /** Not supported: throws a ValueError (no JavaScript can run between fork and exec). */
  preexecFn?: unknown;
  /** Windows only in Python: throws a ValueError. */
  startupinfo?: unknown;
  /** Windows only in Python: throws a ValueError when not 0. */
  creationflags?: number;
}

const WNOHANG = 1;
const EINTR = 4;
const ECHILD = 10;
const F_DUPFD_CLOEXEC = 1030;

function rejectUnsupported(options: PopenOptions): void {
  if (options.preexecFn != null) {
    throw new ValueError(
      "preexecFn is not supported: no JavaScript can run in the child before exec (use startNewSession, processGroup, cwd or env)",
    );
  }
  if (options.startupinfo != null) {
    throw new ValueError(
      "startupinfo is only supported on Windows platforms",
    );
  }
  if (options.creationflags != null && options.creationflags !== 0) {
    throw new ValueError(
      "creationflags is only supported on Windows platforms",
    );
  }
}

/** The argv and program that Python's `_execute_child` would use. */
function commandLine(
  args: Command,
  shell: boolean,
  executable: string | null,
): { argv: string[]; program: string } {
  let argv: string[];
  if (typeof args === "string") argv = [args];
  else if (Array.isArray(args)) {
    argv = args.map((a, i) => {
      if (typeof a !== "string") {
        throw new TypeError(
          `args[${i}] must be a string, not ${a === null ? "null" : typeof a}`,
        );
      }
      return a;
    });
  } else {
    throw new TypeError(
      `args must be a string or an array of strings, not ${typeof args}`,
    );
  }
  if (shell) {
    argv = ["/bin/sh", "-c", ...argv];
    if (executable !== null) argv[0] = executable;
  }
  if (argv.length === 0) throw new ValueError("args must not be empty");
  return { argv, program: executable ?? argv[0]! };
}

let runGranted = false;

/** Honours `--allow-run` (FFI could start anything; Deno's flag still rules). */
function checkRunPermission(program: string): void {
  if (runGranted) return;
  if (Deno.permissions.querySync({ name: "run" }).state === "granted") {
    runGranted = true;
    return;
  }
  const desc = { name: "run", command: program } as const;
  let state = Deno.permissions.querySync(desc).state;
  if (state === "prompt") state = Deno.permissions.requestSync(desc).state;
  if (state !== "granted") {
    throw new PermissionError(
      `Requires run access to "${program}", run again with the --allow-run flag`,
    );
  }
}

/** libc, or a PermissionError that says what subprocess needs it for. */
function subprocessLibc(): ReturnType<typeof libc> {
  try {
    return libc();
  } catch (e) {
    if (!(e instanceof PermissionError)) throw e;
    throw new PermissionError(
      "subprocess starts and waits for children with libc (posix_spawn, waitpid, poll): run with --allow-ffi",
      undefined,
      null,
      null,
      { cause: e },
    );
  }
}

/** pids of Popens collected while their child ran: reaped later, as Python's `_active`. */
const active = new Set<number>();

function reapActive(): void {
  const status = new Uint8Array(4);
  for (const pid of active) {
    const r = libc().waitpid(pid, status, WNOHANG);
    if (r !== 0) active.delete(pid);
  }
}

interface ChildState {
  pid: number;
  pidfd: number;
}

const childRegistry = new FinalizationRegistry<ChildState>((state) => {
  if (state.pidfd >= 0) closeFd(state.pidfd);
  state.pidfd = -1;
  if (libc().waitpid(state.pid, new Uint8Array(4), WNOHANG) === 0) {
    active.add(state.pid);
  }
});

const pipeRegistry = new FinalizationRegistry<ReaderCore | WriterCore>(
  (core) => core.close(),
);

/** Where waitpid writes the status (read at once: one wait at a time on a thread). */
const statusOut = new Int32Array(1);
const statusBytes = new Uint8Array(statusOut.buffer);

/** Python's wait status to return code: the exit status, or -signal. */
function returncodeOf(status: number): number {
  const sig = status & 0x7f;
  return sig === 0 ? (status >> 8) & 0xff : -sig;
}

/**
 * Python's `subprocess.Popen`: starts a child process and lets you talk to
 * it through pipes, signal it and wait for it.
 *
 * The child starts in the constructor (`posix_spawn`, so a missing program
 * throws `FileNotFoundError` right there, as in Python). `poll()` is
 * truthful at any moment, with no await: the child is not a `Deno.Command`
 * (whose status only the event loop learns), so this object alone reaps it,
 * with `waitpid(pid, WNOHANG)`; all it needs is `--allow-ffi`. Async waits
 * block one of Deno's pool threads on a pidfd, not the event loop.
 * Blocking calls come in two forms: `wait()`/`communicate()` return
 * Promises and never block the event loop;
 * `waitSync()`/`communicateSync()` block the calling thread (also the main
 * thread).
 *
 * Concurrency: `communicate` moves stdin, stdout and stderr together, so a
 * child filling both output pipes never deadlocks it; reads and writes on
 * one stream run in call order; `poll`, `wait` and `communicate` may be
 * mixed and called concurrently, and the first to see the end reaps.
 *
 * Differences from Python: `stdin`, `stdout` and `stderr` are unbuffered
 * {@linkcode PipeWriter}/{@linkcode PipeReader} objects; `bufsize` is
 * accepted and ignored; `preexecFn`, `startupinfo` and
 * non-zero `creationflags` throw a ValueError; `user`, `group`,
 * `extraGroups` and `umask` are not available.
 *
 * Needs `--allow-ffi` (libc's `posix_spawn`, `waitpid`, `poll`) and
 * `--allow-run` for the program.
 *
 * @typeParam T `Uint8Array` in bytes mode (the default), `string` in text mode.
 *
 * @example A pipeline, `echo … | tr a-z A-Z`, with no copy through JavaScript
 * ```ts
 * import { PIPE, Popen } from "@pyconc/std/subprocess";
 * import assert from "node:assert/strict";
 *
 * await using p1 = new Popen(["echo", "hello"], { stdout: PIPE });
 * await using p2 = new Popen<string>(["tr", "a-z", "A-Z"], {
 *   stdin: p1.stdout,
 *   stdout: PIPE,
 *   text: true,
 * });
 * p1.stdout!.close(); // p1 gets SIGPIPE if p2 ends first
 * const [out] = await p2.communicate();
 * assert.equal(out, "HELLO\n");
 * assert.equal(await p1.wait(), 0);
 * ```
 *
 * @example Timeouts: the child keeps running, a second communicate gets all
 * ```ts
 * import { PIPE, Popen, TimeoutExpired } from "@pyconc/std/subprocess";
 * import assert from "node:assert/strict";
 *
 * await using p = new Popen<string>(["sh", "-c", "echo a; sleep 0.5; echo b"], {
 *   stdout: PIPE,
 *   text: true,
 * });
 * await assert.rejects(p.communicate(undefined, 0.1), TimeoutExpired);
 * const [out] = await p.communicate();
 * assert.equal(out, "a\nb\n");
 * ```
 */
export class Popen<T extends Uint8Array | string = Uint8Array | string>
  implements AsyncDisposable, Disposable {
  /** The command, as given. */
  readonly args: Command;
  /** The child's process id. */
  readonly pid: number;
  /**
   * The exit status once the child has ended and was reaped (by `poll`,
   * `wait`, `communicate`), else null; `-N` when signal N ended it.
   */
  returncode: number | null = null;
  /** The pipe to the child's stdin when `stdin: PIPE`, else null. */
  readonly stdin: PipeWriter<T> | null;
  /** The pipe from the child's stdout when `stdout: PIPE`, else null. */
  readonly stdout: PipeReader<T> | null;
  /** The pipe from the child's stderr when `stderr: PIPE`, else null. */
  readonly stderr: PipeReader<T> | null;

  #child: ChildState;
  #mode: TextMode | null;
  #in: WriterCore | null = null;
  #out: ReaderCore | null = null;
  #err: ReaderCore | null = null;
  // communicate's state, kept across a TimeoutExpired as Python's is.
  #started = false;
  #input: Uint8Array<ArrayBuffer> | null = null;
  #inputOffset = 0;
  #outAcc: Accumulator | null = null;
  #errAcc: Accumulator | null = null;
  #outText = "";
  #errText = "";
  #result: [T | null, T | null] | null = null;
  #exit: PollStep["exit"] | undefined;

  /**
   * Starts the child.
   *
   * @param args The program and its arguments (`["ls", "-l"]`), or with
   *   `shell: true` a shell command string.
   * @param options See {@linkcode PopenOptions}.
   * @throws {FileNotFoundError} If the program (or `cwd`) does not exist,
   *   e.g. `[Errno 2] No such file or directory: 'nope'`.
   * @throws {PermissionError} If the program is not executable, or
   *   `--allow-run`/`--allow-ffi` is missing.
   * @throws {ValueError} For empty `args`, a bad stream value, or an option
   *   that cannot work here (`preexecFn`, `startupinfo`, `creationflags`).
   */
  constructor(args: Command, options: PopenOptions = {}) {
    rejectUnsupported(options);
    const { argv, program } = commandLine(
      args,
      options.shell ?? false,
      options.executable ?? null,
    );
    this.#mode = textMode(options);
    const cwd = options.cwd instanceof URL
      ? fileURLToPath(options.cwd)
      : options.cwd ?? null;
    checkRunPermission(program);
    const lib = subprocessLibc();
    if (active.size > 0) reapActive();

    const plans: StreamPlan[] = [];
    const passTemps: number[] = [];
    let pid: number;
    try {
      plans.push(planStream(options.stdin, 0));
      plans.push(planStream(options.stdout, 1));
      plans.push(planStream(options.stderr, 2));
      const extra: { fd: number; target: number }[] = [];
      for (const fd of options.passFds ?? []) {
        // dup2 from another number clears close-on-exec in the child.
        const temp = lib.fcntl(fd, F_DUPFD_CLOEXEC, 3n);
        if (temp < 0) throw new OSError(lastErrno());
        passTemps.push(temp);
        extra.push({ fd: temp, target: fd });
      }
      pid = spawn({
        program,
        argv,
        env: options.env ?? null,
        cwd,
        stdio: [plans[0]!.child, plans[1]!.child, plans[2]!.child],
        extra,
        startNewSession: options.startNewSession ?? false,
        processGroup: options.processGroup ?? null,
        restoreSignals: options.restoreSignals ?? true,
        // Python forces close_fds on when pass_fds is given (with a warning).
        closeFds: (options.closeFds ?? true) || extra.length > 0,
      });
    } catch (e) {
      for (const p of plans) if (p.parentFd >= 0) lib.close(p.parentFd);
      throw e;
    } finally {
      for (const p of plans) for (const fd of p.closeAfter) lib.close(fd);
      for (const fd of passTemps) lib.close(fd);
    }
    this.args = args;
    this.pid = pid;
    this.#child = { pid, pidfd: -1 };
    childRegistry.register(this, this.#child, this.#child);

    const [inFd, outFd, errFd] = plans.map((p) => p.parentFd);
    if (inFd! >= 0) this.#in = new WriterCore(inFd!, this.#mode);
    if (outFd! >= 0) this.#out = new ReaderCore(outFd!, this.#mode);
    if (errFd! >= 0) this.#err = new ReaderCore(errFd!, this.#mode);
    this.stdin = this.#in === null ? null : new PipeWriter<T>(this.#in);
    this.stdout = this.#out === null ? null : new PipeReader<T>(this.#out);
    this.stderr = this.#err === null ? null : new PipeReader<T>(this.#err);
    if (this.stdin) pipeRegistry.register(this.stdin, this.#in!);
    if (this.stdout) pipeRegistry.register(this.stdout, this.#out!);
    if (this.stderr) pipeRegistry.register(this.stderr, this.#err!);
  }

  /**
   * Python's `repr()`, e.g. `<Popen: returncode: None args: ['sleep', '5']>`.
   *
   * @returns The description.
   */
  toString(): string {
    let text = `<Popen: returncode: ${this.returncode ?? "None"} args: ${
      repr(this.args)
    }>`;
    if (text.length > 80) text = text.slice(0, 76) + "...>";
    return text;
  }

  /**
   * Checks, without waiting, whether the child has ended (and reaps it).
   *
   * @returns The return code, or null while the child runs.
   */
  poll(): number | null {
    return this.#reap(WNOHANG);
  }

  /** waitpid: with WNOHANG, null while the child runs; with 0, blocks. */
  #reap(flags: number): number | null {
    if (this.returncode !== null) return this.returncode;
    const lib = libc();
    for (;;) {
      const r = lib.waitpid(this.pid, statusBytes, flags);
      if (r === 0) return null;
      if (r === this.pid) {
        this.returncode = returncodeOf(statusOut[0]!);
        break;
      }
      const e = lastErrno();
      if (e === EINTR) continue;
      // Someone else reaped it (e.g. os.waitpid(-1)): Python reports 0.
      if (e === ECHILD) this.returncode = 0;
      else throw new OSError(e);
      break;
    }
    if (this.#child.pidfd >= 0) closeFd(this.#child.pidfd);
    this.#child.pidfd = -1;
    childRegistry.unregister(this.#child);
    return this.returncode;
  }

  /**
   * The child's pidfd, opened on first need (a blocking wait): until this
   * object reaps the child, its pid cannot be reused, so opening late is safe.
   */
  #pidfd(): number {
    if (this.#child.pidfd < 0 && this.returncode === null) {
      const fd = libc().pidfd_open(this.pid, 0);
      if (fd < 0) throw new OSError(lastErrno(), "pidfd_open failed");
      this.#child.pidfd = fd;
    }
    return this.#child.pidfd;
  }

  /** What the I/O drivers need to wait for the child (made once). */
  #exitWatch(): NonNullable<PollStep["exit"]> {
    return this.#exit ??= {
      ended: () => this.poll() !== null,
      pid: this.pid,
      pidfd: () => this.#pidfd(),
      reap: () => void this.#reap(0),
    };
  }

  *#wait(deadline: number, timeout: number | null): Io<number> {
    const exit = this.#exitWatch();
    for (;;) {
      const rc = this.poll();
      if (rc !== null) return rc;
      if (now() >= deadline) throw new TimeoutExpired(this.args, timeout!);
      yield { fds: [], deadline, exit };
    }
  }

  /**
   * Waits for the child to end.
   *
   * @param timeout Seconds to wait at most; null for no limit.
   * @returns The return code.
   * @throws {TimeoutExpired} If the child still runs after `timeout` (it is
   *   not killed).
   */
  wait(timeout: number | null = null): Promise<number> {
    // Already reaped (as after communicate): no drive to set up.
    if (this.returncode !== null) {
      checkTimeout(timeout);
      return Promise.resolve(this.returncode);
    }
    if (timeout === null) return this.#waitUntimed();
    return driveAsync(
      this.#wait(deadlineAfter(checkTimeout(timeout)), timeout),
    );
  }

  /**
   * The blocking form of {@linkcode wait}.
   *
   * @param timeout Seconds to wait at most; null for no limit.
   * @returns The return code.
   * @throws {TimeoutExpired} If the child still runs after `timeout`.
   */
  waitSync(timeout: number | null = null): number {
    if (timeout === null) {
      // The usual wait, without the generator the drivers step through
      // (it costs more than the wait itself right after a start).
      while (this.#reap(0) === null);
      return this.returncode!;
    }
    return driveSync(this.#wait(deadlineAfter(checkTimeout(timeout)), timeout));
  }

  /** `wait()` without a time limit, without a generator to step. */
  async #waitUntimed(): Promise<number> {
    const exit = this.#exitWatch();
    for (;;) {
      const rc = this.poll();
      if (rc !== null) return rc;
      await waitExit(exit, Infinity);
    }
  }

  /** communicate() when it only waits (see `#onlyWaits`). */
  async #waitThenResult(): Promise<[T | null, T | null]> {
    await this.#waitUntimed();
    return this.#result = [null, null];
  }

  /**
   * Whether communicate has nothing to move (no pipe) and no time limit:
   * it is then a wait, as in Python's own shortcut for at most one pipe.
   */
  #onlyWaits(timeout: number | null): boolean {
    return timeout === null && this.#result === null && !this.#started &&
      this.#in === null && this.#out === null && this.#err === null;
  }

  #timeoutExpired(timeout: number | null): TimeoutExpired {
    const captured = (acc: Accumulator | null, text: string) => {
      if (acc === null) return null;
      if (text.length === 0 && acc.length === 0) return null;
      const bytes = acc.snapshot();
      if (text.length === 0) return bytes;
      const prefix = toBytes(text, this.#mode);
      const joined = new Uint8Array(prefix.length + bytes.length);
      joined.set(prefix);
      joined.set(bytes, prefix.length);
      return joined;
    };
    return new TimeoutExpired(
      this.args,
      timeout!,
      captured(this.#outAcc, this.#outText),
      captured(this.#errAcc, this.#errText),
    );
  }

  #startCommunication(input: string | Uint8Array | null | undefined): void {
    this.#started = true;
    const take = (core: ReaderCore | null): [Accumulator | null, string] => {
      if (core === null || core.closed) return [null, ""];
      const acc = new Accumulator();
      // What a read()/readline() already buffered comes first.
      if (core.mode === null) {
        acc.push(core.take(core.buffered) as Uint8Array);
        return [acc, ""];
      }
      return [acc, core.take(core.buffered) as string];
    };
    [this.#outAcc, this.#outText] = take(this.#out);
    [this.#errAcc, this.#errText] = take(this.#err);
    if (this.#in !== null && !this.#in.closed) {
      const bytes = input == null ? null : toBytes(input, this.#mode);
      if (bytes === null || bytes.length === 0) this.#in.close();
      else {
        this.#input = bytes;
        if (bytes.length >= 1 << 20) growPipe(this.#in.fd);
      }
    }
  }

  *#communicate(
    input: string | Uint8Array | null | undefined,
    timeout: number | null,
  ): Io<[T | null, T | null]> {
    if (this.#result !== null) return this.#result;
    if (this.#started && input != null) {
      throw new ValueError("Cannot send input after starting communication");
    }
    const deadline = deadlineAfter(checkTimeout(timeout));
    if (!this.#started) this.#startCommunication(input);
    for (;;) {
      const fds: PollFd[] = [];
      const w = this.#in;
      if (w !== null && !w.closed && this.#input !== null) {
        const n = w.writeAvailable(this.#input.subarray(this.#inputOffset));
        // A child that stops reading is not an error here (Python ignores
        // BrokenPipeError in communicate).
        if (n === "epipe") w.close();
        else {
          this.#inputOffset += n;
          if (this.#inputOffset >= this.#input.length) w.close();
          else fds.push({ fd: w.fd, events: POLLOUT });
        }
      }
      for (
        const [core, acc] of [[this.#out, this.#outAcc], [
          this.#err,
          this.#errAcc,
        ]] as const
      ) {
        if (core === null || acc === null || core.closed) continue;
        if (core.readAvailable(acc) === "eof") core.close();
        else fds.push({ fd: core.fd, events: POLLIN });
      }
      if (fds.length === 0) break;
      if (now() >= deadline) throw this.#timeoutExpired(timeout);
      yield { fds, deadline };
    }
    this.#input = null;
    yield* this.#wait(deadline, timeout);
    const result = (
      core: ReaderCore | null,
      acc: Accumulator | null,
      text: string,
    ) => {
      if (acc === null) return null;
      const bytes = acc.take();
      return (core?.decoding
        ? text + core.decoding.decode(bytes, true)
        : bytes) as T;
    };
    this.#result = [
      result(this.#out, this.#outAcc, this.#outText),
      result(this.#err, this.#errAcc, this.#errText),
    ];
    this.#outAcc = this.#errAcc = null;
    return this.#result;
  }

  /**
   * Sends `input` to the child's stdin (then closes it), reads its stdout and
   * stderr to end of file, and waits for it to end, all at once so that a
   * child filling both pipes never deadlocks.
   *
   * After a `TimeoutExpired` the child keeps running and nothing read is
   * lost: call `communicate` again (without input) to get all the output, or
   * `kill()` first, as Python documents.
   *
   * @param input Data for stdin (needs `stdin: PIPE`); a string is encoded.
   * @param timeout Seconds to wait at most; null for no limit.
   * @returns `[stdout, stderr]`, each null unless that stream is `PIPE`.
   * @throws {TimeoutExpired} With the output read so far (bytes).
   * @throws {ValueError} If input is given again after a first call started.
   */
  communicate(
    input?: string | Uint8Array | null,
    timeout: number | null = null,
  ): Promise<[T | null, T | null]> {
    if (this.#onlyWaits(timeout)) {
      // Input without a stdin pipe is ignored, as in Python.
      this.#started = true;
      return this.#waitThenResult();
    }
    return driveAsync(this.#communicate(input, timeout));
  }

  /**
   * The blocking form of {@linkcode communicate}.
   *
   * @param input Data for stdin (needs `stdin: PIPE`); a string is encoded.
   * @param timeout Seconds to wait at most; null for no limit.
   * @returns `[stdout, stderr]`, each null unless that stream is `PIPE`.
   * @throws {TimeoutExpired} With the output read so far (bytes).
   */
  communicateSync(
    input?: string | Uint8Array | null,
    timeout: number | null = null,
  ): [T | null, T | null] {
    if (this.#onlyWaits(timeout)) {
      this.#started = true;
      this.waitSync();
      return this.#result = [null, null];
    }
    return driveSync(this.#communicate(input, timeout));
  }

  /**
   * Sends a signal to the child, unless it has already ended (so a reused
   * pid is never signalled).
   *
   * @param sig A signal number or a `Deno.Signal` name (`"SIGTERM"`).
   * @throws {ValueError} If the signal is unknown.
   */
  sendSignal(sig: number | Deno.Signal): void {
    const num = signalNumber(sig);
    if (this.poll() !== null) return;
    if (libc().kill(this.pid, num) !== 0) {
      const e = lastErrno();
      if (e !== 3) throw new OSError(e); // ESRCH: it has just ended
    }
  }

  /** Sends SIGTERM (Python's `terminate()`). */
  terminate(): void {
    this.sendSignal(SIGTERM);
  }

  /** Sends SIGKILL (Python's `kill()`). */
  kill(): void {
    this.sendSignal(SIGKILL);
  }

  #closePipes(): void {
    this.#out?.close();
    this.#err?.close();
    this.#in?.close();
  }

  /**
   * Python's `with Popen(...) as p:` exit: closes the pipes and waits for
   * the child.
   */
  async [Symbol.asyncDispose](): Promise<void> {
    this.#closePipes();
    await this.wait();
  }

  /** The blocking form of `Symbol.asyncDispose`: closes the pipes, waits. */
  [Symbol.dispose](): void {
    this.#closePipes();
    this.waitSync();
  }
}

function checkTimeout(timeout: number | null | undefined): number | null {
  if (timeout === null || timeout === undefined) return null;
  if (typeof timeout !== "number" || Number.isNaN(timeout)) {
    throw new TypeError("timeout must be a number of seconds or null");
  }
  return timeout;
}
