/**
 * A worker host for {@linkcode ClusterExecutor}: claims tasks from a Redis
 * task queue and runs them on a local pool. Run it as a program on each
 * machine:
 *
 * ```sh
 * deno run -A jsr:@pyconc/std/distributed/worker --url redis://host:6379 --queue pyconc --processes 4
 * ```
 *
 * Options: `--url` (default `redis://127.0.0.1:6379`), `--queue` (default
 * `pyconc`), `--processes N` (a process pool, the default, with N = the
 * number of CPUs) or `--threads N` (a thread pool). On SIGTERM or SIGINT the host stops taking
 * tasks, finishes the ones it holds and exits; a host killed outright
 * leaves its tasks to be claimed again by another host (at least once).
 *
 * @module
 */

import { parseArgs } from "node:util";
import { ValueError } from "../_internal/errors.ts";
import { Host } from "./_host.ts";
import type { ClusterExecutor } from "./cluster_executor.ts";

/** Options of {@linkcode worker}. */
export interface WorkerOptions {
  /** The Redis server. @default "redis://127.0.0.1:6379" */
  url?: string;
  /** The task queue to serve. @default "pyconc" */
  queue?: string;
  /**
   * Run tasks on a `ProcessPoolExecutor` of this size (the default, with
   * the CPU count). @default the CPU count
   */
  processes?: number | null;
  /**
   * Run tasks on a `ThreadPoolExecutor` of this size instead (tasks share
   * this process; lighter to start).
   */
  threads?: number | null;
}

/** A running worker host. */
export interface WorkerHost {
  /**
   * Stops taking tasks; resolves once the tasks it holds are answered and
   * its connections are closed.
   */
  stop(): Promise<void>;
  /**
   * Settles when the host ended: resolves after `stop()`, rejects (with
   * ConnectionError) if Redis could not be reached or went away.
   */
  done: Promise<void>;
}

function size(v: unknown, name: string): number | null {
  if (v === undefined || v === null) return null;
  if (!Number.isInteger(v) || (v as number) < 1) {
    throw new ValueError(`${name} must be a positive integer`);
  }
  return v as number;
}

/**
 * Runs a worker host in this process: claims the tasks of `queue` that
 * {@linkcode ClusterExecutor}s submit, runs them on a local pool, sends
 * the outcomes back, heartbeats the tasks it holds, and claims the tasks of
 * hosts that died once their visibility timeout passed.
 *
 * @param options The server, queue and pool size.
 * @returns `{ stop, done }`.
 * @throws {ValueError} If `processes` or `threads` is not a positive integer.
 *
 * @example A host and a client in one process
 * ```ts ignore
 * import { ClusterExecutor, worker } from "@pyconc/std/distributed";
 * import assert from "node:assert/strict";
 *
 * const host = worker({ url: "redis://127.0.0.1:6379", threads: 2 });
 * await using ex = new ClusterExecutor({ url: "redis://127.0.0.1:6379" });
 * assert.deepEqual(await Array.fromAsync(ex.map((x: number) => x * x, [1, 2, 3])), [1, 4, 9]);
 * await host.stop();
 * ```
 *
 * @example Redis unreachable: `done` rejects
 * ```ts
 * import { ConnectionError, worker } from "@pyconc/std/distributed";
 * import assert from "node:assert/strict";
 *
 * const host = worker({ url: "redis://127.0.0.1:1", threads: 1 });
 * await assert.rejects(host.done, ConnectionError);
 * ```
 */
export function worker(options: WorkerOptions = {}): WorkerHost {
  const processes = size(options.processes, "processes");
  const threads = size(options.threads, "threads");
  const host = new Host({
    url: options.url ?? "redis://127.0.0.1:6379",
    queue: options.queue ?? "pyconc",
    processes: threads === null ? processes : null,
    threads,
  });
  return { stop: () => host.stop(), done: host.done };
}

/** So that the docs link the executor. */
export type { ClusterExecutor };

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      url: { type: "string", default: "redis://127.0.0.1:6379" },
      queue: { type: "string", default: "pyconc" },
      processes: { type: "string" },
      threads: { type: "string" },
    },
  });
  const num = (s: string | undefined) => s === undefined ? null : Number(s);
  const host = worker({
    url: values.url,
    queue: values.queue,
    processes: num(values.processes),
    threads: num(values.threads),
  });
  const onSignal = () => void host.stop();
  Deno.addSignalListener("SIGTERM", onSignal);
  Deno.addSignalListener("SIGINT", onSignal);
  let code = 0;
  try {
    await host.done;
  } catch (e) {
    console.error(`pyconc worker: ${e instanceof Error ? e.message : e}`);
    code = 1;
  }
  Deno.removeSignalListener("SIGTERM", onSignal);
  Deno.removeSignalListener("SIGINT", onSignal);
  Deno.exit(code);
}
