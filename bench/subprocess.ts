/**
 * subprocess benchmarks: start latency and pipe throughput, beside CPython.
 * The latency rows and their floors are interleaved (see the harness's
 * `Interleave`): a few ms per start on a shared machine swing by more than
 * the gaps they measure when each side runs all its starts alone.
 *
 * @module
 */

import { PIPE, Popen, run, runSync } from "../subprocess/mod.ts";
import { cstr, libc } from "../_internal/ffi/libc.ts";
import { cstrArray } from "../_internal/ffi/cstrings.ts";
import { currentEnviron } from "../_internal/spawn.ts";
import { type BenchCase, median, timeEach } from "./_harness.ts";

/** Iterations per batch of a latency row, and batches per side. */
const BATCH = 10;
const BATCHES = 60;
/** Untimed iterations on each side before a latency row's first batch. */
const WARM = 20;
const SIZE = 256 * 1024 * 1024;
const ROUNDS = 3;

/**
 * Spawns /usr/bin/true with bare posix_spawn (no attributes, no file
 * actions) and returns its pid; no library code.
 */
function bareSpawner(): () => number {
  const lib = libc();
  const path = cstr("/usr/bin/true");
  const argv = cstrArray(["true"]);
  const pid = new Int32Array(1);
  const pidBytes = new Uint8Array(pid.buffer);
  return () => {
    const rc = lib.posix_spawn(
      pidBytes,
      path,
      null,
      null,
      argv.array,
      currentEnviron(),
    );
    if (rc !== 0) throw new Error(`posix_spawn failed: ${rc}`);
    void argv.keep;
    return pid[0]!;
  };
}

/** A bare `Deno.Command("true").output()`, for reference. */
function denoCommandTrue(): () => Promise<unknown> {
  const cmd = new Deno.Command("true", {
    stdin: "null",
    stdout: "null",
    stderr: "null",
  });
  return () => cmd.output();
}

/**
 * The bare primitive under `runSync`: posix_spawn of /usr/bin/true and a
 * blocking waitpid, from a tight FFI loop. No library code: the floor of
 * any start in Deno.
 */
function spawnFloor(): () => unknown {
  const lib = libc();
  const spawn = bareSpawner();
  const status = new Uint8Array(4);
  return () => lib.waitpid(spawn(), status, 0);
}

/**
 * The bare primitives under `run`: posix_spawn of /usr/bin/true and a
 * wait that leaves the event loop free, the cheapest there is in Deno:
 * `waitid` on a pidfd in a `nonblocking` FFI call (one of Deno's pool
 * threads blocks; its return wakes the event loop). Deno cannot
 * watch a pidfd in its own event loop, so an async wait costs this thread
 * hop on top of the blocking floor above. No library code.
 */
function spawnAsyncFloor(): () => Promise<void> {
  return asyncWaitFloor(bareSpawner());
}

/**
 * Each call: `spawn()`, then a `waitid` on a pidfd in a `nonblocking` FFI
 * call (P_PIDFD, WEXITED | WNOWAIT: the event loop stays free), then the
 * reap, as `run()` does.
 */
function asyncWaitFloor(spawn: () => number): () => Promise<void> {
  const lib = libc();
  const info = new Uint8Array(128);
  const status = new Uint8Array(4);
  return async () => {
    const pid = spawn();
    const fd = lib.pidfd_open(pid, 0);
    await lib.waitid_async(3, fd, info, 4 | 0x01000000);
    lib.close(fd);
    lib.waitpid(pid, status, 0);
  };
}

/**
 * Spawns `true` exactly as `run(["true"])` does, with no library code:
 * `posix_spawnp` (glibc's PATH search, as CPython's child does it), an
 * empty signal mask, every signal but the ignored ones back to its default
 * (SIGPIPE and SIGXFSZ included: Python's `restore_signals`), and the
 * descriptors from 3 up closed (`close_fds`).
 */
function runSpawner(): () => number {
  const lib = libc();
  const file = cstr("true");
  const argv = cstrArray(["true"]);
  const pid = new Int32Array(1);
  const pidBytes = new Uint8Array(pid.buffer);
  const attr = new Uint8Array(512);
  lib.posix_spawnattr_init(attr);
  lib.posix_spawnattr_setsigmask(attr, new Uint8Array(128));
  const defaults = new Uint8Array(128);
  lib.sigfillset(defaults);
  const ignored = /^SigIgn:\s*([0-9a-f]+)$/m.exec(
    Deno.readTextFileSync("/proc/self/status"),
  )?.[1];
  const keep = BigInt(`0x${ignored ?? "0"}`) & ~((1n << 12n) | (1n << 24n));
  for (let s = 1; s <= 64; s++) {
    if ((keep >> BigInt(s - 1)) & 1n) {
      defaults[(s - 1) >> 3]! &= ~(1 << ((s - 1) & 7));
    }
  }
  lib.posix_spawnattr_setsigdefault(attr, defaults);
  lib.posix_spawnattr_setflags(attr, 0x04 | 0x08); // SETSIGDEF | SETSIGMASK
  const actions = new Uint8Array(128);
  lib.posix_spawn_file_actions_init(actions);
  lib.posix_spawn_file_actions_addclosefrom_np(actions, 3);
  const attrPtr = Deno.UnsafePointer.of(attr);
  const actionsPtr = Deno.UnsafePointer.of(actions);
  return () => {
    const rc = lib.posix_spawnp(
      pidBytes,
      file,
      actionsPtr,
      attrPtr,
      argv.array,
      currentEnviron(),
    );
    if (rc !== 0) throw new Error(`posix_spawnp failed: ${rc}`);
    void [argv.keep, attr, actions];
    return pid[0]!;
  };
}

