import { lazyModulesInUse, preloadLazyModules } from "../_internal/lazy.ts";
import { RuntimeError } from "../_internal/errors.ts";
import { heap } from "../_internal/sync/heap.ts";
import { deadlineOf, remaining, toMs } from "../_internal/sync/timeout.ts";
import {
  type Blocking,
  runAsync,
  runSync,
  type WaitWords,
} from "../_internal/sync/words.ts";
import { setCurrentIdent } from "../_internal/sync/identity.ts";
import { encode } from "../_internal/codec/encode.ts";
import { decode } from "../_internal/codec/decode.ts";
import { E, Flag, Registry, State } from "../_internal/threads/registry.ts";
import { agentId, isMainAgent } from "../_internal/threads/agent.ts";
import { spareRequested, startOnWorker } from "../_internal/threads/spawn.ts";
import { Pool, S } from "../_internal/threads/pool.ts";
import { listen } from "../_internal/threads/inbox.ts";
import {
  holdWhileThreadsLive,
  setBeforeRelease,
} from "../_internal/threads/keepalive.ts";
import { beginThread } from "../_internal/threads/context.ts";
import {
  type ClassRef,
  findClass,
  locateClass,
} from "../_internal/threads/class_ref.ts";
import {
  describeTarget,
  loadTarget,
  loadTargetSync,
  preloaded,
  type Target,
  type TargetFunction,
  type TargetSpec,
} from "../_internal/threads/targets.ts";
import { callExcepthook } from "./excepthook.ts";
import { nodeBuiltin } from "../_internal/node_builtin.ts";
import { currentStackSize } from "./stack_size.ts";
import "../_internal/shareables.ts";

/** Options of {@linkcode Thread}, Python's keyword arguments. */
export interface ThreadOptions {
  /**
   * What the thread runs: a self-contained function (sent by its source) or
   * a module reference (`new URL("./mod.ts#name", import.meta.url)`).
   * Subclasses may override `run()` instead.
   */
  target?: Target | null;
  /** Arguments for the target. @default [] */
  args?: readonly unknown[];
  /** Keyword arguments: passed as one final object argument when given. */
  kwargs?: Record<string, unknown> | null;
  /** The thread's name. @default "Thread-N (target)" */
  name?: string | null;
  /** Whether the thread is a daemon. @default the creating thread's flag */
  daemon?: boolean | null;
}

/** What a Worker needs to run a thread. */
interface Assignment {
  cls?: ClassRef;
  fields?: Record<string, unknown>;
  target?: TargetSpec;
  args: unknown[];
  kwargs?: Record<string, unknown>;
  /** The lazy parts of the library loaded by the starter (to preload). */
  lazy?: string[];
}

/** A Thread's own state, kept outside the object so its own fields are the user's. */
interface ThreadState {
  name: string;
  daemon: boolean;
  target?: Target;
  spec?: TargetSpec;
  args: unknown[];
  kwargs?: Record<string, unknown>;
  cls?: ClassRef;
  started: boolean;
  entry: number;
  words?: WaitWords;
  ident: number | null;
  /** The class name shown by toString (Python's `_MainThread`). */
  reprName?: string;
}

const states = new WeakMap<Thread, ThreadState>();

function stateOf(t: Thread): ThreadState {
  const s = states.get(t);
  if (s === undefined) throw new RuntimeError("Thread.__init__() not called");
  return s;
}

/** Threads this agent started that have not ended yet (for their excepthook). */
const startedHere = new Map<number, Thread>();

/** The thread running in this agent (undefined on the main thread: see mainThread). */
let running: Thread | undefined;

/** Thread objects of this agent for entries started elsewhere. */
const proxies = new Map<number, WeakRef<Thread>>();
const forgetProxy = new FinalizationRegistry<number>((entry) => {
  if (proxies.get(entry)?.deref() === undefined) proxies.delete(entry);
});

