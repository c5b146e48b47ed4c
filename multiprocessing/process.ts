import { BackgroundReaper } from "../_internal/process/reaper.ts";
import { RuntimeError, ValueError } from "../_internal/errors.ts";
import { heap } from "../_internal/sync/heap.ts";
import { toMs } from "../_internal/sync/timeout.ts";
import { encode } from "../_internal/codec/encode.ts";
import { decode } from "../_internal/codec/decode.ts";
import {
  describeTarget,
  loadTarget,
  type Target,
  type TargetSpec,
} from "../_internal/threads/targets.ts";
import {
  type ClassRef,
  findClass,
  locateClass,
} from "../_internal/threads/class_ref.ts";
import { ProcessTable } from "../_internal/process/table.ts";
import { launch } from "../_internal/process/launch.ts";
import { noteTargetModule } from "../_internal/process/module_preload.ts";
import {
  pollAsync,
  pollSync,
  SIGKILL,
  signal,
  SIGTERM,
} from "../_internal/process/os.ts";
import { signalName } from "../_internal/signal_table.ts";
import "../_internal/process/exit.ts"; // joins children at exit
import { INSPECT } from "../_internal/sync/hold.ts";
import { lazyModulesInUse } from "../_internal/lazy.ts";
import {
  type Assignment,
  currentAssignment,
  identity,
  mayStartChildren,
  parentPidfd,
  setIdentity,
} from "../_internal/process/current.ts";

/** Options of {@linkcode Process}, Python's keyword arguments. */
export interface ProcessOptions {
  /**
   * What the process runs: a self-contained function (sent by its source)
   * or a module reference (`new URL("./tasks.ts#work", import.meta.url)`).
   * Subclasses may override `run()` instead.
   */
  target?: Target | null;
  /** Arguments for the target. @default [] */
  args?: readonly unknown[];
  /** Keyword arguments: passed as one final object argument when given. */
  kwargs?: Record<string, unknown> | null;
  /** The process's name. @default "Process-N" ("ClassName-N" for a subclass) */
  name?: string | null;
  /** Whether the process is daemonic. @default the current process's flag */
  daemon?: boolean | null;
}

/** A Process object's own state, kept outside it: its own fields are the user's. */
interface ProcState {
  /** A process to start here, this process itself, or this process's parent. */
  kind: "child" | "current" | "parent";
  name: string;
  daemon: boolean;
  authkey: Uint8Array;
  identity: number[];
  target?: Target;
  spec?: TargetSpec;
  args: unknown[];
  kwargs?: Record<string, unknown>;
  cls?: ClassRef;
  /** The process that made this object (Python's `_parent_pid`). */
  parentPid: number | null;
  started: boolean;
  closed: boolean;
  pid: number | null;
  /** The child's entry in the process table (0 until started). */
  entry: number;
  sentinel?: Promise<number>;
  /** The class name in `toString()` (`_MainProcess`, `_ParentProcess`). */
  reprName?: string;
}

const states = new WeakMap<Process, ProcState>();

function stateOf(p: Process): ProcState {
  const s = states.get(p);
  if (s === undefined) {
    throw new RuntimeError("Process.__init__() not called");
  }
  return s;
}

function checkClosed(s: ProcState): void {
  if (s.closed) throw new ValueError("process object is closed");
}

/** Python's `_children`: the processes this thread started and has not reaped. */
const children = new Map<number, Process>();

