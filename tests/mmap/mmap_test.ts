// Ports of CPython's Lib/test/test_mmap.py (3.11) that apply on Linux.

import assert from "node:assert/strict";
import {
  ACCESS_COPY,
  ACCESS_DEFAULT,
  ACCESS_READ,
  ACCESS_WRITE,
  ALLOCATIONGRANULARITY,
  error,
  IndexError,
  MADV_NORMAL,
  MAP_ANONYMOUS,
  MAP_PRIVATE,
  mmap,
  OSError,
  OverflowError,
  PAGESIZE,
  PermissionError,
  PROT_EXEC,
  PROT_READ,
  PROT_WRITE,
  ValueError,
} from "../../mmap/mod.ts";
import { b, s, tempFile } from "./_files.ts";

Deno.test("mmap test_basic: find, index, slices, seek and resize of a file map", () => {
  const data = new Uint8Array(2 * PAGESIZE);
  data.set(b("foo"), PAGESIZE);
  using f = tempFile(data);
  const m = new mmap(f.fd, 2 * PAGESIZE);
  assert.equal(m.find(b("foo")), PAGESIZE);
  assert.equal(m.length, 2 * PAGESIZE);
  assert.equal(m.get(0), 0);
  assert.equal(s(m.slice(0, 3)), "\0\0\0");
  // Shouldn't crash on boundary (Issue #5292)
  assert.throws(() => m.get(m.length), IndexError);
  assert.throws(() => m.set(m.length, 0), IndexError);

  m.set(0, "3".charCodeAt(0));
  m.setSlice(PAGESIZE + 3, b("bar"));
  assert.equal(m.get(0), "3".charCodeAt(0));
  assert.equal(s(m.slice(0, 3)), "3\0\0");
  assert.equal(s(m.slice(PAGESIZE - 1, PAGESIZE + 7)), "\0foobar\0");
  m.flush();

  // A regular expression over the map's bytes (Python's re.search(b'[A-Za-z]+', m)).
  const match = /[A-Za-z]+/.exec(new TextDecoder("latin1").decode(m.buffer));
  assert.equal(match?.index, PAGESIZE);
  assert.equal(match![0].length, 6);

  m.seek(0, 0);
  assert.equal(m.tell(), 0);
  m.seek(42, 1);
  assert.equal(m.tell(), 42);
  m.seek(0, 2);
  assert.equal(m.tell(), m.length);
  assert.throws(() => m.seek(-1), ValueError);
  assert.throws(() => m.seek(1, 2), ValueError);
  assert.throws(() => m.seek(-m.length - 1, 2), ValueError);

  m.resize(512);
  assert.equal(m.length, 512);
  assert.throws(() => m.seek(513, 0), ValueError);
  // The underlying file is truncated too (bug #728515).
  assert.equal(Deno.statSync(f.path).size, 512);
  assert.equal(m.size(), 512);
  m.close();
});

Deno.test("mmap test_access_parameter: ACCESS_READ refuses every write and leaves the file alone", () => {
  using f = tempFile("a".repeat(10), "r");
  const m = new mmap(f.fd, 10, { access: ACCESS_READ });
  assert.equal(s(m.slice()), "a".repeat(10));
  assert.throws(() => m.setSlice(0, b("b".repeat(10))), TypeError);
  assert.throws(() => m.set(0, 98), TypeError);
  m.seek(0, 0);
  assert.throws(() => m.write(b("abc")), TypeError);
  m.seek(0, 0);
  assert.throws(() => m.writeByte(100), TypeError);
  assert.throws(() => m.resize(20), TypeError);
  assert.throws(() => m.move(0, 1, 1), TypeError);
  m.flush(); // a no-op, as in Python
  m.close();
  assert.equal(Deno.readTextFileSync(f.path), "a".repeat(10));
});

Deno.test("mmap test_access_parameter: a length past the end of the file is a ValueError", () => {
  using f = tempFile("a".repeat(10));
  assert.throws(() => new mmap(f.fd, 11), ValueError);
});

Deno.test("mmap test_access_parameter: ACCESS_WRITE writes through to the file", () => {
  using f = tempFile("a".repeat(10));
  const m = new mmap(f.fd, 10, { access: ACCESS_WRITE });
  m.setSlice(0, b("c".repeat(10)));
  assert.equal(s(m.slice()), "c".repeat(10));
  m.flush();
  m.close();
  assert.equal(Deno.readTextFileSync(f.path), "c".repeat(10));
});