/**
 * Python's `threading.Thread`: runs a target in another JavaScript thread
 * (a Worker), with real parallelism.
 *
 * The target is a self-contained function (sent by its source text and
 * rebuilt in the Worker: no closure variables), a module reference, or, in an
 * exported subclass, an overridden `run()` (the instance's own fields are
 * copied to the Worker, as Python's spawn pickles the object). Arguments
 * cross as structured-clone data; the library's locks, queues and events,
 * and SharedArrayBuffers, arrive shared.
 *
 * `start()` returns once the thread is registered: `ident`, `isAlive()` and
 * `activeCount()` are right at once. A non-daemon thread keeps the process
 * alive until it ends; a daemon thread does not. An uncaught error ends the
 * thread and goes to the excepthook of the thread that started it.
 *
 * Workers are kept warm and reused for later threads, so module state (a
 * module's globals) persists from one thread to the next one on the same
 * Worker, as Python threads share module globals.
 *
 * @example Running work in parallel
 * ```ts
 * import { Thread } from "@pyconc/std/threading";
 * import assert from "node:assert/strict";
 *
 * const results = new Float64Array(new SharedArrayBuffer(16));
 * const threads = [0, 1].map((i) =>
 *   new Thread({
 *     target: (out: Float64Array, i: number) => {
 *       let s = 0;
 *       for (let k = 0; k < 1e6; k++) s += k;
 *       out[i] = s;
 *     },
 *     args: [results, i],
 *   })
 * );
 * for (const t of threads) t.start();
 * for (const t of threads) await t.join();
 * assert.deepEqual([...results], [499999500000, 499999500000]);
 * ```
 */
export class Thread {
  /**
   * Creates a thread; `start()` runs it.
   *
   * @param options Python's keyword arguments.
   * @throws {TypeError} If the target cannot be sent to a Worker.
   */
  constructor(options: ThreadOptions = {}) {
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
    let threadName: string;
    if (name != null) {
      threadName = String(name);
    } else {
      threadName = `Thread-${Registry.get().nextNameNumber()}`;
      if (spec !== undefined) threadName += ` (${spec.name})`;
    }
    const s: ThreadState = {
      name: threadName,
      daemon: daemon != null ? Boolean(daemon) : currentThread().daemon,
      args: [...args],
      started: false,
      entry: 0,
      ident: null,
    };
    if (target != null) s.target = target;
    if (spec !== undefined) s.spec = spec;
    if (kwargs != null) s.kwargs = kwargs;
    if (new.target !== Thread) s.cls = locateClass(new.target);
    states.set(this, s);
  }

  /**
   * Starts the thread in a Worker. Returns once the thread is registered.
   * @throws {RuntimeError} If the thread was already started, or no Worker
   *   can be created for it ("can't start new thread", as Python; nothing
   *   stays registered).
   * @throws {TypeError} If an argument or field cannot be sent (nothing starts).
   */
  start(): void {
    const s = stateOf(this);
    if (s.started) throw new RuntimeError("threads can only be started once");
    const assignment: Assignment = { args: s.args };
    if (s.spec) assignment.target = s.spec;
    if (s.kwargs) assignment.kwargs = s.kwargs;
    const lazy = lazyModulesInUse();
    if (lazy.length) assignment.lazy = lazy;
    if (s.cls) {
      assignment.cls = s.cls;
      assignment.fields = { ...this } as Record<string, unknown>;
    }
    // Encode first: a value that cannot cross fails here, with nothing started.
    const { bytes, sabs } = encode(assignment, "share");
    const reg = Registry.get();
    const entry = reg.newEntry(s.name, s.daemon, agentId());
    heap().hold(this, entry);
    s.ident = reg.start(entry);
    s.entry = entry;
    s.words = reg.entry(entry);
    s.started = true;
    startedHere.set(entry, this);
    if (startedHere.size > 64) sweep();
    listenForEnds();
    if (!s.daemon && isMainAgent) holdWhileThreadsLive();
    heap().retain(entry); // for the Worker
    try {
      startOnWorker({
        entry,
        bytes,
        sabs,
        stackMb: currentStackSize() / (1 << 20),
      });
    } catch (e) {
      // No Worker (a stack size the system refuses, no memory): undo every
      // registration, as Python's start() takes the thread out of _limbo,
      // so that it is neither listed nor keeps the program alive, and it
      // may be started again.
      startedHere.delete(entry);
      reg.stop(entry); // counts, live list, keepalive's non-daemon count
      heap().release(entry); // the Worker's reference
      s.started = false;
      s.ident = null;
      s.entry = 0;
      delete s.words;
      throw new RuntimeError("can't start new thread", { cause: e });
    }
  }

  /**
   * Runs the target with its arguments (Python's `run`). The Worker calls
   * it; subclasses override it. Called directly, it runs in this thread.
   */
  run(): void | Promise<void> {
    const s = stateOf(this);
    if (s.target === undefined && s.spec === undefined) return;
    return (async () => {
      // Called synchronously when the target is at hand (an async
      // function runs to its first await at once): see runAssignment.
      const fn = typeof s.target === "function"
        ? s.target
        : targetNow(s.spec!) ?? await loadTarget(s.spec!);
      await (s.kwargs !== undefined ? fn(...s.args, s.kwargs) : fn(...s.args));
    })();
  }

