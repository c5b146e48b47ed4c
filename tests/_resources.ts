/**
 * Leak checks for the FFI-backed modules (mmap, os_process): descriptors,
 * mappings and child processes, read from /proc (Deno's sanitizers do not
 * see what libc opens).
 *
 * @module
 */

import assert from "node:assert/strict";

/** The targets of this process's open file descriptors. */
export function openFds(): Map<number, string> {
  const out = new Map<number, string>();
  for (const entry of Deno.readDirSync("/proc/self/fd")) {
    try {
      out.set(
        Number(entry.name),
        Deno.readLinkSync(`/proc/self/fd/${entry.name}`),
      );
    } catch {
      // The directory's own descriptor, closed by now.
    }
  }
  return out;
}

/** The lines of /proc/self/maps that contain `needle`. */
export function mapsMatching(needle: string): string[] {
  return Deno.readTextFileSync("/proc/self/maps").split("\n").filter((l) =>
    l.includes(needle)
  );
}

/** Shared anonymous maps (`new mmap(-1, n)`) show as this in /proc/self/maps. */
export const SHARED_ANON = "/memfd:pyconc.mmap";

/** Whether any mapping of this process covers `address`. */
export function isMapped(address: bigint): boolean {
  for (const line of Deno.readTextFileSync("/proc/self/maps").split("\n")) {
    const m = /^([0-9a-f]+)-([0-9a-f]+)/.exec(line);
    if (m === null) continue;
    if (BigInt(`0x${m[1]}`) <= address && address < BigInt(`0x${m[2]}`)) {
      return true;
    }
  }
  return false;
}

/** The pids of this process's children (zombies included), from /proc. */
export function childPids(): number[] {
  const out: number[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    let stat: string;
    try {
      stat = Deno.readTextFileSync(`/proc/${entry.name}/stat`);
    } catch {
      continue; // gone meanwhile
    }
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (Number(fields[1]) === Deno.pid) out.push(Number(entry.name));
  }
  return out;
}

/**
 * Asserts that `fn` leaves no new descriptor, no mapping matching one of
 * `mapNeedles`, and no child process behind.
 */
export async function assertNoLeaks(
  fn: () => unknown,
  mapNeedles: readonly string[] = [SHARED_ANON],
): Promise<void> {
  const fds = openFds();
  const maps = mapNeedles.map((n) => mapsMatching(n).length);
  const children = childPids();
  await fn();
  const leakedFds = [...openFds()].filter(([fd, target]) =>
    fds.get(fd) !== target
  );
  assert.deepEqual(leakedFds, [], "file descriptors leaked");
  mapNeedles.forEach((n, i) =>
    assert.equal(mapsMatching(n).length, maps[i], `maps of ${n} leaked`)
  );
  assert.deepEqual(childPids(), children, "child processes left behind");
}
