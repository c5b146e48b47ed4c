/**
 * `deno run -A bench/distributed.ts [N] [--no-scaling | --scaling-only]`: pyconc's ClusterExecutor beside
 * the Python ecosystem's task queues on the same redis-server (one started
 * here, no persistence):
 *
 * - throughput: N trivial tasks (default 10 000), submitted at once, timed
 *   until every result is back at the client;
 * - latency: the median of 50 sequential single-task round trips;
 * - scaling: a CPU-bound map on 1, 2 and 4 worker hosts (processes on this
 *   machine standing in for machines), with the speedup over one host;
 *   the configurations take turns, 5 rounds, and each one's best run counts
 *   (the row names the machine's core count: hosts beyond it cannot add
 *   speed).
 *
 * pyconc: one worker host with 2 pool processes (and, for comparison, the
 * same host with 2 pool threads, printed after the table). Celery (Debian's
 * `python3-celery`): a prefork worker with concurrency 2, Redis as broker
 * and result backend. RQ (`python3-rq`): 2 workers (fork per job, RQ's
 * design). A missing Python package skips its rows with a loud note. RQ
 * runs at most 500 jobs (its rate is per job; 10 000 would take minutes).
 * The machine's load shows in every number: compare ratios from one run.
 *
 * @module
 */

import { ClusterExecutor } from "../distributed/mod.ts";
import { RedisServer, startHost } from "../tests/distributed/_redis_server.ts";

const N = Number(Deno.args.find((a) => /^\d+$/.test(a)) ?? 10_000);
const RQ_N = Math.min(N, 500);
const PY = "/usr/bin/python3";
const LAT = 50;

function loud(msg: string): void {
  console.log(`%c${msg}`, "color: red; font-weight: bold");
}

function havePy(mod: string): boolean {
  try {
    return new Deno.Command(PY, {
      args: ["-c", `import ${mod}`],
      stdout: "null",
      stderr: "null",
    }).outputSync().success;
  } catch {
    return false;
  }
}

/** One result row. */
interface Row {
  name: string;
  tput?: number;
  lat?: number;
  note?: string;
}

/**
 * Waits until each of the `pids` hosts ran a task (its pool process is up):
 * rounds of slow tasks that return their host's pid.
 */
async function allHostsRan(
  ex: ClusterExecutor,
  hosts: Deno.ChildProcess[],
): Promise<void> {
  const pids = hosts.map((h) => h.pid);
  // A host that exits (it could not reach Redis in time on a loaded
  // machine) fails the bench instead of leaving it waiting.
  const exited = Promise.race(hosts.map((h) => h.status)).then((st) => {
    throw new Error(
      `a worker host exited during warm-up: ${JSON.stringify(st)}`,
    );
  });
  const seen = new Set<number>();
  while (seen.size < pids.length) {
    const got = await Promise.race([
      Array.fromAsync(
        ex.map(
          async (ms: number) => {
            await new Promise((r) => setTimeout(r, ms));
            return Deno.ppid; // a pool process's parent: its host
          },
          Array(4 * pids.length).fill(200),
        ),
      ),
      exited,
    ]);
    for (const p of got) if (pids.includes(p)) seen.add(p);
  }
  exited.catch(() => {});
}

async function stopHosts(hosts: Deno.ChildProcess[]): Promise<void> {
  for (const h of hosts) h.kill("SIGTERM");
  for (const h of hosts) await h.status;
}

/**
 * CPU milliseconds used so far by processes `pids` and their descendants
 * (Linux's /proc; 0 elsewhere): how many cores the hosts really got shows
 * whether a speedup was limited by the machine rather than by pyconc.
 */
function cpuMs(pids: number[]): number {
  let ms = 0;
  const seen = new Set<number>();
  const visit = (pid: number) => {
    if (seen.has(pid)) return;
    seen.add(pid);
    try {
      const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      ms += (Number(f[11]) + Number(f[12])) * 10; // utime + stime, 100 Hz
      for (const t of Deno.readDirSync(`/proc/${pid}/task`)) {
        const kids = Deno.readTextFileSync(
          `/proc/${pid}/task/${t.name}/children`,
        );
        for (const c of kids.trim().split(" ")) if (c) visit(Number(c));
      }
    } catch {
      // gone meanwhile, or not Linux
    }
  };
  for (const p of pids) visit(p);
  return ms;
}

/** The machine's 1-minute load average: other users' work shows in it. */
function load(): string {
  return `load avg ${Deno.loadavg()[0]!.toFixed(1)}`;
}

