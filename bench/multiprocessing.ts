/**
 * multiprocessing benchmarks beside CPython 3.11: process start+join (cold
 * and with a warm spare; beside the cold start, the floors under it: a bare
 * runtime's start and exit, and one that loads a child's code), a shared
 * Value under its lock, Queue and Pipe
 * throughput (beside the Pipe rows, the floors under `recvBytes`: a fresh
 * array per chunk, and the page fault it pays when its memory is new),
 * SharedMemory cycles. The warm start rows are interleaved (see the
 * harness's `Interleave`): each side's starts take turns in small batches.
 *
 * @module
 */

import {
  Barrier,
  type Connection,
  Pipe,
  Process,
  Queue,
  type Target,
  Value,
} from "../multiprocessing/mod.ts";
import { SharedMemory } from "../multiprocessing/shared_memory/mod.ts";
import { spareReady, useSpares } from "../_internal/process/launch.ts";
import { programHeap } from "../_internal/process/program_heap.ts";
import { type BenchCase, median, pyMedianMs, timeEach } from "./_harness.ts";
import { FAULT_MAP, pageFaultMicros } from "./_page_fault.ts";

const STARTS = 20;
/** Warm start+join rows: starts per batch, and batches per side. */
const WARM_BATCH = 5;
const WARM_BATCHES = 10;
const INCREMENTS = 500_000; // per process
const CHUNK = 64 << 10;
const CHUNKS = 40_000; // of 64 KiB: 2.5 GiB
/**
 * Chunks sent and received before the clock starts, on both sides alike:
 * the throughput measured is the steady state's (loops compiled, malloc's
 * heap and V8's external-memory limit grown to the stream), not the first
 * use's, which ran well below a second run's in a fresh process.
 */
const WARM_CHUNKS = 4_000;
const SHM_CYCLES = 20_000;
const SMALL_ITEMS = 200_000;
const BIG_ITEMS = 500; // of 1 MiB

/** Median start+join (ms) of a no-op Process, every start cold. */
async function coldStart(): Promise<number> {
  useSpares(false);
  try {
    const times: number[] = [];
    for (let i = 0; i < STARTS + 2; i++) {
      const t0 = performance.now();
      const p = new Process({ target: () => {} });
      p.start();
      await p.join();
      if (i >= 2) times.push(performance.now() - t0); // the first load modules
    }
    return median(times);
  } finally {
    useSpares(true);
  }
}

/**
 * Median ms to start and end a bare `deno run` of a module that imports
 * nothing: the floor under a cold start (CPython's: `python3 -c pass`).
 */
export function bareRuntimeStart(): Promise<number> {
  return runtimeStart("./_targets.ts");
}

/**
 * Median ms to start and end a `deno run` that loads the modules a child
 * loads before its target runs, and runs none of them: the floor under a
 * cold start's own work (CPython's: `python3 -c "import
 * multiprocessing.spawn"`, what its spawned child imports).
 */
function childCodeStart(): Promise<number> {
  return runtimeStart("./_child_code.ts");
}

/** Median ms to start and end a `deno run` of `module` (relative to here). */
async function runtimeStart(module: string): Promise<number> {
  const file = new URL(module, import.meta.url).pathname;
  const times: number[] = [];
  for (let i = 0; i < STARTS + 2; i++) {
    const t0 = performance.now();
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-q", file],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).output();
    if (!out.success) throw new Error("deno run failed");
    if (i >= 2) times.push(performance.now() - t0);
  }
  return median(times);
}

/** A no-op module-reference target (the child imports its module). */
const NOOP_MODULE = new URL("./_targets.ts#noop", import.meta.url);

/**
 * An interleaved row (see the harness's `Interleave`): start+join of a
 * no-op Process when a spare is ready (with a module-reference target: the
 * spare has loaded its module ahead), beside CPython's fork start+join.
 * Each start waits, untimed, for the spare the previous one left booting,
 * and a batch ends only when the next spare is up, so that CPython's batch
 * does not share the machine with a booting runtime.
 */
function warmStartRow(name: string, target: Target): BenchCase {
  let first = true;
  const ready = async () => {
    // The first start has no spare to wait for yet: it asks for one.
    if (!first && !(await spareReady())) throw new Error("no spare process");
    first = false;
  };
  const each = timeEach(() => {
    const p = new Process({ target });
    p.start();
    p.joinSync();
  }, ready);
  return {
    name,
    unit: "ms",
    better: "lower",
    goal: 1,
    interleave: {
      batches: WARM_BATCHES,
      size: WARM_BATCH,
      warm: 2,
      pythonSetup: `
import multiprocessing as mp
ctx = mp.get_context("fork")`,
      pythonBody: "p = ctx.Process(target=int); p.start(); p.join()",
      pyconcBatch: async (n) => {
        const times = await each(n);
        await ready();
        return times;
      },
    },
  };
}

