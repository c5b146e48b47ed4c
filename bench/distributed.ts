/**
 * `deno run -A bench/distributed.ts [N]`: trivial-task throughput and
 * single-task round-trip latency of ClusterExecutor against one worker
 * host (2 threads), and RQ's throughput with 2 workers on the same kind of
 * redis-server when Debian's `python3-rq` is installed. One run each; the
 * machine's load shows in the numbers.
 *
 * @module
 */

import { ClusterExecutor } from "../distributed/mod.ts";
import { RedisServer, startHost } from "../tests/distributed/_redis_server.ts";

const N = Number(Deno.args[0] ?? 2000);
const PY = "/usr/bin/python3";

function haveRq(): boolean {
  try {
    return new Deno.Command(PY, { args: ["-c", "import rq"], stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}

async function pyconc(url: string): Promise<void> {
  const host = startHost(url, "bench", ["--threads", "2"]);
  try {
    await using ex = new ClusterExecutor({ url, queue: "bench" });
    // Warm up: the host is up and its threads are started.
    await Promise.all([1, 2, 3, 4].map((x) => ex.submit((y: number) => y, x)));
    let t0 = performance.now();
    await Promise.all(
      Array.from({ length: N }, (_, i) => ex.submit((x: number) => x + 1, i)),
    );
    const ms = performance.now() - t0;
    console.log(
      `pyconc ClusterExecutor: ${N} trivial tasks in ${ms.toFixed(0)} ms = ${
        (N / ms * 1000).toFixed(0)
      } tasks/s (1 host, 2 threads)`,
    );
    const lat: number[] = [];
    for (let i = 0; i < 50; i++) {
      t0 = performance.now();
      await ex.submit((x: number) => x, i);
      lat.push(performance.now() - t0);
    }
    lat.sort((a, b) => a - b);
    console.log(
      `pyconc ClusterExecutor: round trip median ${
        lat[25]!.toFixed(2)
      } ms (50 sequential submits)`,
    );
  } finally {
    host.kill("SIGTERM");
    await host.status;
  }
}

async function rq(port: number): Promise<void> {
  const script = `
import sys, time, subprocess
from redis import Redis
from rq import Queue
n, port = int(sys.argv[1]), int(sys.argv[2])
conn = Redis(port=port)
q = Queue("bench", connection=conn)
jobs = [q.enqueue(abs, -i) for i in range(n)]
t0 = time.perf_counter()
ws = [subprocess.Popen([sys.executable, "-m", "rq.cli", "worker", "--burst", "-q", "--url", f"redis://127.0.0.1:{port}", "bench"]) for _ in range(2)]
for w in ws: w.wait()
dt = time.perf_counter() - t0
print(f"RQ 1.13: {n} trivial jobs in {dt*1000:.0f} ms = {n/dt:.0f} jobs/s (2 burst workers, fork per job)")
q2 = Queue("lat", connection=conn)
w = subprocess.Popen([sys.executable, "-m", "rq.cli", "worker", "-q", "--url", f"redis://127.0.0.1:{port}", "lat"])
lat = []
for i in range(20):
    t0 = time.perf_counter()
    j = q2.enqueue(abs, -i)
    while j.get_status(refresh=True) != "finished":
        time.sleep(0.001)
    lat.append(time.perf_counter() - t0)
w.terminate(); w.wait()
lat.sort()
print(f"RQ 1.13: round trip median {lat[10]*1000:.2f} ms (20 sequential jobs, result polled every 1 ms)")
`;
  const r = await new Deno.Command(PY, {
    args: ["-c", script, String(N), String(port)],
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (!r.success) console.log("RQ run failed");
}

await using srv = await RedisServer.start();
await pyconc(srv.url);
if (haveRq()) await rq(srv.port);
else console.log("RQ: not installed (apt-get install python3-rq) — skipped");