Deno.test("mmap test_access_parameter: ACCESS_COPY is copy-on-write and cannot resize", () => {
  using f = tempFile("c".repeat(10));
  const m = new mmap(f.fd, 10, { access: ACCESS_COPY });
  m.setSlice(0, b("d".repeat(10)));
  assert.equal(s(m.slice()), "d".repeat(10));
  m.flush();
  assert.equal(Deno.readTextFileSync(f.path), "c".repeat(10));
  assert.throws(() => m.resize(20), TypeError);
  m.close();
});

Deno.test("mmap test_access_parameter: a bad access, or access with flags/prot, is a ValueError", () => {
  using f = tempFile("a".repeat(10));
  assert.throws(() => new mmap(f.fd, 10, { access: 4 }), ValueError);
  assert.throws(
    () =>
      new mmap(f.fd, 10, {
        flags: MAP_PRIVATE,
        prot: PROT_READ,
        access: ACCESS_WRITE,
      }),
    /can't specify both access and flags, prot/,
  );
});

Deno.test("mmap test_access_parameter: PROT_READ|PROT_EXEC refuses writes", () => {
  using f = tempFile("a".repeat(10));
  const m = new mmap(f.fd, 10, { prot: PROT_READ | PROT_EXEC });
  assert.throws(() => m.write(b("abcdef")), TypeError);
  assert.throws(() => m.writeByte(0), TypeError);
  assert.equal(s(m.slice()), "a".repeat(10));
  m.close();
});

Deno.test("mmap test_bad_file_desc: a bad descriptor is an OSError (EBADF)", () => {
  assert.throws(() => new mmap(-2, 4096), (e: unknown) => {
    assert.ok(e instanceof OSError);
    assert.equal(e.errno, 9);
    return true;
  });
  assert.throws(() => new mmap(987654, 4096), OSError);
});

Deno.test("mmap test_tougher_find: embedded NUL bytes", () => {
  const data = "aabaac\x00deef\x00\x00aa\x00";
  using f = tempFile(data);
  using m = new mmap(f.fd, data.length);
  for (let start = 0; start <= data.length; start++) {
    for (let finish = start; finish <= data.length; finish++) {
      const sub = data.slice(start, finish);
      assert.equal(
        m.find(b(sub)),
        data.indexOf(sub),
        `find(${JSON.stringify(sub)})`,
      );
      assert.equal(m.find(b(sub + "x")), -1);
    }
  }
});

/** Python's bytes.find/rfind(sub, start, end), as the reference. */
function pyFind(
  data: string,
  sub: string,
  start: number,
  end: number,
  reverse: boolean,
): number {
  const n = data.length;
  const adj = (i: number) => i < 0 ? Math.max(0, i + n) : Math.min(i, n);
  const a = adj(start), e = adj(end);
  if (e - a < sub.length) return -1;
  const hay = data.slice(0, e);
  const i = reverse ? hay.lastIndexOf(sub) : hay.indexOf(sub, a);
  return i >= a ? i : -1;
}

Deno.test("mmap test_find_end and test_rfind: start and end, negative too", () => {
  const data = "one two ones";
  using f = tempFile(data);
  using m = new mmap(f.fd, data.length);
  assert.equal(m.find(b("one")), 0);
  assert.equal(m.find(b("ones")), 8);
  assert.equal(m.find(b("one"), 0, -1), 0);
  assert.equal(m.find(b("one"), 1), 8);
  assert.equal(m.find(b("one"), 1, -1), 8);
  assert.equal(m.find(b("one"), 1, -2), -1);
  assert.equal(m.find(new Uint8Array(b("one")).buffer), 0);
  assert.equal(m.rfind(b("one")), 8);
  assert.equal(m.rfind(b("one ")), 0);
  assert.equal(m.rfind(b("one"), 0, -1), 8);
  assert.equal(m.rfind(b("one"), 0, -2), 0);
  assert.equal(m.rfind(b("one"), 1, -1), 8);
  assert.equal(m.rfind(b("one"), 1, -2), -1);
  const n = data.length;
  for (let i = -n - 1; i <= n + 1; i++) {
    for (let j = -n - 1; j <= n + 1; j++) {
      for (const p of ["o", "on", "two", "ones", "s"]) {
        assert.equal(
          m.find(b(p), i, j),
          pyFind(data, p, i, j, false),
          `find ${p} ${i} ${j}`,
        );
        assert.equal(
          m.rfind(b(p), i, j),
          pyFind(data, p, i, j, true),
          `rfind ${p} ${i} ${j}`,
        );
      }
    }
  }
});