/** Two processes increment a Value('i') under its lock; ops/s (exact). */
async function valueUnderLock(): Promise<number> {
  const v = new Value("i", 0);
  const start = new Barrier(3);
  const work = (v: Value<"i">, n: number, start: Barrier) => {
    start.waitSync();
    for (let i = 0; i < n; i++) {
      using _ = v.getLock().holdSync();
      v.value += 1;
    }
  };
  const procs = [0, 1].map(() =>
    new Process({ target: work, args: [v, INCREMENTS, start] })
  );
  for (const p of procs) p.start();
  await start.wait();
  const t0 = performance.now();
  for (const p of procs) await p.join();
  const seconds = (performance.now() - t0) / 1000;
  if (v.value !== 2 * INCREMENTS) throw new Error(`lost updates: ${v.value}`);
  return (2 * INCREMENTS) / seconds;
}

/**
 * One process sends 64 KiB chunks through a Pipe, this one receives them
 * (each into a new array, or with `into` into one reused buffer); MB/s.
 */
async function pipeThroughput(duplex: boolean, into = false): Promise<number> {
  const [r, w] = Pipe(duplex);
  const start = new Barrier(2);
  const p = new Process({
    target: (w: Connection, n: number, size: number, start: Barrier) => {
      const chunk = new Uint8Array(size).fill(1);
      start.waitSync();
      for (let i = 0; i < n; i++) w.sendBytesSync(chunk);
    },
    args: [w, WARM_CHUNKS + CHUNKS, CHUNK, start],
  });
  p.start();
  w.close();
  // Starting a process boots the next spare in the background: let it
  // finish, so its boot does not share the 2 cores with the transfer (no
  // such process runs beside CPython's).
  await spareReady();
  await start.wait();
  const buf = new Uint8Array(CHUNK);
  for (let i = 0; i < WARM_CHUNKS; i++) {
    if (into) r.recvBytesIntoSync(buf);
    else r.recvBytesSync();
  }
  const t0 = performance.now();
  let bytes = 0;
  if (into) {
    for (let i = 0; i < CHUNKS; i++) bytes += r.recvBytesIntoSync(buf);
  } else {
    for (let i = 0; i < CHUNKS; i++) bytes += r.recvBytesSync().length;
  }
  const seconds = (performance.now() - t0) / 1000;
  await p.join();
  r.close();
  return bytes / 1e6 / seconds;
}

/**
 * CPython's side of the pipe cases: `Pipe(duplex)` (a socketpair, or
 * without duplex an os.pipe), a child sends 64 KiB chunks, the main
 * process receives each with `recv_bytes()` (or `recv_bytes_into` one
 * reused bytearray); prints MB/s.
 */
function pythonPipe(duplex: boolean, into = false): string {
  return `
import multiprocessing as mp, time
N, WARM = ${CHUNKS}, ${WARM_CHUNKS}
def send(w, start):
    chunk = b"\\x01" * ${CHUNK}
    start.wait()
    for _ in range(WARM + N):
        w.send_bytes(chunk)
if __name__ == "__main__":
    r, w = mp.Pipe(${duplex ? "True" : "False"})
    start = mp.Barrier(2)
    p = mp.Process(target=send, args=(w, start)); p.start()
    w.close()
    buf = bytearray(${CHUNK})
    start.wait()
    for _ in range(WARM):
        ${into ? "r.recv_bytes_into(buf)" : "r.recv_bytes()"}
    t0 = time.perf_counter()
    n = 0
    for _ in range(N):
        n += ${into ? "r.recv_bytes_into(buf)" : "len(r.recv_bytes())"}
    dt = time.perf_counter() - t0
    p.join()
    print(n / 1e6 / dt)`;
}

/**
 * The floor under `recvBytes`: each message lands in a fresh array, and a
 * fresh 64 KiB array costs V8 a malloc whose memory comes back only after
 * a garbage collection, in batches freed by a background thread, where
 * CPython's bytes object reuses the block the previous one freed a moment
 * ago. glibc's heap therefore grows to the peak of unswept arrays and
 * trims its top when a batch comes back (a free of 64 KiB or more trims a
 * top above 128 KiB): whenever a chunk lands on pages the heap grew or
 * regrew, each 4 KiB page is a page fault, priced by the row after this
 * one (15–30 µs on the 2-core VM these figures come from, in either
 * runtime: 4–8× the copy of the whole chunk). Per 5k-chunk window (thread
 * CPU time, getrusage faults), windows with no faults copy at 12–17 GB/s,
 * windows with 2–4 faults per chunk at 1–3 GB/s; which windows a run gets
 * follows V8's collection rhythm and the heap's layout (what ran before in
 * the process), not the pipe. No allocation the library can choose avoids
 * it while each message stays an array of its own: `slice()`, `new
 * Uint8Array(n)` + `set`, `new ArrayBuffer(n)`, views of 1–4 MiB slabs all
 * land on the same fresh pages; prefaulting each array with
 * MADV_POPULATE_WRITE (≈ 1 µs a fresh page, but a ≈ 4 µs system call even
 * when the pages are there) halves the steady state; memory the library
 * recycles itself (FFI-backed arrays returned to a pool when collected) is
 * unsafe, since `transfer()` moves such memory to a new ArrayBuffer.
 * Copies 64 KiB chunks of shared memory into fresh arrays, with no pipe
 * around it; MB/s.
 */
