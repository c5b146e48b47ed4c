// A thread that runs out of memory ends, and the program goes on, whether
// its Worker is fresh (the program's first thread) or reused. Prints one
// line per thread: whether it is still alive after join, and whether the
// excepthook saw it.
import { setWorkerHeapLimitMb } from "../../../_internal/threads/spawn.ts";
import { setExcepthook, Thread } from "../../../threading/mod.ts";

setWorkerHeapLimitMb(64); // small, so that the test is quick
const seen: string[] = [];
setExcepthook((args) => void seen.push(args.thread?.name ?? "?"));
const hog = () => {
  const keep: number[][] = [];
  for (;;) keep.push(new Array(100_000).fill(1.5));
};

// A fresh Worker: its first assignment came through promise jobs.
const fresh = new Thread({ target: hog, name: "fresh" });
fresh.start();
await fresh.join(60);
console.log(`fresh: alive=${fresh.isAlive()} hook=${seen.includes("fresh")}`);

// A reused Worker: a thread ran on it before.
const warm = new Thread({ target: () => 1, name: "warm" });
warm.start();
await warm.join(60);
const reused = new Thread({ target: hog, name: "reused" });
reused.start();
await reused.join(60);
console.log(
  `reused: alive=${reused.isAlive()} hook=${seen.includes("reused")}`,
);