  /**
   * Waits until the thread ends, without blocking the event loop.
   * @param timeout Seconds to wait at most, or null for no limit. Check
   *   `isAlive()` afterwards to know whether it ended.
   * @throws {RuntimeError} If the thread was not started, or is the current one.
   */
  async join(timeout: number | null = null): Promise<void> {
    const s = joinable(this);
    await runAsync(joining(s.words!, toMs(timeout)));
    reportEnded(s.entry);
  }

  /**
   * Like {@linkcode Thread.join}, blocking the calling thread.
   * @param timeout Seconds to wait at most, or null for no limit.
   */
  joinSync(timeout: number | null = null): void {
    const s = joinable(this);
    runSync(joining(s.words!, toMs(timeout)));
    reportEnded(s.entry);
  }

  /** Whether the thread has started and not yet ended. */
  isAlive(): boolean {
    const s = stateOf(this);
    return s.started && s.words!.load(E.STATE) === State.STARTED;
  }

  /** The thread's name; any thread may rename it. */
  get name(): string {
    const s = stateOf(this);
    return s.started ? Registry.get().name(s.entry) : s.name;
  }

  set name(value: string) {
    const s = stateOf(this);
    s.name = String(value);
    if (s.started) Registry.get().setName(s.entry, s.name);
  }

  /** Whether this is a daemon thread; settable only before `start()`. */
  get daemon(): boolean {
    return stateOf(this).daemon;
  }

  set daemon(value: boolean) {
    const s = stateOf(this);
    if (s.started) {
      throw new RuntimeError("cannot set daemon status of active thread");
    }
    s.daemon = Boolean(value);
  }

  /** The thread's identifier (null before start); may be reused after it ends. */
  get ident(): number | null {
    return stateOf(this).ident;
  }

  /**
   * The operating system's id of the thread's Worker (null until the thread
   * runs; it needs `--allow-read` for `/proc/thread-self`, else it stays null).
   */
  get nativeId(): number | null {
    const s = stateOf(this);
    const id = s.started ? s.words!.load(E.NATIVE_ID) : 0;
    return id === 0 ? null : id;
  }

  /** Python's repr: `<Thread(Thread-1 (f), started daemon 3)>`. */
  toString(): string {
    const s = stateOf(this);
    let status = "initial";
    if (s.started) status = this.isAlive() ? "started" : "stopped";
    if (s.daemon) status += " daemon";
    if (s.ident !== null) status += ` ${s.ident}`;
    return `<${s.reprName ?? this.constructor.name}(${this.name}, ${status})>`;
  }
}

/**
 * Checks that a thread can be joined. (A module function, not a private
 * method: Thread objects rebuilt in a Worker or made as proxies are created
 * without the constructor, so they carry no private brand.)
 */
function joinable(t: Thread): ThreadState {
  const s = stateOf(t);
  if (!s.started) {
    throw new RuntimeError("cannot join thread before it is started");
  }
  if (t === currentThread()) {
    throw new RuntimeError("cannot join current thread");
  }
  return s;
}

/** Waits while a thread's state is STARTED. */
function* joining(words: WaitWords, timeoutMs: number): Blocking<void> {
  const deadline = deadlineOf(timeoutMs);
  for (;;) {
    if (words.load(E.STATE) !== State.STARTED) return;
    const left = remaining(deadline);
    if (left <= 0) return;
    yield { words, index: E.STATE, expected: State.STARTED, timeoutMs: left };
  }
}

/** Makes a Thread object for an entry this agent did not start. */
function proxyFor(entry: number, reprName?: string): Thread {
  const cached = proxies.get(entry)?.deref();
  if (cached !== undefined) {
    heap().release(entry); // the caller's reference: the proxy holds one
    return cached;
  }
  const reg = Registry.get();
  const words = reg.entry(entry);
  const t = Object.create(Thread.prototype) as Thread;
  const s: ThreadState = {
    name: "",
    daemon: (words.load(E.FLAGS) & Flag.DAEMON) !== 0,
    args: [],
    started: true,
    entry,
    words,
    ident: words.load(E.IDENT),
  };
  if (reprName !== undefined) s.reprName = reprName;
  states.set(t, s);
  heap().hold(t, entry);
  proxies.set(entry, new WeakRef(t));
  forgetProxy.register(t, entry);
  return t;
}

/**
 * Python's `threading.current_thread()`: the Thread object of the calling
 * thread (the same object on every call within a thread).
 *
 * @example
 * ```ts
 * import { currentThread, mainThread } from "@pyconc/std/threading";
 * import assert from "node:assert/strict";
 *
 * assert.equal(currentThread(), mainThread());
 * assert.equal(currentThread().name, "MainThread");
 * ```
 */