/**
 * `run(["true"])`'s system calls without the library: the start `run`
 * makes (see `runSpawner`), a `waitid` on a pool thread (the event loop
 * stays free), then the reap. What `run` costs
 * above this row is library code; what this row costs above CPython's
 * `run` is the thread hop of an async wait in Deno.
 */
function runAsyncFloor(): () => Promise<void> {
  return asyncWaitFloor(runSpawner());
}

/** MB/s of 256 MiB through `cat` with `communicate` (median of rounds). */
async function throughCat(): Promise<number> {
  const data = new Uint8Array(SIZE).fill(0x61);
  const rates: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const t0 = performance.now();
    await using p = new Popen<Uint8Array>(["cat"], {
      stdin: PIPE,
      stdout: PIPE,
    });
    const [out] = await p.communicate(data);
    const seconds = (performance.now() - t0) / 1000;
    if (out!.length !== SIZE) throw new Error(`lost data: ${out!.length}`);
    rates.push(SIZE / seconds / 1e6);
  }
  return median(rates);
}

/**
 * An interleaved latency row (see the harness's `Interleave`): CPython's
 * `pythonBody` beside pyconc's `once`, both after `setup`, in batches of
 * `BATCH` taking turns.
 */
function latencyRow(
  name: string,
  pythonSetup: string,
  pythonBody: string,
  once: () => unknown,
  goal?: number,
): BenchCase {
  const row: BenchCase = {
    name,
    unit: "ms",
    better: "lower",
    interleave: {
      batches: BATCHES,
      size: BATCH,
      warm: WARM,
      pythonSetup,
      pythonBody,
      pyconcBatch: timeEach(once),
    },
  };
  if (goal !== undefined) row.goal = goal;
  return row;
}

/** CPython's `subprocess.run(["true"])`. */
const PY_RUN: [string, string] = [
  "import subprocess",
  'subprocess.run(["true"])',
];

/** CPython's bare floor: `os.posix_spawn` and a blocking `os.waitpid`. */
const PY_SPAWN_FLOOR: [string, string] = [
  `
import os
env = dict(os.environ)`,
  'os.waitpid(os.posix_spawn("/usr/bin/true", ["true"], env), 0)',
];

/** The subprocess cases. */
export const cases: BenchCase[] = [
  latencyRow('run(["true"]) latency', ...PY_RUN, () => run(["true"]), 1),
  latencyRow(
    'runSync(["true"]) latency',
    ...PY_RUN,
    () => runSync(["true"]),
    1,
  ),
  latencyRow(
    'reference: bare Deno.Command("true").output() (not pyconc)',
    ...PY_RUN,
    denoCommandTrue(),
  ),
  latencyRow(
    "floor: posix_spawn(/usr/bin/true) + waitpid, tight loop (FFI here, os.posix_spawn in CPython)",
    ...PY_SPAWN_FLOOR,
    spawnFloor(),
  ),
  latencyRow(
    "floor: posix_spawn(/usr/bin/true) + waitid on a pool thread, event loop free (CPython: os.posix_spawn + blocking waitpid)",
    ...PY_SPAWN_FLOOR,
    spawnAsyncFloor(),
  ),
  latencyRow(
    'floor: run(["true"])\'s own start (posix_spawnp, its signal resets, close_fds) + waitid on a pool thread, no library code (CPython: subprocess.run)',
    ...PY_RUN,
    runAsyncFloor(),
  ),
  {
    name: "256 MiB through cat with communicate",
    unit: "MB/s",
    better: "higher",
    goal: 2,
    python: `
import subprocess, time, statistics
data = b"a" * ${SIZE}
rates = []
for _ in range(${ROUNDS}):
    t = time.perf_counter()
    p = subprocess.Popen(["cat"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    out, _ = p.communicate(data)
    dt = time.perf_counter() - t
    assert len(out) == len(data)
    rates.append(len(data) / dt / 1e6)
print(statistics.median(rates))`,
    pyconc: throughCat,
  },
];