/** The Process object running in this process (a child's), once set. */
let running: Process | undefined;
/** This thread's object for the main process, or this process when not a child. */
let currentProxy: Process | undefined;
let parentProxy: Process | undefined;
/**
 * Python's `multiprocessing.Process`: runs a target in a child process (a
 * `deno` process started with this process's permissions), with real
 * parallelism and memory of its own.
 *
 * The target is a self-contained function (sent by its source text and
 * rebuilt in the child: no closure variables), a module reference, or, in
 * an exported subclass, an overridden `run()` (the instance's own fields
 * are copied to the child, as Python's spawn start method pickles the
 * object). Arguments cross as structured-clone data, copied; the library's
 * multiprocessing objects (locks, queues, values, pipe connections, shared
 * memory) arrive bound to the same shared state. SharedArrayBuffers are
 * copied. Objects that live in this process only (`threading.Lock`, …)
 * are refused with a TypeError.
 *
 * The child imports the modules its target or class comes from: guard a
 * script's top-level work with `if (import.meta.main)`, as a Python script
 * guards it with `if __name__ == "__main__":`.
 *
 * Exit codes are Python's: 0 when the target returns, the code given to
 * `Deno.exit()`, 1 after an uncaught error (its stack is printed to
 * stderr, after `Process NAME:`), and minus the signal number when a signal
 * ended it (`-15` after `terminate()`, `-9` after `kill()`).
 *
 * At exit, a process terminates its daemonic children and waits for the
 * others, as Python's does; a daemonic child also dies when its parent is
 * killed (it watches the parent), which Python's do not.
 *
 * Requires `--allow-run` (to start `deno`) and `--allow-ffi` (shared
 * memory, futexes and process control go through libc); the child gets the
 * parent's permissions.
 *
 * @example Running a function in a child process
 * ```ts
 * import { Process, Value } from "@pyconc/std/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * const total = new Value("i", 0);
 * const p = new Process({
 *   target: (total: Value<"i">, n: number) => {
 *     for (let i = 1; i <= n; i++) total.value += i;
 *   },
 *   args: [total, 100],
 * });
 * p.start();
 * await p.join();
 * assert.equal(p.exitcode, 0);
 * assert.equal(total.value, 5050);
 * ```
 */
export class Process {
  /**
   * Creates a process object; `start()` runs it.
   *
   * @param options Python's keyword arguments.
   * @throws {TypeError} If the target cannot be sent to another process.
   */
  constructor(options: ProcessOptions = {}) {
    const { target, args = [], kwargs, name, daemon } = options ?? {};
    const spec = target != null ? describeTarget(target) : undefined;
    if (
      args == null ||
      typeof (args as Iterable<unknown>)[Symbol.iterator] !== "function"
    ) {
      throw new TypeError("args must be an array");
    }
    if (
      kwargs != null && (typeof kwargs !== "object" || Array.isArray(kwargs))
    ) {
      throw new TypeError("kwargs must be a plain object");
    }
    const me = identity();
    const count = ProcessTable.get().nextNumber();
    const ident = [...me.identity, count];
    const s: ProcState = {
      kind: "child",
      name: name != null
        ? String(name)
        : `${new.target.name}-${ident.join(":")}`,
      daemon: daemon != null ? Boolean(daemon) : me.daemon,
      authkey: me.authkey.slice(),
      identity: ident,
      args: [...args],
      parentPid: Deno.pid,
      started: false,
      closed: false,
      pid: null,
      entry: 0,
    };
    if (target != null) s.target = target;
    if (spec !== undefined) s.spec = spec;
    if (kwargs != null) s.kwargs = kwargs;
    if (new.target !== Process) s.cls = locateClass(new.target);
    states.set(this, s);
  }

  /**
   * Starts the process: returns once the child is spawned (its `pid` is
   * known); the target runs there.
   *
   * @throws {RuntimeError} If the process was started already, or the
   *   current process is daemonic (daemonic processes have no children).
   * @throws {ValueError} If the process object is closed.
   * @throws {TypeError} If an argument or field cannot be sent (nothing starts).
   * @throws {PermissionError} Without `--allow-run` or `--allow-ffi`.
   */
  start(): void {
    const s = stateOf(this);
    checkClosed(s);
    if (s.kind !== "child" || s.started) {
      throw new RuntimeError("cannot start a process twice");
    }
    if (!mayStartChildren()) {
      throw new RuntimeError(
        "daemonic processes are not allowed to have children",
      );
    }
    cleanup();
    const me = identity();
    const a: Assignment = {
      name: s.name,
      daemon: s.daemon,
      authkey: s.authkey,
      identity: s.identity,
      parentPid: Deno.pid,
      parentName: me.name,
      args: s.args,
    };
    if (s.spec) a.target = s.spec;
    if (s.kwargs) a.kwargs = s.kwargs;
    const lazy = lazyModulesInUse();
    if (lazy.length) a.lazy = lazy;
    if (s.cls) {
      a.cls = s.cls;
      a.fields = { ...this } as Record<string, unknown>;
    }
    // Encode first: a value that cannot cross fails here, with nothing started.
    const { bytes } = encode(a, "process");
    const { pid, entry } = launch(bytes, s.daemon);
    if (s.spec?.kind === "module") noteTargetModule(s.spec.url);
    s.pid = pid;
    s.entry = entry;
    s.started = true;
    children.set(entry, this);
    releaseWithObject(this, entry);
  }

