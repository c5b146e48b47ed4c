// Memory safety of mmap: views after close/resize, buffers moved away,
// read-only and unreadable maps, bad input everywhere, and leaks.

import assert from "node:assert/strict";
import {
  ACCESS_COPY,
  ACCESS_READ,
  ACCESS_WRITE,
  IndexError,
  MADV_DONTNEED,
  MADV_HWPOISON,
  MADV_WILLNEED,
  MAP_ANONYMOUS,
  MAP_POPULATE,
  MAP_PRIVATE,
  MAP_SHARED,
  mmap,
  OSError,
  OverflowError,
  PAGESIZE,
  PROT_EXEC,
  PROT_READ,
  PROT_WRITE,
  ValueError,
} from "../../mmap/mod.ts";
import { libc } from "../../_internal/ffi/libc.ts";
import {
  assertNoLeaks,
  isMapped,
  mapsMatching,
  SHARED_ANON,
} from "../_resources.ts";
import { b, s, tempFile } from "./_files.ts";

const fixture = (name: string) =>
  new URL(`./fixtures/${name}`, import.meta.url).pathname;

async function runDeno(
  flags: string[],
  script: string,
  args: string[] = [],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", ...flags, script, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return {
    code: out.code,
    stdout: dec.decode(out.stdout),
    stderr: dec.decode(out.stderr),
  };
}

Deno.test("mmap.buffer is zero-copy: writes through either side are seen by the other and by the file", () => {
  using f = tempFile("abcdef");
  using m = new mmap(f.fd, 6);
  const view = m.buffer;
  assert.equal(view.length, 6);
  view[0] = 65;
  assert.equal(m.get(0), 65);
  m.set(1, 66);
  assert.equal(view[1], 66);
  assert.equal(m.buffer, view, "the same view while the map is unchanged");
  m.flush();
  assert.equal(Deno.readTextFileSync(f.path), "ABcdef");
});

Deno.test("mmap.close() detaches buffer, its subarrays, and every view a program made over it", () => {
  using f = tempFile("x".repeat(PAGESIZE));
  const m = new mmap(f.fd, 0);
  const address = BigInt(
    Deno.UnsafePointer.value(Deno.UnsafePointer.of(m.buffer)),
  );
  const views = {
    buffer: m.buffer,
    sub: m.buffer.subarray(10, 20),
    u8: new Uint8Array(m.buffer.buffer, 100, 50),
    i32: new Int32Array(m.buffer.buffer),
    f64: new Float64Array(m.buffer.buffer, 8, 4),
  };
  const dv = new DataView(m.buffer.buffer);
  assert.equal(mapsMatching(f.path).length, 1);
  m.close();
  for (const [name, v] of Object.entries(views)) {
    assert.equal(v.length, 0, `${name} is detached`);
    assert.equal(v[0], undefined, `${name} reads nothing`);
    v[0] = 1; // ignored, never a crash
  }
  assert.throws(() => dv.getUint8(0), TypeError);
  assert.equal(mapsMatching(f.path).length, 0, "the file is unmapped");
  assert.ok(!isMapped(address) || mapsMatching(f.path).length === 0);
  assert.throws(() => m.buffer, /mmap closed or invalid/);
});

Deno.test("mmap.resize() detaches earlier views; the new buffer has the new length and the data", () => {
  using m = new mmap(-1, PAGESIZE);
  m.setSlice(0, b("hello"));
  const before = m.buffer;
  const dv = new DataView(before.buffer);
  m.resize(16 * PAGESIZE);
  assert.equal(before.length, 0);
  assert.throws(() => dv.getUint8(0), TypeError);
  assert.equal(m.buffer.length, 16 * PAGESIZE);
  assert.equal(s(m.buffer.subarray(0, 5)), "hello");
  m.buffer[16 * PAGESIZE - 1] = 9;
  m.resize(PAGESIZE);
  assert.equal(m.buffer.length, PAGESIZE);
  assert.equal(s(m.slice(0, 5)), "hello");
});

Deno.test("mmap.resize() grows shared and private anonymous maps; every new byte is usable (Python: SIGBUS)", () => {
  for (const flags of [MAP_SHARED, MAP_PRIVATE]) {
    using m = new mmap(-1, PAGESIZE, { flags });
    m.set(0, 1);
    m.resize(64 * PAGESIZE);
    m.set(64 * PAGESIZE - 1, 2);
    m.buffer[32 * PAGESIZE] = 3;
    assert.deepEqual(
      [m.get(0), m.get(32 * PAGESIZE), m.get(-1)],
      [1, 3, 2],
    );
    m.resize(2 * PAGESIZE);
    m.resize(8 * PAGESIZE);
    assert.equal(m.get(-1), 0, "regrown pages are zero");
    assert.equal(m.get(0), 1);
  }
});

