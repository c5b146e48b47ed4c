/**
 * A real `redis-server` per test file: on a free port (found by binding a
 * listener on port 0 and closing it), without persistence, stopped in
 * teardown. Where the program is missing, tests are skipped loudly.
 *
 * @module
 */

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
