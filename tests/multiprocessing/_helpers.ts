/**
 * Helpers of the multiprocessing suites: leak checks (children, /dev/shm),
 * running scripts as separate programs, waiting for unrelated processes.
 *
 * @module
 */

import assert from "node:assert/strict";
import { spareProcessId, useSpares } from "../../_internal/process/launch.ts";
import { trackerProcessId } from "../../_internal/process/tracker.ts";
import { ProcessTable } from "../../_internal/process/table.ts";
import { closeFd, pidfdOpen, pollAsync } from "../../_internal/process/os.ts";

const decoder = new TextDecoder();

/**
 * The live (or unreaped) children of this process, except the spare and
 * the resource tracker, which live as long as the program.
 */
export function childPids(): number[] {
  const out: number[] = [];
  for (const task of Deno.readDirSync("/proc/self/task")) {
    let text: string;
    try {
      text = Deno.readTextFileSync(`/proc/self/task/${task.name}/children`);
    } catch {
      continue; // the thread ended meanwhile
    }
    for (const s of text.trim().split(/\s+/)) {
      const pid = Number(s);
      if (!pid || pid === spareProcessId() || pid === trackerProcessId()) {
        continue;
      }
      out.push(pid);
    }
  }
  return out.sort();
}

/** The entries of /dev/shm. */
export function shmEntries(): Set<string> {
  return new Set([...Deno.readDirSync("/dev/shm")].map((e) => e.name));
}

/**
 * A Deno.test that also checks that every child process it started was
 * reaped (no zombie, nothing left running).
 */
export function mpTest(
  name: string,
  fn: () => void | Promise<void>,
): void {
  Deno.test(name, async () => {
    const before = new Set(childPids());
    await fn();
    // The spare waits for the next start: end it, so that suites of other
    // modules run in this process see no child of ours.
    useSpares(false);
    useSpares(true);
    // join() returns once a child finished; its teardown takes a moment more.
    if (ProcessTable.exists()) ProcessTable.get().reapFinished(10_000);
    const left = childPids().filter((p) => !before.has(p));
    assert.deepEqual(left, [], `children left: ${left.join(", ")}`);
  });
}

/** Runs a script of _scripts/ as its own program. */
export async function runScript(
  name: string,
  options: { args?: string[]; flags?: string[]; stdin?: string } = {},
): Promise<{ code: number; out: string; err: string }> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      ...(options.flags ?? ["-A"]),
      new URL(`./_scripts/${name}`, import.meta.url).pathname,
      ...(options.args ?? []),
    ],
    stdin: options.stdin !== undefined ? "piped" : "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (options.stdin !== undefined) {
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(options.stdin));
    await w.close();
  }
  const r = await child.output();
  return {
    code: r.code,
    out: decoder.decode(r.stdout),
    err: decoder.decode(r.stderr),
  };
}

/**
 * Waits until process `pid` (any process, not only a child) has ended.
 * @returns false if it still runs after `seconds`.
 */
export async function waitGone(pid: number, seconds = 30): Promise<boolean> {
  const fd = pidfdOpen(pid);
  if (fd < 0) return true;
  try {
    return await pollAsync(fd, seconds * 1000);
  } finally {
    closeFd(fd);
  }
}

/** Whether process `pid` exists (a zombie counts as gone). */
export function alive(pid: number): boolean {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return !/^\d+ \(.*\) Z /.test(stat);
  } catch {
    return false;
  }
}

/**
 * Waits until the main thread of process `pid` sleeps in the kernel (state
 * `S`): after it announced that it is about to block, this is the moment it
 * sits in its futex wait, holding no lock. An OS state has no notification,
 * so it is looked at again every few milliseconds (test code only).
 */
export async function sleepingInKernel(
  pid: number,
  seconds = 30,
): Promise<void> {
  const deadline = performance.now() + seconds * 1000;
  while (performance.now() < deadline) {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    const state = stat.slice(
      stat.lastIndexOf(")") + 2,
      stat.lastIndexOf(")") + 3,
    );
    if (state === "S") return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`process ${pid} never went to sleep`);
}