Deno.test("an anonymous map ignores offset, as Linux does", () => {
  using m = new mmap(-1, PAGESIZE, { offset: 2 * PAGESIZE });
  m.set(PAGESIZE - 1, 1);
  m.resize(3 * PAGESIZE);
  m.set(3 * PAGESIZE - 1, 2);
  assert.equal(m.get(PAGESIZE - 1), 1);
  assert.match(String(m), /offset=8192/);
});

Deno.test("mmap.resize() of a file map grows and shrinks the file, as Python on Linux", () => {
  using f = tempFile("abc");
  using m = new mmap(f.fd, 3);
  m.resize(PAGESIZE);
  assert.equal(Deno.statSync(f.path).size, PAGESIZE);
  m.buffer[PAGESIZE - 1] = 33;
  m.flush();
  assert.equal(Deno.readFileSync(f.path)[PAGESIZE - 1], 33);
  m.resize(2);
  assert.equal(Deno.readTextFileSync(f.path), "ab");
  assert.equal(m.size(), 2);
});

Deno.test("mmap.resize() refuses to truncate a file under another map of it (SIGBUS otherwise)", () => {
  using f = tempFile("x".repeat(3 * PAGESIZE));
  const big = new mmap(f.fd, 3 * PAGESIZE);
  using small = new mmap(f.fd, PAGESIZE);
  assert.throws(() => small.resize(PAGESIZE / 2), /another open mmap/);
  assert.equal(
    Deno.statSync(f.path).size,
    3 * PAGESIZE,
    "the file is unchanged",
  );
  assert.equal(small.length, PAGESIZE, "the map is unchanged");
  assert.equal(big.get(3 * PAGESIZE - 1), 120, "the other map is intact");
  small.resize(4 * PAGESIZE); // growing is fine
  big.close();
  small.resize(PAGESIZE / 2); // and shrinking, once the other map is gone
  assert.equal(Deno.statSync(f.path).size, PAGESIZE / 2);
});

Deno.test("mmap.resize(0) is an OSError and leaves the map and the file unchanged", () => {
  using f = tempFile("x".repeat(10));
  using m = new mmap(f.fd, 0);
  assert.throws(
    () => m.resize(0),
    (e: unknown) => e instanceof OSError && e.errno === 22,
  );
  assert.equal(
    Deno.statSync(f.path).size,
    10,
    "Python would have truncated it",
  );
  assert.equal(m.get(9), 120);
  assert.throws(() => m.resize(-1), {
    name: "ValueError",
    message: "new size out of range",
  });
});