Deno.test("mmap.find() starts at the position by default; empty needles as bytes.find", () => {
  using m = new mmap(-1, 16);
  m.write(b("abcabc"));
  assert.equal(m.find(b("a")), -1, "searches from the position (6)");
  m.seek(1);
  assert.equal(m.find(b("a")), 3);
  assert.equal(m.rfind(b("a")), 3);
  assert.equal(m.find(b("")), 1);
  assert.equal(m.find(b(""), 200), 16);
  assert.equal(m.rfind(b("")), 16);
  assert.equal(m.find(b(""), 5, 3), -1);
});

Deno.test("mmap test_find_does_not_access_beyond_buffer: searching near a PROT_NONE guard", () => {
  for (let i = 0; i < 64; i++) {
    using _guard = new mmap(-1, PAGESIZE * (i + 1), {
      flags: MAP_PRIVATE | MAP_ANONYMOUS,
      prot: 0,
    });
    using fm = new mmap(-1, PAGESIZE * (i + 8), {
      flags: MAP_PRIVATE | MAP_ANONYMOUS,
      prot: PROT_READ,
    });
    assert.equal(fm.find(b("fo"), -2), -1);
  }
});

Deno.test("mmap test_double_close: close() twice is fine", () => {
  using f = tempFile("a".repeat(1 << 16), "r");
  const m = new mmap(f.fd, 1 << 16, { access: ACCESS_READ });
  m.close();
  m.close();
  assert.ok(m.closed);
});

Deno.test("mmap test_entire_file: length 0 maps the whole file", () => {
  using f = tempFile("m".repeat(1 << 16));
  using m = new mmap(f.fd, 0);
  assert.equal(m.length, 1 << 16);
  assert.equal(s(m.read(1 << 16)), "m".repeat(1 << 16));
});

Deno.test("mmap test_length_0_offset: length 0 with an offset maps the rest", () => {
  using f = tempFile("m".repeat(65536 * 2), "r");
  using m = new mmap(f.fd, 0, { offset: 65536, access: ACCESS_READ });
  assert.equal(m.length, 65536);
  assert.throws(() => m.get(80000), IndexError);
});

Deno.test("mmap test_length_0_large_offset: an offset past the end is a ValueError", () => {
  using f = tempFile("m".repeat(115699));
  assert.throws(
    () => new mmap(f.fd, 0, { offset: 2147418112 }),
    /mmap offset is greater than file size/,
  );
});

Deno.test("mmap test_move: overlapping ranges, every combination, and bad ranges", () => {
  using f = tempFile("ABCDEabcde");
  const mf = new mmap(f.fd, 10);
  mf.move(5, 0, 5);
  assert.equal(s(mf.slice()), "ABCDEABCDE");
  mf.close();

  const data = "0123456789";
  for (let dest = 0; dest < data.length; dest++) {
    for (let src = 0; src < data.length; src++) {
      for (let count = 0; count < data.length - Math.max(dest, src); count++) {
        const expected = data.slice(0, dest) + data.slice(src, src + count) +
          data.slice(dest + count);
        using m = new mmap(-1, data.length);
        m.setSlice(0, b(data));
        m.move(dest, src, count);
        assert.equal(s(m.slice()), expected);
      }
    }
  }

  // The segfault test (Issue 5387).
  using m = new mmap(-1, 100);
  const offsets = [-100, -1, 0, 1, 100];
  for (const source of offsets) {
    for (const dest of offsets) {
      for (const size of offsets) {
        try {
          m.move(source, dest, size);
        } catch (e) {
          assert.ok(e instanceof ValueError);
        }
      }
    }
  }
  for (
    const [source, dest, size] of [
      [-1, -1, -1],
      [-1, -1, 0],
      [-1, 0, -1],
      [0, -1, -1],
      [-1, 0, 0],
      [0, -1, 0],
      [0, 0, -1],
    ]
  ) {
    assert.throws(() => m.move(source!, dest!, size!), ValueError);
  }
  using one = new mmap(-1, 1);
  assert.throws(() => one.move(0, 0, 2), ValueError);
  assert.throws(() => one.move(1, 0, 1), ValueError);
  assert.throws(() => one.move(0, 1, 1), ValueError);
  one.move(0, 0, 1);
  one.move(0, 0, 0);
});