function freshArrayFloor(): number {
  const h = programHeap();
  const block = h.alloc(16 * CHUNK, false);
  try {
    const src = h.bytes(block, 16 * CHUNK).fill(1);
    for (let i = 0; i < WARM_CHUNKS; i++) {
      const at = (i & 15) * CHUNK;
      new Uint8Array(src.subarray(at, at + CHUNK));
    }
    const t0 = performance.now();
    let bytes = 0;
    for (let i = 0; i < CHUNKS; i++) {
      const at = (i & 15) * CHUNK;
      bytes += new Uint8Array(src.subarray(at, at + CHUNK)).length;
    }
    return bytes / 1e6 / ((performance.now() - t0) / 1000);
  } finally {
    h.free(block);
  }
}

/**
 * CPython's side of the queue cases: a child puts `n` items (`item`, a
 * Python expression), the main process gets them; prints `metric`.
 */
function pythonQueue(n: number, item: string, metric: string): string {
  return `
import multiprocessing as mp, time
N = ${n}
def produce(q, start):
    payload = b"\\x01" * (1 << 20)
    start.wait()
    for i in range(N):
        q.put(${item})
if __name__ == "__main__":
    q = mp.Queue()
    start = mp.Barrier(2)
    p = mp.Process(target=produce, args=(q, start)); p.start()
    start.wait()
    t0 = time.perf_counter()
    for _ in range(N):
        q.get()
    dt = time.perf_counter() - t0
    p.join()
    print(${metric})`;
}

/** A child puts small ints (or 1 MiB arrays), this process gets them: items/s. */
async function queueThroughput(n: number, big: boolean): Promise<number> {
  const q = new Queue<unknown>();
  const start = new Barrier(2);
  const p = new Process({
    target: (q: Queue<unknown>, n: number, start: Barrier, big: boolean) => {
      const payload = big ? new Uint8Array(1 << 20).fill(1) : 0;
      start.waitSync();
      for (let i = 0; i < n; i++) q.putSync(big ? payload : i);
    },
    args: [q, n, start, big],
  });
  p.start();
  await start.wait();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) q.getSync();
  const secs = (performance.now() - t0) / 1000;
  await p.join();
  return n / secs;
}

/** SharedMemory create, attach, close both, unlink: cycles/s. */
function shmCycles(): number {
  const once = () => {
    const shm = new SharedMemory({ create: true, size: 4096 });
    const other = new SharedMemory({ name: shm.name });
    other.close();
    shm.close();
    shm.unlink();
  };
  for (let i = 0; i < 500; i++) once();
  const t0 = performance.now();
  for (let i = 0; i < SHM_CYCLES; i++) once();
  return SHM_CYCLES / ((performance.now() - t0) / 1000);
}

