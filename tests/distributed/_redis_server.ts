/**
 * A real `redis-server` per test file: on a free port (found by binding a
 * listener on port 0 and closing it), without persistence, stopped in
 * teardown. Where the program is missing, tests are skipped loudly. Also
 * the worker hosts the tests start, and the clean-up of a run that used
 * them (`endRun`).
 *
 * @module
 */

import assert from "node:assert/strict";
import type { ClusterExecutor, Queue } from "../../distributed/mod.ts";

/** Whether `redis-server` can be run here. */
export const HAVE_REDIS: boolean = (() => {
  try {
    const r = new Deno.Command("redis-server", {
      args: ["--version"],
      stdout: "null",
      stderr: "null",
    }).outputSync();
    return r.success;
  } catch {
    return false;
  }
})();

if (!HAVE_REDIS) {
  console.warn(
    "%cWARNING: redis-server is not installed: the distributed tests are SKIPPED (apt-get install -y redis-server)",
    "color: red; font-weight: bold",
  );
}

/** A free TCP port on 127.0.0.1 (bound, then closed). */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** A running redis-server. */
export class RedisServer {
  readonly port: number;
  readonly url: string;
  readonly #child: Deno.ChildProcess;
  #stopped = false;

  private constructor(port: number, child: Deno.ChildProcess) {
    this.port = port;
    this.url = `redis://127.0.0.1:${port}`;
    this.#child = child;
  }

  /** Starts a server and waits until it accepts connections. */
  static async start(port = freePort()): Promise<RedisServer> {
    const child = new Deno.Command("redis-server", {
      args: [
        "--port",
        String(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
      ],
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    // Ready once it logs so (no polling).
    const reader = child.stdout.pipeThrough(new TextDecoderStream())
      .getReader();
    let log = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) {
        await child.status;
        throw new Error(`redis-server did not start:\n${log}`);
      }
      log += value;
      if (/Ready to accept connections/.test(log)) break;
    }
    // Keep draining its log so that it never blocks on a full pipe.
    (async () => {
      try {
        while (!(await reader.read()).done) { /* discard */ }
      } catch { /* closed */ }
    })();
    return new RedisServer(port, child);
  }

  /** Stops it (SIGKILL: as a crash) and reaps it. */
  async kill(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    try {
      this.#child.kill("SIGKILL");
    } catch { /* gone */ }
    await this.#child.status;
  }

  /** `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.kill();
  }
}

/** Starts a worker host program (`distributed/worker.ts`) as a child. */
export function startHost(
  url: string,
  queue = "pyconc",
  extra: string[] = ["--threads", "1"],
): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--quiet",
      "--config",
      new URL("../../deno.json", import.meta.url).pathname,
      new URL("../../distributed/worker.ts", import.meta.url).pathname,
      "--url",
      url,
      "--queue",
      queue,
      ...extra,
    ],
    stdout: "null",
    stderr: "inherit",
  }).spawn();
}

/** The connections a server has, besides the one asking. */
export async function clientCount(port: number): Promise<number> {
  const r = await new Deno.Command("redis-cli", {
    args: ["-p", String(port), "CLIENT", "LIST"],
    stdout: "piped",
    stderr: "null",
  }).output();
  const lines = new TextDecoder().decode(r.stdout).split("\n").filter((l) =>
    l.includes("cmd=") && !l.includes("cmd=client|list")
  );
  return lines.length;
}

/** What a test's run leaves to clean up (see {@linkcode endRun}). */
export interface Run {
  /** Shut down with `cancelFutures`. */
  ex: ClusterExecutor;
  /** The queue a waiting task (`announceThenWait`) reads; closed last. */
  go?: Queue<number>;
  /** How many items to put to `go` first (default 1). */
  goes?: number;
  /** Other queues to close. */
  queues?: Queue<number>[];
  /** Hosts to SIGKILL (dead ones are fine) and reap. */
  killed?: (Deno.ChildProcess | undefined)[];
  /** Hosts to SIGTERM; each must exit 0 unless `termExitAny`. */
  termed?: (Deno.ChildProcess | undefined)[];
  /** Hosts in `termed` may be dead already or exit any way. */
  termExitAny?: boolean;
}

/**
 * Ends a run, from a `finally`: puts to `go` (a task waiting on it would
 * hold up the shutdown, even when the test failed), shuts the executor
 * down cancelling what did not start, closes the queues, SIGKILLs and
 * reaps the `killed` hosts, then SIGTERMs the `termed` ones and checks
 * that they exit 0 (a clean leave).
 */
export async function endRun(run: Run): Promise<void> {
  const { ex, go, goes = 1, queues = [], killed = [], termed = [] } = run;
  if (go !== undefined) { for (let i = 0; i < goes; i++) await go.put(1); }
  await ex.shutdown({ cancelFutures: true });
  for (const q of queues) await q.close();
  await go?.close();
  for (const h of killed) {
    if (h === undefined) continue;
    try {
      h.kill("SIGKILL");
    } catch { /* dead */ }
    await h.status;
  }
  for (const h of termed) {
    if (h === undefined) continue;
    if (run.termExitAny) {
      try {
        h.kill("SIGTERM");
      } catch { /* dead */ }
      await h.status;
    } else {
      h.kill("SIGTERM");
      assert.equal((await h.status).code, 0);
    }
  }
}