Deno.test("mmap test_anonymous: zero-filled, and every byte value round-trips", () => {
  using m = new mmap(-1, PAGESIZE);
  for (let x = 0; x < PAGESIZE; x++) assert.equal(m.get(x), 0);
  for (let x = 0; x < PAGESIZE; x++) {
    m.set(x, x & 0xff);
    assert.equal(m.get(x), x & 0xff);
  }
});

Deno.test("mmap test_read_all: no argument, null or a negative n reads to the end", () => {
  using m = new mmap(-1, 16);
  const all = Uint8Array.from({ length: 16 }, (_, i) => i);
  m.write(all);
  m.seek(0);
  assert.deepEqual(m.read(), all);
  m.seek(8);
  assert.deepEqual(m.read(), all.slice(8));
  m.seek(16);
  assert.deepEqual(m.read(), new Uint8Array(0));
  m.seek(3);
  assert.deepEqual(m.read(null), all.slice(3));
  m.seek(4);
  assert.deepEqual(m.read(-1), all.slice(4));
  m.seek(5);
  assert.deepEqual(m.read(-2), all.slice(5));
  m.seek(9);
  assert.deepEqual(m.read(-42), all.slice(9));
});

Deno.test("mmap test_read_invalid_arg: read() of a non-integer is a TypeError", () => {
  using m = new mmap(-1, 16);
  // @ts-expect-error: testing a bad argument
  assert.throws(() => m.read("foo"), TypeError);
  assert.throws(() => m.read(5.5), TypeError);
  // @ts-expect-error: testing a bad argument
  assert.throws(() => m.read([1, 2, 3]), TypeError);
});

Deno.test("mmap.readInto() copies from the position into the buffer and advances", () => {
  using m = new mmap(-1, 10);
  m.write(b("0123456789"));
  m.seek(3);
  const into = new Uint8Array(4);
  assert.equal(m.readInto(into), 4);
  assert.equal(s(into), "3456");
  assert.equal(m.tell(), 7);
  // Near the end: fewer bytes, the rest of the buffer untouched.
  into.fill(0x2e);
  assert.equal(m.readInto(into), 3);
  assert.equal(s(into), "789.");
  assert.equal(m.readInto(into), 0);
  assert.equal(m.tell(), 10);
  // Any view or an ArrayBuffer, at its own offset.
  m.seek(0);
  const ab = new ArrayBuffer(6);
  assert.equal(m.readInto(new DataView(ab, 2, 2)), 2);
  assert.equal(s(new Uint8Array(ab)), "\0\0" + "01" + "\0\0");
  assert.equal(m.readInto(ab), 6);
  assert.equal(s(new Uint8Array(ab)), "234567");
});

Deno.test("mmap.readInto() refuses what is not bytes-like, and a closed map", () => {
  const m = new mmap(-1, 4);
  // @ts-expect-error: testing a bad argument
  assert.throws(() => m.readInto("abcd"), TypeError);
  assert.equal(m.tell(), 0);
  m.close();
  assert.throws(() => m.readInto(new Uint8Array(4)), ValueError);
});

/** Python's list slicing, as the reference for extended slices. */
function pySlice<T>(
  list: T[],
  start: number | null,
  stop: number | null,
  step: number,
): T[] {
  const n = list.length;
  const adj = (i: number | null, dflt: number, lo: number, hi: number) => {
    if (i === null) return dflt;
    if (i < 0) i += n;
    return Math.min(Math.max(i, lo), hi);
  };
  const out: T[] = [];
  if (step > 0) {
    const a = adj(start, 0, 0, n), e = adj(stop, n, 0, n);
    for (let i = a; i < e; i += step) out.push(list[i]!);
  } else {
    const a = adj(start, n - 1, -1, n - 1), e = adj(stop, -1, -1, n - 1);
    for (let i = a; i > e; i += step) out.push(list[i]!);
  }
  return out;
}

Deno.test("mmap test_extended_getslice: slice(start, end, step) as Python's slicing", () => {
  const data = Uint8Array.from({ length: 256 }, (_, i) => 255 - i);
  using m = new mmap(-1, data.length);
  m.setSlice(0, data);
  assert.deepEqual(m.slice(), data);
  const indices = [
    0,
    null,
    1,
    3,
    19,
    300,
    Number.MAX_SAFE_INTEGER,
    -1,
    -2,
    -31,
    -300,
  ];
  for (const start of indices) {
    for (const stop of indices) {
      for (const step of indices.slice(1)) {
        const st = step ?? 1;
        assert.deepEqual(
          [...m.slice(start, stop, step)],
          pySlice([...data], start, stop, st),
          `[${start}:${stop}:${step}]`,
        );
      }
    }
  }
  assert.throws(() => m.slice(0, 10, 0), ValueError);
});

