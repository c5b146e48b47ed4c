/**
 * mmap benchmarks: sequential write then read of a 256 MiB map in 1 MiB
 * slices, with `setSlice`/`slice` and through the zero-copy `buffer`, for a
 * file map and an anonymous map, beside CPython's `m[a:b] = data` and
 * `m[a:b]`; and the kernel's floor for writing a fresh map.
 *
 * Each run maps a fresh file (or fresh anonymous memory), so writes include
 * the kernel's page faults as CPython's do; the read follows the write on
 * the same map. Every figure is the best of seven runs, in GB/s, on both
 * sides: on a shared machine a run is only ever slowed down by others, so
 * the best run is the one that measured the work (medians of five swung by
 * 2× between runs of the same code).
 *
 * @module
 */

import { MADV_POPULATE_WRITE, mmap } from "../mmap/mod.ts";
import { close, O_RDWR, open } from "../os_process/mod.ts";
import { libc } from "../_internal/ffi/libc.ts";
import type { BenchCase } from "./_harness.ts";

const SIZE = 256 << 20;
const MB = 1 << 20;
const RUNS = 7;

type Op = "write" | "read";
type Way = "slice" | "buffer" | "readInto" | "memmove";

/**
 * A CPython script: `body` (which times its work and returns seconds) runs
 * on a fresh map `m`, once to warm up and then RUNS times; prints the best
 * GB/s.
 */
function python(anonymous: boolean, body: string): string {
  return `
import ctypes, mmap, os, tempfile, time
SIZE, MB = ${SIZE}, ${MB}
chunk = b"x" * MB
def timed(m):
${body}
def run():
    if ${anonymous ? "True" : "False"}:
        fd, m = None, mmap.mmap(-1, SIZE)
    else:
        fd, path = tempfile.mkstemp()
        os.ftruncate(fd, SIZE)
        m = mmap.mmap(fd, SIZE)
    seconds = timed(m)
    m.close()
    if fd is not None:
        os.close(fd)
        os.unlink(path)
    return SIZE / seconds / 1e9
run()
print(max(run() for _ in range(${RUNS})))
`;
}

/** The pyconc side of {@linkcode python}: `timed` returns milliseconds. */
function pyconc(anonymous: boolean, timed: (m: mmap) => number): number {
  const once = () => {
    let fd = -1;
    let path = "";
    let m: mmap;
    if (anonymous) {
      m = new mmap(-1, SIZE);
    } else {
      path = Deno.makeTempFileSync();
      Deno.truncateSync(path, SIZE);
      fd = open(path, O_RDWR);
      m = new mmap(fd, SIZE);
    }
    const ms = timed(m);
    m.close();
    if (fd !== -1) {
      close(fd);
      Deno.removeSync(path);
    }
    return SIZE / (ms / 1000) / 1e9;
  };
  once();
  return Math.max(...Array.from({ length: RUNS }, once));
}

/** CPython's write, then read, of 1 MiB slices; returns one of the times. */
const pythonWriteRead = (op: Op) => `
    t0 = time.perf_counter()
    for off in range(0, SIZE, MB):
        m[off:off + MB] = chunk
    write = time.perf_counter() - t0
    t0 = time.perf_counter()
    n = 0
    for off in range(0, SIZE, MB):
        n += len(m[off:off + MB])
    read = time.perf_counter() - t0
    assert n == SIZE
    return ${op}`;

/** The same in pyconc, with setSlice/slice or through `buffer`. */
function writeRead(op: Op, way: Way): (m: mmap) => number {
  const chunk = new Uint8Array(MB).fill(120);
  return (m) => {
    let t0 = performance.now();
    if (way === "slice") {
      for (let off = 0; off < SIZE; off += MB) m.setSlice(off, chunk);
    } else {
      const buf = m.buffer;
      for (let off = 0; off < SIZE; off += MB) buf.set(chunk, off);
    }
    const write = performance.now() - t0;
    t0 = performance.now();
    let n = 0;
    if (way === "memmove") {
      // The floor of any copy: libc's memmove, called through FFI.
      const into = new Uint8Array(MB);
      const to = Deno.UnsafePointer.of(into);
      const from = Deno.UnsafePointer.of(m.buffer)!;
      const lib = libc();
      for (let off = 0; off < SIZE; off += MB) {
        lib.memmove(to, Deno.UnsafePointer.offset(from, off), BigInt(MB));
        n += MB;
      }
    } else if (way === "readInto") {
      // The documented bulk-read path: one copy into a reused array.
      const into = new Uint8Array(MB);
      m.seek(0);
      for (let k; (k = m.readInto(into)) > 0;) n += k;
    } else if (way === "slice") {
      for (let off = 0; off < SIZE; off += MB) {
        n += m.slice(off, off + MB).length;
      }
    } else {
      // Zero-copy: the bytes are copied once, into memory the program reuses.
      const buf = m.buffer;
      const into = new Uint8Array(MB);
      for (let off = 0; off < SIZE; off += MB) {
        into.set(buf.subarray(off, off + MB));
        n += into.length;
      }
    }
    const read = performance.now() - t0;
    if (n !== SIZE) throw new Error(`read ${n} bytes`);
    return op === "write" ? write : read;
  };
}