  /**
   * Runs the target with its arguments (Python's `run`). The child calls
   * it; subclasses override it. Called directly, it runs in this process.
   */
  run(): void | Promise<void> {
    const s = stateOf(this);
    if (s.target === undefined && s.spec === undefined) return;
    return (async () => {
      const fn = typeof s.target === "function"
        ? s.target
        : await loadTarget(s.spec!);
      await (s.kwargs !== undefined ? fn(...s.args, s.kwargs) : fn(...s.args));
    })();
  }

  /**
   * Waits until the process ends, without blocking the event loop.
   *
   * @param timeout Seconds to wait at most, or null for no limit. Check
   *   `exitcode` (null while running) afterwards to know whether it ended.
   * @throws {RuntimeError} If the process was not started, or is not a child
   *   of this process.
   * @throws {ValueError} If the process object is closed.
   */
  async join(timeout: number | null = null): Promise<void> {
    const s = joinable(this);
    const ms = toMs(timeout);
    if (s.kind === "parent") {
      if (parentPidfd() >= 0) await pollAsync(parentPidfd(), ms);
      return;
    }
    if (await ProcessTable.get().wait(s.entry, ms) !== null) reaped(s);
  }

  /**
   * Like {@linkcode Process.join}, blocking the calling thread.
   * @param timeout Seconds to wait at most, or null for no limit.
   */
  joinSync(timeout: number | null = null): void {
    const s = joinable(this);
    const ms = toMs(timeout);
    if (s.kind === "parent") {
      if (parentPidfd() >= 0) pollSync(parentPidfd(), ms);
      return;
    }
    if (ProcessTable.get().waitSync(s.entry, ms) !== null) reaped(s);
  }

  /** Whether the process has started and not yet ended. */
  isAlive(): boolean {
    const s = stateOf(this);
    checkClosed(s);
    if (s.kind === "current") return true;
    if (s.kind === "parent") {
      return parentPidfd() >= 0 && !pollSync(parentPidfd(), 0);
    }
    if (!s.started) return false;
    if (ProcessTable.get().poll(s.entry) === null) return true;
    reaped(s);
    return false;
  }

  /**
   * The exit code: null before start and while running; 0, the code passed
   * to `Deno.exit()`, 1 after an uncaught error, or minus the number of the
   * signal that ended it.
   * @throws {ValueError} If the process object is closed.
   */
  get exitcode(): number | null {
    const s = stateOf(this);
    checkClosed(s);
    if (s.kind !== "child" || !s.started) return null;
    const code = ProcessTable.get().poll(s.entry);
    if (code !== null) reaped(s);
    return code;
  }

  /** The process id: null before start (Python's `pid`). */
  get pid(): number | null {
    const s = stateOf(this);
    checkClosed(s);
    return s.pid;
  }

  /** The same as {@linkcode Process.pid} (Python's `ident`). */
  get ident(): number | null {
    return this.pid;
  }

  /**
   * The operating system's id of the process's main thread: its pid (kept
   * for parity with `Thread.nativeId`).
   */
  get nativeId(): number | null {
    return this.pid;
  }

  /** The process's name (not unique; any string). */
  get name(): string {
    return stateOf(this).name;
  }

  set name(value: string) {
    const s = stateOf(this);
    s.name = String(value);
    if (s.kind === "current") setIdentity({ ...identity(), name: s.name });
  }

  /**
   * Whether the process is daemonic: settable only before `start()`. A
   * daemonic process is terminated when its parent exits (and dies with a
   * killed parent), and may not start children.
   */
  get daemon(): boolean {
    return stateOf(this).daemon;
  }

