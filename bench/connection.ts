/**
 * multiprocessing.connection benchmarks beside CPython 3.11: a request/reply
 * ping-pong of `[1, "x", None]` over a Unix socket between two processes
 * (our side driven with the Sync and with the async forms), and one-way
 * 1 MiB `sendBytes` throughput. The peer process is a pyconc child for
 * pyconc, a CPython child for CPython.
 *
 * @module
 */

import { Listener } from "../multiprocessing/connection/mod.ts";
import { Process } from "../multiprocessing/mod.ts";
import type { BenchCase } from "./_harness.ts";

const ROUND_TRIPS = 20_000;
const WARMUP = 5_000;
const MIB_MESSAGES = 2_000;
const MOD = new URL("../multiprocessing/connection/mod.ts", import.meta.url)
  .href;

/** A child that echoes every object until it gets null. */
function echoChild(address: string): Process {
  const p = new Process({
    target: async (mod: string, address: string) => {
      const { ClientSync } = await import(mod);
      using conn = ClientSync(address);
      for (;;) {
        const m = conn.recvSync();
        conn.sendSync(m);
        if (m === null) break;
      }
    },
    args: [MOD, address],
  });
  p.start();
  return p;
}

/** Round trips per second, this side using the Sync or async forms. */
async function pingPong(sync: boolean): Promise<number> {
  using l = new Listener();
  const p = echoChild(l.address as string);
  using conn = await l.accept();
  const msg = [1, "x", null];
  for (let i = 0; i < WARMUP; i++) { // warm up both sides (JIT)
    await conn.send(msg);
    await conn.recv();
  }
  const t0 = performance.now();
  if (sync) {
    for (let i = 0; i < ROUND_TRIPS; i++) {
      conn.sendSync(msg);
      conn.recvSync();
    }
  } else {
    for (let i = 0; i < ROUND_TRIPS; i++) {
      await conn.send(msg);
      await conn.recv();
    }
  }
  const dt = (performance.now() - t0) / 1000;
  await conn.send(null);
  await conn.recv();
  await p.join();
  return ROUND_TRIPS / dt;
}

/** MB/s of 1 MiB messages from a child to this side. */
async function throughput(): Promise<number> {
  using l = new Listener();
  const p = new Process({
    target: async (mod: string, address: string, n: number) => {
      const { ClientSync } = await import(mod);
      using conn = ClientSync(address);
      const chunk = new Uint8Array(1 << 20).fill(1);
      conn.recvBytesSync(); // start
      for (let i = 0; i < n; i++) conn.sendBytesSync(chunk);
    },
    args: [MOD, l.address as string, MIB_MESSAGES],
  });
  p.start();
  using conn = await l.accept();
  await conn.sendBytes(new Uint8Array(1));
  const t0 = performance.now();
  let n = 0;
  for (let i = 0; i < MIB_MESSAGES; i++) n += conn.recvBytesSync().length;
  const dt = (performance.now() - t0) / 1000;
  await p.join();
  return n / 1e6 / dt;
}

const PY_PING = `
import time
from multiprocessing import Process
from multiprocessing.connection import Listener, Client
def echo(address):
    with Client(address) as c:
        while True:
            m = c.recv()
            c.send(m)
            if m is None: break
if __name__ == "__main__":
    with Listener(family="AF_UNIX") as l:
        p = Process(target=echo, args=(l.address,)); p.start()
        with l.accept() as c:
            msg = [1, "x", None]
            for _ in range(${WARMUP}):
                c.send(msg); c.recv()
            N = ${ROUND_TRIPS}
            t0 = time.perf_counter()
            for _ in range(N):
                c.send(msg); c.recv()
            dt = time.perf_counter() - t0
            c.send(None); c.recv()
        p.join()
    print(N / dt)`;

/** The benchmark cases of this group. */
export const cases: BenchCase[] = [
  {
    name: "connection ping-pong [1,'x',None], Unix socket (Sync forms)",
    unit: "round trips/s",
    better: "higher",
    goal: 1,
    python: PY_PING,
    pyconc: () => pingPong(true),
  },
  {
    name: "connection ping-pong [1,'x',None], Unix socket (async forms)",
    unit: "round trips/s",
    better: "higher",
    goal: 1,
    python: PY_PING,
    pyconc: () => pingPong(false),
  },
  {
    name: "connection sendBytes 1 MiB messages one way, Unix socket",
    unit: "MB/s",
    better: "higher",
    goal: 1,
    python: `
import time
from multiprocessing import Process
from multiprocessing.connection import Listener, Client
N = ${MIB_MESSAGES}
def send(address):
    with Client(address) as c:
        chunk = b"\\x01" * (1 << 20)
        c.recv_bytes()
        for _ in range(N):
            c.send_bytes(chunk)
if __name__ == "__main__":
    with Listener(family="AF_UNIX") as l:
        p = Process(target=send, args=(l.address,)); p.start()
        with l.accept() as c:
            c.send_bytes(b"x")
            t0 = time.perf_counter()
            n = 0
            for _ in range(N):
                n += len(c.recv_bytes())
            dt = time.perf_counter() - t0
        p.join()
    print(n / 1e6 / dt)`,
    pyconc: throughput,
  },
];