const cases: BenchCase[] = [];
for (const anonymous of [false, true]) {
  const kind = anonymous ? "anonymous map" : "256 MiB file map";
  for (const op of ["write", "read"] as const) {
    const ways: Way[] = op === "write"
      ? ["slice", "buffer"]
      : ["slice", "buffer", "readInto"];
    for (const way of ways) {
      const how = way === "readInto"
        ? "readInto → reused array"
        : way === "slice"
        ? (op === "write" ? "setSlice" : "slice")
        : (op === "write" ? "buffer.set" : "buffer → reused array");
      cases.push({
        name: `${kind} ${op}, 1 MiB ${how}`,
        unit: "GB/s",
        better: "higher",
        python: python(anonymous, pythonWriteRead(op)),
        pyconc: () => pyconc(anonymous, writeRead(op, way)),
        goal: way === "buffer" && op === "write" ? 2 : 1,
      });
    }
  }
}

// The kernel's own cost of making every page of a fresh map writable
// (MADV_POPULATE_WRITE, no copying at all): the ceiling for any way of
// writing a fresh map, in either runtime.
for (const anonymous of [false, true]) {
  cases.push({
    name: `${
      anonymous ? "anonymous map" : "256 MiB file map"
    }: kernel floor, page faults alone (MADV_POPULATE_WRITE)`,
    unit: "GB/s",
    better: "higher",
    python: python(
      anonymous,
      `
    t0 = time.perf_counter()
    m.madvise(23)  # MADV_POPULATE_WRITE
    return time.perf_counter() - t0`,
    ),
    pyconc: () =>
      pyconc(anonymous, (m) => {
        const t0 = performance.now();
        m.madvise(MADV_POPULATE_WRITE);
        return performance.now() - t0;
      }),
  });
}

// The copy's own floor: libc's memmove of each 1 MiB from the map into a
// reused buffer (ctypes in CPython, FFI here), after the same write: what
// `readInto` (one TypedArray.set, itself a memmove) can reach at best.
for (const anonymous of [false, true]) {
  cases.push({
    name: `${
      anonymous ? "anonymous map" : "256 MiB file map"
    } read: copy floor, libc memmove 1 MiB → reused buffer`,
    unit: "GB/s",
    better: "higher",
    python: python(
      anonymous,
      `
    for off in range(0, SIZE, MB):
        m[off:off + MB] = chunk
    buf = bytearray(MB)
    dst = (ctypes.c_char * MB).from_buffer(buf)
    src = ctypes.c_char.from_buffer(m)
    base = ctypes.addressof(src)
    t0 = time.perf_counter()
    for off in range(0, SIZE, MB):
        ctypes.memmove(dst, base + off, MB)
    read = time.perf_counter() - t0
    del src, dst
    return read`,
    ),
    pyconc: () => pyconc(anonymous, writeRead("read", "memmove")),
  });
}

// The runtime's own cost of a fresh 1 MiB array per chunk, with no copy:
// what `slice()` pays before copying a byte. CPython's allocator hands the
// freed block back at once; V8 frees array memory only at garbage
// collection, so each fresh array lands on pages the kernel faults in.
cases.push({
  name: "allocator floor: a fresh 1 MiB array per chunk, nothing copied",
  unit: "GB/s",
  better: "higher",
  python: `
import time
SIZE, MB = ${SIZE}, ${MB}
def run():
    t0 = time.perf_counter()
    n = 0
    for off in range(0, SIZE, MB):
        n += len(bytearray(MB))
    return SIZE / (time.perf_counter() - t0) / 1e9
run()
print(max(run() for _ in range(${RUNS})))
`,
  pyconc: () => {
    const run = () => {
      const t0 = performance.now();
      let n = 0;
      for (let off = 0; off < SIZE; off += MB) n += new Uint8Array(MB).length;
      if (n !== SIZE) throw new Error(`allocated ${n} bytes`);
      return SIZE / ((performance.now() - t0) / 1000) / 1e9;
    };
    run();
    return Math.max(...Array.from({ length: RUNS }, run));
  },
});

// Copies at memory bandwidth swing ±10 % from one moment to the next here:
// each row takes the best of 3 turns on each side.
for (const c of cases) c.rounds = 3;

export { cases };