Deno.test("mmap test_empty_file: length 0 on an empty file is a ValueError", () => {
  using f = tempFile("", "r");
  assert.throws(
    () => new mmap(f.fd, 0, { access: ACCESS_READ }),
    { name: "ValueError", message: "cannot mmap an empty file" },
  );
});

Deno.test("mmap test_offset: bad offsets, a valid one, and resize keeps the offset", () => {
  const halfsize = ALLOCATIONGRANULARITY;
  const data = new Uint8Array(2 * halfsize);
  data.set(b("foo"), halfsize);
  using f = tempFile(data);
  const mapsize = halfsize * 2;
  assert.throws(() => new mmap(f.fd, mapsize, { offset: -2 }), OverflowError);
  assert.throws(() => new mmap(f.fd, mapsize, { offset: -1 }), OverflowError);
  // @ts-expect-error: testing a bad argument
  assert.throws(() => new mmap(f.fd, mapsize, { offset: null }), TypeError);
  assert.throws(() => new mmap(f.fd, 10, { offset: 1 }), (e: unknown) => {
    assert.ok(e instanceof OSError);
    assert.equal(e.errno, 22);
    assert.equal(e.message, "[Errno 22] Invalid argument"); // as Python
    return true;
  });

  const m = new mmap(f.fd, mapsize - halfsize, { offset: halfsize });
  assert.equal(s(m.slice(0, 3)), "foo");
  m.resize(512);
  assert.equal(m.length, 512);
  assert.throws(() => m.seek(513, 0), ValueError);
  assert.equal(s(m.slice(0, 3)), "foo");
  assert.equal(Deno.statSync(f.path).size, halfsize + 512);
  assert.equal(m.size(), halfsize + 512);
  m.close();
});

Deno.test("mmap test_prot_readonly: prot=PROT_READ refuses writes", () => {
  using f = tempFile("a".repeat(10), "r");
  using m = new mmap(f.fd, 10, { prot: PROT_READ });
  assert.throws(() => m.write(b("foo")), TypeError);
});

Deno.test("mmap test_error: mmap.error is OSError", () => {
  assert.equal(error, OSError);
});

Deno.test("mmap test_io_methods: writeByte, readByte, read, write and the position", () => {
  const data = "0123456789";
  using f = tempFile("x".repeat(data.length));
  using m = new mmap(f.fd, data.length);
  for (let i = 0; i < data.length; i++) {
    assert.equal(m.tell(), i);
    m.writeByte(data.charCodeAt(i));
    assert.equal(m.tell(), i + 1);
  }
  assert.throws(() => m.writeByte(120), ValueError);
  assert.equal(s(m.slice()), data);
  m.seek(0);
  for (let i = 0; i < data.length; i++) {
    assert.equal(m.tell(), i);
    assert.equal(m.readByte(), data.charCodeAt(i));
    assert.equal(m.tell(), i + 1);
  }
  assert.throws(() => m.readByte(), ValueError);
  m.seek(3);
  assert.equal(s(m.read(3)), "345");
  assert.equal(m.tell(), 6);
  m.seek(3);
  m.write(b("bar"));
  assert.equal(m.tell(), 6);
  assert.equal(s(m.slice()), "012bar6789");
  m.write(new DataView(b("baz").buffer));
  assert.equal(m.tell(), 9);
  assert.equal(s(m.slice()), "012barbaz9");
  assert.throws(() => m.write(b("ba")), ValueError);
});

Deno.test("mmap test_non_ascii_byte: bytes above 127", () => {
  for (const v of [129, 200, 255]) {
    using m = new mmap(-1, 1);
    m.writeByte(v);
    assert.equal(m.get(0), v);
    m.seek(0);
    assert.equal(m.readByte(), v);
  }
});

Deno.test("mmap.readline() reads up to and including each newline", () => {
  using m = new mmap(-1, 16);
  m.write(b("hello\nworld\nxyz"));
  m.seek(0);
  assert.equal(s(m.readline()), "hello\n");
  assert.equal(s(m.readline()), "world\n");
  assert.equal(s(m.readline()), "xyz\0");
  assert.equal(m.tell(), 16);
  assert.equal(s(m.readline()), "");
});

