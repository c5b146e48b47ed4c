// Threads that wait on each other (an Event ping-pong, a contended Lock, a
// bounded Queue) in a process without FFI permission: the waits' spins
// must not need it (sched_yield is only used where FFI is granted).
import { Event, Lock, Thread } from "../../../threading/mod.ts";
import { Queue } from "../../../queue/mod.ts";

const ROUNDS = 2000;
const ping = new Event(), pong = new Event(), lock = new Lock();
const q = new Queue<number>(4);
const counter = new Int32Array(new SharedArrayBuffer(4));
const t = new Thread({
  target: (
    ping: Event,
    pong: Event,
    lock: Lock,
    q: Queue<number>,
    counter: Int32Array,
    n: number,
  ) => {
    for (let i = 0; i < n; i++) {
      ping.waitSync();
      ping.clear();
      pong.set();
    }
    for (let i = 0; i < n; i++) {
      lock.acquireSync();
      counter[0]! += 1;
      lock.release();
    }
    for (let i = 0; i < n; i++) q.putSync(i);
  },
  args: [ping, pong, lock, q, counter, ROUNDS],
});
t.start();
for (let i = 0; i < ROUNDS; i++) {
  ping.set();
  pong.waitSync();
  pong.clear();
}
for (let i = 0; i < ROUNDS; i++) {
  lock.acquireSync();
  counter[0]! += 1;
  lock.release();
}
let sum = 0;
for (let i = 0; i < ROUNDS; i++) sum += q.getSync();
await t.join();
console.log(
  `ffi ${Deno.permissions.querySync({ name: "ffi" }).state}, counter ${
    counter[0]
  }, sum ${sum}`,
);