export function currentThread(): Thread {
  return running ?? mainThread();
}

let main: Thread | undefined;

/**
 * Python's `threading.main_thread()`: the Thread object of the main thread
 * of the process, from any thread.
 *
 * @example
 * ```ts
 * import { mainThread } from "@pyconc/std/threading";
 * import assert from "node:assert/strict";
 *
 * assert.equal(mainThread().ident, 1);
 * ```
 */
export function mainThread(): Thread {
  if (main === undefined) {
    const reg = Registry.get();
    heap().retain(reg.main);
    main = proxyFor(reg.main, "_MainThread");
  }
  return main;
}

/**
 * The Thread objects of every live thread, as this thread sees them: its own
 * objects for threads it started, and proxies (plain `Thread` objects that
 * can be joined) for the others.
 */
export function liveThreads(): Thread[] {
  const reg = Registry.get();
  const out: Thread[] = [];
  for (const entry of reg.liveEntries()) {
    const cur = running !== undefined ? stateOf(running).entry : reg.main;
    const own = entry === cur ? currentThread() : startedHere.get(entry);
    if (own !== undefined) {
      heap().release(entry);
      out.push(own);
    } else if (entry === reg.main) {
      heap().release(entry);
      out.push(mainThread());
    } else {
      out.push(proxyFor(entry));
    }
  }
  return out;
}

/** Reports a stopped thread's error to the excepthook, once, and forgets it. */
function reportEnded(entry: number): void {
  const reg = Registry.get();
  const thread = startedHere.get(entry);
  if (thread === undefined) return;
  if (reg.entry(entry).load(E.STATE) !== State.STOPPED) return;
  startedHere.delete(entry);
  const bytes = reg.takeException(entry);
  if (bytes === undefined) return;
  let err: unknown;
  try {
    err = decode(bytes);
  } catch (e) {
    err = e;
  }
  callExcepthook({
    excType: (err as object | null)?.constructor,
    excValue: err,
    excTraceback: err instanceof Error ? err.stack : undefined,
    thread,
  });
}

/** Reports every thread this agent started that has ended. */
function sweep(): void {
  for (const entry of [...startedHere.keys()]) reportEnded(entry);
}

if (isMainAgent) setBeforeRelease(sweep);

/** Listens (without keeping the process alive) for news of our threads. */
function listenForEnds(): void {
  listen(agentId(), S.INBOX, sweep);
  if (isMainAgent) listen(0, S.SPARE, spareRequested);
}

/** The operating system's thread id, where permissions allow reading it. */
function nativeThreadId(): number {
  try {
    const perm = Deno.permissions.querySync({
      name: "read",
      path: "/proc/thread-self",
    });
    if (perm.state !== "granted") return 0;
    const link = Deno.readLinkSync("/proc/thread-self");
    return Number(link.slice(link.lastIndexOf("/") + 1)) || 0;
  } catch {
    return 0;
  }
}

const nativeId = nativeThreadId();

/** The native id of the calling thread (the process id on the main thread). */
export function currentNativeId(): number | null {
  return running === undefined ? Deno.pid : nativeId || null;
}

/**
 * Runs one thread in this Worker (called by the worker bootstrap).
 * @param entry The thread's registry entry (its reference is adopted).
 * @param bytes The encoded assignment.
 * @param sabs Its SharedArrayBuffers.
 * @param finished Called just before the thread is marked stopped.
 */