Deno.test("mmap test_context_manager: using closes the map", () => {
  let outer: mmap;
  {
    using m = new mmap(-1, 10);
    outer = m;
    assert.equal(m.closed, false);
  }
  assert.equal(outer.closed, true);
});

Deno.test("mmap test_context_manager_exception: the error passes and the map is closed", () => {
  let outer: mmap | undefined;
  assert.throws(() => {
    using m = new mmap(-1, 10);
    outer = m;
    throw new OSError("boom");
  }, OSError);
  assert.equal(outer?.closed, true);
});

Deno.test("mmap test_write_returning_the_number_of_bytes_written", () => {
  using m = new mmap(-1, 16);
  assert.equal(m.write(b("")), 0);
  assert.equal(m.write(b("x")), 1);
  assert.equal(m.write(b("yz")), 2);
  assert.equal(m.write(b("python")), 6);
});

Deno.test("mmap test_resize_past_pos: the position stays past a shrunk end", () => {
  using m = new mmap(-1, 8192);
  m.read(5000);
  m.resize(4096);
  assert.equal(m.tell(), 5000);
  assert.equal(m.read(14).length, 0);
  assert.throws(() => m.readByte(), ValueError);
  assert.throws(() => m.writeByte(42), ValueError);
  assert.throws(() => m.write(b("abc")), ValueError);
});

Deno.test("mmap test_flush_return_value: flush() of an anonymous map; an unaligned offset is EINVAL", () => {
  using m = new mmap(-1, 16);
  m.write(b("python"));
  assert.equal(m.flush(), undefined);
  assert.throws(() => m.flush(1, 6), (e: unknown) => {
    assert.ok(e instanceof OSError);
    assert.equal(e.errno, 22);
    return true;
  });
  assert.throws(() => m.flush(0, 17), {
    name: "ValueError",
    message: "flush values out of range",
  });
  assert.throws(() => m.flush(-1, 1), ValueError);
  m.flush(0, 0);
});

Deno.test("mmap test_repr: toString() is Python's repr", () => {
  const mapsizes = [50, 100, 1_000, 1_000_000];
  for (const mapsize of mapsizes) {
    const offset = Math.floor(mapsize / 2 / ALLOCATIONGRANULARITY) *
      ALLOCATIONGRANULARITY;
    const length = mapsize - offset;
    using f = tempFile(new Uint8Array(mapsize).fill(97));
    for (
      const access of [
        "ACCESS_DEFAULT",
        "ACCESS_READ",
        "ACCESS_COPY",
        "ACCESS_WRITE",
      ]
    ) {
      const accint = {
        ACCESS_DEFAULT,
        ACCESS_READ,
        ACCESS_COPY,
        ACCESS_WRITE,
      }[access]!;
      for (const pos of [0, Math.floor(length / 10), Math.floor(length / 4)]) {
        const m = new mmap(f.fd, length, { access: accint, offset });
        m.seek(pos);
        assert.equal(
          String(m),
          `<mmap.mmap closed=False, access=${access}, length=${length}, pos=${pos}, offset=${offset}>`,
        );
        assert.equal(Deno.inspect(m), String(m));
        m.close();
        assert.equal(String(m), "<mmap.mmap closed=True>");
      }
    }
  }
});

Deno.test("mmap test_madvise: bounds, and every valid call", () => {
  const size = 2 * PAGESIZE;
  using m = new mmap(-1, size);
  assert.throws(
    () => m.madvise(MADV_NORMAL, size),
    /madvise start out of bounds/,
  );
  assert.throws(
    () => m.madvise(MADV_NORMAL, -1),
    /madvise start out of bounds/,
  );
  assert.throws(() => m.madvise(MADV_NORMAL, 0, -1), /madvise length invalid/);
  assert.throws(
    () => m.madvise(MADV_NORMAL, PAGESIZE, Number.MAX_SAFE_INTEGER),
    (e: unknown) =>
      e instanceof OverflowError && /madvise length too large/.test(e.message),
  );
  assert.equal(m.madvise(MADV_NORMAL), undefined);
  m.madvise(MADV_NORMAL, PAGESIZE);
  m.madvise(MADV_NORMAL, PAGESIZE, size);
  m.madvise(MADV_NORMAL, 0, 2);
  m.madvise(MADV_NORMAL, 0, size);
  assert.throws(
    () => m.madvise(9999),
    (e: unknown) => e instanceof OSError && e.errno === 22,
  );
});