  set daemon(value: boolean) {
    const s = stateOf(this);
    if (s.kind !== "child" || s.started) {
      throw new RuntimeError("process has already started");
    }
    s.daemon = Boolean(value);
  }

  /**
   * The process's authentication key (32 random bytes in the main process;
   * a child inherits its parent's), used by connection authentication.
   */
  get authkey(): Uint8Array {
    return stateOf(this).authkey.slice();
  }

  set authkey(value: Uint8Array) {
    if (!(value instanceof Uint8Array)) {
      throw new TypeError("authkey must be a Uint8Array");
    }
    const s = stateOf(this);
    s.authkey = value.slice();
    if (s.kind === "current") {
      setIdentity({ ...identity(), authkey: s.authkey });
    }
  }

  /**
   * A Promise that settles with the exit code when the process ends (the
   * JavaScript form of Python's waitable `sentinel` handle). Reading it
   * starts a wait that keeps the event loop alive until the process ends.
   *
   * @throws {ValueError} If the process was not started, or is closed.
   */
  get sentinel(): Promise<number> {
    const s = stateOf(this);
    checkClosed(s);
    if (s.kind === "parent") {
      s.sentinel ??= parentPidfd() >= 0
        ? pollAsync(parentPidfd(), Infinity).then(() => 0)
        : Promise.resolve(0);
      return s.sentinel;
    }
    if (s.kind !== "child" || !s.started) {
      throw new ValueError("process not started");
    }
    s.sentinel ??= ProcessTable.get().wait(s.entry, Infinity).then((code) => {
      reaped(s);
      return code!;
    });
    return s.sentinel;
  }

  /**
   * Sends SIGTERM to the process (Python's `terminate`); its exit code
   * becomes -15. Nothing happens if it has ended.
   * @throws {ValueError} If the process was not started, or is closed.
   */
  terminate(): void {
    this.#signal(SIGTERM);
  }

  /**
   * Sends SIGKILL to the process (Python's `kill`); its exit code becomes
   * -9. Nothing happens if it has ended.
   * @throws {ValueError} If the process was not started, or is closed.
   */
  kill(): void {
    this.#signal(SIGKILL);
  }

  #signal(sig: number): void {
    const s = stateOf(this);
    checkClosed(s);
    if (s.kind !== "child" || !s.started) {
      throw new ValueError("process not started");
    }
    // Only an unreaped child may be signalled: its pid cannot be reused.
    if (ProcessTable.get().poll(s.entry) === null) signal(s.pid!, sig);
  }

  /**
   * Releases what the process object holds (Python's `close`). Most
   * members throw ValueError afterwards.
   * @throws {ValueError} If the process is still running.
   */
  close(): void {
    const s = stateOf(this);
    if (s.closed) return;
    if (s.kind === "child" && s.started) {
      if (ProcessTable.get().poll(s.entry) === null) {
        throw new ValueError(
          "Cannot close a process while it is still running. You should first call join() or terminate().",
        );
      }
      reaped(s);
    }
    s.closed = true;
  }

  /**
   * Python's repr: `<Process name='Process-1' pid=1234 parent=1233 started>`,
   * with `stopped exitcode=…` once ended and `daemon` when daemonic.
   */
  toString(): string {
    const s = stateOf(this);
    let status: string;
    let exitcode: number | null = null;
    if (s.kind === "current") status = "started";
    else if (s.closed) status = "closed";
    else if (s.kind === "parent") status = "unknown";
    else if (!s.started) status = "initial";
    else {
      exitcode = ProcessTable.get().poll(s.entry);
      status = exitcode === null ? "started" : "stopped";
    }
    const info = [s.reprName ?? this.constructor.name, `name='${s.name}'`];
    if (s.kind === "child" && s.pid !== null) info.push(`pid=${s.pid}`);
    info.push(`parent=${s.parentPid ?? "None"}`);
    info.push(status);
    if (exitcode !== null) {
      // Python's _exitcode_to_name: a death by signal shows as -SIGNAME.
      const sig = exitcode < 0 ? signalName(-exitcode) : undefined;
      info.push(`exitcode=${sig === undefined ? exitcode : `-${sig}`}`);
    }
    if (s.daemon) info.push("daemon");
    return `<${info.join(" ")}>`;
  }

  /** @internal */
  [INSPECT](): string {
    return this.toString();
  }
}

