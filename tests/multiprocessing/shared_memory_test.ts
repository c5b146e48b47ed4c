/**
 * shared_memory: CPython's test_shared_memory_basics, _ShareableList_basics,
 * _SharedMemoryManager_basics and _across_processes, and interoperation
 * with CPython 3.11 (`python3`) in both directions.
 */
import assert from "node:assert/strict";
import {
  FileExistsError,
  FileNotFoundError,
  IndexError,
  Process,
  ProcessError,
  ValueError,
} from "../../multiprocessing/mod.ts";
import {
  ShareableList,
  SharedMemory,
  SharedMemoryManager,
  type SharedMemoryOptions,
} from "../../multiprocessing/shared_memory/mod.ts";
import { mpTest, shmEntries } from "./_helpers.ts";

const decoder = new TextDecoder();
let counter = 0;
/** A fresh name for this test run (CPython's _new_shm_name). */
const newName = (prefix: string) => `test_${prefix}_${Deno.pid}_${++counter}`;

/**
 * Runs python3 with `code`; `lines` are fed on stdin when asked.
 * The Python side unregisters attached segments from its own resource
 * tracker (CPython 3.11's tracker would unlink them at its exit).
 */
async function python(
  code: string,
  args: string[] = [],
): Promise<string> {
  const out = await new Deno.Command("python3", {
    args: ["-c", code, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const err = decoder.decode(out.stderr);
  assert.equal(out.code, 0, `python3 failed: ${err}`);
  assert.doesNotMatch(err, /leaked|Traceback/, err);
  return decoder.decode(out.stdout).trim();
}

mpTest("SharedMemory: CPython's test_shared_memory_basics", () => {
  const name = newName("tsmb");
  const sms = new SharedMemory({ name, create: true, size: 512 });
  try {
    assert.equal(sms.name, name);
    assert.ok(sms.size >= 512);
    assert.ok(sms.buf.length >= sms.size);
    assert.ok(String(sms).includes(sms.name));
    assert.ok(String(sms).includes(String(sms.size)));
    sms.buf[0] = 42;
    assert.equal(sms.buf[0], 42);
    const also = new SharedMemory({ name });
    assert.equal(also.buf[0], 42);
    also.close();
    // Attaching with a size: the size is ignored.
    const same = new SharedMemory({ name, size: 20 * sms.size });
    assert.ok(same.size < 20 * sms.size);
    same.close();
    assert.throws(
      () => new SharedMemory({ create: true, size: -2 }),
      ValueError,
    );
    assert.throws(
      () => new SharedMemory({ create: true, size: 0 }),
      ValueError,
    );
    assert.throws(() => new SharedMemory({ create: false }), ValueError);
    // Posix shared memory can only be unlinked once.
    const dbl = newName("dblunlink");
    const uno = new SharedMemory({ name: dbl, create: true, size: 5000 });
    assert.ok(uno.size >= 5000);
    const duo = new SharedMemory({ name: dbl });
    duo.unlink();
    duo.close();
    uno.close();
    assert.throws(() => uno.unlink(), FileNotFoundError);
    assert.throws(
      () => new SharedMemory({ name, create: true, size: 512 }),
      FileExistsError,
    );
    assert.throws(
      () => new SharedMemory({ name: newName("notthere") }),
      FileNotFoundError,
    );
  } finally {
    sms.close();
    sms.unlink();
  }
});

mpTest(
  "SharedMemory: bad sizes and names are refused before anything is created, with Python's errors",
  () => {
    const before = shmEntries();
    const refused: [SharedMemoryOptions, string, string | RegExp][] = [
      // A RangeError after the segment was created, which stayed behind.
      [
        { create: true, size: Infinity },
        "TypeError",
        "'float' object cannot be interpreted as an integer",
      ],
      [
        { create: true, size: 2.5 },
        "TypeError",
        "'float' object cannot be interpreted as an integer",
      ],
      [
        { create: true, size: NaN },
        "ValueError",
        "'size' must be a positive integer",
      ],
      [{ create: true, size: 2 ** 60 }, "OverflowError", /too large/],
      // Created "a" and reported "a\0b", which nobody could unlink.
      [
        { name: newName("nul") + "\0b", create: true, size: 8 },
        "ValueError",
        "embedded null byte",
      ],
      [
        { name: "\ud800" + newName("sur"), create: true, size: 8 },
        "ValueError",
        "'utf-8' codec can't encode character '\\ud800' in position 1: surrogates not allowed", // after the "/", as Python
      ],
      [
        { name: "a/b", create: true, size: 8 },
        "OSError",
        "[Errno 22] Invalid argument: '/a/b'",
      ],
      [
        { name: "x".repeat(300), create: true, size: 8 },
        "OSError",
        /^\[Errno 22\] Invalid argument/,
      ],
      // Address space, not memory: mmap fails after the segment exists.
      [
        { create: true, size: 2 ** 50 },
        "OSError",
        /^\[Errno 12\] Cannot allocate memory/,
      ],
      [
        { name: newName("big"), create: true, size: 2 ** 50 },
        "OSError",
        /^\[Errno 12\]/,
      ],
    ];
    for (const [options, name, message] of refused) {
      assert.throws(() => new SharedMemory(options), { name, message });
    }
    // Attaching ignores the size, as Python.
    const shm = new SharedMemory({ create: true, size: 8 });
    const also = new SharedMemory({ name: shm.name, size: 2.5 });
    assert.equal(also.size, 8);
    also.close();
    shm.close();
    shm.unlink();
    const left = [...shmEntries()].filter((n) => !before.has(n));
    assert.deepEqual(left, [], "no segment left behind");
  },
);

mpTest(
  "SharedMemory: a generated name is CPython's psm_ and 8 hex digits",
  () => {
    const shm = new SharedMemory({ create: true, size: 1 });
    try {
      assert.match(shm.name, /^psm_[0-9a-f]{8}$/);
      assert.ok(shmEntries().has(shm.name));
    } finally {
      shm.close();
      shm.unlink();
    }
    assert.ok(!shmEntries().has(shm.name));
  },
);

mpTest(
  "SharedMemory: close() detaches every view of buf; an empty segment cannot be attached",
  () => {
    const shm = new SharedMemory({ create: true, size: 64 });
    const view = shm.buf;
    const sub = shm.buf.subarray(8, 16);
    view[0] = 1;
    shm.close();
    shm.close(); // twice is harmless
    assert.equal(view.length, 0);
    assert.equal(sub.length, 0);
    assert.equal(shm.buf.length, 0);
    shm.unlink();
    const empty = newName("empty");
    Deno.writeFileSync(`/dev/shm/${empty}`, new Uint8Array(0));
    try {
      assert.throws(
        () => new SharedMemory({ name: empty }),
        /cannot mmap an empty file/,
      );
    } finally {
      Deno.removeSync(`/dev/shm/${empty}`);
    }
  },
);

mpTest(
  "SharedMemory: across processes, passed in args (test_shared_memory_across_processes)",
  async () => {
    using sms = new SharedMemory({ create: true, size: 512 });
    try {
      const p = new Process({
        target: (sms: SharedMemory, name: string) => {
          sms.buf.set(new TextEncoder().encode("howdy"));
          // Also attachable by name in the child.
          const byName = new (sms.constructor as typeof SharedMemory)({ name });
          byName.buf[5] = 33;
          byName.close();
        },
        args: [sms, sms.name],
      });
      p.start();
      await p.join();
      assert.equal(p.exitcode, 0);
      assert.equal(decoder.decode(sms.buf.slice(0, 6)), "howdy!");
    } finally {
      sms.unlink();
    }
  },
);

mpTest(
  "SharedMemory: a segment created here is attached by CPython's SharedMemory(name)",
  async () => {
    using shm = new SharedMemory({ create: true, size: 1024 });
    try {
      shm.buf.set(new TextEncoder().encode("from deno"));
      const out = await python(
        `
import sys
from multiprocessing import shared_memory, resource_tracker
shm = shared_memory.SharedMemory(sys.argv[1])
resource_tracker.unregister(shm._name, "shared_memory")
print(bytes(shm.buf[:9]).decode(), shm.size)
shm.buf[:11] = b"from python"
shm.close()
`,
        [shm.name],
      );
      assert.equal(out, "from deno 1024");
      assert.equal(decoder.decode(shm.buf.slice(0, 11)), "from python");
    } finally {
      shm.unlink();
    }
  },
);

mpTest(
  "SharedMemory: a segment created by CPython is attached here by name",
  async () => {
    const child = new Deno.Command("python3", {
      args: [
        "-c",
        `
import sys
from multiprocessing import shared_memory
shm = shared_memory.SharedMemory(create=True, size=4096)
shm.buf[:10] = b"python ok!"
print(shm.name, flush=True)
sys.stdin.readline()
print(bytes(shm.buf[10:14]).decode(), flush=True)
shm.close()
shm.unlink()
`,
      ],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    while (!text.includes("\n")) text += (await lines.read()).value ?? "";
    const name = text.trim();
    assert.match(name, /^psm_[0-9a-f]{8}$/);
    const shm = new SharedMemory({ name });
    assert.equal(shm.size, 4096);
    assert.equal(decoder.decode(shm.buf.slice(0, 10)), "python ok!");
    shm.buf.set(new TextEncoder().encode("deno"), 10);
    shm.close();
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode("go\n"));
    await w.close();
    text = "";
    for (;;) {
      const { value, done } = await lines.read();
      if (done) break;
      text += value;
    }
    const status = await child.status;
    const err = decoder.decode(await new Response(child.stderr).arrayBuffer());
    assert.equal(status.code, 0, err);
    assert.equal(text.trim(), "deno");
    assert.doesNotMatch(err, /leaked/);
    assert.ok(!shmEntries().has(name), "python unlinked it");
  },
);

mpTest(
  "ShareableList: CPython's test_shared_memory_ShareableList_basics",
  () => {
    const HoWdY = new TextEncoder().encode("HoWdY");
    const sl = new ShareableList([
      "howdy",
      HoWdY,
      -273.154,
      100,
      null,
      true,
      42,
    ]);
    try {
      assert.ok(String(sl).includes(sl.shm.name));
      assert.equal(
        String(sl),
        `ShareableList(['howdy', b'HoWdY', -273.154, 100, None, True, 42], name='${sl.shm.name}')`,
      );
      assert.throws(() => sl.get(7), IndexError);
      assert.throws(() => sl.set(7, 2), IndexError);
      sl.set(0, "howdy");
      assert.equal(sl.format, "8s8sdqxxxxxx?xxxxxxxx?q");
      assert.equal(sl.length, 7);
      assert.throws(() => sl.index("100"), ValueError);
      assert.equal(sl.index(100), 3);
      assert.equal(sl.get(0), "howdy");
      assert.equal(sl.get(-2), true);
      assert.deepEqual([...sl], [
        "howdy",
        HoWdY,
        -273.154,
        100,
        null,
        true,
        42,
      ]);
      sl.set(3, 42);
      assert.equal(sl.get(3), 42);
      sl.set(4, "some"); // a new type at a position
      assert.equal(sl.get(4), "some");
      assert.equal(sl.format, "8s8sdq8sxxxxxxx?q");
      assert.throws(
        () => sl.set(4, "far too many"),
        /exceeds available storage/,
      );
      assert.equal(sl.get(4), "some");
      sl.set(0, "encodés"); // exactly 8 bytes of UTF-8
      assert.equal(sl.get(0), "encodés");
      assert.deepEqual(sl.get(1), HoWdY, "no spillage");
      assert.throws(() => sl.set(0, "encodées"), /exceeds available storage/);
      assert.throws(
        () => sl.set(1, new TextEncoder().encode("123456789")),
        /exceeds available storage/,
      );
      assert.deepEqual(sl.get(1), HoWdY);
      assert.equal(sl.count(42), 2);
      assert.equal(sl.count(HoWdY), 1);
      assert.equal(sl.count(new TextEncoder().encode("adios")), 0);
      // A duplicate under another name.
      const dupName = newName("duplicate");
      const copy = new ShareableList(sl, { name: dupName });
      try {
        assert.equal(copy.shm.name, dupName);
        assert.deepEqual([...copy], [...sl]);
        assert.equal(copy.format, sl.format);
        copy.set(-1, 77);
        assert.equal(copy.get(-1), 77);
        assert.notEqual(sl.get(-1), 77);
      } finally {
        copy.shm.close();
        copy.shm.unlink();
      }
      // A second handle on the same list.
      const tethered = new ShareableList(null, { name: sl.shm.name });
      tethered.set(-1, 880);
      assert.equal(sl.get(-1), 880);
      tethered.shm.close();
      // Empty list, large ints, bigint, -0.
      const edge = new ShareableList([2n ** 60n, -0, 2 ** 53, ""]);
      assert.deepEqual([...edge], [2n ** 60n, -0, 2 ** 53, ""]);
      assert.equal(edge.format, "qdq8s");
      edge.shm.close();
      edge.shm.unlink();
      const empty = new ShareableList();
      assert.equal(empty.length, 0);
      assert.deepEqual([...empty], []);
      empty.shm.close();
      empty.shm.unlink();
      assert.throws(
        () => new ShareableList([{} as unknown as null]),
        TypeError,
      );
    } finally {
      sl.shm.close();
      sl.shm.unlink();
    }
  },
);

mpTest(
  "ShareableList: written here, read by CPython; written by CPython, read here",
  async () => {
    const sl = new ShareableList([
      "howdy",
      new TextEncoder().encode("HoWdY"),
      -273.154,
      100,
      null,
      true,
      42,
      "ünïcödé",
      2n ** 62n,
    ]);
    const createdFormat = sl.format;
    assert.equal(createdFormat, "8s8sdqxxxxxx?xxxxxxxx?q16sq");
    try {
      const out = await python(
        `
import sys, json
from multiprocessing import shared_memory, resource_tracker
sl = shared_memory.ShareableList(name=sys.argv[1])
resource_tracker.unregister(sl.shm._name, "shared_memory")
print(json.dumps([repr(x) for x in sl]))
print(sl.format)
sl[0] = "hi"
sl[3] = 7.5
sl[4] = b"bytes"
sl[5] = None
sl.shm.close()
`,
        [sl.shm.name],
      );
      const [items, format] = out.split("\n");
      assert.deepEqual(JSON.parse(items!), [
        "'howdy'",
        "b'HoWdY'",
        "-273.154",
        "100",
        "None",
        "True",
        "42",
        "'ünïcödé'",
        "4611686018427387904",
      ]);
      assert.equal(format, createdFormat);
      assert.equal(sl.get(0), "hi");
      assert.equal(sl.get(3), 7.5);
      assert.deepEqual(sl.get(4), new TextEncoder().encode("bytes"));
      assert.equal(sl.get(5), null);
    } finally {
      sl.shm.close();
      sl.shm.unlink();
    }
    const name = newName("from_python");
    const made = await python(
      `
import sys
from multiprocessing import shared_memory, resource_tracker
sl = shared_memory.ShareableList(["a", b"b", 1.5, -2, None, False, "x" * 20, 2**62], name=sys.argv[1])
resource_tracker.unregister(sl.shm._name, "shared_memory")
print(sl.format)
sl.shm.close()
`,
      [name],
    );
    const theirs = new ShareableList(null, { name });
    try {
      assert.equal(theirs.format, made);
      assert.deepEqual([...theirs], [
        "a",
        new TextEncoder().encode("b"),
        1.5,
        -2,
        null,
        false,
        "x".repeat(20),
        2n ** 62n,
      ]);
    } finally {
      theirs.shm.close();
      theirs.shm.unlink();
    }
  },
);

mpTest(
  "ShareableList: passed to a child process, bound to the same memory",
  async () => {
    const sl = new ShareableList([0, "", false]);
    try {
      const p = new Process({
        target: (sl: ShareableList) => {
          sl.set(0, 123);
          sl.set(1, "child");
          sl.set(2, true);
          sl.shm.close();
        },
        args: [sl],
      });
      p.start();
      await p.join();
      assert.deepEqual([...sl], [123, "child", true]);
    } finally {
      sl.shm.close();
      sl.shm.unlink();
    }
  },
);

mpTest(
  "SharedMemoryManager: segments made through it (also by a child) are unlinked at shutdown",
  async () => {
    const smm = new SharedMemoryManager();
    // CPython: ValueError("address type of None unrecognized").
    await assert.rejects(() => smm.SharedMemory(8), {
      name: "ValueError",
      message: "address type of None unrecognized",
    });
    assert.throws(() => smm.ShareableListSync([1]), ValueError);
    await smm.start();
    assert.throws(() => smm.startSync(), ProcessError);
    const shm = await smm.SharedMemory(128);
    const sl = smm.ShareableListSync(["a", 1]);
    assert.equal(shm.size, 128);
    const p = new Process({
      target: (smm: SharedMemoryManager) => {
        const mine = smm.SharedMemorySync(16);
        Deno.exit(mine.size === 16 ? 0 : 1);
      },
      args: [smm],
    });
    p.start();
    await p.join();
    assert.equal(p.exitcode, 0);
    const names = [shm.name, sl.shm.name];
    for (const n of names) assert.ok(shmEntries().has(n));
    const before = [...shmEntries()].filter((n) => n.startsWith("psm_"));
    shm.close();
    sl.shm.close();
    await smm.shutdown();
    await smm.shutdown(); // twice is harmless
    for (const n of names) assert.ok(!shmEntries().has(n), `${n} unlinked`);
    const after = [...shmEntries()].filter((n) => n.startsWith("psm_"));
    assert.equal(
      before.length - after.length >= 3,
      true,
      "the child's segment too",
    );
    await assert.rejects(() => smm.SharedMemory(8), ProcessError);
    {
      await using scoped = new SharedMemoryManager();
      await scoped.start();
      const s = await scoped.SharedMemory(4);
      names.push(s.name);
      s.close();
    }
    assert.ok(!shmEntries().has(names[2]!), "asyncDispose shut it down");
  },
);

Deno.test("ShareableList: get and set after shm.close() throw ValueError", () => {
  const sl = new ShareableList([1, "a"]);
  sl.shm.close();
  assert.throws(() => sl.get(0), ValueError);
  assert.throws(() => sl.set(0, 2), ValueError);
  const again = new ShareableList(undefined, { name: sl.shm.name });
  assert.equal(again.get(0), 1);
  again.shm.close();
  again.shm.unlink();
});