Deno.test("mmap test_mmap_closed_by_int_scenarios: every method of a closed map is a ValueError", () => {
  using f = tempFile(new Uint8Array(100));
  for (
    const access of [ACCESS_READ, ACCESS_WRITE, ACCESS_COPY, ACCESS_DEFAULT]
  ) {
    const m = new mmap(f.fd, 100, { access });
    m.close();
    const calls: [string, () => unknown][] = [
      ["get", () => m.get(10)],
      ["slice", () => m.slice(10, 20)],
      ["slice step", () => m.slice(20, 10, -2)],
      ["read", () => m.read(10)],
      ["readline", () => m.readline()],
      ["readByte", () => m.readByte()],
      ["find", () => m.find(b("1"), 1, 10)],
      ["rfind", () => m.rfind(b("1"))],
      ["set", () => m.set(10, 1)],
      ["setSlice", () => m.setSlice(10, b("1".repeat(10)))],
      ["move", () => m.move(1, 2, 10)],
      ["write", () => m.write(b("1"))],
      ["writeByte", () => m.writeByte(10)],
      ["seek", () => m.seek(0)],
      ["tell", () => m.tell()],
      ["size", () => m.size()],
      ["length", () => m.length],
      ["buffer", () => m.buffer],
      ["flush", () => m.flush()],
      ["madvise", () => m.madvise(MADV_NORMAL)],
      ["resize", () => m.resize(10)],
    ];
    for (const [name, call] of calls) {
      assert.throws(
        call,
        /mmap closed or invalid/,
        `${name} (access ${access})`,
      );
    }
  }
});

Deno.test("mmap test_large_offset: an offset beyond 4 GiB in a sparse file", () => {
  using f = tempFile("", "r+");
  Deno.truncateSync(f.path, 0x14FFFFFFF + 1);
  const fh = Deno.openSync(f.path, { write: true });
  fh.seekSync(0x14FFFFFFF, Deno.SeekMode.Start);
  fh.writeSync(b(" "));
  fh.close();
  using m = new mmap(f.fd, 0, { offset: 0x140000000, access: ACCESS_READ });
  assert.equal(m.get(0xFFFFFFF), 32);
});

Deno.test("mmap test_large_filesize: size() is the file's size, larger than the map", () => {
  using f = tempFile("", "r+");
  Deno.truncateSync(f.path, 0x180000000);
  using m = new mmap(f.fd, 0x10000, { access: ACCESS_READ });
  assert.equal(m.size(), 0x180000000);
  assert.equal(m.length, 0x10000);
});

Deno.test("mmap test_around_2GB and 4GB: reads across the boundaries of a whole-file map", () => {
  for (const boundary of [2 ** 31, 2 ** 32]) {
    const tail = "  DEARdear  ";
    const start = boundary - tail.length / 2;
    using f = tempFile("", "r+");
    const fh = Deno.openSync(f.path, { write: true });
    fh.seekSync(start, Deno.SeekMode.Start);
    fh.writeSync(b(tail));
    fh.close();
    using m = new mmap(f.fd, 0, { access: ACCESS_READ });
    assert.equal(s(m.slice(start, start + tail.length)), tail);
    assert.equal(m.buffer.length, start + tail.length);
  }
});

Deno.test("mmap.size() of an anonymous map is an OSError (EBADF), as Python", () => {
  using m = new mmap(-1, 100);
  assert.throws(
    () => m.size(),
    (e: unknown) => e instanceof OSError && e.errno === 9,
  );
});

Deno.test("mmap.fromPath() maps a file by path and closes its own descriptor", () => {
  using f = tempFile("hello world");
  {
    using m = mmap.fromPath(f.path);
    assert.equal(s(m.read(5)), "hello");
    m.setSlice(0, b("HELLO"));
  }
  assert.equal(Deno.readTextFileSync(f.path), "HELLO world");
  using r = mmap.fromPath(new URL(`file://${f.path}`), {
    access: ACCESS_READ,
    length: 5,
  });
  assert.equal(s(r.slice()), "HELLO");
  assert.throws(
    () => mmap.fromPath("/no/such/file"),
    (e: unknown) => e instanceof OSError && e.errno === 2,
  );
});

Deno.test("mmap.fromPath() of a read-only file: ACCESS_READ and ACCESS_COPY work, a writable map is a PermissionError", () => {
  using f = tempFile("data");
  Deno.chmodSync(f.path, 0o444);
  using r = mmap.fromPath(f.path, { access: ACCESS_READ });
  assert.equal(s(r.slice()), "data");
  using c = mmap.fromPath(f.path, { access: ACCESS_COPY });
  c.set(0, 68);
  assert.equal(s(c.slice()), "Data");
  if (Deno.uid() !== 0) {
    assert.throws(() => mmap.fromPath(f.path), PermissionError);
  }
});