/**
 * @internal Starts a daemonic child that runs `target(...args)` without a
 * Process object (pool workers): the caller owns the returned table entry
 * and releases it once the child is reaped, so that its descriptors close
 * at once rather than when an object is collected.
 * @returns the child's pid and table entry.
 */
export function startWorkerChild(
  target: Target,
  args: unknown[],
  name: string,
): { pid: number; entry: number } {
  if (!mayStartChildren()) {
    throw new RuntimeError(
      "daemonic processes are not allowed to have children",
    );
  }
  cleanup();
  const me = identity();
  const a: Assignment = {
    name,
    daemon: true,
    authkey: me.authkey,
    identity: [...me.identity, ProcessTable.get().nextNumber()],
    parentPid: Deno.pid,
    parentName: me.name,
    target: describeTarget(target),
    args,
  };
  const lazy = lazyModulesInUse();
  if (lazy.length) a.lazy = lazy;
  return launch(encode(a, "process").bytes, true);
}

/** Ties the table entry's reference to the Process object's life. */
function releaseWithObject(p: Process, entry: number): void {
  heap().hold(p, entry);
}

function joinable(p: Process): ProcState {
  const s = stateOf(p);
  checkClosed(s);
  if (s.kind === "current") {
    throw new RuntimeError("can only join a child process");
  }
  if (s.kind === "child" && !s.started) {
    throw new RuntimeError("can only join a started process");
  }
  return s;
}

/** Forgets a reaped child (Python's `_children.discard`). */
function reaped(s: ProcState): void {
  if (s.entry === 0) return;
  children.delete(s.entry);
  reapSoon();
}

/**
 * A join returns once the child reported its end, before its teardown is
 * over: it is reaped in the background, until it is, so that no zombie
 * waits for the next start (see reaper.ts).
 */
const reaper = new BackgroundReaper(() => ProcessTable.get().reapFinished());

function reapSoon(): void {
  reaper.soon();
}

/** Python's `_cleanup`: reaps the children that have ended. */
function cleanup(): void {
  const table = ProcessTable.get();
  // Reap the children that reported their end and are gone by now (a join
  // returns before the child's teardown ends), including joined ones.
  table.reapFinished();
  for (const [entry] of children) {
    if (table.poll(entry) !== null) children.delete(entry);
  }
}

function proxy(kind: "current" | "parent", reprName: string): Process {
  const id = identity();
  const p = Object.create(Process.prototype) as Process;
  const s: ProcState = kind === "current"
    ? {
      kind,
      name: id.name,
      daemon: id.daemon,
      authkey: id.authkey,
      identity: id.identity,
      args: [],
      parentPid: id.parentPid,
      started: true,
      closed: false,
      pid: Deno.pid,
      entry: 0,
    }
    : {
      kind,
      name: id.parentName ?? "MainProcess",
      daemon: false,
      authkey: id.authkey,
      identity: [],
      args: [],
      parentPid: null,
      started: true,
      closed: false,
      pid: id.parentPid,
      entry: 0,
    };
  if (kind === "current" && id.identity.length === 0) {
    s.reprName = "_MainProcess";
    s.parentPid = null;
  } else {
    s.reprName = reprName;
  }
  states.set(p, s);
  return p;
}

/**
 * Python's `multiprocessing.current_process()`: the Process object of the
 * calling process (in a child, the object whose `run()` runs; in the main
 * process, `MainProcess`).
 *
 * @example
 * ```ts
 * import { currentProcess } from "@pyconc/std/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * assert.equal(currentProcess().name, "MainProcess");
 * assert.equal(currentProcess().pid, Deno.pid);
 * assert.equal(currentProcess().authkey.length, 32);
 * ```
 */
export function currentProcess(): Process {
  if (running !== undefined) return running;
  // A child whose target is a function: its object is made on first ask.
  const a = currentAssignment();
  if (a !== undefined) return running = objectFor(a, Process);
  currentProxy ??= proxy("current", "Process");
  return currentProxy;
}

