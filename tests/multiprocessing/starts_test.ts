/**
 * What a child process loads to start: shareable classes only as it meets
 * them (its assignment's ahead, the others on demand), and the table that
 * says which module registers which class.
 */
import assert from "node:assert/strict";
import {
  Event,
  Lock,
  Process,
  Queue,
  Value,
} from "../../multiprocessing/mod.ts";
import { SharedMemory } from "../../multiprocessing/shared_memory/mod.ts";
import { useSpares } from "../../_internal/process/launch.ts";
import { encode } from "../../_internal/codec/encode.ts";
import {
  knownShareableTags,
  missingShareableModules,
  shareableModule,
} from "../../_internal/shareable_modules.ts";
import { registeredShareableTags } from "../../_internal/codec/shareable.ts";
import { mpTest, runScript } from "./_helpers.ts";

const CODEC = new URL("../../_internal/codec/shareable.ts", import.meta.url)
  .href;

/** A child's target: the shareable tags registered in it, sorted. */
const registeredIn = async (codecUrl: string, q: Queue<string[]>) => {
  const m = await import(codecUrl);
  q.putSync([...m.registeredShareableTags()].sort());
};

Deno.test("shareable_modules: the table names every tag shareables.ts registers", async () => {
  await import("../../_internal/shareables.ts");
  assert.deepEqual(
    [...registeredShareableTags()].sort(),
    [...knownShareableTags()].sort(),
  );
  assert.equal(shareableModule("no.such.Tag"), undefined);
  assert.equal(shareableModule("toString"), undefined);
});

Deno.test("shareable_modules: each tag's module registers it (in a fresh program)", async () => {
  const r = await runScript("shareable_table.ts");
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out.trim(), `${knownShareableTags().length} tags`);
});

Deno.test("missingShareableModules(): finds the tags of an encoded value, across chunk boundaries", async () => {
  await import("../../_internal/shareables.ts");
  // Everything is registered here: nothing is missing.
  const lock = new Lock();
  assert.deepEqual(missingShareableModules(encode([lock]).bytes), []);
  // As if nothing were loaded: the tags of the value's shareables, and
  // tag-like text wherever it lies in a large value (the scan reads 1 MiB
  // chunks); unknown names are not modules.
  const none = () => false;
  assert.deepEqual(missingShareableModules(encode([lock]).bytes, none), [
    shareableModule("multiprocessing.Lock"),
  ]);
  for (const pad of [0, (1 << 20) - 10, (1 << 20) - 30, 3 << 20]) {
    const text = "x".repeat(pad) + "shared_memory.SharedMemory";
    assert.deepEqual(missingShareableModules(encode(text).bytes, none), [
      shareableModule("shared_memory.SharedMemory"),
    ]);
    const unknown = "x".repeat(pad) + "multiprocessing.NoSuchClass";
    assert.deepEqual(missingShareableModules(encode(unknown).bytes, none), []);
  }
  const two = encode([new Value("i", 1), new Queue(), "queue.Queue"]).bytes;
  assert.deepEqual(
    missingShareableModules(two, none).sort(),
    [
      shareableModule("multiprocessing.Value"),
      shareableModule("multiprocessing.Queue"),
      shareableModule("queue.Queue"),
    ].sort(),
  );
});

mpTest(
  "Process: a cold child on a function loads no shareable class it does not meet",
  async () => {
    useSpares(false);
    try {
      const q = new Queue<string[]>();
      const p = new Process({ target: registeredIn, args: [CODEC, q] });
      p.start();
      const tags = await q.get();
      await p.join();
      assert.equal(p.exitcode, 0);
      // The queue of its arguments (and the classes its module loads).
      assert.ok(tags.includes("multiprocessing.Queue"), tags.join());
      for (const absent of ["threading.Lock", "shared_memory.SharedMemory"]) {
        assert.ok(!tags.includes(absent), `${absent} loaded: ${tags}`);
      }
      assert.ok(tags.length < knownShareableTags().length);
    } finally {
      useSpares(true);
    }
  },
);

mpTest(
  "Process: a cold child receives classes it never loaded (in queue items) and uses them",
  async () => {
    useSpares(false);
    try {
      const q = new Queue<unknown>();
      const back = new Queue<unknown>();
      const p = new Process({
        target: (q: Queue<unknown>, back: Queue<unknown>) => {
          const [lock, ev, shm, v] = q.getSync() as [
            Lock,
            Event,
            SharedMemory,
            Value<"i">,
          ];
          lock.acquireSync();
          lock.release();
          ev.set();
          shm.buf[0] = 42;
          shm.close();
          v.value = 7;
          back.putSync([lock.constructor.name, shm.constructor.name]);
        },
        args: [q, back],
      });
      p.start();
      const lock = new Lock(), ev = new Event(), v = new Value("i", 0);
      const shm = new SharedMemory({ create: true, size: 16 });
      try {
        q.putSync([lock, ev, shm, v]);
        assert.deepEqual(await back.get(), ["Lock", "SharedMemory"]);
        await p.join();
        assert.equal(p.exitcode, 0);
        assert.ok(ev.isSet());
        assert.equal(shm.buf[0], 42);
        assert.equal(v.value, 7);
        assert.ok(lock.acquireSync(false));
        lock.release();
      } finally {
        shm.close();
        shm.unlink();
      }
    } finally {
      useSpares(true);
    }
  },
);

mpTest(
  "Process: a cold child gets the classes of its arguments before they decode",
  async () => {
    useSpares(false);
    try {
      const v = new Value("d", 0);
      const shm = new SharedMemory({ create: true, size: 8 });
      try {
        const p = new Process({
          target: (v: Value<"d">, shm: SharedMemory) => {
            v.value = 1.5;
            shm.buf[7] = 9;
            shm.close();
          },
          args: [v, shm],
        });
        p.start();
        await p.join();
        assert.equal(p.exitcode, 0);
        assert.equal(v.value, 1.5);
        assert.equal(shm.buf[7], 9);
      } finally {
        shm.close();
        shm.unlink();
      }
    } finally {
      useSpares(true);
    }
  },
);

for (
  const [what, read] of [
    ["may not read the library's files", "/nonexistent"],
    [
      "may read only the library's files",
      new URL("../../", import.meta.url).pathname,
    ],
  ]
) {
  Deno.test(`Process: a program that ${what} starts children that receive any class`, async () => {
    const r = await runScript("partial_read.ts", {
      flags: ["--allow-ffi", "--allow-run", `--allow-read=${read}`],
    });
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, "Lock 5\n0\n");
  });
}
