/**
 * The examples of Python's multiprocessing and shared_memory docs, run as
 * tests with Python's output.
 */
import assert from "node:assert/strict";
import { ValueError } from "../../multiprocessing/mod.ts";
import {
  ShareableList,
  SharedMemory,
} from "../../multiprocessing/shared_memory/mod.ts";
import { mpTest, runScript } from "./_helpers.ts";

async function example(name: string): Promise<string[]> {
  const r = await runScript("docs.ts", { args: [name] });
  assert.equal(r.code, 0, r.err);
  return r.out.trim().split("\n");
}

Deno.test("docs: Process(target=f, args=('bob',)) prints 'hello bob'", async () => {
  assert.deepEqual(await example("hello"), ["hello bob"]);
});

Deno.test("docs: info() in the parent and in a child: module names and pids", async () => {
  const lines = await example("info");
  assert.equal(lines[0], "main line");
  assert.equal(lines[1], "module name: __main__");
  const mainPid = Number(lines[3]!.split(": ")[1]);
  assert.equal(lines[4], "function f");
  // The child imports the script as a module: it is not its main module.
  assert.equal(lines[5], "module name: __mp_main__");
  assert.equal(Number(lines[6]!.split(": ")[1]), mainPid, "the child's parent");
  assert.notEqual(Number(lines[7]!.split(": ")[1]), mainPid);
  assert.equal(lines[8], "hello bob");
});

Deno.test("docs: exchanging objects through a Queue", async () => {
  assert.deepEqual(await example("queue"), ['[42,null,"hello"]']);
});

Deno.test("docs: exchanging objects through a Pipe", async () => {
  assert.deepEqual(await example("pipe"), ['[42,null,"hello"]']);
});

Deno.test("docs: a Lock keeps ten processes' lines whole", async () => {
  const lines = await example("lock");
  assert.deepEqual(
    [...lines].sort(),
    Array.from({ length: 10 }, (_, i) => `hello world ${i}`).sort(),
  );
});

Deno.test("docs: shared memory with Value and Array", async () => {
  assert.deepEqual(await example("value"), [
    "3.1415927",
    "[0,-1,-2,-3,-4,-5,-6,-7,-8,-9]",
  ]);
});

mpTest("docs: SharedMemory attached twice, the bytes seen through both", () => {
  const shmA = new SharedMemory({ create: true, size: 10 });
  const buffer = shmA.buf;
  buffer.set([22, 33, 44, 55], 0);
  buffer[4] = 100;
  const shmB = new SharedMemory({ name: shmA.name });
  assert.deepEqual([...shmB.buf.slice(0, 5)], [22, 33, 44, 55, 100]);
  shmB.buf.set(new TextEncoder().encode("howdy"), 5);
  assert.equal(new TextDecoder().decode(shmA.buf.slice(5, 10)), "howdy");
  shmB.close();
  shmA.close();
  shmA.unlink();
});

mpTest(
  "docs: a ShareableList: item types, assignment, the slot limit of a string",
  () => {
    const a = new ShareableList([
      "howdy",
      new TextEncoder().encode("HoWdY"),
      -273.154,
      100,
      null,
      true,
      42,
    ]);
    assert.deepEqual(
      [...a].map((x) => x === null ? "null" : x.constructor.name),
      ["String", "Uint8Array", "Number", "Number", "null", "Boolean", "Number"],
    );
    assert.equal(a.get(2), -273.154);
    a.set(2, -78.5);
    assert.equal(a.get(2), -78.5);
    a.set(2, "dry ice"); // fits: a number's slot holds 8 bytes
    assert.equal(a.get(2), "dry ice");
    assert.throws(
      () => a.set(2, "larger than previously allowed storage space"),
      ValueError,
    );
    assert.equal(a.get(2), "dry ice");
    assert.equal(a.length, 7);
    a.shm.close();
    a.shm.unlink();
  },
);