/**
 * Python's `multiprocessing.parent_process()`: the parent of the calling
 * process (its `pid`, `name`, `isAlive()`, `join()`), or null in the main
 * process.
 *
 * @example
 * ```ts
 * import { parentProcess } from "@pyconc/std/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * assert.equal(parentProcess(), null);
 * ```
 */
export function parentProcess(): Process | null {
  if (identity().parentPid === null) return null;
  parentProxy ??= proxy("parent", "_ParentProcess");
  return parentProxy;
}

/**
 * Python's `multiprocessing.active_children()`: the live children started
 * by the calling thread; children that ended are reaped as a side effect.
 *
 * @example
 * ```ts
 * import { activeChildren, Process } from "@pyconc/std/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * const p = new Process({ target: () => {} });
 * p.start();
 * assert.deepEqual(activeChildren(), [p]);
 * await p.join();
 * assert.deepEqual(activeChildren(), []);
 * ```
 */
export function activeChildren(): Process[] {
  cleanup();
  return [...children.values()];
}

/** The Process object of a child's assignment (Python's, unpickled). */
function objectFor(a: Assignment, Cls: typeof Process): Process {
  const s: ProcState = {
    kind: "current",
    name: identity().name, // the target may have renamed it already
    daemon: a.daemon,
    authkey: a.authkey,
    identity: a.identity,
    args: a.args,
    parentPid: a.parentPid,
    started: true,
    closed: false,
    pid: Deno.pid,
    entry: 0,
  };
  if (a.target) s.spec = a.target;
  if (a.kwargs) s.kwargs = a.kwargs;
  const p = Object.create(Cls.prototype) as Process;
  if (a.fields) Object.assign(p, a.fields);
  states.set(p, s);
  return p;
}

/**
 * @internal Runs the assignment of a child whose process object is of a
 * `Process` subclass: its `run()` (called by the child runner,
 * `_internal/process/child.ts`, which runs a plain target itself).
 */
export async function runAssignedObject(a: Assignment): Promise<void> {
  const Cls = a.cls
    ? await findClass(a.cls, Process, "Process subclass")
    : Process;
  running = objectFor(a, Cls);
  await running.run();
}

/** The pool worker loop (a spare loads it ahead: pools start faster). */
const POOL_WORKER = new URL(
  "../concurrent_futures/_process_worker.ts",
  import.meta.url,
).href;

/**
 * @internal Runs the code paths of a child's start once, so that a spare
 * waiting for work has them compiled already (V8 compiles a function on
 * its first call: ≈ 1 ms of a warm start otherwise), and loads the pool
 * worker loop (a new pool's first worker is usually the spare).
 */
export async function warmUp(): Promise<void> {
  const sample: Assignment = {
    name: "Process-1",
    daemon: false,
    authkey: new Uint8Array(32),
    identity: [1],
    parentPid: 1,
    parentName: "MainProcess",
    target: { kind: "source", source: "() => {}", name: "" },
    args: [1, "a", [true, null], { k: 1.5 }],
  };
  const back = decode(encode(sample, "process").bytes.slice()) as Assignment;
  void loadTarget(back.target!);
  // A pool worker's loop steps through a MessageChannel: its first message
  // costs more than the next ones.
  const ch = new MessageChannel();
  await new Promise((resolve) => {
    ch.port1.onmessage = resolve;
    ch.port2.postMessage(null);
  });
  ch.port1.close();
  ch.port2.close();
  // Only where it loads without asking: a spare must never prompt for a
  // permission (a pool's worker asks, and reports, by itself).
  if (!canReadQuietly(POOL_WORKER)) return;
  try {
    await loadTarget({
      kind: "module",
      url: POOL_WORKER,
      name: "processWorker",
    });
  } catch { /* loaded again, and reported, if a pool needs it */ }
}

/** Whether a local module may be read without a permission prompt. */
function canReadQuietly(url: string): boolean {
  if (!url.startsWith("file:")) return false;
  try {
    const path = decodeURIComponent(new URL(url).pathname);
    return Deno.permissions.querySync({ name: "read", path }).state ===
      "granted";
  } catch {
    return false;
  }
}
