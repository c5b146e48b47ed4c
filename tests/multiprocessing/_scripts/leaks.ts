// Creates shared memory in every way a program can, then ends as told
// (argument): normal, terminate, kill, error, sigkill-main. Prints JSON
// lines: {heap, shm, tracker, children} and {child shm} from children.
import {
  type Connection,
  Event,
  Lock,
  Pipe,
  Process,
  Value,
} from "../../../multiprocessing/mod.ts";
import { SharedMemory } from "../../../multiprocessing/shared_memory/mod.ts";
import { shmHeapName } from "../../../_internal/sync/shm_heap.ts";
import { trackerProcessId } from "../../../_internal/process/tracker.ts";

/** A child: makes a segment, reports it, then ends as told. */
export function child(how: string, ready: Event, conn: Connection): void {
  const shm = new SharedMemory({ create: true, size: 4096 });
  conn.sendSync({ childShm: shm.name, pid: Deno.pid });
  ready.set();
  if (how === "error") throw new Error("boom");
  if (how === "normal") return;
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0); // until killed
}

if (import.meta.main) {
  const how = Deno.args[0] ?? "normal";
  const lock = new Lock();
  const value = new Value("d", 1.5);
  void lock;
  void value;
  const mine = new SharedMemory({ create: true, size: 1 << 20 }); // never unlinked
  const [r, w] = Pipe(false);
  const target = new URL("#child", import.meta.url);
  const procs: Process[] = [];
  const childHow = how === "sigkill-main" ? "block" : how;
  for (const daemon of how === "sigkill-main" ? [true, false] : [false]) {
    const ready = new Event();
    const p = new Process({ target, args: [childHow, ready, w], daemon });
    p.start();
    await ready.wait(60);
    procs.push(p);
  }
  const childShm: string[] = [];
  for (const _ of procs) {
    childShm.push((r.recvSync() as { childShm: string }).childShm);
  }
  console.log(JSON.stringify({
    heap: shmHeapName().slice(1),
    shm: [mine.name, ...childShm],
    tracker: trackerProcessId(),
    children: procs.map((p) => p.pid),
  }));
  if (how === "terminate") procs[0]!.terminate();
  if (how === "kill") procs[0]!.kill();
  if (how === "sigkill-main") {
    await new Promise(() => setInterval(() => {}, 1 << 30)); // until killed
  }
  for (const p of procs) await p.join();
  console.log(JSON.stringify({ exitcodes: procs.map((p) => p.exitcode) }));
}