export async function runAssignment(
  entry: number,
  bytes: Uint8Array,
  sabs: SharedArrayBuffer[],
  finished: () => void,
): Promise<void> {
  const reg = Registry.get();
  const words = reg.entry(entry);
  const ident = words.load(E.IDENT);
  setCurrentIdent(ident);
  if (nativeId !== 0) words.store(E.NATIVE_ID, nativeId);
  beginThread();
  runningEntry = entry;
  let thread: Thread | undefined;
  let adopted = false;
  let failed = false;
  try {
    // The thread's object exists before anything of the user's runs, so
    // currentThread() is right while a subclass's module loads; it takes
    // the subclass's prototype once the class is found.
    thread = Object.create(Thread.prototype) as Thread;
    const s: ThreadState = {
      name: "",
      daemon: (words.load(E.FLAGS) & Flag.DAEMON) !== 0,
      args: [],
      started: true,
      entry,
      words,
      ident,
    };
    states.set(thread, s);
    heap().hold(thread, entry);
    adopted = true;
    running = thread;
    const a = decode(bytes, sabs) as Assignment;
    s.args = a.args;
    if (a.target) s.spec = a.target;
    if (a.kwargs) s.kwargs = a.kwargs;
    // Sync calls in the target find loaded what the starter had loaded.
    preloadLazyModules(a.lazy);
    await preloaded();
    if (a.cls) {
      const Cls = await findClass(a.cls, Thread, "Thread subclass");
      Object.setPrototypeOf(thread, Cls.prototype);
    }
    if (a.fields) Object.assign(thread, a.fields);
    if (a.target?.kind === "module") await loadTarget(a.target); // for run()
    // run() is called from a task's own callback, not from a promise job
    // (this function awaits, and a fresh Worker's first assignment comes
    // through `await import()`): Deno 2.9 ends a Worker that runs out of
    // memory only in the former; in a promise job it hangs, and the thread
    // with it. The same on fresh and reused Workers.
    const t = thread;
    const { setImmediate } = nodeBuiltin("node:timers");
    await new Promise<void>((resolve, reject) =>
      setImmediate(() => {
        try {
          Promise.resolve(t.run()).then(resolve, reject);
        } catch (e) {
          reject(e);
        }
      })
    );
  } catch (e) {
    failed = true;
    let encoded: Uint8Array;
    try {
      encoded = encode(e).bytes.slice();
    } catch (inner) {
      encoded = encode(inner).bytes.slice();
    }
    reg.setException(entry, encoded);
  } finally {
    running = undefined;
    runningEntry = 0;
    setCurrentIdent(0); // an idle Worker runs no thread
    finished();
    reg.stop(entry);
    // The starter runs the excepthook: tell it to look.
    if (failed) Pool.get().poke(words.load(E.STARTER));
    if (!adopted) heap().release(entry);
  }
}

/** A target loaded in this thread already (or source), else undefined. */
function targetNow(spec: TargetSpec): TargetFunction | undefined {
  if (spec.kind === "module") {
    try {
      return loadTargetSync(spec);
    } catch {
      return undefined; // not imported yet: run() imports it
    }
  }
  return loadTargetSync(spec);
}

/** The entry of the thread this Worker runs now (0 when idle). */
let runningEntry = 0;

/**
 * Makes `Deno.exit()`, `process.exit()` and `close()` inside a thread end
 * the thread properly before the Worker goes (as `sys.exit()` ends a Python
 * thread): its joiners wake even if the thread that created the Worker is
 * blocked and cannot hear it die.
 */
export function installExitHooks(): void {
  const end = () => {
    for (const fn of [...exitHandlers]) fn();
    const entry = runningEntry;
    if (entry === 0) return;
    runningEntry = 0;
    const reg = Registry.get();
    const pool = Pool.get();
    const slot = agentId();
    pool.set(slot, S.ENTRY, 0); // the creator must not end it again
    if (reg.stop(entry)) pool.poke(reg.entry(entry).load(E.STARTER));
  };
  const denoExit = Deno.exit;
  Deno.exit = ((code?: number) => {
    end();
    return denoExit(code);
  }) as typeof Deno.exit;
  const g = globalThis as { close?: () => void };
  if (typeof g.close === "function") {
    const close = g.close;
    g.close = () => {
      end();
      close();
    };
  }
  import("node:process").then(({ default: proc }) => {
    const exit = proc.exit.bind(proc);
    proc.exit = ((code?: number) => {
      end();
      return exit(code);
    }) as typeof proc.exit;
  });
}

/** What runs first when the running thread leaves its Worker. */
const exitHandlers = new Set<() => void>();

/**
 * Adds a function run first when the thread running in this Worker leaves
 * it with `Deno.exit()`, `process.exit()` or `close()` (a pool's worker
 * loop breaks its pool then).
 * @returns a function that removes it.
 */
export function onWorkerExit(fn: () => void): () => void {
  exitHandlers.add(fn);
  return () => exitHandlers.delete(fn);
}

/** The target and arguments a Thread was given (for Timer). */
export function targetOf(
  t: Thread,
): { target?: Target; args: unknown[]; kwargs?: Record<string, unknown> } {
  const s = stateOf(t);
  const out: {
    target?: Target;
    args: unknown[];
    kwargs?: Record<string, unknown>;
  } = {
    args: s.args,
  };
  if (s.target !== undefined) out.target = s.target;
  else if (s.spec !== undefined) {
    out.target = s.spec.kind === "module"
      ? `${s.spec.url}#${s.spec.name}`
      : undefined;
  }
  if (s.kwargs !== undefined) out.kwargs = s.kwargs;
  return out;
}