/** The multiprocessing cases. */
export const cases: BenchCase[] = [
  {
    rounds: 3,
    name: "Process start+join, cold (CPython: spawn)",
    unit: "ms",
    better: "lower",
    goal: 1,
    python: `
import multiprocessing as mp, time, statistics
if __name__ == "__main__":
    ctx = mp.get_context("spawn")
    xs = []
    for i in range(${STARTS + 2}):
        t0 = time.perf_counter()
        p = ctx.Process(target=int); p.start(); p.join()
        if i >= 2: xs.append((time.perf_counter() - t0) * 1000)
    print(statistics.median(xs))`,
    pyconc: coldStart,
  },
  {
    name:
      "floor: bare runtime start+exit, `deno run` of an empty module (CPython: `python3 -c pass`)",
    unit: "ms",
    better: "lower",
    python: pyMedianMs(
      STARTS,
      "subprocess, sys",
      `subprocess.run([sys.executable, "-c", "pass"], check=True)`,
    ),
    pyconc: bareRuntimeStart,
  },
  {
    name:
      'floor: loading a child\'s code, `deno run` of a module importing what the process bootstrap imports (CPython: `python3 -c "import multiprocessing.spawn"`)',
    unit: "ms",
    better: "lower",
    python: pyMedianMs(
      STARTS,
      "subprocess, sys",
      `subprocess.run([sys.executable, "-c", "import multiprocessing.spawn"], check=True)`,
    ),
    pyconc: childCodeStart,
  },
  warmStartRow("Process start+join, warm spare (CPython: fork)", () => {}),
  warmStartRow(
    "Process start+join, warm spare, module-reference target (CPython: fork)",
    NOOP_MODULE,
  ),
  {
    name: "Value('i') += 1 under its lock, 2 processes (exact)",
    unit: "ops/s",
    better: "higher",
    goal: 2,
    python: `
import multiprocessing as mp, time
N = ${INCREMENTS}
def work(v, start):
    start.wait()
    for _ in range(N):
        with v.get_lock():
            v.value += 1
if __name__ == "__main__":
    v = mp.Value("i", 0)
    start = mp.Barrier(3)
    ps = [mp.Process(target=work, args=(v, start)) for _ in range(2)]
    for p in ps: p.start()
    start.wait()
    t0 = time.perf_counter()
    for p in ps: p.join()
    dt = time.perf_counter() - t0
    assert v.value == 2 * N
    print(2 * N / dt)`,
    pyconc: valueUnderLock,
  },
  {
    name: "Queue, small items between 2 processes",
    unit: "items/s",
    better: "higher",
    goal: 2,
    python: pythonQueue(SMALL_ITEMS, "i", "N / dt"),
    pyconc: () => queueThroughput(SMALL_ITEMS, false),
  },
  {
    name: "Queue, 1 MiB items between 2 processes",
    unit: "MB/s",
    better: "higher",
    goal: 2,
    python: pythonQueue(BIG_ITEMS, "payload", "N * (1 << 20) / 1e6 / dt"),
    pyconc: async () =>
      (await queueThroughput(BIG_ITEMS, true)) * (1 << 20) / 1e6,
  },
  {
    rounds: 3,
    name: "Pipe() duplex, 64 KiB chunks one way (CPython: socketpair)",
    unit: "MB/s",
    better: "higher",
    goal: 1.5,
    python: pythonPipe(true),
    pyconc: () => pipeThroughput(true),
  },
  {
    rounds: 3,
    name: "Pipe(false), 64 KiB chunks one way (CPython: os.pipe)",
    unit: "MB/s",
    better: "higher",
    goal: 1.5,
    python: pythonPipe(false),
    pyconc: () => pipeThroughput(false),
  },
  {
    name: "Pipe(false), 64 KiB chunks, recvBytesInto one reused buffer",
    unit: "MB/s",
    better: "higher",
    goal: 1.5,
    python: pythonPipe(false, true),
    pyconc: () => pipeThroughput(false, true),
  },
  {
    name:
      "floor of recvBytes: a fresh 64 KiB array per chunk, copied from shared memory (CPython: bytes from an mmap)",
    unit: "MB/s",
    better: "higher",
    python: `
import mmap, time
N, n, WARM = ${CHUNKS}, ${CHUNK}, ${WARM_CHUNKS}
m = mmap.mmap(-1, 16 * n)
m.write(b"\\x01" * (16 * n))
mv = memoryview(m)
for i in range(WARM):
    at = (i & 15) * n
    bytes(mv[at:at + n])
t0 = time.perf_counter()
b = 0
for i in range(N):
    at = (i & 15) * n
    b += len(bytes(mv[at:at + n]))
dt = time.perf_counter() - t0
mv.release(); m.close()
print(b / 1e6 / dt)`,
    pyconc: freshArrayFloor,
  },
  {
    rounds: 3,
    name:
      "floor: one page fault, the first write to each 4 KiB page of a fresh 32 MiB anonymous map (both: mmap)",
    unit: "µs/page",
    better: "lower",
    python: `
import mmap, time
SIZE = ${FAULT_MAP}
m = mmap.mmap(-1, SIZE)
t0 = time.perf_counter()
for i in range(0, SIZE, 4096):
    m[i] = 1
dt = time.perf_counter() - t0
m.close()
print(dt * 1e6 / (SIZE // 4096))`,
    pyconc: pageFaultMicros,
  },
  {
    name: "SharedMemory create+attach+close+unlink",
    unit: "cycles/s",
    better: "higher",
    goal: 1,
    python: `
import time
from multiprocessing import shared_memory
def once():
    shm = shared_memory.SharedMemory(create=True, size=4096)
    other = shared_memory.SharedMemory(shm.name)
    other.close(); shm.close(); shm.unlink()
for _ in range(500): once()
N = ${SHM_CYCLES}
t0 = time.perf_counter()
for _ in range(N): once()
print(N / (time.perf_counter() - t0))`,
    pyconc: shmCycles,
  },
];