Deno.test("an ACCESS_READ map's buffer can be written without a crash, and the file never changes", () => {
  using f = tempFile("abcdef", "r");
  using shared = new mmap(f.fd, 6, { prot: PROT_READ, flags: MAP_SHARED });
  using m = new mmap(f.fd, 6, { access: ACCESS_READ });
  m.buffer[0] = 90;
  assert.equal(m.get(0), 90, "the write stays in this process's copy");
  assert.equal(shared.get(0), 97, "another map of the file does not see it");
  shared.buffer[1] = 91;
  assert.equal(m.get(1), 98);
  assert.equal(Deno.readTextFileSync(f.path), "abcdef");
  assert.throws(() => m.set(0, 1), /can't modify a readonly memory map/);
});

Deno.test("an ACCESS_READ map sees later writes to the file by others", () => {
  using f = tempFile("abcdef");
  using reader = new mmap(f.fd, 6, { access: ACCESS_READ });
  using writer = new mmap(f.fd, 6, { access: ACCESS_WRITE });
  assert.equal(s(reader.slice()), "abcdef");
  writer.setSlice(0, b("ABC"));
  assert.equal(s(reader.slice()), "ABCdef");
  const fh = Deno.openSync(f.path, { write: true });
  fh.writeSync(b("xyz"));
  fh.close();
  assert.equal(s(reader.slice()), "xyzdef");
});

Deno.test("an ACCESS_READ map with MAP_POPULATE-like prefetch still reads the file", () => {
  using f = tempFile("abcdef");
  using m = new mmap(f.fd, 6, {
    prot: PROT_READ,
    flags: MAP_SHARED | MAP_POPULATE,
  });
  assert.equal(s(m.slice()), "abcdef");
  using w = new mmap(f.fd, 6);
  w.set(0, 65);
  assert.equal(m.get(0), 65, "pages were not copied by the prefetch");
});

Deno.test("unreadable maps (PROT_NONE, PROT_EXEC alone) refuse reads and have no buffer", () => {
  for (const prot of [0, PROT_EXEC]) {
    using m = new mmap(-1, PAGESIZE, {
      prot,
      flags: MAP_PRIVATE | MAP_ANONYMOUS,
    });
    assert.throws(() => m.buffer, TypeError);
    assert.throws(() => m.get(0), /without PROT_READ/);
    assert.throws(() => m.slice(), TypeError);
    assert.throws(() => m.read(), TypeError);
    assert.throws(() => m.readByte(), TypeError);
    assert.throws(() => m.readline(), TypeError);
    assert.throws(() => m.find(b("a")), TypeError);
    assert.throws(() => m.write(b("a")), TypeError);
    assert.throws(() => m.set(0, 1), TypeError);
    assert.equal(m.length, PAGESIZE);
    m.seek(10);
    assert.equal(m.tell(), 10);
  }
  using rx = new mmap(-1, PAGESIZE, { prot: PROT_READ | PROT_EXEC });
  assert.throws(() => rx.buffer, TypeError, "no W+X pages for a buffer");
  assert.equal(rx.get(0), 0);
});

Deno.test("prot=PROT_WRITE alone makes a writable, readable map (ACCESS_WRITE)", () => {
  using m = new mmap(-1, 16, { prot: PROT_WRITE });
  m.set(0, 5);
  assert.equal(m.buffer[0], 5);
  assert.match(String(m), /access=ACCESS_WRITE/);
});

Deno.test("a buffer moved away (transfer, structuredClone, postMessage) never faults after close or resize", async () => {
  const { code, stdout, stderr } = await runDeno(["-A"], fixture("escape.ts"));
  assert.equal(stdout.trim(), "ok", stderr);
  assert.equal(code, 0);
});

Deno.test("MAP_FIXED-like flags and MADV_HWPOISON are refused", () => {
  assert.throws(
    () => new mmap(-1, PAGESIZE, { flags: MAP_SHARED | 0x10 }),
    /MAP_FIXED/,
  );
  assert.throws(
    () => new mmap(-1, PAGESIZE, { flags: MAP_SHARED | 0x100000 }),
    ValueError,
  );
  assert.throws(
    () => new mmap(-1, PAGESIZE, { flags: MAP_SHARED | 0x100 }),
    ValueError,
  );
  assert.throws(() => new mmap(-1, PAGESIZE, { prot: 8 }), /prot must combine/);
  assert.throws(
    () => new mmap(-1, 2 << 20, { flags: MAP_SHARED | 0x40000 | 0x4000 }),
    /MAP_HUGETLB and MAP_NORESERVE/,
  );
  using m = new mmap(-1, PAGESIZE);
  assert.throws(() => m.madvise(MADV_HWPOISON), /refused/);
  assert.throws(() => m.madvise(102), /refused/);
  m.madvise(MADV_WILLNEED);
  m.set(0, 1);
  m.madvise(MADV_DONTNEED);
  assert.equal(m.get(0), 1, "a shared map keeps its data");
});

Deno.test("bad arguments give clear errors and leave the map usable", () => {
  // deno-lint-ignore no-explicit-any
  const bad = (f: () => unknown, cls: any, pattern?: RegExp) =>
    assert.throws(f, (e: unknown) => {
      assert.ok(e instanceof cls, `${String(e)} is a ${cls.name}`);
      if (pattern) assert.match((e as Error).message, pattern);
      return true;
    });
  // deno-lint-ignore no-explicit-any
  const M = mmap as any;
  bad(() => M("x", 10), TypeError);
  bad(() => new M("3", 10), TypeError, /fileno must be an integer/);
  bad(() => new M(-1, "10"), TypeError, /length must be an integer/);
  bad(() => new M(-1, 1.5), TypeError);
  bad(() => new M(-1, NaN), TypeError);
  bad(() => new M(-1, Infinity), TypeError);
  bad(() => new M(-1, 10n), TypeError);
  bad(() => new M(-1, 2 ** 60), OverflowError, /too large/);
  bad(() => new M(-1, -1), OverflowError, /length must be positive/);
  bad(() => new M(-1, 10, null), TypeError, /options must be an object/);
  bad(() => new M(-1, 10, { offset: "0" }), TypeError, /offset/);
  bad(() => new M(-1, 0), OSError, /^\[Errno 22\] Invalid argument$/);
  bad(() => new M(-1, 2 ** 52), OSError); // ENOMEM: more than the address space allows
  const dir = Deno.makeTempDirSync();
  bad(() => mmap.fromPath(dir), OSError);
  Deno.removeSync(dir);
  bad(() => mmap.fromPath("a\0b"), ValueError, /null byte/);
  // deno-lint-ignore no-explicit-any
  bad(() => mmap.fromPath(42 as any), TypeError);

  using m = new mmap(-1, 16);
  // deno-lint-ignore no-explicit-any
  const A = m as any;
  bad(() => A.get("0"), TypeError);
  bad(() => A.get(16), IndexError);
  bad(() => A.set(0, 256), ValueError, /range\(0, 256\)/);
  bad(() => A.set(0, -1), ValueError);
  bad(() => A.set(0, 1.5), TypeError);
  bad(() => A.setSlice(0, "abc"), TypeError, /bytes-like/);
  bad(() => A.setSlice(10, new Uint8Array(7)), IndexError, /wrong size/);
  bad(() => A.write([1, 2]), TypeError);
  bad(() => A.writeByte(256), OverflowError);
  bad(() => A.writeByte(-1), OverflowError);
  bad(() => A.writeByte("a"), TypeError);
  bad(() => A.find("a"), TypeError);
  bad(() => A.find(b("a"), "0"), TypeError);
  bad(() => A.seek(0, 3), ValueError, /^unknown seek type$/);
  bad(() => A.seek(17), ValueError, /^seek out of range$/);
  bad(() => A.seek(-1, 1), ValueError);
  bad(() => A.move(0, 0, 17), ValueError);
  bad(() => A.flush(0, -1), ValueError);
  bad(() => A.madvise("x"), TypeError);
  bad(() => A.resize(1.5), TypeError);
  bad(() => A.slice(0, 1, 0), ValueError);
  // Still usable after all that.
  m.write(b("ok"));
  assert.equal(s(m.slice(0, 2)), "ok");
  assert.equal(m.tell(), 2);
});

Deno.test("PAGESIZE is the kernel's page size", () => {
  assert.equal(Number(libc().sysconf(30)), PAGESIZE); // _SC_PAGESIZE
});

Deno.test("mmap leaks no descriptor and no map: open, use, resize, fail and close many", async () => {
  using f = tempFile("y".repeat(3 * PAGESIZE));
  await assertNoLeaks(() => {
    for (let i = 0; i < 50; i++) {
      const a = new mmap(f.fd, 0);
      const r = new mmap(f.fd, PAGESIZE, {
        access: ACCESS_READ,
        offset: PAGESIZE,
      });
      const c = new mmap(f.fd, 0, { access: ACCESS_COPY });
      const anon = new mmap(-1, PAGESIZE);
      anon.resize(2 * PAGESIZE);
      a.resize(3 * PAGESIZE);
      assert.throws(() => new mmap(f.fd, 10 * PAGESIZE), ValueError);
      assert.throws(() => new mmap(f.fd, 10, { offset: 3 }), OSError);
      using p = mmap.fromPath(f.path, { access: ACCESS_READ });
      void p.buffer;
      for (const m of [a, r, c, anon]) m.close();
    }
  }, [f.path, SHARED_ANON]);
});

Deno.test("mmap asks for --allow-ffi, and fromPath for --allow-read/--allow-write, with a clear error", async () => {
  using f = tempFile("data");
  const noFfi = await runDeno([], fixture("permissions.ts"), ["anonymous"]);
  assert.match(noFfi.stdout, /PermissionError: .*--allow-ffi/);
  const noRead = await runDeno(["--allow-ffi"], fixture("permissions.ts"), [
    "path",
    f.path,
  ]);
  assert.match(noRead.stdout, /PermissionError: .*--allow-read/);
  const noWrite = await runDeno(
    ["--allow-ffi", `--allow-read=${f.path}`],
    fixture("permissions.ts"),
    ["path", f.path],
  );
  assert.match(noWrite.stdout, /PermissionError: .*--allow-write/);
  const ok = await runDeno(
    ["--allow-ffi", `--allow-read=${f.path}`, `--allow-write=${f.path}`],
    fixture("permissions.ts"),
    ["path", f.path],
  );
  assert.equal(ok.stdout.trim(), "ok");
});