/** The row, its name with the load average when it was measured. */
function stamp(r: Row): Row {
  return { ...r, name: `${r.name}, ${load()}` };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function pyconc(srv: RedisServer, pool: string[]): Promise<Row> {
  const url = srv.url;
  const queue = `bench${pool[0]}`;
  const host = startHost(url, queue, pool);
  try {
    await using ex = new ClusterExecutor({ url, queue });
    // Warm up: the host is up and both pool workers started.
    await Promise.all(
      Array.from({ length: 8 }, (_, x) => ex.submit((y: number) => y, x)),
    );
    let t0 = performance.now();
    await Promise.all(
      Array.from({ length: N }, (_, i) => ex.submit((x: number) => x + 1, i)),
    );
    const ms = performance.now() - t0;
    const lat: number[] = [];
    for (let i = 0; i < LAT; i++) {
      t0 = performance.now();
      await ex.submit((x: number) => x, i);
      lat.push(performance.now() - t0);
    }
    return {
      name: `pyconc ClusterExecutor (1 host, ${pool.join(" ")})`,
      tput: N / ms * 1000,
      lat: median(lat),
    };
  } finally {
    await stopHosts([host]);
  }
}

/** Runs a Python script that prints `tput lat`. */
async function python(
  script: string,
  args: string[],
  cwd?: string,
): Promise<{ tput: number; lat: number } | string> {
  const r = await new Deno.Command(PY, {
    args: ["-c", script, ...args],
    cwd,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const out = new TextDecoder().decode(r.stdout).trim().split("\n").at(-1)!;
  const m = /^RESULT ([\d.]+) ([\d.]+)$/.exec(out ?? "");
  if (!r.success || m === null) {
    return `failed: ${new TextDecoder().decode(r.stderr).slice(-400)}`;
  }
  return { tput: Number(m[1]), lat: Number(m[2]) };
}

const CELERY_TASKS = `
import os
from celery import Celery
url = os.environ["BENCH_REDIS"]
app = Celery("benchtasks", broker=url, backend=url)
app.conf.task_default_queue = "celerybench"
app.conf.worker_prefetch_multiplier = 4

@app.task
def inc(x):
    return x + 1
`;

const CELERY_CLIENT = `
import sys, time, subprocess, statistics
from benchtasks import inc
n, lat_n = int(sys.argv[1]), int(sys.argv[2])
w = subprocess.Popen([sys.executable, "-m", "celery", "-A", "benchtasks", "worker",
    "--pool", "prefork", "--concurrency", "2", "--loglevel", "WARNING",
    "--without-gossip", "--without-mingle", "--without-heartbeat"],
    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
try:
    for r in [inc.delay(i) for i in range(8)]:
        r.get(timeout=300)
    t0 = time.perf_counter()
    rs = [inc.delay(i) for i in range(n)]
    for r in rs:
        r.get(timeout=600)
    tput = n / (time.perf_counter() - t0)
    lat = []
    for i in range(lat_n):
        t0 = time.perf_counter()
        inc.delay(i).get(timeout=60)
        lat.append(time.perf_counter() - t0)
    print(f"RESULT {tput} {statistics.median(lat) * 1000}")
finally:
    w.terminate()
    w.wait()
`;

async function celery(srv: RedisServer): Promise<Row> {
  const name = "Celery 5.2 (prefork, concurrency 2)";
  const dir = await Deno.makeTempDir({ prefix: "pyconc-celery-" });
  try {
    await Deno.writeTextFile(`${dir}/benchtasks.py`, CELERY_TASKS);
    Deno.env.set("BENCH_REDIS", `${srv.url}/0`);
    const r = await python(CELERY_CLIENT, [String(N), String(LAT)], dir);
    if (typeof r === "string") return { name, note: r };
    return { name, ...r };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const RQ_CLIENT = `
import sys, time, subprocess, statistics
from redis import Redis
from rq import Queue
from rq.registry import FinishedJobRegistry
n, lat_n, port = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
url = f"redis://127.0.0.1:{port}"
conn = Redis(port=port)
q = Queue("rqbench", connection=conn)
ws = [subprocess.Popen([sys.executable, "-m", "rq.cli", "worker", "-q", "--url", url, "rqbench"],
      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(2)]
def wait(jobs):
    for j in jobs:
        while j.get_status(refresh=True) != "finished":
            time.sleep(0.001)
try:
    wait([q.enqueue(abs, -i) for i in range(4)])
    reg = FinishedJobRegistry(queue=q)
    base = reg.count
    t0 = time.perf_counter()
    jobs = [q.enqueue(abs, -i) for i in range(n)]
    while reg.count < base + n:
        time.sleep(0.005)
    tput = n / (time.perf_counter() - t0)
    lat = []
    for i in range(lat_n):
        t0 = time.perf_counter()
        wait([q.enqueue(abs, -i)])
        lat.append(time.perf_counter() - t0)
    print(f"RESULT {tput} {statistics.median(lat) * 1000}")
finally:
    for w in ws:
        w.terminate()
    for w in ws:
        w.wait()
`;

async function rq(srv: RedisServer): Promise<Row> {
  const name = `RQ 1.13 (2 workers, fork per job; ${RQ_N} jobs)`;
  const r = await python(RQ_CLIENT, [
    String(RQ_N),
    String(Math.min(LAT, 20)),
    String(srv.port),
  ]);
  if (typeof r === "string") return { name, note: r };
  return { name, ...r };
}

/** A CPU-bound call (no I/O, no allocation): ≈ 8 ms per million. */
function spin(n: number): number {
  let x = 0;
  for (let i = 0; i < n; i++) x = (x * 31 + i) % 1000003;
  return x;
}

/** Rounds of the scaling runs; each configuration's best run counts. */
const SCALE_RUNS = 5;

/**
 * The CPU-bound map on 1, 2 and 4 hosts of one pool process each. All
 * hosts are up at once (one queue per configuration; idle hosts wait on
 * Redis), and the configurations take turns, {@linkcode SCALE_RUNS}
 * rounds, so that the load of a shared machine falls on them alike; each
 * one's best run counts (one noisy run must not decide), all runs shown.
 */
async function scaling(srv: RedisServer): Promise<string[]> {
  const ncpu = navigator.hardwareConcurrency;
  const tasks = Array.from({ length: 32 }, () => 6_000_000);
  const configs = [1, 2, 4].map((k) => ({
    k,
    queue: `scale${k}`,
    hosts: [] as Deno.ChildProcess[],
    runs: [] as number[],
    /** Cores the hosts used during each run (CPU time / wall time). */
    cores: [] as number[],
  }));
  const exs: ClusterExecutor[] = [];
  let failed = false;
  try {
    try {
      // One configuration's hosts after the other's: seven programs
      // starting at once on a loaded machine can miss Redis's deadline.
      for (const c of configs) {
        for (let i = 0; i < c.k; i++) {
          c.hosts.push(startHost(srv.url, c.queue, ["--processes", "1"]));
        }
        exs.push(new ClusterExecutor({ url: srv.url, queue: c.queue }));
        await allHostsRan(exs.at(-1)!, c.hosts);
      }
      for (let r = 0; r < SCALE_RUNS; r++) {
        for (const [i, c] of configs.entries()) {
          const pids = c.hosts.map((h) => h.pid);
          const cpu0 = cpuMs(pids);
          const t0 = performance.now();
          const out = await Array.fromAsync(exs[i]!.map(spin, tasks));
          const ms = performance.now() - t0;
          c.runs.push(ms);
          c.cores.push((cpuMs(pids) - cpu0) / ms);
          if (out.length !== tasks.length) throw new Error("lost results");
        }
      }
    } catch (e) {
      failed = true;
      throw e;
    } finally {
      for (const ex of exs) {
        await ex.shutdown({ wait: !failed, cancelFutures: failed });
      }
    }
  } finally {
    await stopHosts(configs.flatMap((c) => c.hosts));
  }
  const base = Math.min(...configs[0]!.runs);
  const after = load();
  return configs.map(({ k, runs, cores }) => {
    const best = Math.min(...runs);
    const used = cores[runs.indexOf(best)]!;
    return `| scaling (${ncpu} cores here): 32 × CPU-bound call, ${k} host${
      k > 1 ? "s" : ""
    } × 1 process | best of ${SCALE_RUNS}: ${best.toFixed(0)} ms (${
      runs.map((x) => x.toFixed(0)).join(", ")
    }; ${after}) | speedup ${(base / best).toFixed(2)}× (the hosts got ${
      used.toFixed(2)
    } cores in that run) |`;
  });
}

const srv = await RedisServer.start();
try {
  if (Deno.args.includes("--scaling-only")) {
    for (const l of await scaling(srv)) console.log(l);
  } else await main(srv);
} finally {
  await srv.kill();
}

async function main(srv: RedisServer): Promise<void> {
  const rows: Row[] = [stamp(await pyconc(srv, ["--processes", "2"]))];
  if (havePy("celery")) rows.push(stamp(await celery(srv)));
  else {
    loud(
      "WARNING: Celery rows SKIPPED: python3-celery is not installed (apt-get install -y python3-celery)",
    );
  }
  if (havePy("rq")) rows.push(stamp(await rq(srv)));
  else {
    loud(
      "WARNING: RQ rows SKIPPED: python3-rq is not installed (apt-get install -y python3-rq)",
    );
  }
  console.log(
    `\n| ${N} trivial tasks; round trip = median of ${LAT} | tasks/s | round trip ms |`,
  );
  console.log("|---|---|---|");
  for (const r of rows) {
    console.log(
      r.note !== undefined
        ? `| ${r.name} | ${r.note} | |`
        : `| ${r.name} | ${r.tput!.toFixed(0)} | ${r.lat!.toFixed(2)} |`,
    );
  }
  const others = rows.slice(1).filter((r) => r.tput !== undefined);
  if (others.length > 0) {
    const best = Math.max(...others.map((r) => r.tput!));
    const bestLat = Math.min(...others.map((r) => r.lat!));
    const p = rows[0]!;
    console.log(
      `| pyconc vs the better of them | ${
        (p.tput! / best).toFixed(2)
      }× (goal ≥ 3×) | ${(p.lat! / bestLat).toFixed(2)}× (goal ≤ 0.5×) |`,
    );
  }
  // The same host on a thread pool: where the pool's own cost shows.
  const threads = stamp(await pyconc(srv, ["--threads", "2"]));
  console.log(
    `| ${threads.name} | ${threads.tput!.toFixed(0)} | ${
      threads.lat!.toFixed(2)
    } |`,
  );
  if (!Deno.args.includes("--no-scaling")) {
    console.log("");
    for (const l of await scaling(srv)) console.log(l);
  }
}
