/**
 * Leak checks for the subprocess suites: descriptors and children.
 *
 * @module
 */

import assert from "node:assert/strict";

/** The descriptors this process has open (from `/proc/self/fd`). */
export function openFds(): Set<string> {
  const out = new Set<string>();
  for (const e of Deno.readDirSync("/proc/self/fd")) {
    let target = "?";
    try {
      target = Deno.readLinkSync(`/proc/self/fd/${e.name}`);
    } catch {
      continue; // the directory's own descriptor, gone already
    }
    out.add(`${e.name} -> ${target}`);
  }
  return out;
}

/** The pids whose parent is this process (running or zombie). */
export function children(): number[] {
  const out: number[] = [];
  for (const e of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    let stat: string;
    try {
      stat = Deno.readTextFileSync(`/proc/${e.name}/stat`);
    } catch {
      continue;
    }
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (Number(fields[1]) === Deno.pid) out.push(Number(e.name));
  }
  return out;
}

/**
 * A Deno.test that also fails when the test leaves a descriptor open or a
 * child (running or zombie) behind.
 */
export function spTest(name: string, fn: () => void | Promise<void>): void {
  Deno.test(name, async () => {
    const before = openFds();
    await fn();
    const leaked = [...openFds()].filter((fd) => !before.has(fd));
    assert.deepEqual(leaked, [], `descriptors left open: ${leaked.join(", ")}`);
    assert.deepEqual(children(), [], "children left behind");
  });
}

const encoder = new TextEncoder();
/** UTF-8 bytes of a string. */
export function bytes(s: string): Uint8Array {
  return encoder.encode(s);
}

const decoder = new TextDecoder();
/** A string from UTF-8 bytes (or the string itself). */
export function str(b: Uint8Array | string | null): string {
  if (b === null) return "<null>";
  return typeof b === "string" ? b : decoder.decode(b);
}