Deno.test("mmap on a read-only descriptor: ACCESS_WRITE is a PermissionError (EACCES)", () => {
  using f = tempFile("data", "r");
  assert.throws(
    () => new mmap(f.fd, 4, { access: ACCESS_WRITE }),
    (e: unknown) => e instanceof PermissionError && e.errno === 13,
  );
});

Deno.test("mmap constants have Linux's values", () => {
  assert.equal(PAGESIZE, 4096);
  assert.equal(ALLOCATIONGRANULARITY, 4096);
  assert.equal(PROT_WRITE, 2);
});

Deno.test("mmap error messages are CPython 3.11's, verbatim", () => {
  // Each message as python3 prints it for the same call.
  using f = tempFile("x".repeat(100));
  using m = new mmap(f.fd, 100);
  using r = new mmap(f.fd, 100, { access: ACCESS_READ });
  const cases: [() => unknown, string, string][] = [
    [
      () => new mmap(-1, -1),
      "OverflowError",
      "memory mapped length must be positive",
    ],
    [
      () => new mmap(f.fd, 10, { offset: -1 }),
      "OverflowError",
      "memory mapped offset must be positive",
    ],
    [
      () => new mmap(f.fd, 10, { access: 9 }),
      "ValueError",
      "mmap invalid access parameter.",
    ],
    [
      () => new mmap(f.fd, 10, { access: ACCESS_READ, flags: MAP_PRIVATE }),
      "ValueError",
      "mmap can't specify both access and flags, prot.",
    ],
    [
      () => new mmap(f.fd, 0, { offset: ALLOCATIONGRANULARITY * 2 }),
      "ValueError",
      "mmap offset is greater than file size",
    ],
    [
      () => new mmap(f.fd, 200),
      "ValueError",
      "mmap length is greater than file size",
    ],
    [() => new mmap(-1, 0), "OSError", "[Errno 22] Invalid argument"],
    [
      () => new mmap(f.fd, 10, { offset: 5 }),
      "OSError",
      "[Errno 22] Invalid argument",
    ],
    [() => m.get(200), "IndexError", "mmap index out of range"],
    [() => m.set(200, 1), "IndexError", "mmap index out of range"],
    [
      () => m.set(0, 300),
      "ValueError",
      "mmap item value must be in range(0, 256)",
    ],
    [
      () => m.setSlice(99, b("abc")),
      "IndexError",
      "mmap slice assignment is wrong size",
    ],
    [() => m.slice(0, 10, 0), "ValueError", "slice step cannot be zero"],
    [() => (m.seek(100), m.readByte()), "ValueError", "read byte out of range"],
    [
      () => (m.seek(100), m.writeByte(1)),
      "ValueError",
      "write byte out of range",
    ],
    [() => (m.seek(100), m.write(b("a"))), "ValueError", "data out of range"],
    [
      () => (m.seek(0), m.writeByte(300)),
      "OverflowError",
      "unsigned byte integer is greater than maximum",
    ],
    [
      () => m.writeByte(-1),
      "OverflowError",
      "unsigned byte integer is less than minimum",
    ],
    [() => m.seek(0, 5), "ValueError", "unknown seek type"],
    [() => m.seek(500), "ValueError", "seek out of range"],
    [
      () => m.move(90, 0, 20),
      "ValueError",
      "source, destination, or count out of range",
    ],
    [() => m.flush(90, 20), "ValueError", "flush values out of range"],
    [
      () => m.madvise(MADV_NORMAL, 200),
      "ValueError",
      "madvise start out of bounds",
    ],
    [
      () => m.madvise(MADV_NORMAL, 0, -1),
      "ValueError",
      "madvise length invalid",
    ],
    [() => m.resize(-1), "ValueError", "new size out of range"],
    [
      () => r.write(b("a")),
      "TypeError",
      "mmap can't modify a readonly memory map.",
    ],
    [
      () => r.resize(10),
      "TypeError",
      "mmap can't resize a readonly or copy-on-write memory map.",
    ],
  ];
  for (const [call, name, message] of cases) {
    assert.throws(call, { name, message });
  }
  m.close();
  assert.throws(() => m.read(1), {
    name: "ValueError",
    message: "mmap closed or invalid",
  });
});
